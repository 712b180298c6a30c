"""Giving a VM another compute offering: changeServiceForVirtualMachine and scaleVirtualMachine.

A Stopped VM simply takes the new offering's shape. A Running VM may only grow, live, and only
when the zone (`enable.dynamic.scale.vm`), the VM, both offerings and the hypervisor allow it:
on its own host if that host has room, else after a live migration to a host of its cluster that
has, up to `scale.retry` attempts. CloudStack has no "scaling" state: the VM stays Running (it
passes through Migrating only if it moves). Host capacity is swapped old -> new in the transaction
that checks it, and swapped back if the hypervisor refuses or the VM changed meanwhile.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from ..errors import CloudStackError, concurrent_operation, internal_error, invalid_value, permission_denied
from ..hypervisors import DriverError, driver_for, has_driver
from ..store import vm as store
from . import placement, vm_ops
from .infra import CAPACITY_CPU, CAPACITY_MEMORY
from .placement import Need
from .vm import need_of, record, vm_text

log = logging.getLogger(__name__)

INT_MAX = 2147483647
# Hypervisors whose guests CloudStack scales live (UserVmManagerImpl.upgradeRunningVirtualMachine).
LIVE_SCALING_HYPERVISORS = ("XenServer", "VMware", "Simulator", "KVM")
_CUSTOM_KEYS = ("cpuNumber", "cpuSpeed", "memory")
_ADMIN_ACCOUNT = 1   # Account.Type.ADMIN: offerings limited to domains do not apply to it


@dataclass(frozen=True)
class Change:
    """What the VM becomes: the offering, the old and new shapes, its details and scaling flag."""
    offering: dict
    current: dict         # the VM's present offering (including a removed one)
    old: Need
    new: Need
    details: dict
    dynamically_scalable: bool


def is_custom(offering) -> bool:
    """CloudStack's ServiceOffering.isDynamic(): some of CPU, speed or memory is left to the caller."""
    return offering["cpus"] is None or offering["speed"] is None or offering["memory"] is None


def _detail(details: dict, key: str) -> str | None:
    for name, value in details.items():
        if name.lower() == key.lower():
            return value
    return None


def _int(value: str | None, default: int = -1) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


async def _caps(settings) -> tuple[int, int]:
    cores = int(await settings.get("vm.serviceoffering.cpu.cores.max") or 0)
    ram = int(await settings.get("vm.serviceoffering.ram.size.max") or 0)
    return cores or INT_MAX, ram or INT_MAX


async def custom_shape(settings, offering, details: dict) -> Need:
    """validateCustomParameters: the values a custom offering leaves open, each within its bounds."""
    if not details:
        raise invalid_value("Need to specify custom parameter values cpu, cpu speed and memory when using custom "
                            "offering")
    max_cores, max_ram = await _caps(settings)
    cpus, speed, memory = offering["cpus"], offering["speed"], offering["memory"]
    if cpus is None:
        low, high = offering["min_cpus"] or 1, offering["max_cpus"] or INT_MAX
        cpus = _int(_detail(details, "cpuNumber"))
        if cpus < low or cpus > high or cpus > max_cores:
            raise invalid_value(f"Invalid cpu cores value, specify a value between {low} and {min(max_cores, high)}")
    elif _detail(details, "cpuNumber") is not None:
        raise invalid_value(f"The cpu cores of this offering id:{offering['uuid']} is not customizable. This is "
                            "predefined in the template.")
    if speed is None:
        speed = _int(_detail(details, "cpuSpeed"))
        if speed <= 0:
            raise invalid_value(f"Invalid cpu speed value, specify a value between 1 and {INT_MAX}")
    elif _detail(details, "cpuSpeed") is not None:
        raise invalid_value(f"The cpu speed of this offering id:{offering['uuid']} is not customizable. This is "
                            "predefined in the template.")
    if memory is None:
        low, high = offering["min_memory"] or 32, offering["max_memory"] or INT_MAX
        memory = _int(_detail(details, "memory"))
        if memory < low or memory > high or memory > max_ram:
            raise invalid_value(f"Invalid memory value, specify a value between {low} and {min(max_ram, high)}")
    elif _detail(details, "memory") is not None:
        raise invalid_value(f"The memory of this offering id:{offering['uuid']} is not customizable. This is "
                            "predefined in the template.")
    return Need(cpus, speed, memory)


async def _check_fixed(settings, offering) -> None:
    """validateOfferingMaxResource: a fixed offering within the operator's caps."""
    max_cores, max_ram = await _caps(settings)
    if offering["cpus"] > max_cores:
        raise invalid_value("Invalid cpu cores value, please choose another service offering with cpu cores between "
                            f"1 and {max_cores}")
    if offering["memory"] > max_ram:
        raise invalid_value(f"Invalid memory value, please choose another service offering with memory between 32 "
                            f"and {max_ram} MB")


def _offering_text(offering) -> str:
    return "Service offering " + json.dumps({"id": offering["id"], "name": offering["name"],
                                             "uuid": str(offering["uuid"])}, separators=(",", ":"))


async def _check_owner_may_use(db, vm, offering) -> None:
    """DomainChecker: the VM's owner must see the offering (its domains) in the VM's zone."""
    allowed = True
    if offering["domain_ids"] and vm["account_type"] != _ADMIN_ACCOUNT:
        allowed = bool(await db.fetchval("SELECT 1 FROM domain WHERE id = ANY($1::bigint[]) AND $2 LIKE path || '%'",
                                         list(offering["domain_ids"]), vm["domain_path"]))
    if allowed and offering["zone_ids"]:
        allowed = vm["zone_id"] in offering["zone_ids"]
    if not allowed:
        who = json.dumps({"uuid": str(vm["account_uuid"]), "accountName": vm["account_name"], "id": vm["account_id"]},
                         separators=(",", ":"))
        raise permission_denied(f"There's no way to confirm Account [{who}] has access to {_offering_text(offering)}")


def _check_disk_offerings(current, offering) -> None:
    """validateDiskOfferingChecks: a strict disk offering stays the same."""
    if current["disk_offering_strict"] != offering["disk_offering_strict"]:
        raise invalid_value("Unable to Scale VM, since disk offering strictness flag is not same for new service "
                            "offering and old service offering")
    if current["disk_offering_strict"] and current["disk_offering_id"] != offering["disk_offering_id"]:
        raise invalid_value("Unable to Scale VM, since disk offering id associated with the old service offering is "
                            "not same for new service offering")


def _check_can_upgrade(vm, current, offering) -> None:
    """VirtualMachineManagerImpl.checkIfCanUpgrade."""
    if offering["state"] != "Active":
        raise invalid_value(f"New service offering is inactive: [{offering['uuid']}].")
    if vm["state"] not in ("Stopped", "Running"):
        raise invalid_value(f"Unable to upgrade virtual machine {vm_text(vm)}  in state {vm['state']}; make sure the "
                            "virtual machine is stopped/running")
    if not is_custom(offering) and vm["service_offering_id"] == offering["id"]:
        raise invalid_value(f"Not upgrading vm {vm_text(vm)} since it already has the requested service offering "
                            f"({offering['name']})")
    # The root volume lives where the present offering put it (cloudsim has no separate pool record).
    if offering["storage_type"] == "local" and current["storage_type"] != "local":
        raise invalid_value(f"Unable to upgrade virtual machine {vm_text(vm)}, target offering use local storage but "
                            "the storage pool where the volume is allocated is a shared storage.")
    if offering["storage_type"] != "local" and current["storage_type"] == "local":
        raise invalid_value(f"Unable to upgrade virtual machine {vm_text(vm)}, target offering use shared storage but "
                            "the storage pool where the volume is allocated is a local storage.")
    if current["is_system"] != offering["is_system"]:
        raise invalid_value("isSystem property is different for current service offering and new service offering")


async def plan(app, vm, offering, details: dict, *, keep_unset: bool) -> Change:
    """Every check of an offering change that does not depend on the VM running; returns the change.

    keep_unset (scaleVirtualMachine): custom values not given keep the VM's present ones."""
    db, settings = app.db, app.settings
    current = await db.fetchrow("SELECT * FROM service_offering WHERE id = $1", vm["service_offering_id"])
    old = need_of(vm)
    details = dict(details)
    if keep_unset:
        for key, mine, now in (("cpuSpeed", "speed", old.speed), ("memory", "memory", old.memory),
                               ("cpuNumber", "cpus", old.cpus)):
            if offering[mine] is None and _detail(details, key) is None:
                details[key] = str(now)
    if vm["state"] == "Stopped" and offering["state"] != "Active":
        raise invalid_value(f"Unable to upgrade virtual machine {vm['uuid']} with an inactive service offering "
                            f"{offering['uuid']}")
    if is_custom(offering):
        new = await custom_shape(settings, offering, details)
    else:
        await _check_fixed(settings, offering)
        new = Need(offering["cpus"], offering["speed"], offering["memory"])
    _check_disk_offerings(current, offering)
    _check_can_upgrade(vm, current, offering)
    await _check_owner_may_use(db, vm, offering)
    kept = {k: v for k, v in dict(vm["details"] or {}).items() if k not in _CUSTOM_KEYS}
    if is_custom(offering):
        kept.update({"cpuNumber": str(new.cpus), "cpuSpeed": str(new.speed), "memory": str(new.memory)})
    elif not is_custom(current):
        kept = dict(vm["details"] or {})
    image_scalable = await db.fetchval("SELECT dynamically_scalable FROM vm_template "
                                       "WHERE id = coalesce($1::bigint, $2::bigint)", vm["template_id"], vm["iso_id"])
    scalable = bool(vm["is_dynamically_scalable"] and offering["dynamic_scaling"] and image_scalable
                    and await settings.get("enable.dynamic.scale.vm", ("Zone", vm["zone_id"])))
    return Change(offering=offering, current=current, old=old, new=new, details=kept, dynamically_scalable=scalable)


def _has_tags(host, offering) -> bool:
    tags = placement.offering_tags(offering["host_tags"])
    return set(tags) <= set(host["host_tags"] or ()) | set(host["implicit_tags"] or ())


async def check_live(app, vm, change: Change) -> None:
    """The checks of scaling a Running VM (upgradeRunningVirtualMachine), in CloudStack's order."""
    host = await app.db.fetchrow("SELECT * FROM host WHERE id = $1", vm["host_id"])
    if host is None or not _has_tags(host, change.offering):
        raise internal_error("Failed to scale the VM")
    if vm["hypervisor"] not in LIVE_SCALING_HYPERVISORS:
        raise invalid_value(f"Scaling the VM dynamically is not supported for VMs running on Hypervisor "
                            f"[{vm['hypervisor']}].")
    current, offering, old, new = change.current, change.offering, change.old, change.new
    if offering["dynamic_scaling"] != current["dynamic_scaling"]:
        raise invalid_value("Unable to Scale VM: since dynamic scaling enabled flag is not same for new service "
                            "offering and old service offering")
    if new.speed < old.speed or new.memory < old.memory or new.cpus < old.cpus or new == old:
        raise invalid_value(
            'While the VM is running, only scalling up it is supported. New service offering {"memory": '
            f'{new.memory}, "speed": {new.speed}, "cpu": {new.cpus}}} should have at least one value (ram, speed or '
            f'cpu) greater than the current values {{"memory": {old.memory}, "speed": {old.speed}, "cpu": '
            f'{old.cpus}}}.')
    if vm["hypervisor"] == "KVM" and not is_custom(current):
        raise invalid_value('Unable to live scale VM on KVM when current service offering is a "Fixed Offering". KVM '
                            'needs the tag "maxMemory" to live scale and it is only configured when VM is deployed '
                            'with a custom service offering and "Dynamic Scalable" is enabled.')
    vgpu = (current["details"] or {}).get("vgpuType")
    if vgpu is not None and str((offering["details"] or {}).get("vgpuType") or "").lower() != str(vgpu).lower():
        raise invalid_value(f"Dynamic scaling of vGPU type is not supported. VM has vGPU Type: [{vgpu}].")
    if not await app.settings.get("enable.dynamic.scale.vm", ("Zone", vm["zone_id"])):
        raise permission_denied("Dynamically scaling virtual machines is disabled for this zone, please contact your "
                                "admin.")
    if not vm["is_dynamically_scalable"]:
        raise internal_error(f"Unable to scale {vm_text(vm)} as it does not have tools to support dynamic scaling.")
    if await _cluster_crosses_threshold(app, host["cluster_id"], new.cpu_mhz - old.cpu_mhz,
                                        new.memory_bytes - old.memory_bytes):
        raise internal_error(f"Unable to scale {vm_text(vm)} due to insufficient resources.")


async def _cluster_crosses_threshold(app, cluster_id: int, cpu: int, memory: int) -> bool:
    settings = app.settings
    if not await settings.get("cluster.threshold.enabled"):
        return False
    for ctype, extra, factor, threshold in (
            (CAPACITY_CPU, cpu, "cpu.overprovisioning.factor", "cluster.cpu.allocated.capacity.disablethreshold"),
            (CAPACITY_MEMORY, memory, "mem.overprovisioning.factor",
             "cluster.memory.allocated.capacity.disablethreshold")):
        row = await app.db.fetchrow(
            "SELECT sum(c.total) AS total, sum(c.used + c.reserved) AS used FROM host_capacity c "
            "JOIN host h ON h.id = c.host_id WHERE h.cluster_id = $1 AND h.removed IS NULL AND c.type = $2",
            cluster_id, ctype)
        total = float(row["total"] or 0) * float(await settings.get(factor, ("Cluster", cluster_id)))
        limit = float(await settings.get(threshold, ("Cluster", cluster_id)))
        if total and (float(row["used"] or 0) + extra) / total > limit:
            return True
    return False


# ------------------------------------------------------------------------- applying the change
def _row_changes(change: Change) -> list:
    new = change.new
    return [change.offering["id"], new.cpus, new.speed, new.memory, bool(change.offering["ha_enabled"]),
            change.details, change.dynamically_scalable]


_UPDATE = ("UPDATE vm_instance SET service_offering_id = $2, cpus = $3, speed = $4, memory = $5, ha_enabled = $6, "
           "details = $7, is_dynamically_scalable = $8 WHERE id = $1 AND removed IS NULL")


async def change_stopped(app, caller, vm, change: Change) -> None:
    """upgradeStoppedVirtualMachine + upgradeVmDb: the row takes the new shape, HA flag and details.

    What the stopped VM kept reserved on its last host was sized for the old shape: it is given back
    (the next start places the VM afresh, its last host first)."""
    async with app.db.transaction() as conn:
        await vm_ops.release_hold(conn, vm["id"])
        done = await conn.fetchval(_UPDATE + " AND state = 'Stopped' RETURNING id", vm["id"], *_row_changes(change))
        if done is None:
            raise concurrent_operation(f"Unable to upgrade {vm_text(vm)}: it was changed by another operation")
        await record(conn, caller, vm, "VM.UPGRADE", f"Successfully completed upgrading Vm. Vm Id: {vm['uuid']}")


class _NoRoom(Exception):
    """The host cannot hold the new shape (rolls the capacity swap back)."""


async def _grow_on_host(app, vm, host, change: Change) -> bool:
    """Swap the VM's old shape for the new one on its host if the host can hold it (cores, speed, room)."""
    if host["cpus"] < change.new.cpus or host["speed"] < change.new.speed:
        return False
    try:
        async with app.db.transaction() as conn:
            await placement.release(conn, host["id"], change.old)
            if not await placement.reserve(conn, app.settings, host, change.new):
                raise _NoRoom
    except _NoRoom:
        return False
    return True


async def _shrink_back(app, host_id: int, change: Change) -> None:
    async with app.db.transaction() as conn:
        await placement.release(conn, host_id, change.new)
        await placement.take(conn, host_id, change.old)


async def _reconfigure(app, caller, vm, host, change: Change) -> None:
    """ScaleVmCommand on the VM's host, then the row; the capacity is already swapped (undone on failure)."""
    new = change.new
    if has_driver(vm["hypervisor"]) and host["guid"]:
        try:
            await driver_for(app, vm["hypervisor"]).scale(host["guid"], vm["instance_name"], new.cpus, new.speed,
                                                          new.memory_bytes)
        except DriverError as err:
            await _shrink_back(app, host["id"], change)
            raise internal_error(f"Unable to scale vm due to {err}") from None
    async with app.db.transaction() as conn:
        done = await conn.fetchval(_UPDATE + " AND state = 'Running' AND host_id = $9 RETURNING id", vm["id"],
                                   *_row_changes(change), host["id"])
        if done is not None:
            await record(conn, caller, vm, "VM.UPGRADE", f"Successfully completed upgrading Vm. Vm Id: {vm['uuid']}")
    if done is None:
        # Stopped or moved meanwhile: whatever counted it then counted the old shape.
        await _shrink_back(app, host["id"], change)
        raise concurrent_operation(f"Unable to scale {vm_text(vm)}: it was changed by another operation")


async def _host_of(app, host_id: int):
    return await app.db.fetchrow("SELECT id, uuid, name, guid, cluster_id, pod_id, cpus, speed FROM host "
                                 "WHERE id = $1", host_id)


async def _target_in_cluster(app, vm, change: Change, avoid: set[int]):
    """A host of the VM's cluster with room for the new shape (FirstFit over the cluster)."""
    found = await placement.candidates(
        app.db, app.settings, zone_id=vm["zone_id"], need=change.new,
        tags=placement.offering_tags(change.offering["host_tags"]), hypervisor=vm["hypervisor"],
        cluster_id=vm["cluster_id"], avoid=avoid | {vm["host_id"]}, account_id=vm["account_id"],
        vm_id=vm["id"], os_category_id=vm["os_category_id"])
    return found[0] if found else None


async def scale_running(app, caller, vm, change: Change) -> None:
    """Grow a Running VM: on its host, else after moving within its cluster; `scale.retry` attempts.

    Fails with 530 leaving the VM Running with its old shape (possibly on another host, as
    CloudStack leaves it) when no host of the cluster can take the new shape or the hypervisor
    refuses (the job's ERROR event says so)."""
    attempts = max(1, int(await app.settings.get("scale.retry") or 1))
    avoid: set[int] = set()
    for _ in range(attempts):
        now = await store.get_vm(app.db, vm["id"])
        if now is None or now["state"] != "Running":
            raise concurrent_operation(f"Unable to scale {vm_text(vm)}: it is no longer running")
        vm = now
        if vm["host_id"] not in avoid:
            avoid.add(vm["host_id"])
            host = await _host_of(app, vm["host_id"])
            if await _grow_on_host(app, vm, host, change):
                await _reconfigure(app, caller, vm, host, change)
                return
        target = await _target_in_cluster(app, vm, change, avoid)
        if target is None:
            log.info("no host of cluster %s can take %s scaled to %s", vm["cluster_id"], vm["instance_name"],
                     change.new)
            continue
        avoid.add(target["id"])
        try:
            await vm_ops.migrate(app, caller, vm, target=target)
        except CloudStackError as err:
            log.info("moving %s to %s for scaling failed: %s", vm["instance_name"], target["name"], err.text)
            continue
        moved = await store.get_vm(app.db, vm["id"])
        host = await _host_of(app, target["id"])
        if moved is not None and moved["host_id"] == host["id"] and await _grow_on_host(app, moved, host, change):
            vm = moved
            await _reconfigure(app, caller, vm, host, change)
            return
    raise internal_error("Failed to scale the VM")
