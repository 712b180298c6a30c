"""Zones, pods and clusters."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ALL_ROLES, ROOT_AND_RESOURCE, ROOT_ONLY, Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..core import infra as core
from ..errors import invalid_value
from ..store import infra as store

register_entity("Zone", store.get_zone)
register_entity("Pod", store.get_pod)
register_entity("Cluster", store.get_cluster)


class ZoneView(View):
    object_name = "zone"
    kind = "Zone"
    fields = (
        F("id", "string", "the zone ID"), F("name", "string", "the zone name"),
        F("description", "string", "the zone description"), F("dns1", "string", "first public DNS"),
        F("dns2", "string", "second public DNS"), F("ip6dns1", "string", "first IPv6 DNS"),
        F("ip6dns2", "string", "second IPv6 DNS"), F("internaldns1", "string", "first internal DNS", admin_only=True),
        F("internaldns2", "string", "second internal DNS", admin_only=True),
        F("guestcidraddress", "string", "guest CIDR of the zone"), F("displaytext", "string", "the zone's display text"),
        F("domain", "string", "network domain of the zone"), F("domainid", "string", "domain the zone is dedicated to"),
        F("domainname", "string", "name of that domain"), F("networktype", "string", "Basic or Advanced"),
        F("securitygroupsenabled", "boolean", "true if guests are isolated by security groups"),
        F("allocationstate", "string", "Enabled or Disabled"), F("zonetoken", "string", "the zone token"),
        F("dhcpprovider", "string", "the DHCP provider"),
        F("localstorageenabled", "boolean", "true if local storage offerings may be used"),
        F("tags", "list", "resource tags"), F("resourcedetails", "map", "zone details"),
        F("type", "string", "core or edge zone", since="4.18.0"),
        F("hasannotations", "boolean", "true if comments are attached"),
    )


def zone_row(z, root_admin: bool):
    return ZoneView.entity({
        "id": str(z["uuid"]), "name": z["name"], "description": z["description"], "dns1": z["dns1"],
        "dns2": z["dns2"], "ip6dns1": z["ip6dns1"], "ip6dns2": z["ip6dns2"], "internaldns1": z["internal_dns1"],
        "internaldns2": z["internal_dns2"], "guestcidraddress": z["guest_cidr"], "displaytext": z["name"],
        "domain": z["network_domain"], "domainid": str(z["domain_uuid"]) if z["domain_uuid"] else None,
        "domainname": z["domain_name"], "networktype": z["network_type"],
        "securitygroupsenabled": z["security_groups"], "allocationstate": z["allocation_state"],
        "zonetoken": z["zone_token"], "dhcpprovider": z["dhcp_provider"],
        "localstorageenabled": z["local_storage_enabled"], "tags": [],
        "resourcedetails": z["details"] or None, "type": "Edge" if z["is_edge"] else "Core", "hasannotations": False,
    }, root_admin)


async def _page(ctx, select: str, alias: str, where: list[str], args: list, listing, order: str):
    sql_where = " WHERE " + " AND ".join(where)
    total = await ctx.db.fetchval(f"SELECT count(*) FROM ({select}{sql_where}) counted", *args)
    args = args + [listing.limit, listing.offset]
    rows = await ctx.db.fetch(f"{select}{sql_where} ORDER BY {order} LIMIT ${len(args) - 1} OFFSET ${len(args)}",
                              *args)
    return rows, total


def _filter(where: list[str], args: list, value, clause: str) -> None:
    if value is not None:
        args.append(value)
        where.append(clause.format(len(args)))


@command("createZone", response=ZoneView, roles=ROOT_ONLY, description="Creates a zone.")
async def create_zone(ctx, *,
                      dns1: Param(P.STRING, "First public DNS server"),
                      internaldns1: Param(P.STRING, "First DNS server for system VMs"),
                      name: Param(P.STRING, "Name of the zone"),
                      networktype: Param(P.STRING, "Basic or Advanced"),
                      allocationstate: Param(P.STRING, "Enabled or Disabled") = None,
                      dns2: Param(P.STRING, "Second public DNS server") = None,
                      domain: Param(P.STRING, "Network domain of the zone's guests") = None,
                      domainid: Param(P.UUID, "Dedicate the zone to this domain", entity="Domain") = None,
                      guestcidraddress: Param(P.STRING, "Guest CIDR of the zone") = None,
                      internaldns2: Param(P.STRING, "Second DNS server for system VMs") = None,
                      ip6dns1: Param(P.STRING, "First IPv6 DNS server") = None,
                      ip6dns2: Param(P.STRING, "Second IPv6 DNS server") = None,
                      isedge: Param(P.BOOLEAN, "true for an edge zone", since="4.18.0") = False,
                      localstorageenabled: Param(P.BOOLEAN, "Allow local storage offerings") = False,
                      securitygroupenabled: Param(P.BOOLEAN, "Isolate guests with security groups") = None):
    zone_id = await core.create_zone(
        ctx.db, ctx.caller, name=name, networktype=networktype, dns1=dns1, internaldns1=internaldns1, dns2=dns2,
        internaldns2=internaldns2, ip6dns1=ip6dns1, ip6dns2=ip6dns2, guestcidraddress=guestcidraddress,
        domain=domain, domainid=domainid, allocationstate=allocationstate, localstorageenabled=localstorageenabled,
        securitygroupenabled=securitygroupenabled, isedge=isedge)
    return zone_row(await store.get_zone(ctx.db, zone_id), True)


@command("listZones", response=ZoneView, roles=ALL_ROLES, listing=("L", "T"),
         description="Lists the zones the caller may deploy into.")
async def list_zones(ctx, *, listing,
                     available: Param(P.BOOLEAN, "Only zones the caller may use") = False,
                     domainid: Param(P.UUID, "Only zones dedicated to this domain", entity="Domain") = None,
                     id: Param(P.UUID, "Only the zone with this ID", entity="Zone") = None,
                     name: Param(P.STRING, "Only the zone with this name") = None,
                     networktype: Param(P.STRING, "Only Basic or only Advanced zones") = None,
                     showcapacities: Param(P.BOOLEAN, "Add capacity figures") = False,
                     showicon: Param(P.BOOLEAN, "Include resource icons") = False):
    where, args = ["z.removed IS NULL"], []
    if not ctx.is_root_admin:
        # Everyone else sees enabled zones that are public or dedicated to their domain tree.
        where.append("z.allocation_state = 'Enabled'")
        args.append(ctx.caller.domain_path)
        where.append(f"(z.domain_id IS NULL OR ${len(args)} LIKE d.path || '%')")
    _filter(where, args, id["id"] if id else None, "z.id = ${}")
    _filter(where, args, name, "lower(z.name) = lower(${})")
    _filter(where, args, networktype, "lower(z.network_type) = lower(${})")
    _filter(where, args, domainid["id"] if domainid else None, "z.domain_id = ${}")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "(z.name ILIKE ${0} OR z.description ILIKE ${0})")
    rows, total = await _page(ctx, store.ZONE_SELECT, "z", where, args, listing, "z.sort_key, z.id")
    return ListResult([zone_row(z, ctx.is_root_admin) for z in rows], total, "zone")


@command("updateZone", response=ZoneView, roles=ROOT_ONLY, description="Changes a zone's settings.")
async def update_zone(ctx, *,
                      id: Param(P.UUID, "The zone", entity="Zone"),
                      allocationstate: Param(P.STRING, "Enabled or Disabled") = None,
                      details: Param(P.MAP, "Zone details") = None,
                      dhcpprovider: Param(P.STRING, "DHCP provider") = None,
                      dns1: Param(P.STRING, "First public DNS") = None, dns2: Param(P.STRING, "Second public DNS") = None,
                      dnssearchorder: Param(P.LIST, "DNS search order") = None,
                      domain: Param(P.STRING, "Network domain") = None,
                      guestcidraddress: Param(P.STRING, "Guest CIDR") = None,
                      internaldns1: Param(P.STRING, "First internal DNS") = None,
                      internaldns2: Param(P.STRING, "Second internal DNS") = None,
                      ip6dns1: Param(P.STRING, "First IPv6 DNS") = None, ip6dns2: Param(P.STRING, "Second IPv6 DNS") = None,
                      ispublic: Param(P.BOOLEAN, "Release a dedicated zone to everyone") = None,
                      localstorageenabled: Param(P.BOOLEAN, "Allow local storage offerings") = None,
                      name: Param(P.STRING, "New name") = None,
                      sortkey: Param(P.INTEGER, "Position in zone lists") = None):
    changes = {"allocation_state": core.allocation_state(allocationstate) if allocationstate else None,
               "dhcp_provider": dhcpprovider, "dns1": core._ip(dns1, "DNS1"), "dns2": core._ip(dns2, "DNS2"),
               "internal_dns1": core._ip(internaldns1, "internal DNS1"),
               "internal_dns2": core._ip(internaldns2, "internal DNS2"), "ip6dns1": ip6dns1, "ip6dns2": ip6dns2,
               "network_domain": domain, "guest_cidr": guestcidraddress, "local_storage_enabled": localstorageenabled,
               "sort_key": sortkey, "name": name}
    if details is not None:
        changes["details"] = {**(id["details"] or {}), **P.flatten(details)}
    if name is not None and await ctx.db.fetchval(
            "SELECT 1 FROM zone WHERE lower(name) = lower($1) AND id <> $2 AND removed IS NULL", name, id["id"]):
        raise invalid_value(f"A zone with name: {name} already exists.")
    sets = {k: v for k, v in changes.items() if v is not None}
    if ispublic:
        sets["domain_id"] = None
    await store.update_row(ctx.db, "zone", id["id"], sets)
    return zone_row(await store.get_zone(ctx.db, id["id"]), True)


@command("deleteZone", roles=ROOT_ONLY, description="Deletes a zone that has no pods left.")
async def delete_zone(ctx, *, id: Param(P.UUID, "The zone", entity="Zone")):
    await core.delete_zone(ctx.db, ctx.caller, id)
    return Success()


# ------------------------------------------------------------------------- pods
class PodView(View):
    object_name = "pod"
    kind = "Pod"
    fields = (
        F("id", "string", "the pod ID"), F("name", "string", "the pod name"), F("zoneid", "string", "its zone's ID"),
        F("zonename", "string", "its zone's name"), F("gateway", "string", "gateway of the management range"),
        F("netmask", "string", "netmask of the management range"),
        F("startip", "list", "first addresses of its ranges"), F("endip", "list", "last addresses of its ranges"),
        F("allocationstate", "string", "Enabled or Disabled"),
        F("hasannotations", "boolean", "true if comments are attached"),
    )


def pod_row(p):
    return PodView.entity({
        "id": str(p["uuid"]), "name": p["name"], "zoneid": str(p["zone_uuid"]), "zonename": p["zone_name"],
        "gateway": p["gateway"], "netmask": p["netmask"], "startip": [p["start_ip"]] if p["start_ip"] else [],
        "endip": [p["end_ip"]] if p["end_ip"] else [], "allocationstate": p["allocation_state"],
        "hasannotations": False})


@command("createPod", response=PodView, roles=ROOT_ONLY, description="Creates a pod in a zone.")
async def create_pod(ctx, *,
                     name: Param(P.STRING, "Name of the pod"),
                     zoneid: Param(P.UUID, "The zone", entity="Zone"),
                     allocationstate: Param(P.STRING, "Enabled or Disabled") = None,
                     endip: Param(P.STRING, "Last address of the management range") = None,
                     gateway: Param(P.STRING, "Gateway of the management range") = None,
                     netmask: Param(P.STRING, "Netmask of the management range") = None,
                     startip: Param(P.STRING, "First address of the management range") = None):
    pod_id = await core.create_pod(ctx.db, ctx.caller, zone=zoneid, name=name, gateway=gateway, netmask=netmask,
                                   startip=startip, endip=endip, allocationstate=allocationstate)
    return pod_row(await store.get_pod(ctx.db, pod_id))


@command("listPods", response=PodView, roles=ROOT_AND_RESOURCE, listing=("L",), description="Lists pods.")
async def list_pods(ctx, *, listing,
                    allocationstate: Param(P.STRING, "Only pods in this allocation state") = None,
                    id: Param(P.UUID, "Only the pod with this ID", entity="Pod") = None,
                    name: Param(P.STRING, "Only the pod with this name") = None,
                    showcapacities: Param(P.BOOLEAN, "Add capacity figures") = False,
                    zoneid: Param(P.UUID, "Only pods of this zone", entity="Zone") = None):
    where, args = ["p.removed IS NULL"], []
    _filter(where, args, id["id"] if id else None, "p.id = ${}")
    _filter(where, args, zoneid["id"] if zoneid else None, "p.zone_id = ${}")
    _filter(where, args, name, "lower(p.name) = lower(${})")
    _filter(where, args, allocationstate, "lower(p.allocation_state) = lower(${})")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "p.name ILIKE ${}")
    rows, total = await _page(ctx, store.POD_SELECT, "p", where, args, listing, "p.id")
    return ListResult([pod_row(p) for p in rows], total, "pod")


@command("updatePod", response=PodView, roles=ROOT_ONLY, description="Changes a pod.")
async def update_pod(ctx, *,
                     id: Param(P.UUID, "The pod", entity="Pod"),
                     allocationstate: Param(P.STRING, "Enabled or Disabled") = None,
                     endip: Param(P.STRING, "Last management address") = None,
                     gateway: Param(P.STRING, "Gateway") = None, netmask: Param(P.STRING, "Netmask") = None,
                     name: Param(P.STRING, "New name") = None,
                     startip: Param(P.STRING, "First management address") = None):
    core._check_range(gateway or id["gateway"], netmask or id["netmask"], startip or id["start_ip"],
                      endip or id["end_ip"])
    sets = {k: v for k, v in {"allocation_state": core.allocation_state(allocationstate) if allocationstate else None,
                              "end_ip": endip, "gateway": gateway, "netmask": netmask, "name": name,
                              "start_ip": startip}.items() if v is not None}
    await store.update_row(ctx.db, "pod", id["id"], sets)
    return pod_row(await store.get_pod(ctx.db, id["id"]))


@command("deletePod", roles=ROOT_ONLY, description="Deletes a pod that has no clusters or hosts.")
async def delete_pod(ctx, *, id: Param(P.UUID, "The pod", entity="Pod")):
    await core.delete_pod(ctx.db, ctx.caller, id)
    return Success()


# ------------------------------------------------------------------------- clusters
class ClusterView(View):
    object_name = "cluster"
    kind = "Cluster"
    fields = (
        F("id", "string", "the cluster ID"), F("name", "string", "the cluster name"),
        F("podid", "string", "its pod's ID"), F("podname", "string", "its pod's name"),
        F("zoneid", "string", "its zone's ID"), F("zonename", "string", "its zone's name"),
        F("hypervisortype", "string", "hypervisor of its hosts"), F("clustertype", "string", "CloudManaged or ExternalManaged"),
        F("allocationstate", "string", "Enabled or Disabled"), F("managedstate", "string", "Managed or Unmanaged"),
        F("cpuovercommitratio", "string", "CPU overprovisioning factor"),
        F("memoryovercommitratio", "string", "memory overprovisioning factor"),
        F("resourcedetails", "map", "cluster details"), F("arch", "string", "CPU architecture", since="4.20"),
        F("hasannotations", "boolean", "true if comments are attached"),
    )


async def cluster_row(ctx, c):
    scope = ("Cluster", c["id"])
    cpu = await ctx.settings.get("cpu.overprovisioning.factor", scope)
    mem = await ctx.settings.get("mem.overprovisioning.factor", scope)
    return ClusterView.entity({
        "id": str(c["uuid"]), "name": c["name"], "podid": str(c["pod_uuid"]), "podname": c["pod_name"],
        "zoneid": str(c["zone_uuid"]), "zonename": c["zone_name"], "hypervisortype": c["hypervisor"],
        "clustertype": c["cluster_type"], "allocationstate": c["allocation_state"],
        "managedstate": c["managed_state"], "cpuovercommitratio": str(cpu), "memoryovercommitratio": str(mem),
        "resourcedetails": c["details"] or None, "arch": c["arch"], "hasannotations": False})


@command("addCluster", response=ClusterView, roles=ROOT_ONLY, description="Adds a cluster of hosts to a pod.")
async def add_cluster(ctx, *,
                      clustername: Param(P.STRING, "Name of the cluster"),
                      clustertype: Param(P.STRING, "CloudManaged or ExternalManaged"),
                      hypervisor: Param(P.STRING, "Hypervisor of the cluster's hosts, e.g. Simulator"),
                      podid: Param(P.UUID, "The pod", entity="Pod"),
                      zoneid: Param(P.UUID, "The zone", entity="Zone"),
                      allocationstate: Param(P.STRING, "Enabled or Disabled") = None,
                      guestvswitchname: Param(P.STRING, "Guest virtual switch (VMware)") = None,
                      guestvswitchtype: Param(P.STRING, "Guest virtual switch type (VMware)") = None,
                      ovm3cluster: Param(P.STRING, "OVM3 cluster") = None, ovm3pool: Param(P.STRING, "OVM3 pool") = None,
                      ovm3vip: Param(P.STRING, "OVM3 virtual IP") = None,
                      password: Param(P.STRING, "Password of the cluster manager") = None,
                      publicvswitchname: Param(P.STRING, "Public virtual switch (VMware)") = None,
                      publicvswitchtype: Param(P.STRING, "Public virtual switch type (VMware)") = None,
                      url: Param(P.STRING, "URL of the cluster manager") = None,
                      username: Param(P.STRING, "User of the cluster manager") = None,
                      vsmipaddress: Param(P.STRING, "Nexus VSM address") = None,
                      vsmpassword: Param(P.STRING, "Nexus VSM password") = None,
                      vsmusername: Param(P.STRING, "Nexus VSM user") = None):
    cluster_id = await core.add_cluster(ctx.db, ctx.caller, zone=zoneid, pod=podid, name=clustername,
                                        hypervisor=hypervisor, clustertype=clustertype,
                                        allocationstate=allocationstate, url=url)
    return ListResult([await cluster_row(ctx, await store.get_cluster(ctx.db, cluster_id))], 1, "cluster")


@command("listClusters", response=ClusterView, roles=ROOT_AND_RESOURCE, listing=("L",), description="Lists clusters.")
async def list_clusters(ctx, *, listing,
                        allocationstate: Param(P.STRING, "Only clusters in this allocation state") = None,
                        clustertype: Param(P.STRING, "Only clusters of this type") = None,
                        hypervisor: Param(P.STRING, "Only clusters of this hypervisor") = None,
                        id: Param(P.UUID, "Only the cluster with this ID", entity="Cluster") = None,
                        managedstate: Param(P.STRING, "Only clusters in this managed state") = None,
                        name: Param(P.STRING, "Only the cluster with this name") = None,
                        podid: Param(P.UUID, "Only clusters of this pod", entity="Pod") = None,
                        showcapacities: Param(P.BOOLEAN, "Add capacity figures") = False,
                        zoneid: Param(P.UUID, "Only clusters of this zone", entity="Zone") = None):
    where, args = ["c.removed IS NULL"], []
    _filter(where, args, id["id"] if id else None, "c.id = ${}")
    _filter(where, args, podid["id"] if podid else None, "c.pod_id = ${}")
    _filter(where, args, zoneid["id"] if zoneid else None, "c.zone_id = ${}")
    _filter(where, args, name, "lower(c.name) = lower(${})")
    _filter(where, args, hypervisor, "lower(c.hypervisor) = lower(${})")
    _filter(where, args, clustertype, "lower(c.cluster_type) = lower(${})")
    _filter(where, args, allocationstate, "lower(c.allocation_state) = lower(${})")
    _filter(where, args, managedstate, "lower(c.managed_state) = lower(${})")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "c.name ILIKE ${}")
    rows, total = await _page(ctx, store.CLUSTER_SELECT, "c", where, args, listing, "c.id")
    return ListResult([await cluster_row(ctx, c) for c in rows], total, "cluster")


@command("updateCluster", response=ClusterView, roles=ROOT_ONLY,
         description="Renames a cluster or enables/disables it for new VMs.")
async def update_cluster(ctx, *,
                         id: Param(P.UUID, "The cluster", entity="Cluster"),
                         allocationstate: Param(P.STRING, "Enabled or Disabled") = None,
                         clustername: Param(P.STRING, "New name") = None,
                         clustertype: Param(P.STRING, "CloudManaged or ExternalManaged") = None,
                         hypervisor: Param(P.STRING, "Hypervisor type") = None,
                         managedstate: Param(P.STRING, "Managed or Unmanaged") = None):
    if hypervisor is not None and hypervisor.lower() != id["hypervisor"].lower():
        raise invalid_value("hypervisor type of a cluster cannot be changed")
    if clustertype is not None and clustertype.lower() != id["cluster_type"].lower():
        raise invalid_value("cluster type of a cluster cannot be changed")
    sets = {}
    if allocationstate is not None:
        sets["allocation_state"] = core.allocation_state(allocationstate)
    if clustername is not None:
        sets["name"] = clustername
    if managedstate is not None:
        state = next((s for s in ("Managed", "Unmanaged") if s.lower() == managedstate.lower()), None)
        if state is None:
            raise invalid_value(f"Unable to resolve Managed State '{managedstate}' to a supported state")
        sets["managed_state"] = state
    await store.update_row(ctx.db, "cluster", id["id"], sets)
    return await cluster_row(ctx, await store.get_cluster(ctx.db, id["id"]))


@command("deleteCluster", roles=ROOT_ONLY, description="Deletes a cluster that has no hosts.")
async def delete_cluster(ctx, *, id: Param(P.UUID, "The cluster", entity="Cluster")):
    await core.delete_cluster(ctx.db, ctx.caller, id)
    return Success()


# ------------------------------------------------------------------------- hypervisors
class HypervisorView(View):
    object_name = "hypervisor"
    fields = (F("name", "string", "the hypervisor type"),)


# CloudStack's hypervisor.list default, and the simulator this cloud runs.
SUPPORTED_HYPERVISORS = ("KVM", "XenServer", "VMware", "Hyperv", "VirtualBox", "Parralels", "BareMetal", "Ovm",
                         "LXC", "Ovm3", "Simulator")


@command("listHypervisors", response=HypervisorView, roles=ALL_ROLES,
         description="Lists the hypervisor types the cloud (or one zone) runs.")
async def list_hypervisors(ctx, *, zoneid: Param(P.UUID, "Only hypervisors of this zone's clusters",
                                                 entity="Zone") = None):
    if zoneid is not None:
        rows = await ctx.db.fetch("SELECT DISTINCT hypervisor FROM cluster WHERE zone_id = $1 AND removed IS NULL "
                                  "ORDER BY hypervisor", zoneid["id"])
        names = [r["hypervisor"] for r in rows]
    else:
        names = list(SUPPORTED_HYPERVISORS)
    return ListResult([HypervisorView.entity({"name": n}) for n in names], len(names), "hypervisor")
