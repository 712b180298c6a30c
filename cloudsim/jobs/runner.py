"""The runners of one process: claim a queued job, run its command, store the answer.

`[jobs] workers` coroutines claim jobs with SELECT … FOR UPDATE SKIP LOCKED (store._CLAIM), so
any number of processes share one queue and no job is claimed twice. They sleep until a
NOTIFY on `cloudsim_jobs` (a job was queued, or a job finished and its instance's next job may
start) or until `[jobs] poll_interval` passes, whichever is first.
"""
from __future__ import annotations

import asyncio
import logging

import asyncpg

from ..api.context import CallContext
from ..api.registry import COMMANDS, bind
from ..core.access import Caller
from ..errors import INTERNAL_ERROR, CloudStackError
from ..store import accounts as account_store
from . import codec, events, store

log = logging.getLogger(__name__)

# What a job's owner reads when the handler broke in a way it did not describe; the log has the rest.
INTERNAL_TEXT = "Internal error executing command, please contact your system administrator"


class Runners:
    def __init__(self, app):
        self.app = app
        self.size = max(1, int(app.config.get("jobs", "workers")))
        self.poll = max(0.01, float(app.config.get("jobs", "poll_interval")))
        self.running: dict[int, asyncio.Task] = {}     # job id -> the worker task running it
        self._wake = asyncio.Event()
        self._workers: list[asyncio.Task] = []
        self._listener: asyncpg.Connection | None = None
        self._closing = False

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        try:
            self._listener = await asyncpg.connect(self.app.db.dsn, server_settings={
                "application_name": f"cloudsim-jobs {self.app.ms_uuid}"})
            await self._listener.add_listener(store.CHANNEL, self._on_notify)
        except Exception:
            log.exception("cannot LISTEN for jobs; runners fall back to polling every %ss", self.poll)
            self._listener = None
        self._workers = [asyncio.create_task(self._work(), name=f"cloudsim-job-runner-{n}")
                         for n in range(self.size)]

    async def stop(self, wait: float) -> None:
        """Claim nothing more; let running jobs finish for `wait` seconds, then cancel them."""
        self._closing = True
        self.wake()
        if self._workers:
            _, pending = await asyncio.wait(self._workers, timeout=wait)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
            self._workers = []
        if self._listener is not None:
            try:
                await self._listener.close(timeout=2)
            except Exception:
                self._listener.terminate()
            self._listener = None

    def _on_notify(self, *_args) -> None:
        self.wake()

    def wake(self) -> None:
        # A fresh Event per wake-up: a worker that captured the old one before claiming cannot miss it.
        event, self._wake = self._wake, asyncio.Event()
        event.set()

    async def drop_lost_jobs(self) -> None:
        """Cancel local work on jobs that a peer already failed while this process looked dead."""
        ours = await store.still_ours(self.app.db, list(self.running), self.app.ms_id)
        for job_id, task in list(self.running.items()):
            if job_id not in ours:
                log.warning("job %s was taken from this server; abandoning it", job_id)
                task.cancel()

    # ----------------------------------------------------------------- the loop
    async def _work(self) -> None:
        while not self._closing:
            event = self._wake
            try:
                job = await store.claim_job(self.app.db, self.app.ms_id, self.app.clock.now())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("claiming a job failed")
                job = None
            if job is None:
                try:
                    await asyncio.wait_for(event.wait(), self.poll)
                except asyncio.TimeoutError:
                    pass
                continue
            job = dict(job)
            task = asyncio.current_task()
            self.running[job["id"]] = task
            try:
                await self._run(job)
            except asyncio.CancelledError:
                if self._closing:
                    raise       # shutdown: the tracker fails this job with CloudStack's restart text
                task.uncancel()  # abandoned by drop_lost_jobs: the job belongs to nobody here now
            finally:
                self.running.pop(job["id"], None)

    async def _run(self, job: dict) -> None:
        status, code, body = await self._execute(job)
        try:
            result = codec.encode(body)
        except Exception:
            log.exception("job %s returned a result that cannot be stored", job["uuid"])
            status, code, result = 2, INTERNAL_ERROR, codec.encode(codec.error_result(INTERNAL_ERROR, INTERNAL_TEXT))
        now = self.app.clock.now()
        delay = 0.1
        while True:
            try:
                stored = await store.finish_job(self.app.db, job["id"], self.app.ms_id, status, code, result, now,
                                                notify=job["instance_type"] is not None)
                break
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database is away: keep the result until it is back (or a peer fails the job).
                log.exception("storing the result of job %s failed; retrying", job["uuid"])
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        if not stored:
            log.warning("job %s finished here but had already been failed by a peer; result dropped", job["uuid"])
        elif status == 2:
            try:
                await events.failed(self.app.db, job, None, now)
            except Exception:
                log.exception("recording the failure of job %s failed", job["uuid"])

    async def _execute(self, job: dict):
        """Run the command as the job's owner; (status, result code, jobresult object)."""
        cmd = COMMANDS.get(job["command"])
        try:
            if cmd is None:
                raise CloudStackError(INTERNAL_ERROR, f"Unknown API command: {job['command']}")
            row = await account_store.caller_by_user_id(self.app.db, job["user_id"])
            if row is None:
                raise CloudStackError(INTERNAL_ERROR, f"The user who submitted job {job['uuid']} no longer exists")
            caller = Caller.of(row)
            params = codec.load_params(job["params"])
            ctx = CallContext(self.app, caller, cmd, params.pop("httpmethod", "GET"), job=job)
            kwargs = await bind(ctx, cmd, params)       # fresh rows for entity parameters
            await events.started(self.app.db, job, caller, self.app.clock.now())
            result = await cmd.handler(ctx, **kwargs)
            return 1, 0, codec.job_result(result)
        except CloudStackError as err:
            return 2, err.code, codec.error_result(err.code, err.text)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("async job %s (%s) failed", job["uuid"], job["command"])
            return 2, INTERNAL_ERROR, codec.error_result(INTERNAL_ERROR, INTERNAL_TEXT)
