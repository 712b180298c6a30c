"""Management servers: this process's heartbeat, and what happens when a peer goes silent.

Every `cloudsim serve` process has a management_server row (App.start_services inserts it) and
refreshes `last_seen` on its clock every quarter of `[jobs] server_timeout`. A peer silent for
longer is dead: the first process to notice marks it Down, fails the jobs it was running with
530 and CloudStack's wording, and runs the recovery hook of each job's instance type so the
object leaves its in-between state (a VM stuck Starting goes back to Stopped). A process that
starts up does the same at once for earlier processes on its host whose pid is gone: that is
the restart case, which cannot wait for a timeout. (Same host and same PID namespace: containers
sharing a host name do not judge each other's pids.)
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import os
import socket
from typing import Awaitable, Callable

from ..errors import INTERNAL_ERROR
from . import codec, events, store

log = logging.getLogger(__name__)

# AsyncJobManagerImpl.cleanupLeftOverJobs sets exactly this text.
CANCEL_TEXT = "job cancelled because of management server restart or shutdown"

# instance type (jobinstancetype, e.g. VirtualMachine) -> hooks `async fn(db, instance_id)`
Recovery = Callable[[object, int], Awaitable[None]]
RECOVERY: dict[str, list[Recovery]] = {}


def register_recovery(instance_type: str, fn: Recovery) -> Recovery:
    """Called for each job of this instance type that a dead or stopping server leaves unfinished.

    `db` is a connection inside the transaction that fails the job: the object's state and the
    job's failure commit together. The hook should move the object from its transitional state
    to a stable one and must be idempotent.
    """
    RECOVERY.setdefault(instance_type, []).append(fn)
    return fn


async def _recover(conn, job) -> None:
    if job["instance_type"] is None or job["instance_id"] is None:
        return
    for hook in RECOVERY.get(job["instance_type"], ()):
        try:
            async with conn.transaction():      # a savepoint: one failing hook spoils nothing else
                await hook(conn, job["instance_id"])
        except Exception:
            log.exception("recovery of %s %s after job %s failed", job["instance_type"], job["instance_id"],
                          job["uuid"])


async def fail_jobs_of(app, msid: int, only_ids: list[int] | None = None, mark_down: bool = False) -> list:
    """Fail the unfinished jobs of server `msid` (optionally only some) and recover their objects.

    With mark_down, the server is first marked Down; if another process already did that, nothing
    happens here (that process is doing the clean-up).
    """
    now = app.clock.now()
    result = codec.encode(codec.error_result(INTERNAL_ERROR, CANCEL_TEXT))
    async with app.db.transaction() as conn:
        if mark_down and not await store.mark_down(conn, msid, now):
            return []
        jobs = await store.fail_running_jobs(conn, msid, INTERNAL_ERROR, result, now, only_ids)
        for job in jobs:
            await _recover(conn, job)
        if jobs:
            await conn.execute("SELECT pg_notify($1, '')", store.CHANNEL)
    for job in jobs:
        log.warning("job %s (%s) cancelled: server %s stopped", job["uuid"], job["command"], msid)
        try:
            await events.failed(app.db, job, None, now)
        except Exception:
            log.exception("recording the failure of job %s failed", job["uuid"])
    return jobs


def pid_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:    # a killed child not yet reaped is a zombie: dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class ServerTracker:
    """Heartbeat of this process; detection of dead peers; the clean-up of their jobs."""

    def __init__(self, app, runners=None):
        self.app = app
        self.runners = runners
        self.timeout = float(app.config.get("jobs", "server_timeout"))
        self.interval = max(self.timeout / 4, 0.05)
        self.host = socket.gethostname()
        self.pid_ns = pid_namespace()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.app.db.execute("UPDATE management_server SET pid_ns = $2 WHERE id = $1", self.app.ms_id,
                                  self.pid_ns)
        await self.beat()
        await self.scan(restart=True)
        self._task = asyncio.create_task(self._loop(), name="cloudsim-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        # Whatever this process still owns is failed now, not after a peer's timeout.
        await fail_jobs_of(self.app, self.app.ms_id)
        await self.app.db.execute("UPDATE management_server SET state = 'Down', stopped = $2 WHERE id = $1",
                                  self.app.ms_id, self.app.clock.now())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat()
                await self.scan()
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("heartbeat of management server %s failed", self.app.ms_id)

    async def beat(self) -> None:
        previous = await store.heartbeat(self.app.db, self.app.ms_id, self.app.clock.now())
        if previous == "Down":
            # A peer thought this process dead and failed its jobs; stop working on them.
            log.warning("management server %s had been declared down by a peer; it is up again", self.app.ms_id)
            if self.runners is not None:
                await self.runners.drop_lost_jobs()

    async def scan(self, restart: bool = False) -> list:
        """Declare dead every peer silent longer than the timeout (on start: or whose pid is gone)."""
        now = self.app.clock.now()
        failed = []
        for server in await store.servers_up(self.app.db):
            if server["id"] == self.app.ms_id:
                continue
            silent = (now - server["last_seen"]).total_seconds() > self.timeout
            gone = (restart and server["host"] == self.host and server["pid_ns"] == self.pid_ns
                    and self.pid_ns is not None and server["pid"] and not pid_alive(server["pid"]))
            if silent or gone:
                log.warning("management server %s (%s, pid %s) is %s; failing its jobs", server["id"],
                            server["name"], server["pid"], "gone" if gone else "silent")
                failed += await fail_jobs_of(self.app, server["id"], mark_down=True)
        return failed

    async def sweep(self) -> None:
        """Jobs marked as ours that no runner here is running (a result that could not be stored)."""
        if self.runners is None:
            return
        rows = await self.app.db.fetch(
            "SELECT id FROM async_job WHERE msid = $1 AND status = 0 AND started < $2",
            self.app.ms_id, self.app.clock.now() - _dt.timedelta(seconds=self.timeout))
        lost = [r["id"] for r in rows if r["id"] not in self.runners.running]
        if lost:
            await fail_jobs_of(self.app, self.app.ms_id, only_ids=lost)

