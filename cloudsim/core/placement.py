"""Where a VM runs: CloudStack's FirstFit planner and allocator over the simulator-backed capacity.

Candidates are Up, Enabled routing hosts of enabled pods and clusters in the zone (optionally one
pod, cluster or host), carrying every host tag of the offering and not the `ha.tag` one. Clusters
whose allocated CPU or RAM share is over the disable thresholds are skipped. Inside, hosts are
ordered by `vm.allocation.algorithm` and the first one whose CPU and RAM, after the cluster's
overprovisioning factors, still hold the VM wins (hosts whose `updateHost oscategoryid` matches the
guest OS's category first); the VM's affinity groups filter (strict) or
reorder (non-strict) the hosts. The capacity is taken in the same transaction
(`reserve`), under a row lock, so two deploys never both take the last slot.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from ..core.infra import CAPACITY_CPU, CAPACITY_CPU_CORES, CAPACITY_MEMORY

MIB = 1024 * 1024


@dataclass(frozen=True)
class Need:
    cpus: int
    speed: int            # MHz per core
    memory: int           # MiB

    @property
    def cpu_mhz(self) -> int:
        return self.cpus * self.speed

    @property
    def memory_bytes(self) -> int:
        return self.memory * MIB


def offering_tags(host_tags: str | None) -> list[str]:
    return [t.strip() for t in (host_tags or "").split(",") if t.strip()]


async def _factors(settings, cluster_id: int) -> tuple[float, float]:
    cpu = float(await settings.get("cpu.overprovisioning.factor", ("Cluster", cluster_id)))
    mem = float(await settings.get("mem.overprovisioning.factor", ("Cluster", cluster_id)))
    return cpu, mem


async def candidates(conn, settings, *, zone_id: int, need: Need, tags: list[str], hypervisor: str | None,
                     pod_id: int | None = None, cluster_id: int | None = None, host_id: int | None = None,
                     account_id: int | None = None, avoid: set[int] = frozenset(),
                     last_host_id: int | None = None, vm_id: int | None = None,
                     os_category_id: int | None = None) -> list[dict]:
    """Hosts worth trying, best first (each still to be reserved)."""
    args: list = [zone_id, tags]
    where = ["h.zone_id = $1", "h.removed IS NULL", "h.type = 'Routing'", "h.status = 'Up'",
             "h.resource_state = 'Enabled'", "c.allocation_state = 'Enabled'", "p.allocation_state = 'Enabled'",
             "c.removed IS NULL", "p.removed IS NULL", "(h.host_tags || h.implicit_tags) @> $2::text[]"]
    for value, column in ((pod_id, "h.pod_id"), (cluster_id, "h.cluster_id"), (host_id, "h.id"),
                          (hypervisor, "h.hypervisor")):
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    ha_tag = await settings.get("ha.tag")
    if ha_tag:
        args.append(ha_tag)
        where.append(f"NOT (${len(args)} = ANY(h.host_tags))")
    hosts = [dict(r) for r in await conn.fetch(
        "SELECT h.id, h.uuid, h.name, h.guid, h.hypervisor, h.zone_id, h.pod_id, h.cluster_id, h.cpus, h.speed, "
        "h.implicit_tags, h.os_category_id, "
        "(SELECT total FROM host_capacity WHERE host_id = h.id AND type = 1) AS cpu_total, "
        "(SELECT used + reserved FROM host_capacity WHERE host_id = h.id AND type = 1) AS cpu_used, "
        "(SELECT total FROM host_capacity WHERE host_id = h.id AND type = 0) AS mem_total, "
        "(SELECT used + reserved FROM host_capacity WHERE host_id = h.id AND type = 0) AS mem_used "
        "FROM host h JOIN cluster c ON c.id = h.cluster_id JOIN pod p ON p.id = h.pod_id "
        f"WHERE {' AND '.join(where)} ORDER BY h.cluster_id, h.id", *args) if r["id"] not in avoid]
    if not hosts:
        return []
    threshold_on = bool(await settings.get("cluster.threshold.enabled"))
    by_cluster: dict[int, list[dict]] = {}
    for h in hosts:
        by_cluster.setdefault(h["cluster_id"], []).append(h)
    fitting: list[dict] = []
    for cid, members in by_cluster.items():
        cpu_factor, mem_factor = await _factors(settings, cid)
        if threshold_on and host_id is None:
            cpu_limit = float(await settings.get("cluster.cpu.allocated.capacity.disablethreshold", ("Cluster", cid)))
            mem_limit = float(await settings.get("cluster.memory.allocated.capacity.disablethreshold", ("Cluster", cid)))
            cpu_total = sum((m["cpu_total"] or 0) for m in members) * cpu_factor
            mem_total = sum((m["mem_total"] or 0) for m in members) * mem_factor
            cpu_used = sum((m["cpu_used"] or 0) for m in members) + need.cpu_mhz
            mem_used = sum((m["mem_used"] or 0) for m in members) + need.memory_bytes
            if (cpu_total and cpu_used / cpu_total > cpu_limit) or (mem_total and mem_used / mem_total > mem_limit):
                continue
        for h in members:
            if h["cpus"] < need.cpus or h["speed"] < need.speed:
                continue              # the host cannot give the VM that many cores of that speed
            free_cpu = (h["cpu_total"] or 0) * cpu_factor - (h["cpu_used"] or 0)
            free_mem = (h["mem_total"] or 0) * mem_factor - (h["mem_used"] or 0)
            if free_cpu >= need.cpu_mhz and free_mem >= need.memory_bytes:
                h["free_cpu"], h["free_mem"] = free_cpu, free_mem
                fitting.append(h)
    algorithm = str(await settings.get("vm.allocation.algorithm") or "random")
    if algorithm in ("random", "userconcentratedpod_random"):
        random.shuffle(fitting)
    elif algorithm == "firstfitleastconsumed":
        fitting.sort(key=lambda h: (-h["free_cpu"], h["id"]))
    elif algorithm == "userdispersing" and account_id is not None:
        counts = {r["host_id"]: r["n"] for r in await conn.fetch(
            "SELECT host_id, count(*) AS n FROM vm_instance WHERE account_id = $1 AND host_id IS NOT NULL "
            "AND removed IS NULL GROUP BY host_id", account_id)}
        fitting.sort(key=lambda h: (counts.get(h["id"], 0), h["id"]))
    # Hosts preferring the guest's OS category first, hosts without a preference next, others last.
    if os_category_id is not None:
        fitting.sort(key=lambda h: 0 if h["os_category_id"] == os_category_id else
                     1 if h["os_category_id"] is None else 2)
    # GPU hosts go last for offerings that need no GPU (FirstFitAllocator's GPU protection).
    fitting.sort(key=lambda h: "GPU" in (h["implicit_tags"] or []))
    if vm_id is not None:
        fitting = await _apply_affinity(conn, vm_id, fitting)
    if last_host_id is not None:
        fitting.sort(key=lambda h: h["id"] != last_host_id)
    return fitting


async def _apply_affinity(conn, vm_id: int, fitting: list[dict]) -> list[dict]:
    """The VM's affinity groups: strict kinds filter the hosts, non-strict kinds reorder them.

    A group's other members count where they run now (their host), as CloudStack's processors do;
    for strict anti-affinity a stopped member still holding capacity on its last host blocks it too."""
    for rule in await conn.fetch(
            "SELECT g.type, array_agg(DISTINCT coalesce(o.host_id, o.last_host_id)) FILTER (WHERE o.host_id IS NOT NULL "
            "OR (g.type = 'host anti-affinity' AND o.capacity_held_until IS NOT NULL)) AS hosts "
            "FROM vm_affinity_group m JOIN affinity_group g ON g.id = m.affinity_group_id "
            "LEFT JOIN vm_affinity_group m2 ON m2.affinity_group_id = g.id AND m2.vm_id <> $1 "
            "LEFT JOIN vm_instance o ON o.id = m2.vm_id AND o.removed IS NULL "
            "WHERE m.vm_id = $1 GROUP BY g.id, g.type ORDER BY g.id", vm_id):
        taken = set(rule["hosts"] or ())
        if not taken:
            continue
        if rule["type"] == "host anti-affinity":
            fitting = [h for h in fitting if h["id"] not in taken]
        elif rule["type"] == "host affinity":
            fitting = [h for h in fitting if h["id"] in taken]
        elif rule["type"] == "non-strict host anti-affinity":
            fitting.sort(key=lambda h: h["id"] in taken)
        elif rule["type"] == "non-strict host affinity":
            fitting.sort(key=lambda h: h["id"] not in taken)
    return fitting


async def reserve(conn, settings, host: dict, need: Need) -> bool:
    """Take the VM's CPU and RAM on the host if they are still free (rows locked)."""
    rows = {r["type"]: r for r in await conn.fetch(
        "SELECT type, total, used, reserved FROM host_capacity WHERE host_id = $1 AND type = ANY($2::smallint[]) "
        "ORDER BY type FOR UPDATE", host["id"], [CAPACITY_MEMORY, CAPACITY_CPU, CAPACITY_CPU_CORES])}
    cpu_factor, mem_factor = await _factors(settings, host["cluster_id"])
    cpu, mem = rows.get(CAPACITY_CPU), rows.get(CAPACITY_MEMORY)
    if cpu is None or mem is None:
        return False
    if cpu["total"] * cpu_factor - cpu["used"] - cpu["reserved"] < need.cpu_mhz:
        return False
    if mem["total"] * mem_factor - mem["used"] - mem["reserved"] < need.memory_bytes:
        return False
    await _add(conn, host["id"], need, 1)
    return True


async def claim_first(conn, settings, need: Need, hosts: list[dict]) -> dict | None:
    """The first of `hosts` (best first) whose capacity could be taken for the VM, or None."""
    for host in hosts:
        if await reserve(conn, settings, host, need):
            return host
    return None


async def release(conn, host_id: int | None, need: Need) -> None:
    if host_id is not None:
        await _add(conn, host_id, need, -1)


async def take(conn, host_id: int | None, need: Need) -> None:
    """Count the VM's CPU and RAM on its host without checking what is free: undoes a `release`."""
    if host_id is not None:
        await _add(conn, host_id, need, 1)


async def hold(conn, host_id: int | None, need: Need) -> None:
    """A VM stopped: what it used on the host stays reserved for it (capacity.skipcounting.hours)."""
    if host_id is not None:
        await _add(conn, host_id, need, -1)
        await _add(conn, host_id, need, 1, "reserved")


async def hold_again(conn, host_id: int, need: Need) -> None:
    """A start that found no host: the stopped VM's reservation is put back."""
    await _add(conn, host_id, need, 1, "reserved")


async def unhold(conn, host_id: int | None, need: Need) -> None:
    if host_id is not None:
        await _add(conn, host_id, need, -1, "reserved")


async def _add(conn, host_id: int, need: Need, sign: int, column: str = "used") -> None:
    for ctype, amount in ((CAPACITY_CPU, need.cpu_mhz), (CAPACITY_MEMORY, need.memory_bytes),
                          (CAPACITY_CPU_CORES, need.cpus)):
        await conn.execute(f"UPDATE host_capacity SET {column} = greatest({column} + $3, 0) "
                           "WHERE host_id = $1 AND type = $2", host_id, ctype, sign * amount)
