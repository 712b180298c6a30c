"""listCapacity: what the cloud holds and how much of it is taken, per zone (pod, cluster)."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ROOT_AND_RESOURCE, Param, command
from ..api.views import F, ListResult, View
from ..core import infra

# Capacity type codes (CloudStack's Capacity) this cloud reports.
HOST_TYPES = {infra.CAPACITY_MEMORY: "MEMORY", infra.CAPACITY_CPU: "CPU", infra.CAPACITY_LOCAL_STORAGE: "LOCAL_STORAGE",
              infra.CAPACITY_CPU_CORES: "CPU_CORE"}
CAPACITY_PUBLIC_IP, CAPACITY_DIRECT_IP = 4, 8


class CapacityView(View):
    object_name = "capacity"
    fields = (F("type", "short", "the capacity type code"), F("name", "string", "the capacity type name", since="4.14.1"),
              F("zoneid", "string", "the zone"), F("zonename", "string", "its name"),
              F("podid", "string", "the pod"), F("podname", "string", "its name"),
              F("clusterid", "string", "the cluster"), F("clustername", "string", "its name"),
              F("capacityallocated", "long", "allocated to VMs", since="4.17.0"),
              F("capacityused", "long", "in use"), F("capacitytotal", "long", "total"),
              F("percentused", "string", "share in use"))


@command("listCapacity", response=CapacityView, roles=ROOT_AND_RESOURCE, listing=("L",),
         description="Lists total and used capacity per zone (and per pod or cluster when asked).")
async def list_capacity(ctx, *, listing,
                        clusterid: Param(P.UUID, "Only this cluster", entity="Cluster") = None,
                        fetchlatest: Param(P.BOOLEAN, "Recalculate before answering", since="4.3") = False,
                        podid: Param(P.UUID, "Only this pod", entity="Pod") = None,
                        sortby: Param(P.STRING, "Order by 'usage' (highest share first)", since="3.0.0") = None,
                        type: Param(P.INTEGER, "Only this capacity type") = None,
                        zoneid: Param(P.UUID, "Only this zone", entity="Zone") = None):
    level = "cluster" if clusterid else "pod" if podid else "zone"
    keys = {"zone": "h.zone_id", "pod": "h.zone_id, h.pod_id", "cluster": "h.zone_id, h.pod_id, h.cluster_id"}[level]
    args, where = [], ["h.removed IS NULL"]
    for row, column in ((zoneid, "h.zone_id"), (podid, "h.pod_id"), (clusterid, "h.cluster_id")):
        if row is not None:
            args.append(row["id"])
            where.append(f"{column} = ${len(args)}")
    rows = await ctx.db.fetch(
        f"SELECT {keys}, c.type, sum(c.total) AS total, sum(c.used) AS used, sum(c.reserved) AS reserved "
        f"FROM host_capacity c JOIN host h ON h.id = c.host_id WHERE {' AND '.join(where)} "
        f"GROUP BY {keys}, c.type ORDER BY {keys}, c.type", *args)
    names = {}
    for table in ("zone", "pod", "cluster"):
        for r in await ctx.db.fetch(f"SELECT id, uuid, name FROM {table}"):
            names[(table, r["id"])] = (str(r["uuid"]), r["name"])
    cpu_factor = float(await ctx.settings.get("cpu.overprovisioning.factor"))
    mem_factor = float(await ctx.settings.get("mem.overprovisioning.factor"))
    items = []
    for r in rows:
        factor = cpu_factor if r["type"] == infra.CAPACITY_CPU else mem_factor if r["type"] == infra.CAPACITY_MEMORY else 1
        total = int(float(r["total"]) * factor)
        used = int(r["used"]) + int(r["reserved"])
        items.append(_item(names, r, r["type"], total, used, level))
    ip_rows = await ctx.db.fetch(
        "SELECT a.zone_id, v.for_virtual_network, count(*) AS total, count(*) FILTER (WHERE a.state <> 'Free') AS used "
        "FROM ip_address a JOIN vlan_ip_range v ON v.id = a.vlan_id WHERE v.removed IS NULL "
        + ("AND a.zone_id = $1 " if zoneid else "") + "GROUP BY a.zone_id, v.for_virtual_network",
        *([zoneid["id"]] if zoneid else []))
    if level == "zone":
        for r in ip_rows:
            code = CAPACITY_PUBLIC_IP if r["for_virtual_network"] else CAPACITY_DIRECT_IP
            items.append(_item(names, r, code, r["total"], r["used"], "zone"))
    if type is not None:
        items = [i for i in items if i["type"] == type]
    if sortby == "usage":
        items.sort(key=lambda i: -float(i["percentused"]))
    page = items[listing.offset:] if listing.limit is None else items[listing.offset:listing.offset + listing.limit]
    return ListResult(page, len(items), "capacity")


_NAMES = {**HOST_TYPES, CAPACITY_PUBLIC_IP: "VIRTUAL_NETWORK_PUBLIC_IP", CAPACITY_DIRECT_IP: "DIRECT_ATTACHED_PUBLIC_IP"}


def _item(names, r, code: int, total: int, used: int, level: str):
    zone = names.get(("zone", r["zone_id"]), (None, None))
    pod = names.get(("pod", r["pod_id"]), (None, None)) if level in ("pod", "cluster") else (None, None)
    cluster = names.get(("cluster", r["cluster_id"]), (None, None)) if level == "cluster" else (None, None)
    return CapacityView.entity({
        "type": code, "name": _NAMES.get(code), "zoneid": zone[0], "zonename": zone[1], "podid": pod[0],
        "podname": pod[1], "clusterid": cluster[0], "clustername": cluster[1], "capacityallocated": used,
        "capacityused": used, "capacitytotal": total,
        "percentused": f"{(100.0 * used / total) if total else 0:.2f}"})
