"""Async jobs over HTTP: submit, poll queryAsyncJobResult, list them; validation before queuing.

Most stories use the test-only command cloudsimTestJob (registered with `[testing] commands`);
the account stories use the real async commands disableAccount and deleteAccount.
"""
import asyncio
import uuid

import pytest

from tests.conftest import fresh_database
from tests.jobs.support import open_gate, server_with_test_commands, until

UNKNOWN_JOB = ("Unable to execute API command queryasyncjobresult due to invalid value. Invalid parameter jobid "
               "value={} due to incorrect long value format, or entity does not exist or due to incorrect "
               "parameter annotation for the field in api cmd class.")


@pytest.fixture
async def jobs(pg_dsn, template_dsn, tmp_path):
    dsn = await fresh_database(pg_dsn)
    async with server_with_test_commands(dsn, tmp_path) as cloud:
        cloud.dsn = dsn
        yield cloud


async def running(api, jobid):
    """Wait until a runner has the job (managementserverid shows while it runs)."""
    async def check():
        body = await api.ok("queryAsyncJobResult", jobid=jobid)
        return body if "managementserverid" in body else None
    return await until(check)


# ------------------------------------------------------------------------- lifecycle
async def test_job_goes_from_pending_to_succeeded(jobs):
    submitted = await jobs.admin.ok("cloudsimTestJob", instance="web1", gate="g1")
    assert set(submitted) == {"jobid"} and isinstance(submitted["jobid"], str)
    pending = await running(jobs.admin, submitted["jobid"])
    assert pending["jobstatus"] == 0 and pending["jobresultcode"] == 0 and pending["jobprocstatus"] == 0
    assert "jobresult" not in pending and "jobresulttype" not in pending and "completed" not in pending
    assert pending["managementserverid"] == jobs.app.ms_uuid and pending["managementservername"]
    assert pending["jobinstancetype"] == "TestObject"
    assert pending["account"] == "admin" and pending["domainpath"] == "ROOT"
    assert pending["cmd"] == "org.apache.cloudstack.api.command.admin.test.CloudsimTestJobCmdByAdmin"

    await open_gate(jobs.dsn, "g1")
    done = await jobs.admin.wait_job(submitted["jobid"])
    assert done["jobstatus"] == 1 and done["jobresultcode"] == 0 and done["jobresulttype"] == "object"
    assert done["jobresult"]["testjob"]["state"] == "Ready"
    assert done["jobresult"]["testjob"]["id"] == done["jobinstanceid"] == pending["jobinstanceid"]
    assert "managementserverid" not in done and "completed" in done
    assert list(done)[:6] == ["accountid", "account", "domainid", "domainpath", "userid", "cmd"]
    assert list(done)[-2:] == ["jobid", "jobstatus"]


async def test_failed_job_carries_code_and_text_and_its_changes_roll_back(jobs):
    failed = await jobs.admin.run("cloudsimTestJob", instance="db1", fail=534)
    assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 534
    assert failed["jobresult"] == {"errorcode": 534, "errortext": "cloudsimTestJob failed as asked, with code 534"}
    # The failed job's counter change was inside its transaction: the next job sees it undone.
    done = await jobs.admin.run("cloudsimTestJob", instance="db1")
    assert done["jobresult"]["testjob"]["counter"] == 1
    assert done["jobresult"]["testjob"]["state"] == "Ready"


async def test_unexpected_exception_fails_the_job_with_530(jobs):
    failed = await jobs.admin.run("cloudsimTestJob", explode="true")
    assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 530
    assert failed["jobresult"]["errorcode"] == 530 and failed["jobresult"]["errortext"]


async def test_xml_results_keep_the_object_name(jobs):
    ok = await jobs.admin.ok("cloudsimTestJob", instance="x1")
    await jobs.admin.wait_job(ok["jobid"])
    reply = await jobs.admin.call("queryAsyncJobResult", jobid=ok["jobid"], response="xml")
    assert reply.status == 200 and reply.xml.tag == "queryasyncjobresultresponse"
    assert reply.xml.findtext("jobstatus") == "1"
    assert reply.xml.findtext("jobresult/testjob/name") == "x1"
    assert reply.xml.findtext("jobresult/testjob/state") == "Ready"

    bad = await jobs.admin.ok("cloudsimTestJob", fail=536)
    await jobs.admin.wait_job(bad["jobid"])
    reply = await jobs.admin.call("queryAsyncJobResult", jobid=bad["jobid"], response="xml")
    assert reply.xml.findtext("jobstatus") == "2" and reply.xml.findtext("jobresultcode") == "536"
    assert reply.xml.findtext("jobresult/errorcode") == "536"
    assert reply.xml.findtext("jobresult/errortext") == "cloudsimTestJob failed as asked, with code 536"

    submitted = await jobs.admin.call("cloudsimTestJob", response="xml")
    assert submitted.xml.tag == "cloudsimtestjobresponse" and submitted.xml.findtext("jobid")


async def test_create_style_command_answers_the_new_id_with_the_job(jobs):
    submitted = await jobs.admin.ok("cloudsimTestCreateJob", name="new1")
    assert list(submitted) == ["id", "jobid"]
    done = await jobs.admin.wait_job(submitted["jobid"])
    assert done["jobinstanceid"] == submitted["id"]
    assert done["jobresult"]["testjob"] == {**done["jobresult"]["testjob"], "id": submitted["id"], "state": "Ready"}
    again = await jobs.admin.call("cloudsimTestCreateJob", name="new1")
    assert again.status == 431


# ------------------------------------------------------------------------- validation before queuing
async def test_invalid_work_is_refused_at_once_and_never_queued(jobs):
    refused = await jobs.admin.call("cloudsimTestJob", precheckfail=531)
    assert refused.status == 531 and refused["errortext"] == "cloudsimTestJob refused as asked, with code 531"
    bad = await jobs.admin.call("cloudsimTestJob", sleep="soon")
    assert bad.status == 431
    assert await jobs.admin.ok("listAsyncJobs") == {}


async def test_customjobid_is_honoured_once(jobs):
    wanted = str(uuid.uuid4())
    submitted = await jobs.admin.ok("cloudsimTestJob", customjobid=wanted)
    assert submitted["jobid"] == wanted
    assert (await jobs.admin.wait_job(wanted))["jobstatus"] == 1
    again = await jobs.admin.call("cloudsimTestJob", customjobid=wanted)
    assert again.status == 431
    assert again["errortext"] == f"UUID: {wanted} already exists so can't create/update with custom id"
    malformed = await jobs.admin.call("cloudsimTestJob", customjobid="not-a-uuid")
    assert malformed.status == 431 and malformed["errortext"] == "UUID: not-a-uuid doesn't follow the UUID format"


async def test_unknown_job_id(jobs):
    missing = str(uuid.uuid4())
    reply = await jobs.admin.call("queryAsyncJobResult", jobid=missing)
    assert reply.status == 431 and reply["errortext"] == UNKNOWN_JOB.format(missing)


async def test_users_see_only_their_own_accounts_jobs(jobs):
    alice, bob = await jobs.user(), await jobs.user()
    job = await alice.run("cloudsimTestJob")
    assert job["cmd"] == "org.apache.cloudstack.api.command.user.test.CloudsimTestJobCmd"
    denied = await bob.call("queryAsyncJobResult", jobid=job["jobid"])
    assert denied.status == 531 and "is not authorized to see job" in denied["errortext"]
    assert (await jobs.admin.ok("queryAsyncJobResult", jobid=job["jobid"]))["jobstatus"] == 1
    await bob.run("cloudsimTestJob")
    mine = await alice.ok("listAsyncJobs")
    assert mine["count"] == 1 and mine["asyncjobs"][0]["jobid"] == job["jobid"]
    everyone = await jobs.admin.ok("listAsyncJobs", listall="true")
    assert everyone["count"] == 2


async def test_list_async_jobs_pages_and_filters(jobs):
    ids = [(await jobs.admin.run("cloudsimTestJob"))["jobid"] for _ in range(3)]
    page = await jobs.admin.ok("listAsyncJobs", page=2, pagesize=2)
    assert page["count"] == 3 and [j["jobid"] for j in page["asyncjobs"]] == ids[2:]
    assert (await jobs.admin.ok("listAsyncJobs", startdate="2000-01-01T00:00:00+0000"))["count"] == 3
    assert await jobs.admin.ok("listAsyncJobs", startdate="2999-01-01 00:00:00") == {}
    ours = await jobs.admin.ok("listAsyncJobs", managementserverid=jobs.app.ms_uuid)
    assert ours["count"] == 3
    xml = await jobs.admin.call("listAsyncJobs", response="xml")
    assert xml.xml.findtext("count") == "3" and len(xml.xml.findall("asyncjobs/jobresult/testjob")) == 3


# ------------------------------------------------------------------------- ordering and load
async def test_jobs_on_one_instance_run_one_at_a_time_in_order(jobs):
    submitted = [(await jobs.admin.ok("cloudsimTestJob", instance="vm7", sleep=30))["jobid"] for _ in range(6)]
    await jobs.admin.ok("cloudsimTestJob", instance="other", sleep=30)
    for jobid in submitted:
        assert (await jobs.admin.wait_job(jobid))["jobstatus"] == 1
    runs = await jobs.app.db.fetch("SELECT job_uuid, started, finished FROM cloudsim_test_run "
                                   "WHERE object = 'vm7' ORDER BY started")
    assert [str(r["job_uuid"]) for r in runs] == submitted
    for earlier, later in zip(runs, runs[1:]):
        assert earlier["finished"] <= later["started"]


async def test_fifty_concurrent_jobs_all_finish_once(jobs):
    async def one(n):
        return (await jobs.admin.ok("cloudsimTestJob", instance=f"o{n % 7}", sleep=n % 5))["jobid"]
    ids = await asyncio.gather(*(one(n) for n in range(50)))
    finished = await asyncio.gather(*(jobs.admin.wait_job(j, timeout=120) for j in ids))
    assert [f["jobstatus"] for f in finished] == [1] * 50
    counts = await jobs.app.db.fetch("SELECT job_uuid, count(*) AS n FROM cloudsim_test_run GROUP BY job_uuid")
    assert sorted(str(r["job_uuid"]) for r in counts) == sorted(ids) and {r["n"] for r in counts} == {1}


# ------------------------------------------------------------------------- the test command's visibility
async def test_test_commands_are_listed_only_when_enabled(jobs):
    listed = await jobs.admin.ok("listApis", name="cloudsimTestJob")
    assert listed["api"][0]["isasync"] is True


async def test_test_commands_are_absent_by_default(cloud):
    reply = await cloud.admin.call("listApis", name="cloudsimTestJob")
    assert reply.status == 530
    names = {a["name"] for a in (await cloud.admin.ok("listApis"))["api"]}
    assert "queryAsyncJobResult" in names and not any(n.startswith("cloudsim") for n in names)


# ------------------------------------------------------------------------- real async commands
async def test_disable_and_delete_account_run_as_jobs(cloud):
    user = await cloud.user()
    account_id = user.account["id"]
    submitted = await cloud.admin.ok("disableAccount", id=account_id, lock="false")
    assert list(submitted) == ["jobid"]
    done = await cloud.admin.wait_job(submitted["jobid"])
    assert done["jobstatus"] == 1 and done["jobresult"]["account"]["state"] == "disabled"
    assert done["jobinstancetype"] == "Account" and done["jobinstanceid"] == account_id
    assert done["cmd"] == "org.apache.cloudstack.api.command.admin.account.DisableAccountCmd"

    events = (await cloud.admin.ok("listEvents", type="ACCOUNT.DISABLE"))["event"]
    assert {e["state"] for e in events} >= {"Scheduled", "Started", "Completed"}

    deleted = await cloud.admin.run("deleteAccount", id=account_id)
    assert deleted["jobstatus"] == 1 and deleted["jobresult"] == {"success": True}
    assert (await cloud.admin.call("listAccounts", id=account_id)).status == 431    # gone


async def test_account_commands_validate_before_queuing(cloud):
    me = (await cloud.admin.ok("listAccounts", name="admin"))["account"][0]["id"]
    own = await cloud.admin.call("disableAccount", id=me, lock="true")
    assert own.status == 531
    missing = await cloud.admin.call("deleteAccount", id=str(uuid.uuid4()))
    assert missing.status == 431
    assert await cloud.admin.ok("listAsyncJobs") == {}


async def test_finished_jobs_are_purged_after_job_expire_minutes(jobs):
    job = await jobs.admin.run("cloudsimTestJob")
    await jobs.admin.ok("updateConfiguration", name="job.expire.minutes", value="1")
    purge = jobs.app.duties.by_name["job.purge"]
    assert await purge.run_once()
    assert (await jobs.admin.ok("queryAsyncJobResult", jobid=job["jobid"]))["jobstatus"] == 1
    jobs.app.clock.advance(120)
    assert await purge.run_once()
    reply = await jobs.admin.call("queryAsyncJobResult", jobid=job["jobid"])
    assert reply.status == 431
