"""Test-only async commands that exercise the job machinery; registered only with
`[testing] commands = true` (CLOUDSIM_TESTING_COMMANDS=true), never listed otherwise.

`cloudsimTestJob` works on a named test object (serialised per object like a VM): it marks the
object Busy, waits (`sleep` ms, or until a gate row is opened), changes a counter inside a
transaction, fails on request (`fail` = error code, `explode` = an unexpected exception), and
puts the object back to Ready. Every execution is logged in cloudsim_test_run, so tests can
count executions and check their order. `cloudsimTestCreateJob` is the create-style variant.
"""
from __future__ import annotations

import asyncio
import uuid as _uuid

from ..api import params as P
from ..api.registry import ALL_ROLES, COMMANDS, Param, command
from ..api.views import F, View
from ..errors import CloudStackError, invalid_value
from .events import register_event_type
from .servers import register_recovery

TABLES = """
CREATE TABLE IF NOT EXISTS cloudsim_test_object (
    id      bigserial PRIMARY KEY,
    uuid    uuid NOT NULL UNIQUE,
    name    text NOT NULL UNIQUE,
    state   text NOT NULL,          -- Creating, Busy, Ready, Error
    counter integer NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS cloudsim_test_run (
    seq      bigserial PRIMARY KEY,
    job_uuid uuid NOT NULL,
    object   text,
    msid     bigint NOT NULL,
    started  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished timestamptz
);
CREATE TABLE IF NOT EXISTS cloudsim_test_gate (
    name text PRIMARY KEY,
    open boolean NOT NULL DEFAULT false
);
"""
_TABLES_LOCK = 0x74657374


class TestJobView(View):
    object_name = "testjob"
    fields = (F("id", "string", "the test object's ID"), F("name", "string", "the test object's name"),
              F("state", "string", "the test object's state"), F("counter", "integer", "committed changes"),
              F("jobid", "string", "the job that produced this result"),
              F("managementserverid", "string", "the management server that ran it"))


def _entity(ctx, obj=None):
    row = {"jobid": str(ctx.job["uuid"]) if ctx.job else None, "managementserverid": ctx.app.ms_uuid}
    if obj is not None:
        row.update(id=str(obj["uuid"]), name=obj["name"], state=obj["state"], counter=obj["counter"])
    return TestJobView.entity(row)


async def _object(db, name: str, create: bool = True):
    row = await db.fetchrow("SELECT * FROM cloudsim_test_object WHERE name = $1", name)
    if row is None and create:
        row = await db.fetchrow(
            "INSERT INTO cloudsim_test_object (uuid, name, state) VALUES ($1, $2, 'Ready') "
            "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING *", _uuid.uuid4(), name)
    return row


async def _wait_gate(db, gate: str) -> None:
    while not await db.fetchval("SELECT open FROM cloudsim_test_gate WHERE name = $1", gate):
        await asyncio.sleep(0.02)


@command("cloudsimTestJob", is_async=True, roles=ALL_ROLES, response=TestJobView, job_instance="TestObject",
         cmd_class="org.apache.cloudstack.api.command.user.test.CloudsimTestJobCmd",
         admin_cmd_class="org.apache.cloudstack.api.command.admin.test.CloudsimTestJobCmdByAdmin",
         description="Test only: an async job that waits, changes a test object and succeeds or fails on request.")
async def cloudsim_test_job(ctx, *,
                            instance: Param(P.STRING, "Test object to work on; jobs on one object run in turn") = None,
                            sleep: Param(P.INTEGER, "Milliseconds to wait") = 0,
                            gate: Param(P.STRING, "Wait until this gate is opened") = None,
                            fail: Param(P.INTEGER, "Fail with this error code (after changing the counter)") = None,
                            explode: Param(P.BOOLEAN, "Fail with an unexpected exception") = False,
                            precheckfail: Param(P.INTEGER, "Refuse at submission with this error code") = None):
    db = ctx.db
    await db.execute("INSERT INTO cloudsim_test_run (job_uuid, object, msid) VALUES ($1, $2, $3)",
                     ctx.job["uuid"], instance, ctx.app.ms_id)
    if instance is not None:
        await db.execute("UPDATE cloudsim_test_object SET state = 'Busy' WHERE name = $1", instance)
    try:
        if gate is not None:
            await _wait_gate(db, gate)
        if sleep:
            await asyncio.sleep(sleep / 1000)
        async with db.transaction() as conn:
            if instance is not None:
                await conn.execute("UPDATE cloudsim_test_object SET counter = counter + 1 WHERE name = $1", instance)
            if fail:
                raise CloudStackError(fail, f"cloudsimTestJob failed as asked, with code {fail}")
            if explode:
                raise RuntimeError("cloudsimTestJob exploded as asked")
    finally:
        if instance is not None:
            await db.execute("UPDATE cloudsim_test_object SET state = 'Ready' WHERE name = $1", instance)
        await db.execute("UPDATE cloudsim_test_run SET finished = clock_timestamp() WHERE job_uuid = $1",
                         ctx.job["uuid"])
    return _entity(ctx, await _object(db, instance, create=False) if instance else None)


@cloudsim_test_job.precheck_fn
async def _test_job_check(ctx, *, instance=None, precheckfail=None, **_):
    if precheckfail:
        raise CloudStackError(precheckfail, f"cloudsimTestJob refused as asked, with code {precheckfail}")
    if instance is None:
        return None
    obj = await _object(ctx.db, instance)
    if obj["state"] == "Error":
        raise invalid_value(f"Test object {instance} is in state Error")
    return obj["id"], str(obj["uuid"])


@command("cloudsimTestCreateJob", is_async=True, create=True, roles=ALL_ROLES, response=TestJobView,
         job_instance="TestObject", cmd_class="org.apache.cloudstack.api.command.user.test.CloudsimTestCreateJobCmd",
         description="Test only: creates a test object (Creating), then makes it Ready in an async job.")
async def cloudsim_test_create_job(ctx, *,
                                   name: Param(P.STRING, "Name of the new test object"),
                                   sleep: Param(P.INTEGER, "Milliseconds to wait") = 0,
                                   gate: Param(P.STRING, "Wait until this gate is opened") = None):
    await ctx.db.execute("INSERT INTO cloudsim_test_run (job_uuid, object, msid) VALUES ($1, $2, $3)",
                         ctx.job["uuid"], name, ctx.app.ms_id)
    if gate is not None:
        await _wait_gate(ctx.db, gate)
    if sleep:
        await asyncio.sleep(sleep / 1000)
    await ctx.db.execute("UPDATE cloudsim_test_object SET state = 'Ready' WHERE id = $1", ctx.job["instance_id"])
    return _entity(ctx, await _object(ctx.db, name, create=False))


@cloudsim_test_create_job.creates
async def _test_create(ctx, *, name, **_):
    row = await ctx.db.fetchrow(
        "INSERT INTO cloudsim_test_object (uuid, name, state) VALUES ($1, $2, 'Creating') "
        "ON CONFLICT (name) DO NOTHING RETURNING id, uuid", _uuid.uuid4(), name)
    if row is None:
        raise invalid_value(f"A test object named {name} already exists")
    return row["id"], str(row["uuid"])


async def _recover_test_object(db, instance_id: int) -> None:
    await db.execute("UPDATE cloudsim_test_object SET state = CASE state WHEN 'Busy' THEN 'Ready' "
                     "WHEN 'Creating' THEN 'Error' ELSE state END WHERE id = $1", instance_id)


register_recovery("TestObject", _recover_test_object)
register_event_type("cloudsimTestJob", "TEST.JOB", "running test job")

# Declared above, registered only while a server with testing commands runs (see TestingCommands).
_DECLARED = [COMMANDS.pop("cloudsimTestJob"), COMMANDS.pop("cloudsimTestCreateJob")]
_USERS = 0


def _apis_changed() -> None:
    from ..commands import apis
    apis._CACHE.clear()        # listApis describes each role once; the command set just changed


class TestingCommands:
    """A service: creates the test tables and makes the test commands callable while running."""

    def __init__(self, app):
        self.app = app

    async def start(self) -> None:
        global _USERS
        async with self.app.db.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _TABLES_LOCK)
            await conn.execute(TABLES)
        _USERS += 1
        for cmd in _DECLARED:
            COMMANDS[cmd.name] = cmd
        _apis_changed()

    async def stop(self) -> None:
        global _USERS
        _USERS -= 1
        if _USERS <= 0:
            _USERS = 0
            for cmd in _DECLARED:
                COMMANDS.pop(cmd.name, None)
            _apis_changed()
