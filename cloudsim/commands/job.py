"""queryAsyncJobResult and listAsyncJobs: how clients follow async jobs."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ENTITY_LOADERS, Param, command, register_entity
from ..api.views import Entity, F, Fields, ListResult, View, format_date
from ..core.access import can_access, list_scope
from ..errors import permission_denied
from ..jobs import codec
from ..jobs import store
from .account import domain_display_path

register_entity("AsyncJob", store.get_job)
if "ManagementServer" not in ENTITY_LOADERS:
    register_entity("ManagementServer", store.get_server)


class AsyncJobView(View):
    object_name = "asyncjobs"
    kind = "AsyncJob"
    fields = (
        F("accountid", "string", "the account that submitted the job"),
        F("account", "string", "the name of that account", since="4.19.0"),
        F("domainid", "string", "the domain of that account", since="4.19.0"),
        F("domainpath", "string", "the path of that domain", since="4.19.0"),
        F("userid", "string", "the user that submitted the job"),
        F("cmd", "string", "the command class the job runs"),
        F("jobprocstatus", "integer", "progress of a pending job"),
        F("jobresultcode", "integer", "0, or the error code of a failed job"),
        F("jobresulttype", "string", "object once the job has a result"),
        F("jobresult", "responseobject", "what the job returned, or errorcode and errortext"),
        F("jobinstancetype", "string", "the type of the object the job works on"),
        F("jobinstanceid", "string", "the ID of the object the job works on"),
        F("managementserverid", "string", "the management server running the job", since="4.19"),
        F("managementservername", "string", "the name of that management server", since="4.21.0"),
        F("created", "date", "when the job was submitted"),
        F("completed", "date", "when the job finished"),
    )


def job_fields(job) -> dict:
    """The AsyncJobResponse fields of a job row (store.JOB_SELECT), in CloudStack's order."""
    running = job["status"] == 0 and job["msid"] is not None
    finished = job["status"] != 0
    has_instance = job["instance_type"] is not None and job["instance_id"] is not None
    out = {
        "accountid": str(job["account_uuid"]), "account": job["account_name"],
        "domainid": str(job["domain_uuid"]), "domainpath": domain_display_path(job["domain_path"]),
        "userid": str(job["user_uuid"]), "cmd": job["cmd"], "jobprocstatus": job["proc_status"],
        "jobresultcode": job["result_code"],
        "jobresulttype": job["result_type"] if finished and job["result"] is not None else None,
        "jobresult": codec.decode(job["result"]) if finished and job["result"] is not None else None,
        "jobinstancetype": job["instance_type"] if has_instance else None,
        "jobinstanceid": job["instance_uuid"] if has_instance else None,
        "managementserverid": str(job["ms_uuid"]) if running and job["ms_uuid"] else None,
        "managementservername": job["ms_name"] if running else None,
        "created": format_date(job["created"]),
        "completed": format_date(job["completed"]) if job["completed"] else None,
        "jobid": str(job["uuid"]), "jobstatus": job["status"],
    }
    return {k: v for k, v in out.items() if v is not None}


def _denied(caller, job):
    # ApiResponseHelper.queryJobResult: the caller's account as AccountVO.toString prints it.
    who = f'Account [{{"accountName":"{caller.account_name}","id":{caller.account_id},"uuid":"{caller.account_uuid}"}}]'
    return permission_denied(f"Account {who} is not authorized to see job id={job['id']}")


@command("queryAsyncJobResult", response=AsyncJobView,
         description="Shows the status of an async job, and its result once it has finished.")
async def query_async_job_result(ctx, *, jobid: Param(P.UUID, "The ID of the job", entity="AsyncJob")):
    job = jobid
    if not can_access(ctx.caller, job["account_id"], job["domain_path"]):
        raise _denied(ctx.caller, job)
    return Fields(job_fields(job))


@command("listAsyncJobs", response=AsyncJobView, listing=("L", "D", "Acc"),
         description="Lists async jobs the caller may see, oldest first.")
async def list_async_jobs(ctx, *, listing,
                          startdate: Param(P.DATE, "Only jobs submitted at or after this time") = None,
                          managementserverid: Param(P.UUID, "Only jobs run by this management server",
                                                    entity="ManagementServer", since="4.19") = None):
    args: list = []
    where = [(await list_scope(ctx.db, ctx.caller, listing)).sql("j.account_id", "d.path", args)]
    if startdate is not None:
        args.append(startdate)
        where.append(f"j.created >= ${len(args)}")
    if managementserverid is not None:
        args.append(managementserverid["id"])
        where.append(f"coalesce(j.msid, j.complete_msid) = ${len(args)}")
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        where.append(f"j.cmd ILIKE ${len(args)}")
    sql_where = " WHERE " + " AND ".join(where)
    total = await ctx.db.fetchval("SELECT count(*) FROM async_job j JOIN account a ON a.id = j.account_id "
                                  "JOIN domain d ON d.id = a.domain_id" + sql_where, *args)
    args += [listing.limit, listing.offset]
    rows = await ctx.db.fetch(store.JOB_SELECT + sql_where +
                              f" ORDER BY j.id LIMIT ${len(args) - 1} OFFSET ${len(args)}", *args)
    return ListResult([Entity("asyncjobs", job_fields(r)) for r in rows], total, "asyncjobs")
