"""deployVirtualMachine: validate everything, create the VM (id returned at once), start it in the job.

CloudStack's two phases: the create step (here the precheck + `creates` hook, before the job is
queued) checks every parameter and allocates the VM Stopped with its disks, NIC and addresses;
the job then starts it unless startvm=false. A first start that fails leaves the VM in Error.
"""
from __future__ import annotations

import ipaddress as _ip
import re

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command
from ..core import naming, sshkeys, userdata as userdata_core, vm as core
from ..core import vm_ops
from ..core.access import check_access
from ..core.owner import check_new_resource_owner, finalize_owner
from ..core.placement import Need
from ..core.vm_scale import custom_shape
from ..errors import invalid_value, permission_denied
from ..hypervisors import canonical
from .vm_list import VirtualMachineView, vm_entity
from ..store import vm as store

_ROOT = frozenset({"Admin"})


def _root_only(ctx, name: str, value) -> None:
    if value is not None and not ctx.is_root_admin:
        raise permission_denied(f"Parameter {name} can only be specified by a Root Admin, permission denied")


async def _image_usable(ctx, owner, image) -> None:
    if ctx.is_root_admin or image["is_public"] or image["account_id"] == owner["id"]:
        return
    if await ctx.db.fetchval("SELECT 1 FROM template_permission WHERE template_id = $1 AND account_id = $2",
                             image["id"], owner["id"]):
        return
    if ctx.is_admin and image["domain_path"].startswith(ctx.caller.domain_path):
        return
    raise permission_denied(f"Account {owner['name']} does not have permission to access template/ISO {image['uuid']}")


_MAC = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")


async def _groups_by(ctx, owner, table: str, ids, names, what: str) -> list[int]:
    """Security or affinity groups named by id or by name, belonging to the VM's owner."""
    if ids and names:
        raise invalid_value(f"{what}ids parameter is mutually exclusive with {what}names parameter")
    if not ids and not names:
        return []
    if not await ctx.db.fetchval(f"SELECT to_regclass('{table}') IS NOT NULL"):
        first = (ids or names)[0]
        raise invalid_value(f"Unable to find {what.replace('group', ' group')} by {'id' if ids else 'name'} {first}")
    out = []
    for item in ids or []:
        key = str(item["uuid"]) if isinstance(item, dict) or hasattr(item, "keys") else str(item)
        row = await ctx.db.fetchrow(f"SELECT id, account_id FROM {table} WHERE uuid = $1::uuid", key)
        if row is None:
            raise invalid_value(f"Unable to find {what.replace('group', ' group')} by id {key}")
        if row["account_id"] != owner["id"]:
            raise permission_denied(f"Account {owner['name']} does not have permission to operate on {what} {key}")
        out.append(row["id"])
    for name in names or []:
        row_id = await ctx.db.fetchval(f"SELECT id FROM {table} WHERE account_id = $1 AND lower(name) = lower($2)",
                                       owner["id"], name)
        if row_id is None:
            if table == "security_group" and name.lower() == "default":
                continue                    # made with the VM (every account has one)
            raise invalid_value(f"Unable to find {what.replace('group', ' group')} by name {name}")
        out.append(row_id)
    return out


async def _prepare(ctx, kw: dict) -> dict:
    zone, offering, image = kw["zoneid"], kw["serviceofferingid"], kw["templateid"]
    if zone["allocation_state"] == "Disabled" and not ctx.is_root_admin:
        raise permission_denied(f"Cannot perform this operation, Zone is currently disabled: {zone['uuid']}")
    await check_new_resource_owner(ctx.db, kw["account"], kw["domainid"], kw["projectid"])
    owner = await finalize_owner(ctx.db, ctx.caller, kw["account"], kw["domainid"], kw["projectid"])
    if owner["state"] != "enabled":
        raise permission_denied(f"The owner of the VM, account {owner['name']}, is {owner['state']}")
    for name in ("hostid", "podid", "clusterid"):
        _root_only(ctx, name, kw[name])
    if kw["hostid"] is not None and (kw["hostid"]["resource_state"] != "Enabled" or kw["hostid"]["status"] != "Up"):
        raise invalid_value(f"Unable to deploy the VM as the host: {kw['hostid']['name']} is not in the right state")
    for row, name in ((kw["hostid"], "host"), (kw["podid"], "pod"), (kw["clusterid"], "cluster")):
        if row is not None and row["zone_id"] != zone["id"]:
            raise invalid_value(f"The {name} {row['uuid']} is not in zone {zone['uuid']}")
    if offering["is_system"] or offering["state"] != "Active":
        raise invalid_value(f"Unable to find service offering: {offering['uuid']}")
    if offering["zone_ids"] and zone["id"] not in offering["zone_ids"]:
        raise invalid_value(f"Service offering {offering['name']} is not available in zone {zone['name']}")
    details = P.flatten(kw["details"])
    if "extraconfig" in {k.lower() for k in details}:
        raise invalid_value("'extraconfig' should not be included in details as key")
    # A custom offering's open values come from details, checked as CloudStack's validateCustomParameters.
    shape = await custom_shape(ctx.settings, offering, details) if offering["customized"] else \
        Need(offering["cpus"], offering["speed"], offering["memory"])
    await _image_usable(ctx, owner, image)
    iso = template = None
    if image["format"] == "ISO":
        iso = image
        if not image["bootable"]:
            raise invalid_value(f"Installing from ISO requires an ISO that is bootable: {image['uuid']}")
        if kw["diskofferingid"] is None:
            raise invalid_value("Installing from ISO requires a disk offering to be specified for the root disk.")
        hypervisor = canonical(kw["hypervisor"]) if kw["hypervisor"] else await ctx.db.fetchval(
            "SELECT hypervisor FROM cluster WHERE zone_id = $1 AND removed IS NULL ORDER BY id LIMIT 1", zone["id"])
    else:
        template = image
        hypervisor = image["hypervisor"]
    ready = await ctx.db.fetchval("SELECT ready FROM template_zone WHERE template_id = $1 AND zone_id = $2 "
                                  "AND removed IS NULL", image["id"], zone["id"])
    # A copy still downloading (or failed) is refused; a cross-zone image also serves zones added later.
    if ready is False or (ready is None and not image["cross_zones"]):
        raise invalid_value(f"Template {image['name']} has not been completely downloaded to zone {zone['uuid']}")
    data_offering = kw["diskofferingid"] if template is not None else None
    root_offering = kw["diskofferingid"] if iso is not None else None
    size = kw["size"]
    used = data_offering or root_offering
    if used is not None and used["customized"] and not size:
        raise invalid_value("This disk offering requires a custom size specified")
    if size is not None and size <= 0:
        raise invalid_value(f"Invalid disk size {size}: it must be larger than 0")
    root_size = details.get("rootdisksize") or kw["rootdisksize"]
    if root_size is not None:
        try:
            root_size = int(root_size)
        except ValueError:
            raise invalid_value(f"Invalid rootdisksize {root_size}") from None
        if template is not None and template["size"] and root_size * core.GIB < template["size"]:
            raise invalid_value(f"Unsupported: rootdisksize of {root_size} GB is smaller than template size of "
                                f"{template['size']} bytes")
    if kw["name"] is not None:
        naming.check_host_name(kw["name"])
    if kw["networkids"] and zone["network_type"] == "Basic":
        raise invalid_value("Can't specify network Ids in Basic zone")
    requested_ip = kw["ipaddress"]
    for entry in (kw["iptonetworklist"] or {}).values():
        if not isinstance(entry, dict):
            continue
        network = await ctx.db.fetchrow("SELECT id, zone_id FROM network WHERE uuid::text = $1 AND removed IS NULL",
                                        str(entry.get("networkid", "")).lower()) \
            if P.is_uuid(str(entry.get("networkid", ""))) else None
        if network is None or network["zone_id"] != zone["id"]:
            raise invalid_value(f"Unable to find network by id {entry.get('networkid')}")
        if entry.get("ip"):
            requested_ip = requested_ip or entry["ip"]
    kw["ipaddress"] = requested_ip
    customid = kw["customid"]
    if customid is not None:
        if not ctx.is_root_admin:
            raise permission_denied("Please check your permissions, you are not allowed to create/update custom id")
        if not P.is_uuid(customid):
            raise invalid_value(f"UUID: {customid} doesn't follow the UUID format")
        if await ctx.db.fetchval("SELECT 1 FROM vm_instance WHERE uuid = $1::uuid", customid):
            raise invalid_value(f"UUID: {customid} already exists so can't create/update with custom id")
    mac = kw["macaddress"]
    if mac is not None:
        mac = mac.strip().lower()
        if not _MAC.fullmatch(mac) or mac == "00:00:00:00:00:00" or int(mac[:2], 16) & 1:
            mac = None                  # CloudStack replaces an invalid MAC with the next free one
        elif await ctx.db.fetchval("SELECT 1 FROM nic WHERE mac_address = $1 AND removed IS NULL", mac):
            raise invalid_value(f"There is already a NIC with the MAC address {mac} in the network")
    if kw["ipaddress"] is not None:
        try:
            _ip.IPv4Address(kw["ipaddress"])
        except ValueError:
            raise invalid_value(f"Invalid format for IPv4 address {kw['ipaddress']}") from None
    names = ([kw["keypair"]] if kw["keypair"] else []) + list(kw["keypairs"] or [])
    keypairs = await sshkeys.keypairs_for_vm(ctx.db, owner["id"], names) if names else []
    stored = kw["userdataid"]
    if stored is not None and not (stored["account_id"] == owner["id"] or ctx.is_root_admin):
        check_access(ctx.caller, stored["account_id"], stored["domain_path"], "user data " + stored["name"])
    text = await userdata_core.validate(ctx.settings, kw["userdata"], ctx.http_method)
    userdata = userdata_core.finalize(text, stored)
    sg_ids = await _groups_by(ctx, owner, "security_group", kw["securitygroupids"], kw["securitygroupnames"],
                              "securitygroup")
    if (kw["securitygroupids"] or kw["securitygroupnames"]) and not zone["security_groups"]:
        raise invalid_value("Can't create vm with security groups; security group feature is not enabled per zone")
    ag_ids = await _groups_by(ctx, owner, "affinity_group", kw["affinitygroupids"], kw["affinitygroupnames"],
                              "affinitygroup")
    dynamic = bool(kw["dynamicscalingenabled"] if kw["dynamicscalingenabled"] is not None else True)
    dynamic = dynamic and bool(template and template["dynamically_scalable"]) and bool(offering["dynamic_scaling"]) \
        and bool(await ctx.settings.get("enable.dynamic.scale.vm", ("Zone", zone["id"])))
    return dict(owner=owner, zone=zone, offering=offering, shape=shape, template=template, iso=iso,
                root_disk_offering=root_offering, data_disk_offering=data_offering, data_size=size,
                root_size=root_size, name=kw["name"], displayname=kw["displayname"], group=kw["group"],
                keypairs=keypairs, userdata=userdata, userdata_row=stored,
                userdatadetails=str(P.flatten(kw["userdatadetails"])) if kw["userdatadetails"] else None,
                details={k: v for k, v in details.items() if k.lower() not in ("cpunumber", "cpuspeed", "memory")}
                | ({"cpuNumber": str(shape.cpus), "cpuSpeed": str(shape.speed), "memory": str(shape.memory)}
                   if offering["customized"] else {}),
                hypervisor=hypervisor, ipaddress=kw["ipaddress"], security_group_ids=sg_ids or None,
                affinity_group_ids=ag_ids, displayvm=kw["displayvm"] if kw["displayvm"] is not None else True,
                dynamic=dynamic, password=kw["password"], customid=customid, macaddress=mac)


@command("deployVirtualMachine", response=VirtualMachineView, roles=ALL_ROLES, is_async=True, create=True,
         job_instance="VirtualMachine", cmd_class="org.apache.cloudstack.api.command.user.vm.DeployVMCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin",
         description="Creates and automatically starts a virtual machine based on a service offering, disk offering, "
                     "and template.")
async def deploy_virtual_machine(
        ctx, *,
        serviceofferingid: Param(P.UUID, "The compute offering", entity="ServiceOffering"),
        templateid: Param(P.UUID, "The template or bootable ISO", entity="VirtualMachineTemplate"),
        zoneid: Param(P.UUID, "The zone", entity="Zone"),
        account: Param(P.STRING, "Owner account (with domainid)") = None,
        affinitygroupids: Param(P.LIST, "Affinity groups to join", item_type=P.UUID) = None,
        affinitygroupnames: Param(P.LIST, "Affinity groups to join, by name") = None,
        bootintosetup: Param(P.BOOLEAN, "Boot into firmware setup (VMware)", since="4.15.0.0") = None,
        bootmode: Param(P.STRING, "LEGACY or SECURE", since="4.14.0.0") = None,
        boottype: Param(P.STRING, "BIOS or UEFI", since="4.14.0.0") = None,
        clusterid: Param(P.UUID, "Place into this cluster (root admin)", entity="Cluster", since="4.13",
                         roles=_ROOT) = None,
        copyimagetags: Param(P.BOOLEAN, "Copy the image's tags to the VM", since="4.13") = None,
        customid: Param(P.STRING, "UUID for the new VM (root admin)") = None,
        datadiskofferinglist: Param(P.MAP, "OVA data disk to disk offering map", since="4.11") = None,
        deploymentplanner: Param(P.STRING, "Planner to use (root admin)", since="4.4", roles=_ROOT) = None,
        details: Param(P.MAP, "VM settings, e.g. cpuNumber, cpuSpeed, memory for custom offerings", since="4.3") = None,
        dhcpoptionsnetworklist: Param(P.MAP, "Extra DHCP options per network") = None,
        diskofferingid: Param(P.UUID, "ISO deploy: root disk offering; template deploy: a data disk",
                              entity="DiskOffering") = None,
        displayname: Param(P.STRING, "The display name") = None,
        displayvm: Param(P.BOOLEAN, "Show the VM to its owner (root admin)", since="4.2", roles=_ROOT) = None,
        domainid: Param(P.UUID, "Owner domain", entity="Domain") = None,
        dynamicscalingenabled: Param(P.BOOLEAN, "Allow live scaling", since="4.16") = None,
        extraconfig: Param(P.STRING, "Extra hypervisor configuration", since="4.12", length=1048576) = None,
        group: Param(P.STRING, "Instance group (created if missing)") = None,
        hostid: Param(P.UUID, "Place onto this host (root admin)", entity="Host") = None,
        hypervisor: Param(P.STRING, "Hypervisor type (ISO deploys)") = None,
        iodriverpolicy: Param(P.STRING, "KVM IO policy") = None,
        iothreadsenabled: Param(P.BOOLEAN, "KVM IO threads") = None,
        ip6address: Param(P.STRING, "IPv6 address on the default network") = None,
        ipaddress: Param(P.STRING, "IPv4 address on the default network") = None,
        iptonetworklist: Param(P.MAP, "IP per network") = None,
        keyboard: Param(P.STRING, "Console keyboard layout") = None,
        keypair: Param(P.STRING, "SSH key pair name") = None,
        keypairs: Param(P.LIST, "SSH key pair names", since="4.17") = None,
        macaddress: Param(P.STRING, "MAC address on the default network") = None,
        name: Param(P.STRING, "Host name (RFC 1123 label)") = None,
        networkids: Param(P.LIST, "Guest networks", item_type=P.UUID, entity="Network") = None,
        nicnetworklist: Param(P.MAP, "OVF NIC to network map", since="4.15") = None,
        overridediskofferingid: Param(P.UUID, "Root disk offering override", entity="DiskOffering", since="4.17") = None,
        password: Param(P.STRING, "Initial guest password", since="4.19.0.0") = None,
        podid: Param(P.UUID, "Place into this pod (root admin)", entity="Pod", since="4.13", roles=_ROOT) = None,
        projectid: Param(P.UUID, "Owner project") = None,
        properties: Param(P.MAP, "vApp properties", since="4.15") = None,
        rootdisksize: Param(P.LONG, "Root disk size in GiB", since="4.4") = None,
        securitygroupids: Param(P.LIST, "Security groups", item_type=P.UUID) = None,
        securitygroupnames: Param(P.LIST, "Security groups by name") = None,
        size: Param(P.LONG, "Data (or ISO root) disk size in GiB for custom disk offerings") = None,
        startvm: Param(P.BOOLEAN, "Start it (default true)") = None,
        userdata: Param(P.STRING, "Base64 user data", length=1048576) = None,
        userdatadetails: Param(P.MAP, "Values of the stored user data's variables", since="4.18") = None,
        userdataid: Param(P.UUID, "Stored user data", entity="UserData", since="4.18") = None):
    vm = await store.get_vm(ctx.db, ctx.job["instance_id"])
    if vm is None:
        raise invalid_value("unable to find a virtual machine with id " + str(ctx.job["instance_uuid"]))
    if startvm is None or startvm:
        await vm_ops.start(ctx.app, ctx.caller, vm, host=hostid if ctx.is_root_admin else None,
                           pod=podid if ctx.is_root_admin else None, cluster=clusterid if ctx.is_root_admin else None,
                           first=True)
    password = ctx.box.open(vm["password"]) if vm["password"] else None
    return await vm_entity(ctx, vm["id"], password=password)


@deploy_virtual_machine.precheck_fn
async def _deploy_check(ctx, **kw):
    ctx.extra["deploy"] = await _prepare(ctx, kw)
    return None


@deploy_virtual_machine.creates
async def _deploy_create(ctx, **kw):
    prepared = ctx.extra.pop("deploy", None) or await _prepare(ctx, kw)
    return await core.allocate(ctx.app, ctx.caller, **prepared)
