"""Hypervisor hosts: addHost, listHosts, updateHost, deleteHost, maintenance."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ROOT_AND_RESOURCE, ROOT_ONLY, Param, command, register_entity
from ..api.views import F, ListResult, Obj, Success, View
from ..core import infra as core
from ..errors import CloudStackError, invalid_value
from ..store import events
from ..store import infra as store
from .zone import _filter, _page

register_entity("Host", store.get_host)

CAPACITY = {"memory": core.CAPACITY_MEMORY, "cpu": core.CAPACITY_CPU}


class HostView(View):
    object_name = "host"
    kind = "Host"
    fields = (
        F("id", "string", "the host ID"), F("name", "string", "the host name"),
        F("state", "string", "connection state: Up, Down, Disconnected, Alert …"),
        F("disconnected", "date", "when the host last disconnected"), F("type", "string", "the host type"),
        F("oscategoryid", "string", "preferred guest OS category"), F("oscategoryname", "string", "its name"),
        F("ipaddress", "string", "the host's address"), F("zoneid", "string", "its zone's ID"),
        F("zonename", "string", "its zone's name"), F("podid", "string", "its pod's ID"),
        F("podname", "string", "its pod's name"), F("version", "string", "agent version"),
        F("hypervisor", "string", "the hypervisor"), F("cpusockets", "integer", "CPU sockets"),
        F("cpunumber", "integer", "CPU cores"), F("cpuspeed", "long", "MHz per core"),
        F("cpuallocated", "string", "share of CPU allocated to VMs"),
        F("cpuallocatedvalue", "long", "MHz allocated to VMs"),
        F("cpuallocatedpercentage", "string", "share of CPU allocated to VMs"),
        F("cpuallocatedwithoverprovisioning", "string", "share of overprovisioned CPU allocated"),
        F("cpuused", "string", "CPU in use"), F("cpuwithoverprovisioning", "string", "MHz with overprovisioning"),
        F("cpuloadaverage", "double", "CPU load average"), F("networkkbsread", "long", "kB read"),
        F("networkkbswrite", "long", "kB written"), F("memorytotal", "long", "memory in bytes"),
        F("memorywithoverprovisioning", "string", "memory with overprovisioning"),
        F("memoryallocated", "long", "memory allocated to VMs"),
        F("memoryallocatedpercentage", "string", "share of memory allocated"),
        F("memoryallocatedbytes", "long", "bytes allocated to VMs"), F("memoryused", "long", "memory in use"),
        F("gpugroup", "list", "GPU groups and their vGPU types"), F("disksizetotal", "long", "local storage"),
        F("disksizeallocated", "long", "local storage allocated"), F("capabilities", "string", "capabilities"),
        F("lastpinged", "date", "last heartbeat"), F("managementserverid", "string", "managing server"),
        F("clusterid", "string", "its cluster's ID"), F("clustername", "string", "its cluster's name"),
        F("clustertype", "string", "its cluster's type"), F("islocalstorageactive", "boolean", "local storage in use"),
        F("created", "date", "when it was added"), F("removed", "date", "when it was removed"),
        F("events", "string", "events the host accepts"), F("hosttags", "string", "host tags"),
        F("hasenoughcapacity", "boolean", "enough capacity for a migration"),
        F("suitableformigration", "boolean", "suitable for a migration"),
        F("resourcestate", "string", "Enabled, Disabled, PrepareForMaintenance, Maintenance …"),
        F("hypervisorversion", "string", "hypervisor version"), F("hahost", "boolean", "true if tagged for HA"),
        F("details", "map", "host details"), F("annotation", "string", "the last comment"),
        F("username", "string", "user for the host"), F("ueficapability", "boolean", "UEFI support"),
        F("encryptionsupported", "boolean", "volume encryption support", since="4.18"),
        F("arch", "string", "CPU architecture", since="4.20"),
        F("hasannotations", "boolean", "true if comments are attached"),
    )


def _pct(part: float, whole: float) -> str:
    return f"{(100.0 * part / whole) if whole else 0.0:.2f}%"


async def host_entities(ctx, rows) -> list:
    ids = [h["id"] for h in rows]
    capacity: dict[tuple[int, int], dict] = {(c["host_id"], c["type"]): c for c in await store.host_capacities(ctx.db, ids)}
    gpus: dict[int, dict[str, list]] = {}
    for g in await store.host_gpus(ctx.db, ids):
        gpus.setdefault(g["host_id"], {}).setdefault(g["group_name"], []).append(Obj(
            vgputype=g["vgpu_type"], videoram=g["video_ram"], maxheads=g["max_heads"],
            maxresolutionx=g["max_resolution_x"], maxresolutiony=g["max_resolution_y"],
            maxvgpuperpgpu=g["max_vgpu_per_pgpu"], remainingcapacity=g["remaining_capacity"],
            maxcapacity=g["max_capacity"]))
    out = []
    for h in rows:
        scope = ("Cluster", h["cluster_id"])
        cpu_factor = float(await ctx.settings.get("cpu.overprovisioning.factor", scope))
        mem_factor = float(await ctx.settings.get("mem.overprovisioning.factor", scope))
        cpu = capacity.get((h["id"], core.CAPACITY_CPU), {"used": 0, "reserved": 0})
        mem = capacity.get((h["id"], core.CAPACITY_MEMORY), {"used": 0, "reserved": 0})
        cpu_total = h["cpus"] * h["speed"]
        cpu_alloc = cpu["used"] + cpu["reserved"]
        mem_alloc = mem["used"] + mem["reserved"]
        row = {
            "id": str(h["uuid"]), "name": h["name"], "state": h["status"], "disconnected": h["disconnected"],
            "type": h["type"], "oscategoryid": str(h["os_category_uuid"]) if h["os_category_uuid"] else None,
            "oscategoryname": h["os_category_name"], "ipaddress": h["private_ip"], "zoneid": str(h["zone_uuid"]),
            "zonename": h["zone_name"], "podid": str(h["pod_uuid"]), "podname": h["pod_name"],
            "version": h["version"], "hypervisor": h["hypervisor"], "cpusockets": h["cpu_sockets"],
            "cpunumber": h["cpus"], "cpuspeed": h["speed"], "cpuallocated": _pct(cpu_alloc, cpu_total),
            "cpuallocatedvalue": cpu_alloc, "cpuallocatedpercentage": _pct(cpu_alloc, cpu_total),
            "cpuallocatedwithoverprovisioning": _pct(cpu_alloc, cpu_total * cpu_factor),
            "cpuused": f"{h['cpu_used_pct'] or 0:.2f}%", "cpuwithoverprovisioning": f"{cpu_total * cpu_factor:.1f}",
            "cpuloadaverage": h["cpu_load_average"] or 0.0, "networkkbsread": h["network_kbs_read"] or 0,
            "networkkbswrite": h["network_kbs_write"] or 0, "memorytotal": h["total_memory"],
            "memorywithoverprovisioning": f"{h['total_memory'] * mem_factor:.1f}", "memoryallocated": mem_alloc,
            "memoryallocatedpercentage": _pct(mem_alloc, h["total_memory"] * mem_factor),
            "memoryallocatedbytes": mem_alloc, "memoryused": h["memory_used"] or 0,
            "gpugroup": [Obj(gpugroupname=name, vgpu=types) for name, types in gpus.get(h["id"], {}).items()],
            "disksizetotal": h["local_storage"], "disksizeallocated": 0, "capabilities": h["capabilities"],
            "lastpinged": h["last_ping"], "managementserverid": str(h["ms_uuid"]) if h["ms_uuid"] else None,
            "clusterid": str(h["cluster_uuid"]), "clustername": h["cluster_name"], "clustertype": h["cluster_type"],
            "islocalstorageactive": False, "created": h["created"], "removed": h["removed"],
            "events": "AgentConnected; PingTimeout; ShutdownRequested; AgentDisconnected; HostDown; Ping; Remove",
            "hosttags": ",".join(list(h["host_tags"]) + list(h["implicit_tags"])) or None,
            "resourcestate": h["resource_state"], "hypervisorversion": h["hypervisor_version"], "hahost": False,
            "details": h["details"] or None, "annotation": h["annotation"], "username": h["username"],
            "ueficapability": True, "encryptionsupported": False, "arch": h["arch"], "hasannotations": False,
        }
        out.append(HostView.entity(row))
    return out


@command("addHost", response=HostView, roles=ROOT_ONLY, description="Adds a hypervisor host to a cluster.")
async def add_host(ctx, *,
                   hypervisor: Param(P.STRING, "Hypervisor of the host, e.g. Simulator"),
                   podid: Param(P.UUID, "The pod", entity="Pod"),
                   url: Param(P.STRING, "The host's URL; for the simulator http://sim/...?cpucore=4&cpuspeed=8000"),
                   zoneid: Param(P.UUID, "The zone", entity="Zone"),
                   allocationstate: Param(P.STRING, "Enabled or Disabled") = None,
                   clusterid: Param(P.UUID, "The cluster", entity="Cluster") = None,
                   clustername: Param(P.STRING, "Name of the cluster (created if needed)") = None,
                   hosttags: Param(P.LIST, "Tags of the host") = None,
                   password: Param(P.STRING, "Password for the host") = None,
                   username: Param(P.STRING, "User for the host") = None):
    cluster = clusterid
    if cluster is None:
        if not clustername:
            raise invalid_value("Either clusterid or clustername must be specified")
        cluster = await ctx.db.fetchrow(store.CLUSTER_SELECT + " WHERE c.pod_id = $1 AND lower(c.name) = lower($2) "
                                        "AND c.removed IS NULL", podid["id"], clustername)
        if cluster is None:
            cluster_id = await core.add_cluster(ctx.db, ctx.caller, zone=zoneid, pod=podid, name=clustername,
                                                hypervisor=hypervisor)
            cluster = await store.get_cluster(ctx.db, cluster_id)
    host_id = await core.add_host(ctx.app, ctx.caller, zone=zoneid, pod=podid, cluster=cluster,
                                  hypervisor=hypervisor, url=url, username=username, password=password,
                                  hosttags=hosttags, allocationstate=allocationstate)
    return ListResult(await host_entities(ctx, [await store.get_host(ctx.db, host_id)]), 1, "host")


@command("listHosts", response=HostView, roles=ROOT_AND_RESOURCE, listing=("L",), description="Lists hosts.")
async def list_hosts(ctx, *, listing,
                     clusterid: Param(P.UUID, "Only hosts of this cluster", entity="Cluster") = None,
                     details: Param(P.LIST, "Detail groups: all, capacity, events, stats, min") = None,
                     hahost: Param(P.BOOLEAN, "Only hosts tagged for HA") = None,
                     hypervisor: Param(P.STRING, "Only hosts of this hypervisor") = None,
                     id: Param(P.UUID, "Only the host with this ID", entity="Host") = None,
                     name: Param(P.STRING, "Only the host with this name") = None,
                     outofbandmanagementenabled: Param(P.BOOLEAN, "Only hosts with out-of-band management") = None,
                     outofbandmanagementpowerstate: Param(P.STRING, "Only hosts in this OOBM power state") = None,
                     podid: Param(P.UUID, "Only hosts of this pod", entity="Pod") = None,
                     resourcestate: Param(P.STRING, "Only hosts in this resource state") = None,
                     state: Param(P.STRING, "Only hosts in this connection state") = None,
                     type: Param(P.STRING, "Only hosts of this type, e.g. Routing") = None,
                     virtualmachineid: Param(P.UUID, "Hosts a VM could migrate to", entity="VirtualMachine") = None,
                     zoneid: Param(P.UUID, "Only hosts of this zone", entity="Zone") = None):
    where, args = ["h.removed IS NULL"], []
    _filter(where, args, id["id"] if id else None, "h.id = ${}")
    _filter(where, args, clusterid["id"] if clusterid else None, "h.cluster_id = ${}")
    _filter(where, args, podid["id"] if podid else None, "h.pod_id = ${}")
    _filter(where, args, zoneid["id"] if zoneid else None, "h.zone_id = ${}")
    _filter(where, args, name, "lower(h.name) = lower(${})")
    _filter(where, args, hypervisor, "lower(h.hypervisor) = lower(${})")
    _filter(where, args, resourcestate, "lower(h.resource_state) = lower(${})")
    _filter(where, args, state, "lower(h.status) = lower(${})")
    _filter(where, args, type, "lower(h.type) = lower(${})")
    if hahost:
        where.append("false")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "(h.name ILIKE ${0} OR h.status ILIKE ${0})")
    rows, total = await _page(ctx, store.HOST_SELECT, "h", where, args, listing, "h.id")
    return ListResult(await host_entities(ctx, rows), total, "host")


@command("updateHost", response=HostView, roles=ROOT_ONLY,
         description="Changes a host's tags, allocation state, OS preference, name or comment.")
async def update_host(ctx, *,
                      id: Param(P.UUID, "The host", entity="Host"),
                      allocationstate: Param(P.STRING, "Enable or Disable") = None,
                      annotation: Param(P.STRING, "A comment about the host") = None,
                      hosttags: Param(P.LIST, "New host tags (empty to clear)") = None,
                      name: Param(P.STRING, "New name", since="4.15") = None,
                      oscategoryid: Param(P.UUID, "Preferred guest OS category", entity="GuestOsCategory") = None,
                      url: Param(P.STRING, "New URL") = None):
    sets: dict = {}
    if allocationstate is not None:
        event = allocationstate.strip().lower()
        if event not in ("enable", "disable"):
            raise invalid_value(f"Invalid allocation state: {allocationstate}, only Enable/Disable are allowed")
        if id["resource_state"] not in ("Enabled", "Disabled"):
            raise invalid_value(f"Cannot change the allocation state of host {id['uuid']} in resource state "
                                f"{id['resource_state']}")
        sets["resource_state"] = "Enabled" if event == "enable" else "Disabled"
    if hosttags is not None:
        sets["host_tags"] = core.clean_tags(hosttags)
    if name is not None:
        sets["name"] = name
    if annotation is not None:
        sets["annotation"] = annotation
    if oscategoryid is not None:
        sets["os_category_id"] = oscategoryid["id"]
    if url is not None:
        sets["url"] = url
    await store.update_row(ctx.db, "host", id["id"], sets)
    return (await host_entities(ctx, [await store.get_host(ctx.db, id["id"])]))[0]


@command("deleteHost", roles=ROOT_ONLY, description="Removes a host that is in maintenance (or forced).")
async def delete_host(ctx, *,
                      id: Param(P.UUID, "The host", entity="Host"),
                      forced: Param(P.BOOLEAN, "Remove even if not in maintenance") = False,
                      forcedestroylocalstorage: Param(P.BOOLEAN, "Destroy local storage too") = False):
    await core.delete_host(ctx.app, ctx.caller, id, forced)
    return Success()


async def _maintenance_check(ctx, id, want: tuple[str, ...], verb: str):
    if id["resource_state"] not in want:
        raise invalid_value(f"Cannot {verb} host {id['uuid']}: it is in resource state {id['resource_state']}")
    return id["id"], str(id["uuid"])


@command("prepareHostForMaintenance", response=HostView, roles=ROOT_ONLY, is_async=True, job_instance="Host",
         cmd_class="org.apache.cloudstack.api.command.admin.host.PrepareForMaintenanceCmd",
         description="Moves a host into maintenance: its running VMs are migrated away, then no new VMs are "
                     "placed on it.")
async def prepare_host_for_maintenance(ctx, *, id: Param(P.UUID, "The host", entity="Host")):
    from ..core import vm_ops
    from ..store import vm as vm_store
    await _maintenance_check(ctx, id, ("Enabled", "Disabled", "ErrorInMaintenance", "ErrorInPrepareForMaintenance"),
                             "prepare for maintenance")
    await ctx.db.execute("UPDATE host SET resource_state = 'PrepareForMaintenance' WHERE id = $1", id["id"])
    failed = []
    for row in await ctx.db.fetch("SELECT id FROM vm_instance WHERE host_id = $1 AND removed IS NULL "
                                  "AND state = 'Running' ORDER BY id", id["id"]):
        vm = await vm_store.get_vm(ctx.db, row["id"])
        try:
            await vm_ops.migrate(ctx.app, ctx.caller, vm)
        except CloudStackError as err:
            failed.append(f"{vm['instance_name']}: {err.text}")
    busy = await ctx.db.fetchval("SELECT count(*) FROM vm_instance WHERE host_id = $1 AND removed IS NULL "
                                 "AND state IN ('Starting', 'Running', 'Stopping', 'Migrating')", id["id"])
    state = "ErrorInPrepareForMaintenance" if failed or busy else "Maintenance"
    await ctx.db.execute("UPDATE host SET resource_state = $2 WHERE id = $1", id["id"], state)
    await events.record_event(ctx.db, type="MAINT.PREPARE", description=(
        f"Host {id['name']} is in {state}" + (f"; not migrated: {'; '.join(failed)}" if failed else "")),
        level="ERROR" if failed or busy else "INFO", user_id=ctx.caller.user_id,
        account_id=ctx.caller.account_id, domain_id=ctx.caller.domain_id, resource_id=str(id["uuid"]),
        resource_type="Host", resource_name=id["name"])
    return (await host_entities(ctx, [await store.get_host(ctx.db, id["id"])]))[0]


@prepare_host_for_maintenance.precheck_fn
async def _prepare_check(ctx, *, id):
    return await _maintenance_check(ctx, id, ("Enabled", "Disabled", "ErrorInMaintenance",
                                              "ErrorInPrepareForMaintenance"), "prepare for maintenance")


@command("cancelHostMaintenance", response=HostView, roles=ROOT_ONLY, is_async=True, job_instance="Host",
         cmd_class="org.apache.cloudstack.api.command.admin.host.CancelMaintenanceCmd",
         description="Takes a host out of maintenance.")
async def cancel_host_maintenance(ctx, *, id: Param(P.UUID, "The host", entity="Host")):
    await _maintenance_check(ctx, id, ("Maintenance", "PrepareForMaintenance", "ErrorInMaintenance",
                                       "ErrorInPrepareForMaintenance"), "cancel maintenance of")
    await ctx.db.execute("UPDATE host SET resource_state = 'Enabled' WHERE id = $1", id["id"])
    return (await host_entities(ctx, [await store.get_host(ctx.db, id["id"])]))[0]


@cancel_host_maintenance.precheck_fn
async def _cancel_check(ctx, *, id):
    return await _maintenance_check(ctx, id, ("Maintenance", "PrepareForMaintenance", "ErrorInMaintenance",
                                              "ErrorInPrepareForMaintenance"), "cancel maintenance of")
