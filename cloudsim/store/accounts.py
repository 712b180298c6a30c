"""SQL for domains, roles, accounts, users and sessions."""
from __future__ import annotations

import uuid as _uuid

from .keys import key_clause

# One row per caller: the user with its account, role and domain, as authentication needs it.
CALLER_SELECT = """
SELECT u.id AS user_id, u.uuid AS user_uuid, u.username, u.state AS user_state, u.api_key,
       u.secret_key, u.firstname, u.lastname, u.timezone, u.password,
       a.id AS account_id, a.uuid AS account_uuid, a.name AS account_name, a.type AS account_type,
       a.state AS account_state, r.id AS role_id, r.uuid AS role_uuid, r.name AS role_name,
       r.role_type, d.id AS domain_id, d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path
  FROM users u JOIN account a ON a.id = u.account_id JOIN role r ON r.id = a.role_id
  JOIN domain d ON d.id = a.domain_id
"""


async def caller_by_api_key(db, api_key: str):
    return await db.fetchrow(CALLER_SELECT + " WHERE u.api_key = $1 AND u.removed IS NULL", api_key)


async def caller_by_user_id(db, user_id: int):
    return await db.fetchrow(CALLER_SELECT + " WHERE u.id = $1 AND u.removed IS NULL", user_id)


async def caller_by_login(db, username: str, domain_id: int):
    return await db.fetchrow(
        CALLER_SELECT + " WHERE lower(u.username) = lower($1) AND a.domain_id = $2 AND u.removed IS NULL "
        "AND a.removed IS NULL", username, domain_id)


# ------------------------------------------------------------------------- domains
DOMAIN_SELECT = """
SELECT d.*, p.uuid AS parent_uuid, p.name AS parent_name,
       EXISTS (SELECT 1 FROM domain c WHERE c.parent_id = d.id AND c.removed IS NULL) AS haschild
  FROM domain d LEFT JOIN domain p ON p.id = d.parent_id
"""


async def get_domain(db, key, include_removed: bool = False):
    clause, value = key_clause(key, "d")
    extra = "" if include_removed else " AND d.removed IS NULL"
    return await db.fetchrow(DOMAIN_SELECT + f" WHERE {clause}{extra}", value)


async def domain_by_path(db, path: str):
    return await db.fetchrow(DOMAIN_SELECT + " WHERE lower(d.path) = lower($1) AND d.removed IS NULL", path)


async def list_domains(db, *, under_path: str, only_id: int | None, name: str | None, level: int | None,
                       keyword: str | None, recursive: bool, root_path: str, limit, offset):
    """Domains at or below under_path (recursive) or exactly root_path's children rules by caller."""
    where = ["d.removed IS NULL", "d.path LIKE $1"]
    args: list = [under_path + "%" if recursive else under_path]
    if not recursive:
        where[1] = "d.path = $1"
    if only_id is not None:
        args.append(only_id)
        where.append(f"d.id = ${len(args)}")
    if name is not None:
        args.append(name)
        where.append(f"lower(d.name) = lower(${len(args)})")
    if level is not None:
        args.append(level)
        where.append(f"d.level = ${len(args)}")
    if keyword:
        args.append(f"%{keyword}%")
        where.append(f"d.name ILIKE ${len(args)}")
    sql_where = " WHERE " + " AND ".join(where)
    total = await db.fetchval("SELECT count(*) FROM domain d" + sql_where, *args)
    args.extend([limit, offset])
    rows = await db.fetch(DOMAIN_SELECT + sql_where + f" ORDER BY d.path LIMIT ${len(args) - 1} OFFSET ${len(args)}",
                          *args)
    return rows, total


async def create_domain(conn, *, name: str, parent, network_domain: str | None, uuid: str | None = None):
    path = parent["path"] + name + "/"
    return await conn.fetchval(
        "INSERT INTO domain (uuid, parent_id, name, path, level, network_domain) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        _uuid.UUID(uuid) if uuid else _uuid.uuid4(), parent["id"], name, path, parent["level"] + 1,
        network_domain)


# ------------------------------------------------------------------------- roles
async def default_role(db, role_type: str):
    return await db.fetchrow(
        "SELECT * FROM role WHERE role_type = $1 AND is_default AND removed IS NULL ORDER BY id LIMIT 1", role_type)


async def get_role(db, key):
    clause, value = key_clause(key, "role")
    return await db.fetchrow(f"SELECT * FROM role WHERE {clause} AND removed IS NULL", value)


# ------------------------------------------------------------------------- accounts
ACCOUNT_SELECT = """
SELECT a.*, r.uuid AS role_uuid, r.name AS role_name, r.role_type, d.uuid AS domain_uuid,
       d.name AS domain_name, d.path AS domain_path
  FROM account a JOIN role r ON r.id = a.role_id JOIN domain d ON d.id = a.domain_id
"""


async def get_account(db, key, include_removed: bool = False):
    clause, value = key_clause(key, "a")
    extra = "" if include_removed else " AND a.removed IS NULL"
    return await db.fetchrow(ACCOUNT_SELECT + f" WHERE {clause}{extra}", value)


async def account_by_name(db, name: str, domain_id: int):
    return await db.fetchrow(ACCOUNT_SELECT + " WHERE lower(a.name) = lower($1) AND a.domain_id = $2 "
                             "AND a.removed IS NULL", name, domain_id)


async def create_account(conn, *, name: str, type_: int, role_id: int, domain_id: int,
                         network_domain: str | None, details: dict, uuid: str | None = None,
                         is_default: bool = False) -> int:
    return await conn.fetchval(
        "INSERT INTO account (uuid, name, type, role_id, domain_id, network_domain, details, is_default) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        _uuid.UUID(uuid) if uuid else _uuid.uuid4(), name, type_, role_id, domain_id, network_domain,
        details, is_default)


# ------------------------------------------------------------------------- users
USER_SELECT = """
SELECT u.*, a.uuid AS account_uuid, a.name AS account_name, a.type AS account_type,
       a.domain_id, d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path,
       r.uuid AS role_uuid, r.name AS role_name, r.role_type
  FROM users u JOIN account a ON a.id = u.account_id JOIN domain d ON d.id = a.domain_id
  JOIN role r ON r.id = a.role_id
"""


async def get_user(db, key):
    clause, value = key_clause(key, "u")
    return await db.fetchrow(USER_SELECT + f" WHERE {clause} AND u.removed IS NULL", value)


async def users_of_accounts(db, account_ids: list[int]):
    return await db.fetch(USER_SELECT + " WHERE u.account_id = ANY($1) AND u.removed IS NULL ORDER BY u.id",
                          account_ids)


async def username_taken(db, username: str, domain_id: int) -> bool:
    return bool(await db.fetchval(
        "SELECT 1 FROM users u JOIN account a ON a.id = u.account_id WHERE lower(u.username) = lower($1) "
        "AND a.domain_id = $2 AND u.removed IS NULL", username, domain_id))


async def create_user(conn, *, username: str, password_hash: str, account_id: int, firstname: str | None,
                      lastname: str | None, email: str | None, timezone: str | None,
                      uuid: str | None = None, is_default: bool = False) -> int:
    return await conn.fetchval(
        "INSERT INTO users (uuid, username, password, account_id, firstname, lastname, email, timezone, is_default) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        _uuid.UUID(uuid) if uuid else _uuid.uuid4(), username, password_hash, account_id, firstname, lastname,
        email, timezone, is_default)


async def set_user_keys(db, user_id: int, api_key: str, sealed_secret: str) -> None:
    await db.execute("UPDATE users SET api_key = $2, secret_key = $3 WHERE id = $1", user_id, api_key, sealed_secret)


# ------------------------------------------------------------------------- sessions
async def create_session(db, session_id: str, session_key: str, user_id: int, timeout_s: int,
                         at=None) -> None:
    """`at`: the server clock's now (tests move that clock; the database's now() does not follow)."""
    await db.execute("INSERT INTO user_session (id, session_key, user_id, timeout_s, created, last_access) "
                     "VALUES ($1, $2, $3, $4, coalesce($5, now()), coalesce($5, now()))",
                     session_id, session_key, user_id, timeout_s, at)


async def get_session(db, session_id: str):
    return await db.fetchrow("SELECT * FROM user_session WHERE id = $1", session_id)


async def touch_session(db, session_id: str, at=None) -> None:
    await db.execute("UPDATE user_session SET last_access = coalesce($2, now()) WHERE id = $1", session_id, at)


async def delete_session(db, session_id: str) -> None:
    await db.execute("DELETE FROM user_session WHERE id = $1", session_id)


async def delete_sessions_of_user(db, user_id: int) -> None:
    await db.execute("DELETE FROM user_session WHERE user_id = $1", user_id)
