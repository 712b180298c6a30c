"""No job stays pending forever: a silent server's jobs fail with 530 and their objects recover;
a server that stops cleanly finishes what it can and fails the rest the same way."""
import asyncio
import uuid

from cloudsim.jobs import CANCEL_TEXT
from tests.conftest import fresh_database
from tests.jobs.support import open_gate, server_with_test_commands, until


async def _running(api, jobid):
    async def check():
        body = await api.ok("queryAsyncJobResult", jobid=jobid)
        return body if "managementserverid" in body else None
    return await until(check)


async def test_a_silent_peers_jobs_fail_and_their_objects_recover(pg_dsn, template_dsn, tmp_path):
    dsn = await fresh_database(pg_dsn)
    async with server_with_test_commands(dsn, tmp_path, jobs_server_timeout=30.0) as cloud:
        app, db = cloud.app, cloud.app.db
        first = await cloud.admin.run("cloudsimTestJob", instance="r1")
        obj = await db.fetchrow("SELECT * FROM cloudsim_test_object WHERE name = 'r1'")
        # Another management server, on another host, claimed a job on r1 and then went quiet.
        ghost = await db.fetchval("INSERT INTO management_server (uuid, name, host, pid, last_seen) "
                                  "VALUES ($1, 'ghost', 'elsewhere', 1, $2) RETURNING id", uuid.uuid4(),
                                  app.clock.now())
        lost = str(uuid.uuid4())
        await db.execute(
            "INSERT INTO async_job (uuid, user_id, account_id, command, cmd, params, instance_type, instance_id, "
            "instance_uuid, msid, started, created) SELECT $1, user_id, account_id, command, cmd, params, "
            "instance_type, instance_id, instance_uuid, $2, $3, $3 FROM async_job WHERE uuid = $4",
            uuid.UUID(lost), ghost, app.clock.now(), uuid.UUID(first["jobid"]))
        await db.execute("UPDATE cloudsim_test_object SET state = 'Busy' WHERE id = $1", obj["id"])
        # The next operation on r1 waits for the ghost's job.
        queued = (await cloud.admin.ok("cloudsimTestJob", instance="r1"))["jobid"]

        assert await app.jobs.tracker.scan() == []              # not silent long enough yet
        assert (await cloud.admin.ok("queryAsyncJobResult", jobid=queued))["jobstatus"] == 0

        app.clock.advance(31)
        await app.jobs.tracker.beat()
        assert [str(j["uuid"]) for j in await app.jobs.tracker.scan()] == [lost]
        failed = await cloud.admin.ok("queryAsyncJobResult", jobid=lost)
        assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 530
        assert failed["jobresult"] == {"errorcode": 530, "errortext": CANCEL_TEXT}
        assert "managementserverid" not in failed

        done = await cloud.admin.wait_job(queued)
        assert done["jobstatus"] == 1 and done["jobresult"]["testjob"]["state"] == "Ready"
        assert await db.fetchval("SELECT state FROM management_server WHERE id = $1", ghost) == "Down"
        errors = await cloud.admin.ok("listEvents", level="ERROR")
        assert any(e["description"].startswith("Error while running test job") for e in errors["event"])


async def test_a_clean_stop_fails_unfinished_jobs_and_recovers_their_objects(pg_dsn, template_dsn, tmp_path):
    dsn = await fresh_database(pg_dsn)
    async with server_with_test_commands(dsn, tmp_path / "a", jobs_shutdown_wait=0.1) as cloud:
        stuck = (await cloud.admin.ok("cloudsimTestJob", instance="s1", gate="never"))["jobid"]
        await _running(cloud.admin, stuck)
        stopped_ms = cloud.app.ms_id
    async with server_with_test_commands(dsn, tmp_path / "b") as cloud:
        failed = await cloud.admin.ok("queryAsyncJobResult", jobid=stuck)
        assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 530
        assert failed["jobresult"]["errortext"] == CANCEL_TEXT
        assert await cloud.app.db.fetchval("SELECT state FROM cloudsim_test_object WHERE name = 's1'") == "Ready"
        assert await cloud.app.db.fetchval("SELECT state FROM management_server WHERE id = $1", stopped_ms) == "Down"
        again = await cloud.admin.run("cloudsimTestJob", instance="s1")
        assert again["jobstatus"] == 1


async def test_a_clean_stop_lets_short_jobs_finish(pg_dsn, template_dsn, tmp_path):
    dsn = await fresh_database(pg_dsn)
    async with server_with_test_commands(dsn, tmp_path / "a", jobs_shutdown_wait=60.0) as cloud:
        job = (await cloud.admin.ok("cloudsimTestJob", instance="f1", gate="late"))["jobid"]
        await _running(cloud.admin, job)

        async def open_once_stopping():
            async def stopping():
                return not cloud.app.jobs.accepting
            await until(stopping)
            await open_gate(dsn, "late")
        opener = asyncio.create_task(open_once_stopping())
    await opener
    async with server_with_test_commands(dsn, tmp_path / "b") as cloud:
        assert (await cloud.admin.ok("queryAsyncJobResult", jobid=job))["jobstatus"] == 1


async def test_pending_jobs_of_objects_are_found_for_list_decoration(pg_dsn, template_dsn, tmp_path):
    from cloudsim.jobs.store import pending_jobs_for
    dsn = await fresh_database(pg_dsn)
    async with server_with_test_commands(dsn, tmp_path) as cloud:
        first = (await cloud.admin.ok("cloudsimTestJob", instance="d1", gate="d"))["jobid"]
        second = (await cloud.admin.ok("cloudsimTestJob", instance="d1", gate="d"))["jobid"]
        await cloud.admin.run("cloudsimTestJob", instance="d2")
        ids = {r["name"]: r["id"] for r in await cloud.app.db.fetch("SELECT id, name FROM cloudsim_test_object")}
        assert await pending_jobs_for(cloud.app.db, "TestObject", list(ids.values())) == {ids["d1"]: second}
        await open_gate(dsn, "d")
        for job in (first, second):
            await cloud.admin.wait_job(job)
        assert await pending_jobs_for(cloud.app.db, "TestObject", list(ids.values())) == {}
