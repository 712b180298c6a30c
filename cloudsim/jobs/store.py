"""SQL for async jobs and management servers; nothing else in cloudsim writes these tables."""
from __future__ import annotations

import uuid as _uuid

CHANNEL = "cloudsim_jobs"      # NOTIFY: a job became runnable

# A job joined with what its responses show: owner account, domain, user, executing server.
JOB_SELECT = """
SELECT j.*, a.uuid AS account_uuid, a.name AS account_name, d.uuid AS domain_uuid, d.path AS domain_path,
       u.uuid AS user_uuid, ms.uuid AS ms_uuid, ms.name AS ms_name
  FROM async_job j
  JOIN account a ON a.id = j.account_id
  JOIN domain d ON d.id = a.domain_id
  JOIN users u ON u.id = j.user_id
  LEFT JOIN management_server ms ON ms.id = j.msid
"""


async def get_job(db, key):
    """By UUID string or internal id; None if absent."""
    if isinstance(key, int):
        return await db.fetchrow(JOB_SELECT + " WHERE j.id = $1", key)
    try:
        value = _uuid.UUID(str(key))
    except ValueError:
        return None
    return await db.fetchrow(JOB_SELECT + " WHERE j.uuid = $1", value)


async def job_exists(db, job_uuid: str) -> bool:
    return await db.fetchval("SELECT EXISTS (SELECT 1 FROM async_job WHERE uuid = $1)", _uuid.UUID(job_uuid))


async def insert_job(conn, *, uuid: str, user_id: int, account_id: int, command: str, cmd: str, params: dict,
                     instance_type: str | None, instance_id: int | None, instance_uuid: str | None,
                     start_event_id: int | None, created) -> int:
    job_id = await conn.fetchval(
        "INSERT INTO async_job (uuid, user_id, account_id, command, cmd, params, instance_type, instance_id, "
        "instance_uuid, start_event_id, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        _uuid.UUID(uuid), user_id, account_id, command, cmd, params, instance_type, instance_id, instance_uuid,
        start_event_id, created)
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(job_id))
    return job_id


# The oldest queued job whose instance has no earlier unfinished job: CloudStack's per-VM
# serialisation. SKIP LOCKED lets every runner of every process claim without waiting.
_CLAIM = """
WITH next AS (
    SELECT j.id FROM async_job j
     WHERE j.status = 0 AND j.msid IS NULL
       AND NOT EXISTS (SELECT 1 FROM async_job o
                        WHERE o.status = 0 AND o.id < j.id
                          AND o.instance_type = j.instance_type AND o.instance_id = j.instance_id)
     ORDER BY j.id
     LIMIT 1
     FOR UPDATE SKIP LOCKED)
UPDATE async_job j SET msid = $1, started = $2, executions = j.executions + 1
  FROM next WHERE j.id = next.id AND j.msid IS NULL AND j.status = 0
RETURNING j.*
"""


async def claim_job(db, msid: int, now):
    return await db.fetchrow(_CLAIM, msid, now)


async def finish_job(db, job_id: int, msid: int, status: int, code: int, result, now, notify: bool) -> bool:
    """Record the outcome; False if the job is no longer this server's (a peer declared it dead)."""
    async with db.transaction() as conn:
        done = await conn.fetchval(
            "UPDATE async_job SET status = $3, result_code = $4, result_type = 'object', result = $5, "
            "completed = $6, msid = NULL, complete_msid = $2 "
            "WHERE id = $1 AND msid = $2 AND status = 0 RETURNING id", job_id, msid, status, code, result, now)
        if done is not None and notify:
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(job_id))
    return done is not None


async def still_ours(db, job_ids: list[int], msid: int) -> set[int]:
    rows = await db.fetch("SELECT id FROM async_job WHERE id = ANY($1::bigint[]) AND msid = $2 AND status = 0",
                          job_ids, msid)
    return {r["id"] for r in rows}


async def fail_running_jobs(conn, msid: int, code: int, result, now, only_ids: list[int] | None = None):
    """Fail the unfinished jobs a server was running; returns them (for recovery hooks)."""
    extra, args = "", [msid, code, result, now]
    if only_ids is not None:
        args.append(only_ids)
        extra = " AND id = ANY($5::bigint[])"
    return await conn.fetch(
        "UPDATE async_job SET status = 2, result_code = $2, result_type = 'object', result = $3, completed = $4, "
        f"msid = NULL, complete_msid = $1 WHERE msid = $1 AND status = 0{extra} "
        "RETURNING id, uuid, command, user_id, account_id, instance_type, instance_id, instance_uuid, start_event_id",
        *args)


async def purge_finished(db, before, limit: int = 1000) -> int:
    result = await db.execute(
        "DELETE FROM async_job WHERE id IN (SELECT id FROM async_job WHERE status <> 0 AND completed < $1 "
        "ORDER BY completed LIMIT $2)", before, limit)
    return int(result.split()[-1])


# ------------------------------------------------------------------------- management servers
async def heartbeat(db, ms_id: int, now) -> str | None:
    """Refresh last_seen; returns the state the row had (Down: a peer gave up on us meanwhile)."""
    return await db.fetchval(
        "WITH old AS (SELECT state FROM management_server WHERE id = $1) "
        "UPDATE management_server SET last_seen = $2, state = 'Up', stopped = NULL WHERE id = $1 "
        "RETURNING (SELECT state FROM old)", ms_id, now)


async def servers_up(db):
    return await db.fetch("SELECT id, uuid, name, host, pid, pid_ns, last_seen FROM management_server WHERE state = 'Up'")


async def mark_down(conn, ms_id: int, now) -> bool:
    """Only one process wins the right to clean up after a dead server."""
    won = await conn.fetchval("UPDATE management_server SET state = 'Down', stopped = $2 "
                              "WHERE id = $1 AND state = 'Up' RETURNING id", ms_id, now)
    return won is not None


async def get_server(db, key):
    if isinstance(key, int):
        return await db.fetchrow("SELECT * FROM management_server WHERE id = $1", key)
    try:
        return await db.fetchrow("SELECT * FROM management_server WHERE uuid = $1", _uuid.UUID(str(key)))
    except ValueError:
        return None


async def pending_jobs_for(db, instance_type: str, instance_ids: list[int]) -> dict[int, str]:
    """instance id -> UUID of its latest unfinished job: list commands' `jobid`/`jobstatus` decoration."""
    rows = await db.fetch(
        "SELECT DISTINCT ON (instance_id) instance_id, uuid FROM async_job WHERE status = 0 "
        "AND instance_type = $1 AND instance_id = ANY($2::bigint[]) ORDER BY instance_id, id DESC",
        instance_type, instance_ids)
    return {r["instance_id"]: str(r["uuid"]) for r in rows}
