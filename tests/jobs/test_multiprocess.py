"""Real `cloudsim serve` processes on one database: killed servers, shared queues, moving duties."""
import asyncio

import aiohttp
import pytest

from cloudsim.jobs import CANCEL_TEXT
from cloudsim.jobs.duties import LOCK_SPACE, lock_key
from tests.conftest import fresh_database
from tests.jobs.support import Server, admin_keys, open_gate, query, until


@pytest.fixture
async def shared(pg_dsn, template_dsn, tmp_path):
    """A fresh database, its admin keys, an HTTP session, and the servers a test starts."""
    dsn = await fresh_database(pg_dsn)
    servers: list[Server] = []
    async with aiohttp.ClientSession() as http:
        ctx = type("Shared", (), {})()
        ctx.dsn, ctx.http, ctx.keys = dsn, http, await admin_keys(dsn)

        async def start(name, **env):
            server = await Server(dsn, tmp_path / name, name, **env).start()
            servers.append(server)
            return server
        ctx.start = start
        yield ctx
    for server in servers:
        if server.proc.returncode is None:
            await server.terminate()


async def running_on(api, jobid):
    async def check():
        body = await api.ok("queryAsyncJobResult", jobid=jobid)
        return body if "managementserverid" in body else None
    return await until(check)


async def object_state(dsn, name):
    return (await query(dsn, "SELECT state FROM cloudsim_test_object WHERE name = $1", name))[0]["state"]


async def test_a_killed_server_leaves_no_job_pending_after_restart(shared):
    first = await shared.start("ms1")
    api = first.api(shared.keys, shared.http)
    jobid = (await api.ok("cloudsimTestJob", instance="k1", gate="never"))["jobid"]
    await running_on(api, jobid)

    async def busy():
        return await object_state(shared.dsn, "k1") == "Busy"
    await until(busy)                                    # the job is half-way through changing k1

    await first.kill()                                   # SIGKILL: no goodbye, no clean-up
    second = await shared.start("ms1-restarted")
    api = second.api(shared.keys, shared.http)
    failed = await api.ok("queryAsyncJobResult", jobid=jobid)
    assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 530
    assert failed["jobresult"] == {"errorcode": 530, "errortext": CANCEL_TEXT}
    assert await object_state(shared.dsn, "k1") == "Ready"
    assert (await api.run("cloudsimTestJob", instance="k1"))["jobstatus"] == 1


async def test_a_silent_peer_is_declared_dead_after_the_timeout(shared):
    quick = {"CLOUDSIM_JOBS_SERVER_TIMEOUT": "1.5"}
    servers = {"ms-a": await shared.start("ms-a", **quick), "ms-b": await shared.start("ms-b", **quick)}
    api = servers["ms-a"].api(shared.keys, shared.http)
    jobid = (await api.ok("cloudsimTestJob", instance="t1", gate="never"))["jobid"]
    runner = (await running_on(api, jobid))["managementservername"]
    doomed = servers.pop(runner)
    survivor = servers.popitem()[1]

    await doomed.kill()                                  # the survivor only notices the silence
    api = survivor.api(shared.keys, shared.http)
    finished = await api.wait_job(jobid, timeout=60)
    assert finished["jobstatus"] == 2 and finished["jobresult"]["errortext"] == CANCEL_TEXT
    assert await object_state(shared.dsn, "t1") == "Ready"


async def test_two_servers_share_the_queue_and_never_run_a_job_twice(shared):
    one = {"CLOUDSIM_JOBS_WORKERS": "1"}
    a, b = await shared.start("ms-a", **one), await shared.start("ms-b", **one)
    api_a, api_b = a.api(shared.keys, shared.http), b.api(shared.keys, shared.http)
    # Each server has a single runner: while one holds the first job, the other must take the second.
    first = (await api_a.ok("cloudsimTestJob", gate="shared"))["jobid"]
    where_first = (await running_on(api_a, first))["managementservername"]
    second = (await api_a.ok("cloudsimTestJob", gate="shared"))["jobid"]
    where_second = (await running_on(api_a, second))["managementservername"]
    assert {where_first, where_second} == {"ms-a", "ms-b"}
    await open_gate(shared.dsn, "shared")

    async def submit(n):
        api = api_a if n % 2 else api_b
        return (await api.ok("cloudsimTestJob", instance=f"o{n % 5}"))["jobid"]
    ids = [first, second] + list(await asyncio.gather(*(submit(n) for n in range(40))))
    for jobid in ids:
        assert (await api_b.wait_job(jobid, timeout=120))["jobstatus"] == 1
    runs = await query(shared.dsn, "SELECT job_uuid::text AS job, count(*) AS n FROM cloudsim_test_run GROUP BY 1")
    assert sorted(r["job"] for r in runs) == sorted(ids) and {r["n"] for r in runs} == {1}
    executed = await query(shared.dsn, "SELECT DISTINCT executions FROM async_job")
    assert [r["executions"] for r in executed] == [1]


async def test_a_duty_moves_to_another_server_when_its_holder_is_killed(shared):
    fast = {"CLOUDSIM_JOBS_PURGE_INTERVAL": "0.2"}

    async def holder():
        rows = await query(shared.dsn, "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                           "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 "
                           "AND l.objid = $2", LOCK_SPACE, lock_key("job.purge") & 0xFFFFFFFF)
        return rows[0]["application_name"] if rows else None

    first = await shared.start("ms-a", **fast)
    first_ms = (await query(shared.dsn, "SELECT uuid::text FROM management_server WHERE name = 'ms-a'"))[0]["uuid"]
    assert (await until(holder)).endswith(first_ms)
    second = await shared.start("ms-b", **fast)
    second_ms = (await query(shared.dsn, "SELECT uuid::text FROM management_server WHERE name = 'ms-b'"))[0]["uuid"]
    assert (await holder()).endswith(first_ms)

    await first.kill()

    async def moved():
        name = await holder()
        return name is not None and name.endswith(second_ms)
    await until(moved)
    assert second.proc.returncode is None


async def test_sigterm_marks_the_server_down_and_fails_its_running_job(shared):
    server = await shared.start("ms-term")
    api = server.api(shared.keys, shared.http)
    jobid = (await api.ok("cloudsimTestJob", instance="q1", gate="never"))["jobid"]
    await running_on(api, jobid)
    assert await server.terminate() == 0
    row = (await query(shared.dsn, "SELECT status, result_code FROM async_job WHERE uuid::text = $1", jobid))[0]
    assert (row["status"], row["result_code"]) == (2, 530)
    assert (await query(shared.dsn, "SELECT state FROM management_server WHERE name = 'ms-term'"))[0]["state"] == "Down"
    assert await object_state(shared.dsn, "q1") == "Ready"
