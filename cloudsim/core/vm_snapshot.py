"""VM snapshots: a VM's disks (and, for a running VM, its memory) saved and gone back to.

CloudStack's VMSnapshotManagerImpl and DefaultVMSnapshotStrategy on cloudsim's drivers. A snapshot
has its own state machine (TRANSITIONS); every change of `vm_snapshot.state` is a compare-and-set,
so two jobs never both win. The VM keeps its state throughout: a running VM goes back only to a
memory snapshot (and keeps running), a stopped one only to a disk snapshot (and stays stopped), as
CloudStack insists. The hypervisor is called between two transactions, never inside one.

Snapshots of a VM form a chain: a new one's parent is the VM's current snapshot and it becomes
current; a revert makes its snapshot current; a delete hands the children to its parent (and,
when it was current, currency too). Callers (commands/vm_snapshot.py, vm_ops at destroy and
expunge, the expiry duty, the job recovery hook) have checked permissions.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import json
import logging
import uuid as _uuid
from enum import Enum

from ..errors import INTERNAL_ERROR, CloudStackError, internal_error, invalid_value
from ..hypervisors import DriverError, HostUnreachable, driver_for, has_driver
from ..jobs import duty, register_recovery
from ..store import events as event_store
from ..store import vm as vm_store
from ..store.vm_snapshot import get_snapshot
from . import placement
from .tags import drop_tags
from .vm import need_of, vm_text

log = logging.getLogger(__name__)


class SnapshotState(str, Enum):
    ALLOCATED = "Allocated"
    CREATING = "Creating"
    READY = "Ready"
    REVERTING = "Reverting"
    EXPUNGING = "Expunging"
    REMOVED = "Removed"
    ERROR = "Error"
    HIDDEN = "Hidden"


class SnapshotEvent(str, Enum):
    CREATE_REQUESTED = "CreateRequested"
    OPERATION_FAILED = "OperationFailed"
    OPERATION_SUCCEEDED = "OperationSucceeded"
    REVERT_REQUESTED = "RevertRequested"
    EXPUNGE_REQUESTED = "ExpungeRequested"
    HIDE = "Hide"


S, E = SnapshotState, SnapshotEvent
TRANSITIONS: dict[tuple[SnapshotState, SnapshotEvent], SnapshotState] = {
    (S.ALLOCATED, E.CREATE_REQUESTED): S.CREATING,
    (S.CREATING, E.OPERATION_SUCCEEDED): S.READY,
    (S.CREATING, E.OPERATION_FAILED): S.ERROR,
    (S.READY, E.REVERT_REQUESTED): S.REVERTING,
    (S.REVERTING, E.OPERATION_SUCCEEDED): S.READY,
    (S.REVERTING, E.OPERATION_FAILED): S.READY,
    (S.READY, E.EXPUNGE_REQUESTED): S.EXPUNGING,
    (S.ERROR, E.EXPUNGE_REQUESTED): S.EXPUNGING,
    (S.EXPUNGING, E.EXPUNGE_REQUESTED): S.EXPUNGING,
    (S.EXPUNGING, E.OPERATION_SUCCEEDED): S.REMOVED,
    (S.EXPUNGING, E.OPERATION_FAILED): S.ERROR,
    (S.EXPUNGING, E.HIDE): S.HIDDEN,
    (S.HIDDEN, E.EXPUNGE_REQUESTED): S.EXPUNGING,
}
# A task is under way on the VM while one of its snapshots is in one of these (hasActiveVMSnapshotTasks).
ACTIVE = (S.ALLOCATED.value, S.CREATING.value, S.REVERTING.value, S.EXPUNGING.value)
# What listVMSnapshot shows when no state is asked for.
LISTED = (S.READY.value, S.CREATING.value, S.ALLOCATED.value, S.ERROR.value, S.EXPUNGING.value, S.REVERTING.value)
# Hypervisors whose capabilities allow VM snapshots (CloudStack's hypervisor_capabilities defaults).
SNAPSHOT_HYPERVISORS = frozenset({"XenServer", "VMware", "KVM", "Simulator"})

ACTIVE_TEXT = "There is other active vm snapshot tasks on the instance, please try again later"
REVERT_MISMATCH_TEXT = ("VM Snapshot revert not allowed. This will result in VM state change. You can revert running "
                        "VM to disk and memory type snapshot and stopped VM to disk type snapshot")
DELETE_FAILED_TEXT = "Failed to delete vm snapshot"


def next_state(current: SnapshotState | str, event: SnapshotEvent) -> SnapshotState:
    state = SnapshotState(current)
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise internal_error(f"Unable to transition to a new state from {state.value} via {event.value}") from None


async def transition(conn, snapshot_id: int, current: SnapshotState | str, event: SnapshotEvent,
                     **columns) -> SnapshotState | None:
    """Persist `current --event--> next` if the row is still in `current`; None if another actor moved it first."""
    new = next_state(current, event)
    sets = ["state = $3"] + [f"{name} = ${i}" for i, name in enumerate(columns, start=4)]
    done = await conn.fetchval(
        f"UPDATE vm_snapshot SET {', '.join(sets)}, state_updated = now() WHERE id = $1 AND state = $2 "
        "AND removed IS NULL RETURNING id", snapshot_id, SnapshotState(current).value, new.value, *columns.values())
    return new if done is not None else None


def snapshot_text(snap) -> str:
    """How CloudStack names a VM snapshot in messages (VMSnapshotVO.toString)."""
    fields = {"id": snap["id"], "uuid": str(snap["uuid"]), "name": snap["name"], "vmId": snap["vm_id"]}
    return f"VMSnapshot {json.dumps(fields, separators=(',', ':'))}"


def _create_failed(text: str) -> CloudStackError:
    """CreateVMSnapshotCmd.create wraps what allocVMSnapshot throws as a runtime failure."""
    return CloudStackError(INTERNAL_ERROR, f"Failed to create vm snapshot: {text}")


async def _record(db, caller, snap, type_: str, description: str) -> None:
    await event_store.record_event(db, type=type_, description=description, user_id=caller.user_id,
                                   account_id=snap["account_id"], domain_id=snap["domain_id"],
                                   resource_id=str(snap["uuid"]), resource_type="VmSnapshot",
                                   resource_name=snap["display_name"])


async def has_active_tasks(db, vm_id: int) -> bool:
    return bool(await db.fetchval("SELECT EXISTS (SELECT 1 FROM vm_snapshot WHERE vm_id = $1 AND removed IS NULL "
                                  "AND state = ANY($2::text[]))", vm_id, list(ACTIVE)))


async def count_of(db, vm_id: int) -> int:
    return await db.fetchval("SELECT count(*) FROM vm_snapshot WHERE vm_id = $1 AND removed IS NULL", vm_id)


async def refuse_if_any(db, vm_id: int, text: str) -> None:
    """431 with `text` when the VM has VM snapshots (restore, NIC changes and the like refuse them)."""
    if await count_of(db, vm_id):
        raise invalid_value(text)


def _driver(app, vm):
    return driver_for(app, vm["hypervisor"]) if vm["hypervisor"] and has_driver(vm["hypervisor"]) else None


async def _pick_host(db, vm):
    """The host that runs the command (VMSnapshotHelper.pickRunningHost): the VM's while it runs, else its
    last host if that is up and not in maintenance, else an up host of the cluster its disks are in."""
    if vm["state"] == "Running" and vm["host_id"] is not None:
        return {"id": vm["host_id"], "guid": vm["host_guid"]}
    if vm["last_host_id"] is not None:
        last = await db.fetchrow("SELECT id, guid FROM host WHERE id = $1 AND status = 'Up' AND removed IS NULL "
                                 "AND resource_state NOT LIKE '%Maintenance%'", vm["last_host_id"])
        if last is not None:
            return last
    cluster_id = await db.fetchval("SELECT cluster_id FROM volume WHERE vm_id = $1 AND removed IS NULL "
                                   "ORDER BY type <> 'ROOT', id LIMIT 1", vm["id"])
    if cluster_id is None:
        raise invalid_value("pool id is not found")
    host = await db.fetchrow("SELECT id, guid FROM host WHERE cluster_id = $1 AND type = 'Routing' AND status = 'Up' "
                             "AND resource_state = 'Enabled' AND removed IS NULL ORDER BY id LIMIT 1", cluster_id)
    if host is None:
        raise invalid_value("no host in up state is found")
    return host


# ------------------------------------------------------------------------- create
async def check_create(db, settings, vm, memory: bool) -> str:
    """allocVMSnapshot's checks in its order; returns the snapshot's type (Disk or DiskAndMemory)."""
    hypervisor = vm["hypervisor"]
    if hypervisor == "External":
        raise invalid_value("VM snapshot operation is not allowed for hypervisor type External")
    if memory and await db.fetchval("SELECT details ->> 'vgpuType' FROM service_offering WHERE id = $1",
                                    vm["service_offering_id"]):
        raise invalid_value("VM snapshot with MEMORY is not supported for vGPU enabled VMs.")
    if hypervisor and hypervisor not in SNAPSHOT_HYPERVISORS:
        raise invalid_value(f"VM snapshot is not enabled for hypervisor type: {hypervisor}")
    if vm["state"] not in ("Running", "Stopped"):
        # CloudStack names the VM by its internal id here.
        raise invalid_value(f"Creating vm snapshot failed due to VM:{vm['id']} is not in the running or Stopped state")
    if memory and vm["state"] != "Running":
        raise invalid_value("Can not snapshot memory when VM is not in Running state")
    if not await db.fetchval("SELECT EXISTS (SELECT 1 FROM volume WHERE vm_id = $1 AND type = 'ROOT' "
                             "AND state = 'Ready' AND removed IS NULL)", vm["id"]):
        raise _create_failed(f"Unable to find root volume for the user vm:{vm['uuid']}")
    limit = int(await settings.get("vmsnapshot.max"))
    if await count_of(db, vm["id"]) >= limit:
        raise _create_failed(f"Creating vm snapshot failed due to a VM can just have : {limit} VM snapshots. "
                             "Please delete old ones")
    if await has_active_tasks(db, vm["id"]):
        raise _create_failed(ACTIVE_TEXT)
    return "DiskAndMemory" if memory and vm["state"] == "Running" else "Disk"


async def allocate(app, caller, vm, *, display_name: str | None, description: str | None, memory: bool,
                   quiesce: bool) -> tuple[int, str]:
    """The Allocated row (CloudStack's create step); returns its (id, uuid).

    CloudStack's check that a display name is unique per VM never fires (its lookup returns
    nothing), so names may repeat; the generated name is per second, like CloudStack's."""
    now = app.clock.now()
    name = f"{vm['instance_name']}_VS_{now.astimezone(_dt.timezone.utc):%Y%m%d%H%M%S}"
    snapshot_uuid = _uuid.uuid4()
    async with app.db.transaction() as conn:
        # One allocation per VM at a time: the count and the active-task check hold until commit.
        vm_id = vm["id"]
        await conn.execute("SELECT id FROM vm_instance WHERE id = $1 FOR UPDATE", vm_id)
        vm = await vm_store.get_vm(conn, vm_id)
        if vm is None:
            raise invalid_value(f"Creating VM snapshot failed due to VM:{vm_id} is a system VM or does not exist")
        type_ = await check_create(conn, app.settings, vm, memory)
        snapshot_id = await conn.fetchval(
            "INSERT INTO vm_snapshot (uuid, name, display_name, description, vm_id, account_id, domain_id, "
            "service_offering_id, cpus, speed, memory, type, quiesce, created) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            snapshot_uuid, name, display_name or name, description, vm["id"], vm["account_id"], vm["domain_id"],
            vm["service_offering_id"], vm["cpus"], vm["speed"], vm["memory"], type_, quiesce, now)
    return snapshot_id, str(snapshot_uuid)


async def take(app, caller, snapshot_id: int, vm) -> None:
    """Allocated -> Creating -> Ready (or Error): the hypervisor takes the snapshot within vmsnapshot.create.wait."""
    snap = await get_snapshot(app.db, snapshot_id)
    if snap is None:
        raise internal_error(f"VM snapshot id: {snapshot_id} can not be found")

    def failure(reason: str) -> CloudStackError:
        return internal_error(f"Failed to create vm snapshot: [{snapshot_text(snap)}] due to: {reason}")

    async with app.db.transaction() as conn:
        parent = await conn.fetchval("SELECT id FROM vm_snapshot WHERE vm_id = $1 AND current AND removed IS NULL "
                                     "LIMIT 1", vm["id"])
        if await transition(conn, snapshot_id, snap["state"], E.CREATE_REQUESTED, parent_id=parent) is None:
            raise failure(f"Unable to transition to a new state from {snap['state']} via {E.CREATE_REQUESTED.value}")
    root = await app.db.fetchval("SELECT state FROM volume WHERE vm_id = $1 AND type = 'ROOT' AND removed IS NULL "
                                 "ORDER BY id LIMIT 1", vm["id"])
    if root != "Ready":
        # CloudStack would leave the snapshot Allocated, blocking the VM's snapshots for good; Error can be deleted.
        async with app.db.transaction() as conn:
            await transition(conn, snapshot_id, S.CREATING, E.OPERATION_FAILED)
        if root is None:
            raise internal_error("Create vm to snapshot failed due to no root disk found")
        raise internal_error(f"Create vm to snapshot failed due to vm: {vm_text(vm)} has root disk in {root} state")
    reason = None
    wait = int(await app.settings.get("vmsnapshot.create.wait"))
    host = None
    try:
        host = await _pick_host(app.db, vm)
        driver = _driver(app, vm)
        if driver is not None:
            await asyncio.wait_for(driver.create_snapshot(host["guid"], vm["instance_name"], str(snap["uuid"]),
                                                          snap["type"] == "DiskAndMemory"), wait if wait > 0 else None)
    except CloudStackError as err:
        reason = err.text
    except asyncio.TimeoutError:
        reason = (f"Creating VM snapshot: {snap['name']} failed: com.cloud.exception.OperationTimedoutException: "
                  f"Commands to Host {host['id']} timed out after {wait}")
    except HostUnreachable as err:
        reason = f"Creating VM snapshot: {snap['name']} failed: {err}"
    except DriverError as err:
        reason = f"Creating VM snapshot: {snap['name']} failed due to {err}"
    if reason is not None:
        async with app.db.transaction() as conn:
            await transition(conn, snapshot_id, S.CREATING, E.OPERATION_FAILED)
        raise failure(reason)
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE vm_snapshot SET current = (id = $2) WHERE vm_id = $1 AND removed IS NULL "
                           "AND (current OR id = $2)", vm["id"], snapshot_id)
        if await transition(conn, snapshot_id, S.CREATING, E.OPERATION_SUCCEEDED) is None:
            raise failure(f"Unable to transition to a new state from {S.CREATING.value} via "
                          f"{E.OPERATION_SUCCEEDED.value}")
        await _record(conn, caller, snap, "VMSNAPSHOT.CREATE",
                      f"Successfully completed creating VM snapshot. VM Id: {vm['uuid']}")


# ------------------------------------------------------------------------- revert
async def check_revert(db, snap, vm) -> None:
    """revertToSnapshot's checks in its order (access is the caller's, checked first)."""
    if vm is None:
        raise invalid_value(f"Revert vm to snapshot: {snapshot_text(snap)} failed due to vm: {snap['vm_id']} "
                            "is not found")
    if await has_active_tasks(db, vm["id"]):
        raise invalid_value(ACTIVE_TEXT)
    if vm["state"] not in ("Running", "Stopped"):
        raise invalid_value("VM Snapshot reverting failed due to vm is not in the state of Running or Stopped.")
    if (vm["state"] == "Running") != (snap["type"] == "DiskAndMemory"):
        raise invalid_value(REVERT_MISMATCH_TEXT)
    if snap["state"] != S.READY.value:
        raise invalid_value("VM Snapshot reverting failed due to vm snapshot is not in the state of Created.")


async def revert(app, caller, snap, vm) -> None:
    """Ready -> Reverting -> Ready: the VM's disks (and memory) become the snapshot's, which becomes current;
    the VM gets back the offering it had when the snapshot was taken."""
    async with app.db.transaction() as conn:
        await conn.execute("SELECT id FROM vm_instance WHERE id = $1 FOR UPDATE", vm["id"])
        vm, fresh = await vm_store.get_vm(conn, vm["id"]), await get_snapshot(conn, snap["id"])
        if fresh is None:
            raise invalid_value(f"unable to find the vm snapshot with id {snap['id']}")
        snap = fresh
        await check_revert(conn, snap, vm)
        if await transition(conn, snap["id"], S.READY, E.REVERT_REQUESTED) is None:
            raise invalid_value(ACTIVE_TEXT)
    failed = None
    try:
        host = await _pick_host(app.db, vm)
        driver = _driver(app, vm)
        if driver is not None:
            await driver.revert_snapshot(host["guid"], vm["instance_name"], str(snap["uuid"]))
    except CloudStackError as err:
        failed = err.text
    except HostUnreachable as err:
        failed = str(err)
    except DriverError:
        failed = f"Unable to revert VM {vm['instance_name']} to snapshot {snap['name']}."
    if failed is not None:
        async with app.db.transaction() as conn:
            await transition(conn, snap["id"], S.REVERTING, E.OPERATION_FAILED)
        raise internal_error(failed)
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE vm_snapshot SET current = (id = $2) WHERE vm_id = $1 AND removed IS NULL "
                           "AND (current OR id = $2)", vm["id"], snap["id"])
        await transition(conn, snap["id"], S.REVERTING, E.OPERATION_SUCCEEDED)
        await _record(conn, caller, snap, "VMSNAPSHOT.REVERTTO",
                      f"Successfully completed revert to VM snapshot. vmsnapshot id: {snap['uuid']}")
    async with app.db.transaction() as conn:
        if not await _restore_offering(app, conn, snap, vm):
            raise internal_error("VM Snapshot reverting failed due to vm service offering couldn't be changed to the "
                                 "one used when snapshot was taken")


async def _restore_offering(app, conn, snap, vm) -> bool:
    """The VM's offering and shape become the snapshot's (a running VM's host capacity follows)."""
    vm = await conn.fetchrow("SELECT * FROM vm_instance WHERE id = $1 FOR UPDATE", vm["id"])
    if (vm["service_offering_id"], vm["cpus"], vm["speed"], vm["memory"]) == \
            (snap["service_offering_id"], snap["cpus"], snap["speed"], snap["memory"]):
        return True
    if vm["state"] == "Running" and vm["host_id"] is not None:
        await placement.release(conn, vm["host_id"], need_of(vm))
        host = await conn.fetchrow("SELECT id, cluster_id FROM host WHERE id = $1", vm["host_id"])
        if not await placement.reserve(conn, app.settings, host, need_of(snap)):
            return False
    else:
        from .vm_ops import release_hold      # vm_ops calls into this module at destroy
        await release_hold(conn, vm["id"])
    customized = await conn.fetchval("SELECT customized FROM service_offering WHERE id = $1",
                                     snap["service_offering_id"])
    shape = {"cpuNumber": str(snap["cpus"]), "cpuSpeed": str(snap["speed"]), "memory": str(snap["memory"])}
    await conn.execute(
        "UPDATE vm_instance SET service_offering_id = $2, cpus = $3, speed = $4, memory = $5, "
        "details = (details - 'cpuNumber' - 'cpuSpeed' - 'memory') || $6::jsonb WHERE id = $1",
        vm["id"], snap["service_offering_id"], snap["cpus"], snap["speed"], snap["memory"],
        shape if customized else {})
    return True


# ------------------------------------------------------------------------- delete
async def check_delete(db, snap) -> None:
    """deleteVMSnapshot's checks in its order (access is the caller's, checked first)."""
    if snap["state"] not in (S.READY.value, S.EXPUNGING.value, S.ERROR.value):
        raise invalid_value(f"Can't delete the vm snapshotshot {snapshot_text(snap)} due to it is not in Created or "
                            "Error, or Expunging State")
    # A snapshot already Expunging may be deleted again: that is the retry of a cut-off delete.
    if snap["state"] != S.EXPUNGING.value and await has_active_tasks(db, snap["vm_id"]):
        raise invalid_value(ACTIVE_TEXT)


async def delete(app, caller, snap, *, record: bool = True) -> None:
    """Ready/Error/Expunging -> Expunging -> Removed; an Allocated one (never on the hypervisor) just goes.

    The hypervisor refusing leaves it in Error; an unreachable host leaves it Expunging (delete again)."""
    async with app.db.transaction() as conn:
        await conn.execute("SELECT id FROM vm_instance WHERE id = $1 FOR UPDATE", snap["vm_id"])
        fresh = await get_snapshot(conn, snap["id"])
        if fresh is None:
            return
        if fresh["state"] == S.ALLOCATED.value:
            await _forget(conn, fresh)
            return
        if await transition(conn, fresh["id"], fresh["state"], E.EXPUNGE_REQUESTED) is None:
            raise CloudStackError(INTERNAL_ERROR, DELETE_FAILED_TEXT)
    vm = await vm_store.get_vm(app.db, snap["vm_id"])
    try:
        if vm is None:
            raise invalid_value(f"unable to find a virtual machine with id {snap['vm_id']}")
        host = await _pick_host(app.db, vm)
        driver = _driver(app, vm)
        if driver is not None:
            await driver.delete_snapshot(host["guid"], vm["instance_name"], str(snap["uuid"]))
    except (CloudStackError, HostUnreachable) as err:
        log.info("deleting VM snapshot %s failed: %s; it stays Expunging", snap["uuid"], err)
        raise CloudStackError(INTERNAL_ERROR, DELETE_FAILED_TEXT) from None
    except DriverError as err:
        log.info("deleting VM snapshot %s failed: %s", snap["uuid"], err)
        async with app.db.transaction() as conn:
            await transition(conn, snap["id"], S.EXPUNGING, E.OPERATION_FAILED)
        raise CloudStackError(INTERNAL_ERROR, DELETE_FAILED_TEXT) from None
    async with app.db.transaction() as conn:
        await _forget(conn, fresh, S.EXPUNGING)
        if record:
            await _record(conn, caller, fresh, "VMSNAPSHOT.DELETE",
                          f"Successfully completed delete vm snapshots. vmsnapshot id: {fresh['uuid']}")


async def _forget(conn, snap, state: SnapshotState | None = None) -> None:
    """The row goes (Removed): its children hang from its parent, which becomes current if it was."""
    await conn.execute("UPDATE vm_snapshot SET parent_id = $2 WHERE parent_id = $1", snap["id"], snap["parent_id"])
    if snap["current"] and snap["parent_id"] is not None:
        await conn.execute("UPDATE vm_snapshot SET current = true WHERE id = $1 AND removed IS NULL", snap["parent_id"])
    if state is not None:
        await transition(conn, snap["id"], state, E.OPERATION_SUCCEEDED)
    await conn.execute("UPDATE vm_snapshot SET current = false, removed = now() WHERE id = $1", snap["id"])
    await drop_tags(conn, "VMSnapshot", snap["id"])


# ------------------------------------------------------------------------- a VM that goes
async def delete_all(app, caller, vm) -> None:
    """A destroyed VM's snapshots go with it, each through the hypervisor (deleteAllVMSnapshots)."""
    for row in await app.db.fetch("SELECT id FROM vm_snapshot WHERE vm_id = $1 AND removed IS NULL ORDER BY id",
                                  vm["id"]):
        snap = await get_snapshot(app.db, row["id"])
        try:
            if snap is None:
                continue
            if snap["state"] in (S.CREATING.value, S.REVERTING.value):
                raise internal_error(f"Unable to transition to a new state from {snap['state']} via "
                                     f"{E.EXPUNGE_REQUESTED.value}")
            await delete(app, caller, snap, record=False)
        except CloudStackError:
            raise internal_error(f"Unable to delete vm snapshots for {vm_text(vm)}") from None


async def forget_all(conn, vm_id: int) -> None:
    """An expunged VM's snapshot rows go (deleteVMSnapshotsFromDB); the hypervisor drops them with the VM."""
    ids = [r["id"] for r in await conn.fetch(
        "UPDATE vm_snapshot SET current = false, removed = now() WHERE vm_id = $1 AND removed IS NULL RETURNING id",
        vm_id)]
    if ids:
        await conn.execute("DELETE FROM resource_tag WHERE resource_type = 'VMSnapshot' "
                           "AND resource_id = ANY($1::bigint[])", ids)


# ------------------------------------------------------------------------- after a lost job
async def recover_transitional(conn, snapshot_id: int) -> None:
    """Jobs recovery hook: a snapshot left mid-task by a dead server returns to a state a user can act on.

    Creating -> Error, Reverting -> Ready, Expunging -> Error (delete it again); an Allocated one never
    reached the hypervisor and goes."""
    snap = await conn.fetchrow("SELECT * FROM vm_snapshot WHERE id = $1 AND removed IS NULL FOR UPDATE", snapshot_id)
    if snap is None:
        return
    state = SnapshotState(snap["state"])
    if state is S.ALLOCATED:
        await _forget(conn, snap)
    elif state in (S.CREATING, S.REVERTING, S.EXPUNGING):
        await transition(conn, snapshot_id, state, E.OPERATION_FAILED)


# ------------------------------------------------------------------------- expiry
async def expire_due(app) -> int:
    """Delete the Ready and Error snapshots older than their account's vmsnapshot.expire.interval hours
    (CloudStack's snapshot scheduler does it; -1, the default, keeps them). Returns how many went."""
    now = app.clock.now()
    done = 0
    hours_of: dict[int, int] = {}
    for row in await app.db.fetch("SELECT id, account_id, created FROM vm_snapshot WHERE removed IS NULL "
                                  "AND state IN ('Ready', 'Error') ORDER BY id"):
        account_id = row["account_id"]
        if account_id not in hours_of:
            hours_of[account_id] = int(await app.settings.get("vmsnapshot.expire.interval", ("Account", account_id)))
        hours = hours_of[account_id]
        if hours < 0 or now - row["created"] < _dt.timedelta(hours=hours):
            continue
        snap = await get_snapshot(app.db, row["id"])
        try:
            if snap is None:
                continue
            await check_delete(app.db, snap)
            await delete(app, app.system_caller, snap)
            done += 1
        except CloudStackError as err:
            log.info("expired VM snapshot %s stays for now: %s", row["id"], err.text)
    return done


register_recovery("VmSnapshot", recover_transitional)
# CloudStack's snapshot scheduler looks for expired VM snapshots every snapshot.poll.interval (300 s).
duty("vmsnapshot.expire", 300.0, expire_due)
