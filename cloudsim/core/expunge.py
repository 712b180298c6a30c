"""The expunger: one process of the cloud removes Destroyed and Error VMs `expunge.delay` seconds
after they got there, every `expunge.interval` seconds (CloudStack's ExpungeTask), and the
recovery hook that brings VMs out of Starting/Stopping when the job moving them was lost. A second
duty ends the capacity a stopped VM keeps on its last host after `capacity.skipcounting.hours`.
"""
from __future__ import annotations

import datetime as _dt
import logging

from ..jobs import duty, register_recovery
from ..store import vm as store
from . import vm_ops

log = logging.getLogger(__name__)


async def expunge_due(app) -> int:
    """Expunge every VM Destroyed (or in Error, or stuck Expunging) longer than expunge.delay; returns how many."""
    delay = int(await app.settings.get("expunge.delay"))
    if delay < 0:
        delay = int(await app.settings.get("expunge.interval"))
    before = app.clock.now() - _dt.timedelta(seconds=delay)
    ids = [r["id"] for r in await app.db.fetch(
        "SELECT id FROM vm_instance WHERE removed IS NULL AND state IN ('Destroyed', 'Error', 'Expunging') "
        "AND state_updated <= $1 ORDER BY id", before)]
    done = 0
    for vm_id in ids:
        vm = await store.get_vm(app.db, vm_id)
        if vm is None or vm["state"] not in ("Destroyed", "Error", "Expunging"):
            continue
        try:
            await vm_ops.expunge(app, app.system_caller, vm)
            done += 1
        except Exception:
            log.exception("expunging %s failed; next round tries again", vm["instance_name"])
    if done:
        log.info("expunged %d VMs destroyed before %s", done, before.isoformat())
    return done


def _interval(app) -> float:
    return max(1.0, float(app.settings.get_cached("expunge.interval")))


duty("vm.expunge", _interval, expunge_due)
register_recovery("VirtualMachine", vm_ops.recover_transitional)


def _hold_interval(app) -> float:
    return max(1.0, min(60.0, float(app.settings.get_cached("capacity.skipcounting.hours") or 60)))


duty("vm.capacity.release", _hold_interval, vm_ops.release_expired_holds)
