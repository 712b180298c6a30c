"""Singleton duties: work that one process of the cloud does at a time (job purge, later the
host heartbeat tracker and the expunger).

Each duty keeps a dedicated PostgreSQL connection and tries a session-level advisory lock named
after the duty. The holder runs the duty every `interval` seconds; the others keep trying. When
the holder dies its connection closes, PostgreSQL drops the lock, and the next try elsewhere
takes it over. Register one with `duty(name, interval, fn)`; fn is `async fn(app)`.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import zlib
from typing import Awaitable, Callable

import asyncpg

from .. import services
from . import store

log = logging.getLogger(__name__)

LOCK_SPACE = 0x6A6F62          # first key of every duty lock (pg_advisory_lock(int4, int4))

DutyFn = Callable[[object], Awaitable[None]]
DUTIES: dict[str, tuple[float | Callable, DutyFn]] = {}


def lock_key(name: str) -> int:
    """A stable signed int4 for the duty's name."""
    value = zlib.crc32(name.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


class Duty:
    """One singleton duty in one process; `held` says whether this process holds it now."""

    def __init__(self, app, name: str, interval: float, fn: DutyFn):
        self.app, self.name, self.interval, self.fn = app, name, interval, fn
        self.key = lock_key(name)
        self.held = False
        self.runs = 0
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task | None = None
        self._kick = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"cloudsim-duty-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._drop()

    def kick(self) -> None:
        """Try (and, if held, run) now rather than at the next interval."""
        self._kick.set()

    async def run_once(self) -> bool:
        """One turn: take the lock if free, run the duty if held. True if it ran."""
        if not await self._ensure_lock():
            return False
        await self.fn(self.app)
        self.runs += 1
        return True

    async def _ensure_lock(self) -> bool:
        try:
            if self._conn is None or self._conn.is_closed():
                await self._drop()
                self._conn = await asyncpg.connect(self.app.db.dsn, server_settings={
                    "application_name": f"cloudsim-duty {self.name} {self.app.ms_uuid}"})
            if not self.held:
                self.held = bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1, $2)",
                                                           LOCK_SPACE, self.key))
                if self.held:
                    log.info("duty %s now runs on management server %s", self.name, self.app.ms_id)
            else:
                await self._conn.fetchval("SELECT 1")    # still connected, so still holding
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("duty %s lost its database connection", self.name)
            await self._drop()
        return self.held

    async def _drop(self) -> None:
        self.held = False
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=2)     # closing the session releases the lock
            except Exception:
                conn.terminate()

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("duty %s failed", self.name)
            try:
                await asyncio.wait_for(self._kick.wait(), self.interval)
            except asyncio.TimeoutError:
                pass
            self._kick.clear()


class Duties:
    """Every registered duty of this process, started and stopped as one service."""

    def __init__(self, app):
        self.app = app
        self.by_name: dict[str, Duty] = {}
        for name, (interval, fn) in DUTIES.items():
            seconds = interval(app) if callable(interval) else interval
            self.by_name[name] = Duty(app, name, float(seconds), fn)

    async def start(self) -> None:
        for duty in self.by_name.values():
            await duty.start()

    async def stop(self) -> None:
        for duty in self.by_name.values():
            await duty.stop()


def duty(name: str, interval: float | Callable, fn: DutyFn) -> None:
    """Register a singleton duty; interval is seconds or `fn(app) -> seconds`."""
    DUTIES[name] = (interval, fn)


@services.service(services.DUTIES)
def _duties(app):
    app.duties = Duties(app)
    return app.duties


# ------------------------------------------------------------------------- the job purge
async def purge_jobs(app) -> int:
    """Finished jobs older than job.expire.minutes go (AsyncJobManagerImpl's cleanup task)."""
    minutes = int(await app.settings.get("job.expire.minutes"))
    before = app.clock.now() - _dt.timedelta(minutes=minutes)
    purged = await store.purge_finished(app.db, before)
    if purged:
        log.info("purged %d finished jobs older than %d minutes", purged, minutes)
    return purged


duty("job.purge", lambda app: float(app.config.get("jobs", "purge_interval")), purge_jobs)
