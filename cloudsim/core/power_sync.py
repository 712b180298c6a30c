"""Power reports: what a host says its VMs are doing, applied to the VM state machine.

Each ping brings the host's report (instance name -> PowerOn/PowerOff). A Running VM the host
reports PowerOff — a guest that shut itself down, a VM killed behind CloudStack's back — or that
the host has stopped reporting for 2 x `ping.interval` seconds is synced, as CloudStack's
VirtualMachineManagerImpl does when no job is working on it:

* an HA-enabled VM (the offering's `offerha`, or `force.ha`) with `ha.vm.restart.hostup` is
  restarted — placed again, possibly elsewhere — and an ALERT.USERVM alert says so;
* any other VM goes Stopped (FollowAgentPowerOffReport), its host capacity and system IP are
  released, an out-of-band VM.STOP event is recorded and an ALERT.TYPE.SYNC alert raised.

A PowerOn report only refreshes the VM's power state.
"""
from __future__ import annotations

import datetime as _dt
import logging

from ..errors import CloudStackError
from ..hypervisors import PowerState
from ..jobs.store import pending_jobs_for
from ..store import events
from ..store import vm as store
from . import placement, public_ip
from .vm import need_of
from .vm_state import Event, State, transition

log = logging.getLogger(__name__)

ALERT_USERVM, ALERT_SYNC = 8, 27


async def apply_report(app, host_id: int, states: dict[str, PowerState]) -> int:
    """Sync the Running VMs the database places on this host; returns how many were powered off."""
    now = app.clock.now()
    rows = await app.db.fetch("SELECT id, instance_name, power_state, power_state_updated FROM vm_instance "
                              "WHERE host_id = $1 AND removed IS NULL AND state = 'Running'", host_id)
    if not rows:
        return 0
    stale = now - _dt.timedelta(seconds=2 * float(await app.settings.get("ping.interval")))
    off: list[int] = []
    for r in rows:
        reported = states.get(r["instance_name"])
        if reported is PowerState.ON:
            if r["power_state"] != PowerState.ON.value:
                await app.db.execute("UPDATE vm_instance SET power_state = 'PowerOn', power_state_updated = $2 "
                                     "WHERE id = $1", r["id"], now)
        elif reported is PowerState.OFF or (reported is None and (r["power_state_updated"] is None
                                                                  or r["power_state_updated"] < stale)):
            off.append(r["id"])
    if not off:
        return 0
    busy = await pending_jobs_for(app.db, "VirtualMachine", off)
    done = 0
    for vm_id in off:
        if vm_id in busy:
            continue                         # a job is working on it; its outcome decides
        vm = await store.get_vm(app.db, vm_id)
        if vm is None or vm["state"] != State.RUNNING.value or vm["host_id"] != host_id:
            continue
        missing = states.get(vm["instance_name"]) is None
        await _powered_off(app, vm, missing)
        done += 1
    return done


async def _powered_off(app, vm, missing: bool) -> None:
    power = PowerState.MISSING if missing else PowerState.OFF
    async with app.db.transaction() as conn:
        if await transition(conn, vm["id"], State.RUNNING, Event.FOLLOW_AGENT_POWER_OFF_REPORT, host_id=None,
                            power_state=power.value, power_state_updated=app.clock.now()) is None:
            return
        await placement.release(conn, vm["host_id"], need_of(vm))
        await public_ip.release_system_ip(conn, vm["id"])
        await events.record_event(conn, type="VM.STOP", description="Out of band VM power off",
                                  user_id=app.system_caller.user_id, account_id=vm["account_id"],
                                  domain_id=vm["domain_id"], resource_id=str(vm["uuid"]),
                                  resource_type="VirtualMachine", resource_name=vm["name"])
    ha = (vm["ha_enabled"] or await app.settings.get("force.ha")) and await app.settings.get("vm.ha.enabled") \
        and await app.settings.get("ha.vm.restart.hostup")
    if not ha:
        await events.record_alert(
            app.db, type=ALERT_SYNC, name="ALERT.TYPE.SYNC", zone_id=vm["zone_id"], pod_id=vm["pod_id"],
            subject=f"VM {vm['name']}({vm['instance_name']}) state is sync-ed (Running -> Stopped) from "
                    "out-of-context transition.")
        log.info("%s powered off behind our back: now Stopped", vm["instance_name"])
        return
    from . import vm_ops
    try:
        await vm_ops.start(app, app.system_caller, await store.get_vm(app.db, vm["id"]))
        subject = f"VM (name: {vm['name']}, id: {vm['id']}) stopped unexpectedly and has been restarted (HA)"
    except CloudStackError as err:
        subject = (f"VM (name: {vm['name']}, id: {vm['id']}) stopped unexpectedly on host id:{vm['host_id']}; "
                   f"the HA restart failed: {err.text}")
    await events.record_alert(app.db, type=ALERT_USERVM, name="ALERT.USERVM", zone_id=vm["zone_id"],
                              pod_id=vm["pod_id"], subject=subject)
    log.info("%s", subject)
