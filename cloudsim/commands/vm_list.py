"""The virtualmachine object and listVirtualMachines.

Every VM command answers with the same object (UserVmResponse); `vm_entities` builds it for a
page of rows with a fixed number of queries (NICs, security groups, affinity groups, public IPs
for the whole page at once). Root admins also see instancename, hostid and hostname.
"""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command, register_entity
from ..api.views import F, ListResult, View
from ..core.access import Scope, list_scope
from ..core.tags import tag_entities, tags_clause
from ..core.vm_state import State
from ..errors import invalid_value
from ..jobs.store import pending_jobs_for
from ..store import vm as store
from .account import domain_display_path

register_entity("VirtualMachine", store.get_vm)
register_entity("UserVm", store.get_vm)
register_entity("VirtualMachineIncludingRemoved", store.get_vm_any)

# Host statuses in which the VM's host counts as lost (ControlState.getControlState).
_LOST = {"Down", "Disconnected", "Alert", "Removed", "Error", "Rebalancing"}
_MAINTENANCE = {"Maintenance", "ErrorInMaintenance", "PrepareForMaintenance", "ErrorInPrepareForMaintenance"}
# States are stored in CloudStack's spelling; a filter names them in any case. Comparing the column
# itself (not lower(state)) lets PostgreSQL use its statistics and indexes.
_STATES = {s.value.lower(): s.value for s in State}
# Characters an IPv4 (or IPv6) address's text can hold, plus LIKE's wildcards and escape: a keyword
# with any other character matches no address, so the address arms (two scans) are left out, and
# one that is not IPv4 text need only look at IPv6 addresses (a cheap test before the LIKE).
_IPV4_CHARS = set("0123456789.%_\\")
_IP_CHARS = _IPV4_CHARS | set("abcdefABCDEF:")
DETAIL_GROUPS = {"all", "group", "nics", "stats", "secgrp", "tmpl", "servoff", "diskoff", "backoff", "iso", "volume",
                 "min", "affgrp", "vnfnics"}


class NicView(View):
    object_name = "nic"
    fields = (
        F("id", "string", "the NIC ID"), F("networkid", "string", "its network"),
        F("networkname", "string", "the network's name"), F("netmask", "string", "netmask"),
        F("gateway", "string", "gateway"), F("ipaddress", "string", "IPv4 address"),
        F("isolationuri", "string", "isolation URI"), F("broadcasturi", "string", "broadcast URI"),
        F("traffictype", "string", "traffic type"), F("type", "string", "network type"),
        F("isdefault", "boolean", "true for the VM's default NIC"), F("macaddress", "string", "MAC address"),
        F("deviceid", "string", "device number", since="4.4"),
        F("virtualmachineid", "string", "the VM"), F("ipaddresses", "list", "IP addresses", since="4.14.0"),
        F("secondaryip", "list", "secondary addresses"), F("extradhcpoption", "list", "extra DHCP options", since="4.11.0"),
        F("publicipid", "string", "public IP statically NATed to this NIC", since="4.19.0"),
        F("publicip", "string", "that public address", since="4.19.0"),
    )


class VmSecurityGroupView(View):
    object_name = "securitygroup"
    fields = (F("id", "string", "the group ID"), F("name", "string", "its name"),
              F("description", "string", "its description"), F("account", "string", "owner account"),
              F("domainid", "string", "owner domain ID"), F("domain", "string", "owner domain"),
              F("ingressrule", "list", "ingress rules"), F("egressrule", "list", "egress rules"),
              F("tags", "list", "resource tags"))


class VmAffinityGroupView(View):
    object_name = "affinitygroup"
    fields = (F("id", "string", "the group ID"), F("name", "string", "its name"),
              F("description", "string", "its description"), F("type", "string", "its type"),
              F("account", "string", "owner account"), F("domainid", "string", "owner domain ID"),
              F("domain", "string", "owner domain"))


class VirtualMachineView(View):
    object_name = "virtualmachine"
    kind = "VirtualMachine"
    fields = (
        F("id", "string", "the VM ID"), F("name", "string", "the host name"),
        F("displayname", "string", "the display name (the host name when none is set)"),
        F("account", "string", "owner account"), F("userid", "string", "the user who created it"),
        F("username", "string", "that user's name"), F("projectid", "string", "owner project"),
        F("project", "string", "owner project's name"), F("domainid", "string", "owner domain ID"),
        F("domain", "string", "owner domain"), F("domainpath", "string", "owner domain path", since="4.19.2.0"),
        F("created", "date", "when it was created"), F("lastupdated", "date", "last state change", since="4.16.0"),
        F("state", "string", "the VM state"), F("haenable", "boolean", "true if HA is enabled"),
        F("groupid", "string", "its instance group"), F("group", "string", "that group's name"),
        F("zoneid", "string", "its zone"), F("zonename", "string", "the zone's name"),
        F("hostid", "string", "the host it runs on", admin_only=True),
        F("hostname", "string", "that host's name", admin_only=True),
        F("hostcontrolstate", "string", "the control state of that host", since="4.16.0"),
        F("templateid", "string", "its template (or ISO)"), F("templatename", "string", "the template's name"),
        F("templatetype", "string", "the template's type", since="4.19.0"),
        F("templateformat", "string", "the template's format", since="4.19.1"),
        F("templatedisplaytext", "string", "the template's description"),
        F("passwordenabled", "boolean", "true if the template sets guest passwords"),
        F("isoid", "string", "the attached ISO"), F("isoname", "string", "its name"),
        F("isodisplaytext", "string", "its description"),
        F("serviceofferingid", "string", "the compute offering"), F("serviceofferingname", "string", "its name"),
        F("diskofferingid", "string", "the root disk offering", since="4.4"),
        F("diskofferingname", "string", "its name", since="4.4"),
        F("forvirtualnetwork", "boolean", "true if on a virtual network"),
        F("cpunumber", "integer", "vCPUs"), F("cpuspeed", "integer", "MHz per vCPU"), F("memory", "integer", "MiB"),
        F("cpuused", "string", "CPU use"), F("networkkbsread", "long", "network read kB"),
        F("networkkbswrite", "long", "network written kB"), F("diskkbsread", "long", "disk read kB"),
        F("diskkbswrite", "long", "disk written kB"), F("memorykbs", "long", "memory used kB"),
        F("memoryintfreekbs", "long", "free guest memory kB"), F("memorytargetkbs", "long", "target memory kB"),
        F("diskioread", "long", "disk read operations"), F("diskiowrite", "long", "disk write operations"),
        F("guestosid", "string", "guest OS type"), F("rootdeviceid", "long", "root device number"),
        F("rootdevicetype", "string", "root device type"),
        F("securitygroup", "set", "its security groups", view=VmSecurityGroupView),
        F("password", "string", "the guest password (deploy and password reset only)"),
        F("nic", "set", "its NICs", view=NicView), F("hypervisor", "string", "hypervisor type"),
        F("publicipid", "string", "the public IP statically NATed to it"), F("publicip", "string", "that address"),
        F("instancename", "string", "the internal (hypervisor) name", admin_only=True, since="3.0.1"),
        F("details", "map", "VM settings", since="4.2.1"),
        F("readonlydetails", "string", "settings a user may not change", since="4.16.0"),
        F("keypairs", "string", "its SSH key pairs"),
        F("affinitygroup", "set", "its affinity groups", view=VmAffinityGroupView),
        F("displayvm", "boolean", "whether the owner sees it", admin_only=True),
        F("isdynamicallyscalable", "boolean", "true if CPU and RAM may be changed while it runs"),
        F("deleteprotection", "boolean", "true if it cannot be destroyed", since="4.20.0"),
        F("servicestate", "string", "state of the service it runs"), F("ostypeid", "string", "guest OS type", since="4.4"),
        F("osdisplayname", "string", "guest OS name", since="4.13.2"),
        F("pooltype", "string", "pool type of the root volume", since="4.16"),
        F("receivedbytes", "long", "bytes received"), F("sentbytes", "long", "bytes sent"),
        F("userdata", "string", "its user data, base64", since="4.18.0.0"),
        F("userdataid", "string", "stored user data it uses", since="4.18.0"),
        F("userdataname", "string", "that user data's name", since="4.18.0"),
        F("userdatapolicy", "string", "user data override policy", since="4.18.0"),
        F("userdatadetails", "string", "user data variable values", since="4.18.0"),
        F("vmtype", "string", "User", since="4.20.0"),
        F("arch", "string", "CPU architecture", admin_only=True, since="4.20.1"),
        F("tags", "set", "resource tags"), F("hasannotations", "boolean", "true if comments are attached"),
        F("jobid", "string", "the unfinished async job working on it"),
        F("jobstatus", "integer", "that job's status (0: pending)"),
    )


def host_control_state(vm) -> str | None:
    if vm["host_id"] is None:
        return None
    status, resource = vm["host_status"], vm["host_resource_state"]
    if status is None:
        return "Unknown"
    if status in _LOST:
        return "Offline"
    if resource in _MAINTENANCE:
        return "Maintenance"
    return "Enabled" if resource == "Enabled" else "Disabled"


async def vm_entities(ctx, rows, *, groups: set[str] | None = None, passwords: dict | None = None,
                      with_userdata: bool = False) -> list:
    """The virtualmachine objects of these rows (dicts or records from store.VM_SELECT)."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    full = groups is None or "all" in groups
    want = (lambda g: full or g in groups)  # noqa: E731
    nics = await store.nics_of(ctx.db, ids) if want("nics") else []
    sgs = await store.security_groups_of(ctx.db, ids) if want("secgrp") else []
    ags = await store.affinity_groups_of(ctx.db, ids) if want("affgrp") else []
    publics = {r["vm_id"]: r for r in await store.public_ips_of(ctx.db, ids)}
    tags = await tag_entities(ctx.db, "UserVm", ids)
    pending = await pending_jobs_for(ctx.db, "VirtualMachine", ids)
    by_vm: dict[int, dict[str, list]] = {i: {"nic": [], "securitygroup": [], "affinitygroup": []} for i in ids}
    for n in nics:
        by_vm[n["vm_id"]]["nic"].append(NicView.entity(nic_row(n)))
    for g in sgs:
        by_vm[g["vm_id"]]["securitygroup"].append(VmSecurityGroupView.entity({
            "id": str(g["uuid"]), "name": g["name"], "description": g["description"], "account": g["account_name"],
            "domainid": str(g["domain_uuid"]), "domain": g["domain_name"], "ingressrule": [], "egressrule": [],
            "tags": []}))
    for g in ags:
        by_vm[g["vm_id"]]["affinitygroup"].append(VmAffinityGroupView.entity({
            "id": str(g["uuid"]), "name": g["name"], "description": g.get("description"), "type": g.get("type")}))
    root_admin = ctx.is_root_admin
    denied = {d.strip() for d in str(await ctx.settings.get("user.vm.denied.details") or "").split(",")}
    readonly = str(await ctx.settings.get("user.vm.readonly.details") or "")
    out = []
    for r in rows:
        public = publics.get(r["id"])
        details = dict(r["details"] or {})
        if not root_admin:
            details = {k: v for k, v in details.items() if k not in denied}
        image_is_iso = r["template_id"] is None and r["iso_id"] is not None
        row = {
            "id": str(r["uuid"]), "name": r["name"], "displayname": r["display_name"] or r["name"],
            "account": r["account_name"], "userid": str(r["user_uuid"]), "username": r["username"],
            "domainid": str(r["domain_uuid"]), "domain": r["domain_name"],
            "domainpath": domain_display_path(r["domain_path"]), "created": r["created"],
            "lastupdated": r["state_updated"], "state": r["state"], "haenable": r["ha_enabled"],
            "zoneid": str(r["zone_uuid"]), "zonename": r["zone_name"],
            "hostid": str(r["host_uuid"]) if r["host_uuid"] else None, "hostname": r["host_name"],
            "hostcontrolstate": host_control_state(r),
            "serviceofferingid": str(r["offering_uuid"]), "serviceofferingname": r["offering_name"],
            "cpunumber": r["cpus"], "cpuspeed": r["speed"], "memory": r["memory"],
            "guestosid": str(r["os_uuid"]) if r["os_uuid"] else None, "rootdeviceid": 0, "rootdevicetype": "ROOT",
            "hypervisor": r["hypervisor"], "instancename": r["instance_name"],
            "publicipid": str(public["uuid"]) if public else None, "publicip": public["address"] if public else None,
            "isdynamicallyscalable": r["is_dynamically_scalable"], "deleteprotection": r["delete_protection"],
            "ostypeid": str(r["os_uuid"]) if r["os_uuid"] else None, "osdisplayname": r["os_name"],
            "displayvm": r["display_vm"], "vmtype": "User", "arch": "x86_64", "hasannotations": False,
            "tags": tags.get(r["id"], []),
            "jobid": pending.get(r["id"]), "jobstatus": 0 if r["id"] in pending else None,
            "keypairs": ",".join(r["keypairs"]) if r["keypairs"] else None,
            "passwordenabled": bool(r["password_enabled"]),
            "userdataid": str(r["userdata_uuid"]) if r["userdata_uuid"] else None, "userdataname": r["userdata_name"],
            "userdatadetails": r["userdata_details"], "userdata": r["userdata"] if with_userdata else None,
            "details": details if want("all") or not groups else None, "readonlydetails": readonly or None,
            "password": (passwords or {}).get(r["id"]),
        }
        if want("group"):
            row.update(groupid=str(r["group_uuid"]) if r["group_uuid"] else None, group=r["group_name"])
        if want("tmpl"):
            if image_is_iso:
                row.update(templateid=str(r["iso_uuid"]), templatename=r["iso_name"], templatedisplaytext=r["iso_text"],
                           templatetype="USER", templateformat="ISO")
            elif r["template_uuid"]:
                row.update(templateid=str(r["template_uuid"]), templatename=r["template_name"],
                           templatedisplaytext=r["template_text"], templatetype=r["template_type"],
                           templateformat=r["template_format"])
        if want("iso") and r["iso_uuid"]:
            row.update(isoid=str(r["iso_uuid"]), isoname=r["iso_name"], isodisplaytext=r["iso_text"])
        if want("diskoff") and r["disk_offering_uuid"]:
            row.update(diskofferingid=str(r["disk_offering_uuid"]), diskofferingname=r["disk_offering_name"])
        if want("nics"):
            row["nic"] = by_vm[r["id"]]["nic"]
            row["forvirtualnetwork"] = False
        if want("secgrp"):
            row["securitygroup"] = by_vm[r["id"]]["securitygroup"]
        if want("affgrp"):
            row["affinitygroup"] = by_vm[r["id"]]["affinitygroup"]
        if want("stats"):
            running = r["state"] == "Running"
            row.update(cpuused="10%" if running else "0%", networkkbsread=0, networkkbswrite=0, diskkbsread=0,
                       diskkbswrite=0, diskioread=0, diskiowrite=0, memorykbs=r["memory"] * 1024 if running else 0,
                       memoryintfreekbs=0, memorytargetkbs=r["memory"] * 1024, receivedbytes=0, sentbytes=0)
        out.append(VirtualMachineView.entity(row, root_admin))
    return out


def nic_row(n) -> dict:
    return {"id": str(n["uuid"]), "networkid": str(n["network_uuid"]), "networkname": n["network_name"],
            "netmask": n["netmask"], "gateway": n["gateway"], "ipaddress": n["ip_address"],
            "isolationuri": n["isolation_uri"], "broadcasturi": n["broadcast_uri"], "traffictype": n["traffic_type"],
            "type": n["guest_type"], "isdefault": n["is_default"], "macaddress": n["mac_address"],
            "deviceid": str(n["device_id"]), "virtualmachineid": str(n["vm_uuid"]),
            "ipaddresses": [n["ip_address"]] if n["ip_address"] else [], "secondaryip": [], "extradhcpoption": [],
            "publicipid": str(n["public_ip_uuid"]) if n["public_ip_uuid"] else None, "publicip": n["public_ip"]}


async def vm_entity(ctx, vm_id: int, *, password: str | None = None):
    rows = await store.rows_by_ids(ctx.db, [vm_id])
    if not rows:
        return None
    return (await vm_entities(ctx, rows, passwords={vm_id: password} if password else None))[0]


# ------------------------------------------------------------------------- listVirtualMachines
def _add(where: list, args: list, value, clause: str) -> None:
    if value is not None:
        args.append(value)
        where.append(clause.format(f"${len(args)}"))


@command("listVirtualMachines", response=VirtualMachineView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P", "T"),
         description="Lists the virtual machines the caller may see.")
async def list_virtual_machines(
        ctx, *, listing,
        accumulate: Param(P.BOOLEAN, "Sum statistics instead of the last sample", since="4.17.0") = None,
        affinitygroupid: Param(P.UUID, "Members of this affinity group") = None,
        autoscalevmgroupid: Param(P.UUID, "Members of this AutoScale group", since="4.18.0") = None,
        backupofferingid: Param(P.UUID, "VMs with this backup offering", since="4.17") = None,
        clusterid: Param(P.UUID, "Only VMs in this cluster", entity="Cluster", since="4.16.0",
                         roles=frozenset({"Admin"})) = None,
        details: Param(P.LIST, "Groups of fields to fill: all, group, nics, stats, secgrp, tmpl, servoff, diskoff, "
                               "backoff, iso, volume, min, affgrp") = None,
        displayvm: Param(P.BOOLEAN, "Display flag filter (root admin)", since="4.4", roles=frozenset({"Admin"})) = None,
        forvirtualnetwork: Param(P.BOOLEAN, "true: only VMs on virtual networks") = None,
        groupid: Param(P.UUID, "Only VMs of this instance group", entity="InstanceGroup") = None,
        haenable: Param(P.BOOLEAN, "HA-enabled (true) or not (false)", since="4.15") = None,
        hostid: Param(P.UUID, "Only VMs on this host", entity="Host", roles=frozenset({"Admin"})) = None,
        hypervisor: Param(P.STRING, "Only VMs of this hypervisor type") = None,
        id: Param(P.UUID, "The VM with this ID", entity="VirtualMachineIncludingRemoved") = None,
        ids: Param(P.LIST, "The VMs with these IDs", item_type=P.UUID, entity="VirtualMachineIncludingRemoved",
                   since="4.4") = None,
        isoid: Param(P.UUID, "VMs with this ISO", entity="Iso") = None,
        keypair: Param(P.STRING, "VMs with this SSH key pair") = None,
        name: Param(P.STRING, "VMs with this host name") = None,
        networkid: Param(P.UUID, "VMs with a NIC in this network", entity="Network") = None,
        podid: Param(P.UUID, "Only VMs in this pod", entity="Pod", roles=frozenset({"Admin"})) = None,
        securitygroupid: Param(P.UUID, "VMs in this security group", entity="SecurityGroup", since="4.15") = None,
        serviceofferingid: Param(P.UUID, "VMs using this compute offering", entity="ServiceOffering", since="4.4") = None,
        showicon: Param(P.BOOLEAN, "Include resource icons", since="4.16.0.0") = None,
        state: Param(P.STRING, "State name, or Present (neither Destroyed nor Expunging)") = None,
        storageid: Param(P.UUID, "VMs with volumes on this pool", roles=frozenset({"Admin"})) = None,
        templateid: Param(P.UUID, "VMs created from this template", entity="VirtualMachineTemplate") = None,
        userdata: Param(P.BOOLEAN, "Include user data in the rows", since="4.18.0.0") = None,
        userid: Param(P.UUID, "VMs created by this user", entity="User") = None,
        vpcid: Param(P.UUID, "VMs in this VPC") = None,
        zoneid: Param(P.UUID, "Only VMs in this zone", entity="Zone") = None):
    if id is not None and ids:
        raise invalid_value("Either id or ids parameter should be specified, not both")
    groups = None
    if details:
        groups = {d.strip().lower() for d in details}
        bad = groups - DETAIL_GROUPS
        if bad:
            raise invalid_value(f"Invalid value for details: {','.join(sorted(bad))}. Valid values are "
                                + ",".join(sorted(DETAIL_GROUPS)))
    args: list = []
    where = ["v.removed IS NULL"]
    scope = await list_scope(ctx.db, ctx.caller, listing)
    if (id is not None or ids) and ctx.is_admin and not listing.account and listing.domain is None:
        # buildACLSearchParameters: an admin naming the VM by id reaches all it may see, listall or not
        scope = Scope() if ctx.is_root_admin else Scope(domain_path=ctx.caller.domain_path, recursive=True)
    if scope.account_id is None and scope.domain_path is not None:
        where.append(f"v.domain_id IN (SELECT d.id FROM domain d WHERE {scope.sql('v.account_id', 'd.path', args)})")
    else:
        where.append(scope.sql("v.account_id", "d.path", args))
    if not ctx.is_root_admin:
        where.append("v.display_vm")
    if not ctx.is_admin and not await ctx.settings.get("allow.user.view.destroyed.vm", ("Account", ctx.caller.account_id)):
        where.append("v.state NOT IN ('Destroyed', 'Expunging')")
    wanted_ids = [id] if id is not None else (ids or None)
    if wanted_ids is not None:
        _add(where, args, [r["id"] for r in wanted_ids], "v.id = ANY({}::bigint[])")
    if state is not None:
        if state.lower() == "present":
            where.append("v.state NOT IN ('Destroyed', 'Expunging')")
        else:
            _add(where, args, _STATES.get(state.lower(), state), "v.state = {}")
    _add(where, args, name, "v.name = {}")
    _add(where, args, zoneid["id"] if zoneid else None, "v.zone_id = {}")
    _add(where, args, hostid["id"] if hostid else None, "v.host_id = {}")
    _add(where, args, podid["id"] if podid else None, "v.pod_id = {}")
    _add(where, args, clusterid["id"] if clusterid else None, "v.cluster_id = {}")
    _add(where, args, groupid["id"] if groupid else None,
         "EXISTS (SELECT 1 FROM instance_group_vm gm2 WHERE gm2.vm_id = v.id AND gm2.group_id = {})")
    _add(where, args, templateid["id"] if templateid else None,
         "(v.template_id = {0} OR v.template_id IS NULL AND v.iso_id = {0})")
    _add(where, args, isoid["id"] if isoid else None, "v.iso_id = {}")
    _add(where, args, serviceofferingid["id"] if serviceofferingid else None, "v.service_offering_id = {}")
    _add(where, args, haenable, "v.ha_enabled = {}")
    _add(where, args, displayvm, "v.display_vm = {}")
    _add(where, args, hypervisor, "lower(v.hypervisor) = lower({})")
    _add(where, args, keypair, "lower({}) = ANY(SELECT lower(k) FROM unnest(v.keypairs) k)")
    _add(where, args, userid["id"] if userid else None, "v.user_id = {}")
    _add(where, args, networkid["id"] if networkid else None,
         "EXISTS (SELECT 1 FROM nic n2 WHERE n2.vm_id = v.id AND n2.network_id = {} AND n2.removed IS NULL)")
    _add(where, args, securitygroupid["id"] if securitygroupid else None,
         "EXISTS (SELECT 1 FROM vm_security_group s2 WHERE s2.vm_id = v.id AND s2.security_group_id = {})")
    if affinitygroupid is not None:
        group_id = None
        if await ctx.db.fetchval("SELECT to_regclass('affinity_group') IS NOT NULL"):
            group_id = await ctx.db.fetchval("SELECT id FROM affinity_group WHERE uuid = $1::uuid",
                                             str(affinitygroupid))
        if group_id is None:
            raise invalid_value(f"Unable to find affinity group by id {affinitygroupid}")
        _add(where, args, group_id,
             "EXISTS (SELECT 1 FROM vm_affinity_group a2 WHERE a2.vm_id = v.id AND a2.affinity_group_id = {})")
    if forvirtualnetwork or vpcid is not None or autoscalevmgroupid is not None or backupofferingid is not None \
            or storageid is not None:
        where.append("false")          # no VM of this cloud is on a virtual network or in a VPC
    if listing.tags:
        where.append(tags_clause("UserVm", "v.id", listing.tags, args))
    if listing.keyword:
        keyword = listing.keyword
        # ILIKE in a multibyte database is lower(text) LIKE lower(pattern), the pattern lowered again
        # for every row and column; lowering it once halves the cost of the scan, same matches.
        args.append(f"%{keyword}%")
        n = f"lower(${len(args)})"
        arms = [f"lower(v.display_name) LIKE {n}", f"lower(v.name) LIKE {n}"]
        if ctx.is_root_admin:
            arms.append(f"lower(v.instance_name) LIKE {n}")
        if keyword.lower() in _STATES:
            args.append(_STATES[keyword.lower()])
            arms.append(f"v.state = ${len(args)}")
        if set(keyword) <= _IP_CHARS:
            v6 = not set(keyword) <= _IPV4_CHARS
            nic_v6, ip_v6 = ("strpos(n3.ip_address, ':') > 0 AND ", "family(p3.address) = 6 AND ") if v6 else ("", "")
            arms.append(f"EXISTS (SELECT 1 FROM nic n3 WHERE n3.vm_id = v.id AND n3.removed IS NULL AND {nic_v6}"
                        f"lower(n3.ip_address) LIKE {n})")
            arms.append(f"EXISTS (SELECT 1 FROM ip_address p3 WHERE p3.vm_id = v.id AND p3.vm_id IS NOT NULL "
                        f"AND {ip_v6}lower(host(p3.address)) LIKE {n})")
        where.append(f"({' OR '.join(arms)})")
    matching = "SELECT v.id FROM vm_instance v WHERE " + " AND ".join(where)
    if listing.keyword:
        # Substring matches use no index: one scan yields both the count and the page.
        args += [listing.limit, listing.offset]
        found = await ctx.db.fetchrow(
            f"WITH matched AS ({matching}) SELECT (SELECT count(*) FROM matched) AS total, "
            f"array(SELECT id FROM matched ORDER BY id LIMIT ${len(args) - 1} OFFSET ${len(args)}) AS page", *args)
        total, page = found["total"], list(found["page"])
    else:
        # Count and page are index(-only) scans on vm_instance's partial indexes.
        total = await ctx.db.fetchval(f"SELECT count(*) FROM ({matching}) AS matched", *args)
        page = []
        if total and listing.limit != 0:
            args += [listing.limit, listing.offset]
            page = [r["id"] for r in await ctx.db.fetch(
                f"{matching} ORDER BY v.id LIMIT ${len(args) - 1} OFFSET ${len(args)}", *args)]
    if not page:
        return ListResult([], total, "virtualmachine")
    rows = await store.rows_by_ids(ctx.db, page)
    return ListResult(await vm_entities(ctx, rows, groups=groups, with_userdata=bool(userdata)), total,
                      "virtualmachine")
