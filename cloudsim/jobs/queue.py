"""Submitting async jobs: validate now, queue only valid work, answer {jobid} or {id, jobid}.

The API front door has already bound the parameters (bad values, unknown ids: 431 at once).
Here the command's precheck runs (wrong state, denied access: an error at once, no job), a
create-style command makes its entity, and only then is the job row written and announced.
"""
from __future__ import annotations

import logging
import re
import uuid as _uuid

import asyncpg

from ..api.views import Fields
from ..errors import SERVICE_UNAVAILABLE, CloudStackError, invalid_value
from . import codec, events, store
from .runner import Runners
from .servers import ServerTracker

log = logging.getLogger(__name__)

# UuidMgr.IsUuidFormat: lower-case hex only.
_UUID_FORMAT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SHUTDOWN_TEXT = "Maintenance or Shutdown has been initiated on this management server. Can not accept new jobs"


def cmd_class_of(cmd, caller) -> str:
    """`cmd` as CloudStack shows it: the ...ByAdmin class for root admins where one exists."""
    if caller.is_root_admin and cmd.admin_cmd_class:
        return cmd.admin_cmd_class
    return cmd.cmd_class or f"org.apache.cloudstack.api.command.{cmd.name[0].upper()}{cmd.name[1:]}Cmd"


class JobQueue:
    """The job service of one process: submission, its runners and its heartbeat."""

    def __init__(self, app):
        self.app = app
        self.runners = Runners(app)
        self.tracker = ServerTracker(app, self.runners)
        self.shutdown_wait = float(app.config.get("jobs", "shutdown_wait"))
        self.accepting = False

    async def start(self) -> None:
        await self.tracker.start()     # heartbeat first, and fail what dead predecessors left behind
        await self.runners.start()
        self.accepting = True

    async def stop(self) -> None:
        self.accepting = False
        await self.runners.stop(self.shutdown_wait)
        await self.tracker.stop()      # fails what is still ours, marks this server Down

    async def submit(self, ctx, cmd, params: dict, kwargs: dict) -> Fields:
        if not self.accepting:
            raise CloudStackError(SERVICE_UNAVAILABLE, SHUTDOWN_TEXT)
        instance_id = instance_uuid = None
        if cmd.precheck is not None:
            found = await cmd.precheck(ctx, **kwargs)
            if found is not None:
                instance_id, instance_uuid = found
        job_uuid = await self._job_uuid(params.get("customjobid"))
        if cmd.create and cmd.create_hook is not None:
            instance_id, instance_uuid = await cmd.create_hook(ctx, **kwargs)
        instance_type = cmd.job_instance if instance_id is not None else None
        stored = codec.store_params(cmd, params)
        stored["httpmethod"] = ctx.http_method
        now = self.app.clock.now()
        try:
            async with self.app.db.transaction() as conn:
                start_event = await events.scheduled(conn, command=cmd.name, caller=ctx.caller,
                                                     instance_type=instance_type, instance_uuid=instance_uuid,
                                                     created=now)
                await store.insert_job(
                    conn, uuid=job_uuid, user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                    command=cmd.name, cmd=cmd_class_of(cmd, ctx.caller), params=stored,
                    instance_type=instance_type, instance_id=instance_id,
                    instance_uuid=str(instance_uuid) if instance_uuid is not None else None,
                    start_event_id=start_event, created=now)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != "async_job_uuid_key":
                raise
            # a customjobid raced with another submission of the same one
            raise invalid_value(f"UUID: {job_uuid} already exists so can't create/update with custom id") from None
        self.runners.wake()
        if cmd.create:
            return Fields(id=str(instance_uuid), jobid=job_uuid)
        return Fields(jobid=job_uuid)

    async def _job_uuid(self, custom: str | None) -> str:
        if not custom:
            return str(_uuid.uuid4())
        if not _UUID_FORMAT.match(custom):
            raise invalid_value(f"UUID: {custom} doesn't follow the UUID format")
        if await store.job_exists(self.app.db, custom):
            raise invalid_value(f"UUID: {custom} already exists so can't create/update with custom id")
        return custom
