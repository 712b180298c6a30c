"""What happens to a VM after it exists: start, stop, reboot, destroy, recover, expunge.

Every state change is a named event of core/vm_state.py, persisted compare-and-set together with
the host capacity it takes or gives back. The hypervisor driver is called between two such
transactions (Starting -> driver.start -> Running), never inside one. Callers (commands/, the
expunge duty, the job recovery hook) have already checked permissions and the VM's state.
"""
from __future__ import annotations

import datetime as _dt
import logging
import uuid as _uuid

from ..errors import concurrent_operation, insufficient_capacity, internal_error
from ..hypervisors import DriverError, HostUnreachable, VmSpec, driver_for, has_driver
from ..store import vm as store
from . import placement, public_ip, vm_snapshot
from .network import release_ips
from .vm import need_of, record, vm_text
from .vm_state import Event, State, transition

log = logging.getLogger(__name__)


def _lost_race(vm) -> Exception:
    return concurrent_operation(f"Unable to change the state of {vm_text(vm)}: it was changed by another operation")


async def _driver(app, hypervisor: str | None):
    if hypervisor and has_driver(hypervisor):
        return driver_for(app, hypervisor)
    return None


# ------------------------------------------------------------------------- start
async def start(app, caller, vm, *, host=None, pod=None, cluster=None, consider_last_host: bool = True,
                first: bool = False):
    """Place and start a Stopped VM; on failure it returns to Stopped (a first start: Error) and 533 is raised.

    Tries hosts one after another (start.retry) when the hypervisor refuses the start, as CloudStack does."""
    need = need_of(vm)
    tags = placement.offering_tags(vm["offering_host_tags"])
    avoid: set[int] = set()
    retries = max(1, int(await app.settings.get("start.retry")))
    last_error = None
    held = vm["capacity_held_until"] is not None
    for _ in range(retries):
        async with app.db.transaction() as conn:
            if held:
                # What the stopped VM kept reserved on its last host is its own to use (or give back).
                await release_hold(conn, vm["id"])
                held = False
            chosen = await placement.claim_first(conn, app.settings, need, await placement.candidates(
                conn, app.settings, zone_id=vm["zone_id"], need=need, tags=tags, hypervisor=vm["hypervisor"],
                pod_id=pod["id"] if pod else None, cluster_id=cluster["id"] if cluster else None,
                host_id=host["id"] if host else None, account_id=vm["account_id"], avoid=avoid,
                last_host_id=vm["last_host_id"] if consider_last_host and host is None else None,
                vm_id=vm["id"], os_category_id=vm["os_category_id"]))
            if chosen is None:
                break
            moved = await transition(conn, vm["id"], State.STOPPED, Event.START_REQUESTED, host_id=chosen["id"],
                                     pod_id=chosen["pod_id"], cluster_id=chosen["cluster_id"],
                                     hypervisor=chosen["hypervisor"])
            if moved is None:
                raise _lost_race(vm)
            await public_ip.assign_system_ip(conn, app.settings, vm)
        driver = await _driver(app, chosen["hypervisor"])
        try:
            if driver is not None:
                iso = await app.db.fetchval("SELECT url FROM vm_template WHERE id = $1", vm["iso_id"]) \
                    if vm["iso_id"] else None
                await driver.start(chosen["guid"], VmSpec(name=vm["instance_name"], cpus=vm["cpus"], speed=vm["speed"],
                                                          memory=need.memory_bytes, iso=iso,
                                                          details=dict(vm["details"] or {})))
        except DriverError as err:
            last_error = err
            log.info("start of %s on host %s failed: %s", vm["instance_name"], chosen["name"], err)
            avoid.add(chosen["id"])
            async with app.db.transaction() as conn:
                await placement.release(conn, chosen["id"], need)
                await public_ip.release_system_ip(conn, vm["id"])
                await transition(conn, vm["id"], State.STARTING, Event.OPERATION_FAILED, host_id=None)
            continue
        async with app.db.transaction() as conn:
            done = await transition(conn, vm["id"], State.STARTING, Event.OPERATION_SUCCEEDED,
                                    last_host_id=chosen["id"], power_state="PowerOn",
                                    power_state_updated=app.clock.now(), started_once=True)
            if done is None:
                raise _lost_race(vm)
            await conn.execute("UPDATE volume SET state = 'Ready', pod_id = $2, cluster_id = $3, "
                               "attached = coalesce(attached, now()), path = coalesce(path, uuid::text) "
                               "WHERE vm_id = $1 AND removed IS NULL AND state = 'Allocated'",
                               vm["id"], chosen["pod_id"], chosen["cluster_id"])
            await record(conn, caller, vm, "VM.START", f"Successfully completed starting Vm. Vm Id: {vm['uuid']}")
        return
    # No host could take it. A stopped VM's hold on its last host is put back as it was.
    async with app.db.transaction() as conn:
        if vm["capacity_held_until"] is not None and vm["last_host_id"] is not None and await conn.fetchval(
                "UPDATE vm_instance SET capacity_held_until = $2 WHERE id = $1 AND state = 'Stopped' "
                "AND capacity_held_until IS NULL RETURNING id", vm["id"], vm["capacity_held_until"]):
            await placement.hold_again(conn, vm["last_host_id"], need)
        if first and not vm["started_once"]:
            await transition(conn, vm["id"], State.STOPPED, Event.OPERATION_FAILED_TO_ERROR)
            await conn.execute("UPDATE volume SET state = 'Destroy' WHERE vm_id = $1 AND removed IS NULL", vm["id"])
            await record(conn, caller, vm, "VM.CREATE", f"Error while starting Vm. Vm Id: {vm['uuid']}", "ERROR")
    if last_error is not None:
        log.info("no host could start %s; last failure: %s", vm["instance_name"], last_error)
    raise insufficient_capacity(f"Unable to create a deployment for {vm_text(vm)}")


# ------------------------------------------------------------------------- capacity held while stopped
async def release_hold(conn, vm_id: int) -> bool:
    """Give back what a stopped VM kept reserved on its last host; claims the row, so it runs once."""
    row = await conn.fetchrow("UPDATE vm_instance SET capacity_held_until = NULL WHERE id = $1 "
                              "AND capacity_held_until IS NOT NULL RETURNING last_host_id, cpus, speed, memory", vm_id)
    if row is None:
        return False
    await placement.unhold(conn, row["last_host_id"], need_of(row))
    return True


async def release_expired_holds(app) -> int:
    """capacity.skipcounting.hours passed: a stopped VM's reservation on its last host ends."""
    done = 0
    for vm in await app.db.fetch("SELECT id FROM vm_instance WHERE capacity_held_until <= $1", app.clock.now()):
        async with app.db.transaction() as conn:
            done += await release_hold(conn, vm["id"])
    return done


# ------------------------------------------------------------------------- stop
async def stop(app, caller, vm, *, forced: bool = False, event: bool = True) -> None:
    """Running -> Stopping -> Stopped; the host's capacity is given back. A Stopped VM stays as it is."""
    if vm["state"] != State.RUNNING.value:
        return
    async with app.db.transaction() as conn:
        if await transition(conn, vm["id"], State.RUNNING, Event.STOP_REQUESTED) is None:
            raise _lost_race(vm)
    driver = await _driver(app, vm["hypervisor"])
    try:
        if driver is not None and vm["host_guid"]:
            await driver.stop(vm["host_guid"], vm["instance_name"], forced)
    except DriverError as err:
        if not forced:
            async with app.db.transaction() as conn:
                await transition(conn, vm["id"], State.STOPPING, Event.OPERATION_FAILED)
            message = "host is unreachable" if isinstance(err, HostUnreachable) else str(err)
            raise internal_error(f"Unable to stop {vm_text(vm)}: {message}") from None
        log.info("forced stop of %s: the hypervisor said %s; stopped anyway", vm["instance_name"], err)
    keep = int(await app.settings.get("capacity.skipcounting.hours") or 0)
    async with app.db.transaction() as conn:
        if await transition(conn, vm["id"], State.STOPPING, Event.OPERATION_SUCCEEDED, host_id=None,
                            power_state="PowerOff", power_state_updated=app.clock.now(),
                            capacity_held_until=app.clock.now() + _dt.timedelta(seconds=keep) if keep > 0
                            else None) is None:
            raise _lost_race(vm)
        if keep > 0:
            await placement.hold(conn, vm["host_id"], need_of(vm))
        else:
            await placement.release(conn, vm["host_id"], need_of(vm))
        await public_ip.release_system_ip(conn, vm["id"])
        if event:
            await record(conn, caller, vm, "VM.STOP", f"Successfully completed stopping Vm. Vm Id: {vm['uuid']}")


# ------------------------------------------------------------------------- migrate
async def migrate(app, caller, vm, *, target=None, with_storage: bool = False) -> dict:
    """Running on one host -> Migrating -> Running on another (`target`, or the planner's choice).

    Without storage motion the VM stays in its cluster (its disks are on the cluster's primary
    storage); with it (migrateVirtualMachineWithVolume) any cluster of the zone will do. The
    target's capacity is taken before the move and the source's given back after it; a refused
    move leaves the VM Running where it was. Returns the host it now runs on."""
    need = need_of(vm)
    if target is not None and not with_storage and target["cluster_id"] != vm["cluster_id"]:
        raise internal_error("Source and destination host are not in same cluster and all volumes are not on zone "
                             f"wide primary store, unable to migrate to host: {target['name']}")
    async with app.db.transaction() as conn:
        chosen = await placement.claim_first(conn, app.settings, need, await placement.candidates(
            conn, app.settings, zone_id=vm["zone_id"], need=need,
            tags=placement.offering_tags(vm["offering_host_tags"]), hypervisor=vm["hypervisor"],
            host_id=target["id"] if target else None, avoid={vm["host_id"]}, vm_id=vm["id"],
            cluster_id=None if target or with_storage else vm["cluster_id"]))
        if chosen is None:
            raise insufficient_capacity(f"Unable to find a suitable host to migrate {vm_text(vm)} to")
        if await transition(conn, vm["id"], State.RUNNING, Event.MIGRATION_REQUESTED,
                            migration_target_id=chosen["id"]) is None:
            raise _lost_race(vm)
    driver = await _driver(app, vm["hypervisor"])
    try:
        if driver is not None and vm["host_guid"]:
            await driver.migrate(vm["host_guid"], vm["instance_name"], chosen["guid"])
    except DriverError as err:
        async with app.db.transaction() as conn:
            await placement.release(conn, chosen["id"], need)
            await transition(conn, vm["id"], State.MIGRATING, Event.OPERATION_FAILED, migration_target_id=None)
        raise internal_error(f"Unable to migrate {vm_text(vm)}: {err}") from None
    async with app.db.transaction() as conn:
        if await transition(conn, vm["id"], State.MIGRATING, Event.OPERATION_SUCCEEDED, host_id=chosen["id"],
                            last_host_id=chosen["id"], pod_id=chosen["pod_id"], cluster_id=chosen["cluster_id"],
                            migration_target_id=None) is None:
            raise _lost_race(vm)
        await placement.release(conn, vm["host_id"], need)
        await record(conn, caller, vm, "VM.MIGRATE",
                     f"Successfully completed migrating Vm. Vm Id: {vm['uuid']} to host {chosen['uuid']}")
    return chosen


# ------------------------------------------------------------------------- reboot
async def reboot(app, caller, vm, *, forced: bool = False) -> None:
    if await vm_snapshot.has_active_tasks(app.db, vm["id"]):
        raise internal_error(f"Unable to reboot VM {vm_text(vm)} due to: {vm['instance_name']} has active VM "
                             "snapshots tasks")
    if vm["is_volatile"]:
        await reset_root_volume(app, vm)
    if forced:
        await stop(app, caller, vm, forced=False, event=False)
        await start(app, caller, await store.get_vm(app.db, vm["id"]))
    else:
        driver = await _driver(app, vm["hypervisor"])
        try:
            if driver is not None and vm["host_guid"]:
                await driver.reboot(vm["host_guid"], vm["instance_name"])
        except DriverError as err:
            raise internal_error(f"Unable to reboot {vm_text(vm)}: {err}") from None
    await record(app.db, caller, vm, "VM.REBOOT", f"Successfully completed rebooting Vm. Vm Id: {vm['uuid']}")


async def reset_root_volume(app, vm) -> None:
    """A volatile offering's VM gets a fresh root disk from its template at every reboot."""
    async with app.db.transaction() as conn:
        old = await conn.fetchrow("SELECT * FROM volume WHERE vm_id = $1 AND type = 'ROOT' AND removed IS NULL "
                                  "FOR UPDATE", vm["id"])
        if old is None:
            return
        await conn.execute("UPDATE volume SET state = 'Expunged', removed = now(), vm_id = NULL WHERE id = $1", old["id"])
        await conn.execute(
            "INSERT INTO volume (uuid, name, vm_id, account_id, domain_id, zone_id, pod_id, cluster_id, type, device_id, "
            "size, state, disk_offering_id, template_id, path, attached) "
            "SELECT $2, name, $3, account_id, domain_id, zone_id, pod_id, cluster_id, 'ROOT', 0, size, 'Ready', "
            "disk_offering_id, template_id, $2::text, now() FROM volume WHERE id = $1", old["id"], _uuid.uuid4(), vm["id"])


# ------------------------------------------------------------------------- destroy, recover
async def destroy(app, caller, vm, *, expunge_now: bool, volume_ids: list[int]) -> None:
    """Stop (forcibly with vm.destroy.forcestop), then Destroyed; data disks are detached or, if named, destroyed."""
    if vm["state"] == State.RUNNING.value:
        await stop(app, caller, vm, forced=bool(await app.settings.get("vm.destroy.forcestop")), event=False)
        vm = await store.get_vm(app.db, vm["id"])
    await vm_snapshot.delete_all(app, caller, vm)      # a destroyed VM's snapshots go with it
    async with app.db.transaction() as conn:
        if vm["state"] == State.STOPPED.value:
            if await transition(conn, vm["id"], State.STOPPED, Event.DESTROY_REQUESTED) is None:
                raise _lost_race(vm)
            await release_hold(conn, vm["id"])
            await conn.execute("UPDATE volume SET state = 'Destroy' WHERE vm_id = $1 AND type = 'ROOT' "
                               "AND removed IS NULL", vm["id"])
        elif vm["state"] == State.ERROR.value:
            await transition(conn, vm["id"], State.ERROR, Event.DESTROY_REQUESTED)
        if volume_ids:
            await conn.execute("UPDATE volume SET state = 'Destroy' WHERE id = ANY($1::bigint[])", volume_ids)
        # Other data disks outlive the VM, detached.
        await conn.execute("UPDATE volume SET vm_id = NULL, attached = NULL, device_id = NULL WHERE vm_id = $1 "
                           "AND type = 'DATADISK' AND removed IS NULL AND NOT (id = ANY($2::bigint[]))",
                           vm["id"], volume_ids)
        await record(conn, caller, vm, "VM.DESTROY", f"Successfully completed destroying Vm. Vm Id: {vm['uuid']}")
    if expunge_now:
        await expunge(app, caller, await store.get_vm(app.db, vm["id"]), volume_ids=volume_ids)
    elif volume_ids:
        await app.db.execute("UPDATE volume SET state = 'Expunged', removed = now() WHERE id = ANY($1::bigint[])",
                             volume_ids)


async def recover(app, caller, vm) -> None:
    async with app.db.transaction() as conn:
        if await transition(conn, vm["id"], State.DESTROYED, Event.RECOVERY_REQUESTED) is None:
            raise _lost_race(vm)
        await conn.execute("UPDATE volume SET state = CASE WHEN attached IS NULL THEN 'Allocated' ELSE 'Ready' END "
                           "WHERE vm_id = $1 AND type = 'ROOT' AND removed IS NULL", vm["id"])
        await record(conn, caller, vm, "VM.RECOVER", f"Successfully completed recovering Vm. Vm Id: {vm['uuid']}")


# ------------------------------------------------------------------------- expunge
async def expunge(app, caller, vm, *, volume_ids: list[int] = ()) -> None:
    """Destroyed/Error/Expunging -> Expunging -> removed: addresses, NICs, disks and memberships go."""
    state = State(vm["state"])
    async with app.db.transaction() as conn:
        if state is not State.EXPUNGING:
            if await transition(conn, vm["id"], state, Event.EXPUNGE_OPERATION) is None:
                raise _lost_race(vm)
    driver = await _driver(app, vm["hypervisor"])
    if driver is not None and vm["host_guid"]:
        try:
            await driver.stop(vm["host_guid"], vm["instance_name"], True)
        except DriverError:
            pass
    async with app.db.transaction() as conn:
        await placement.release(conn, vm["host_id"], need_of(vm))
        await release_hold(conn, vm["id"])
        await release_ips(conn, vm["id"])
        await vm_snapshot.forget_all(conn, vm["id"])
        await conn.execute("UPDATE nic SET removed = now(), state = 'Deallocating' WHERE vm_id = $1 "
                           "AND removed IS NULL", vm["id"])
        await conn.execute("UPDATE volume SET state = 'Expunged', removed = now() WHERE (vm_id = $1 AND type = 'ROOT' "
                           "OR id = ANY($2::bigint[])) AND removed IS NULL", vm["id"], list(volume_ids))
        await conn.execute("UPDATE volume SET vm_id = NULL, attached = NULL WHERE vm_id = $1 AND removed IS NULL",
                           vm["id"])
        await conn.execute("DELETE FROM vm_security_group WHERE vm_id = $1", vm["id"])
        await conn.execute("DELETE FROM vm_affinity_group WHERE vm_id = $1", vm["id"])
        await conn.execute("DELETE FROM instance_group_vm WHERE vm_id = $1", vm["id"])
        await conn.execute("UPDATE vm_instance SET removed = $2, host_id = NULL WHERE id = $1", vm["id"],
                           app.clock.now())
        await record(conn, caller, vm, "VM.EXPUNGE", f"Successfully completed expunging Vm. Vm Id: {vm['uuid']}")


# ------------------------------------------------------------------------- after a lost job
async def recover_transitional(conn, vm_id: int) -> None:
    """Jobs recovery hook: a VM left Starting/Stopping/Migrating by a dead server returns to a stable state."""
    vm = await conn.fetchrow("SELECT * FROM vm_instance WHERE id = $1 AND removed IS NULL FOR UPDATE", vm_id)
    if vm is None:
        return
    state = State(vm["state"])
    if state is State.STARTING:
        await placement.release(conn, vm["host_id"], need_of(vm))
        await public_ip.release_system_ip(conn, vm_id)
        await transition(conn, vm_id, state, Event.OPERATION_FAILED, host_id=None)
    elif state is State.MIGRATING:
        # The move was cut off: the VM counts on its source host again (the next power report tells
        # whether it arrived), and what it took on the target is given back.
        await placement.release(conn, vm["migration_target_id"], need_of(vm))
        await transition(conn, vm_id, state, Event.OPERATION_FAILED, migration_target_id=None)
    elif state is State.STOPPING:
        await transition(conn, vm_id, state, Event.OPERATION_FAILED)
