"""SQL for registered user data."""
from __future__ import annotations

import uuid as _uuid

from .keys import one

USERDATA_SELECT = """
SELECT u.*, a.name AS account_name, a.type AS account_type, a.uuid AS account_uuid,
       d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path
  FROM user_data u JOIN account a ON a.id = u.account_id JOIN domain d ON d.id = u.domain_id
"""


async def get_userdata(db, key):
    """By UUID string or internal id (the registry's entity loader)."""
    return await one(db, USERDATA_SELECT, "u", key, live=False)


async def by_name(db, account_id: int, name: str):
    return await db.fetchrow(USERDATA_SELECT + " WHERE u.account_id = $1 AND lower(u.name) = lower($2)",
                             account_id, name)


async def by_content(db, account_id: int, contents: list[str]):
    return await db.fetchrow(USERDATA_SELECT + " WHERE u.account_id = $1 AND u.user_data = ANY($2) "
                             "ORDER BY u.id LIMIT 1", account_id, contents)


async def insert(db, *, account_id: int, domain_id: int, name: str, user_data: str, params: str | None) -> int | None:
    """The new id; None when the name (or key) is already taken in the account."""
    return await db.fetchval(
        "INSERT INTO user_data (uuid, account_id, domain_id, name, user_data, params) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        _uuid.uuid4(), account_id, domain_id, name, user_data, params)


async def delete(db, userdata_id: int) -> bool:
    return await db.execute("DELETE FROM user_data WHERE id = $1", userdata_id) == "DELETE 1"


async def search(db, scope, *, id: int | None, name: str | None, keyword: str | None, limit: int | None,
                 offset: int):
    """User data within an access scope (core.access.Scope), newest first; (rows, total)."""
    args: list = []
    where = ["a.removed IS NULL", scope.sql("u.account_id", "d.path", args)]
    for value, clause in ((id, "u.id = ${}"), (name, "lower(u.name) = lower(${})")):
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    if keyword:
        args.append(f"%{keyword}%")
        where.append(f"u.name ILIKE ${len(args)}")
    sql_where = " WHERE " + " AND ".join(where)
    total = await db.fetchval("SELECT count(*) FROM user_data u JOIN account a ON a.id = u.account_id "
                              "JOIN domain d ON d.id = u.domain_id" + sql_where, *args)
    args += [limit, offset]
    rows = await db.fetch(USERDATA_SELECT + sql_where + f" ORDER BY u.id DESC LIMIT ${len(args) - 1} "
                          f"OFFSET ${len(args)}", *args)
    return rows, total
