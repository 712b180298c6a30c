"""Host heartbeats: every `ping.interval` seconds each host's agent reports in.

One process at a time (a singleton duty) pings the hosts through their drivers and records the
answer: the heartbeat time and the host statistics (CPU, memory and network use), and applies the
host's VM power report (core/power_sync.py). A host that does not answer keeps its last
heartbeat, which is what the heartbeat tracker watches.
"""
from __future__ import annotations

import logging

from ..hypervisors import DriverError, driver_for, has_driver
from ..jobs.duties import duty
from .power_sync import apply_report

log = logging.getLogger(__name__)


async def ping_hosts(app) -> int:
    """Ping every live host once; returns how many answered."""
    answered = 0
    hosts = await app.db.fetch("SELECT id, guid, hypervisor FROM host WHERE removed IS NULL AND type = 'Routing'")
    for host in hosts:
        if not has_driver(host["hypervisor"]):
            continue
        try:
            report = await driver_for(app, host["hypervisor"]).ping(host["guid"])
        except DriverError:
            continue
        stats = report.stats
        await app.db.execute(
            "UPDATE host SET last_ping = $2, cpu_used_pct = $3, memory_used = $4, cpu_load_average = $5, "
            "network_kbs_read = $6, network_kbs_write = $7 WHERE id = $1", host["id"], app.clock.now(),
            stats.cpu_utilization, stats.memory_used, stats.cpu_load_average, stats.network_kbs_read,
            stats.network_kbs_write)
        answered += 1
        try:
            await apply_report(app, host["id"], report.vm_states)
        except Exception:
            log.exception("applying the power report of host %s failed; the next ping tries again", host["guid"])
    return answered


duty("host.ping", lambda app: float(app.settings.get_cached("ping.interval")), ping_hosts)
