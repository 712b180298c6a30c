"""SQL for SSH key pairs (public halves only)."""
from __future__ import annotations

import uuid as _uuid

from .keys import one

KEYPAIR_SELECT = """
SELECT k.*, a.name AS account_name, a.type AS account_type, a.uuid AS account_uuid,
       d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path
  FROM ssh_keypair k JOIN account a ON a.id = k.account_id JOIN domain d ON d.id = k.domain_id
"""


async def get_keypair(db, key):
    """By UUID string or internal id (the registry's entity loader)."""
    return await one(db, KEYPAIR_SELECT, "k", key, live=False)


async def by_name(db, account_id: int, name: str):
    return await db.fetchrow(KEYPAIR_SELECT + " WHERE k.account_id = $1 AND lower(k.name) = lower($2)",
                             account_id, name)


async def by_names(db, account_id: int, names: list[str]):
    return await db.fetch(KEYPAIR_SELECT + " WHERE k.account_id = $1 AND lower(k.name) = ANY($2) ORDER BY k.id",
                          account_id, [n.lower() for n in names])


async def by_public_key(db, account_id: int, public_key: str):
    return await db.fetchrow(KEYPAIR_SELECT + " WHERE k.account_id = $1 AND k.public_key = $2", account_id, public_key)


async def insert(db, *, account_id: int, domain_id: int, name: str, fingerprint: str, public_key: str) -> int | None:
    """The new id; None when the name (or key) is already taken in the account."""
    return await db.fetchval(
        "INSERT INTO ssh_keypair (uuid, account_id, domain_id, name, fingerprint, public_key) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        _uuid.uuid4(), account_id, domain_id, name, fingerprint, public_key)


async def delete(db, keypair_id: int) -> bool:
    return await db.execute("DELETE FROM ssh_keypair WHERE id = $1", keypair_id) == "DELETE 1"


async def search(db, scope, *, id: int | None, name: str | None, fingerprint: str | None, keyword: str | None,
                 limit: int | None, offset: int):
    """Key pairs within an access scope (core.access.Scope), newest first; (rows, total)."""
    args: list = []
    where = ["a.removed IS NULL", scope.sql("k.account_id", "d.path", args)]
    for value, clause in ((id, "k.id = ${}"), (name, "lower(k.name) = lower(${})"),
                          (fingerprint, "lower(k.fingerprint) = lower(${})")):
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    if keyword:
        args.append(f"%{keyword}%")
        where.append(f"(k.name ILIKE ${len(args)} OR k.fingerprint ILIKE ${len(args)})")
    sql_where = " WHERE " + " AND ".join(where)
    total = await db.fetchval("SELECT count(*) FROM ssh_keypair k JOIN account a ON a.id = k.account_id "
                              "JOIN domain d ON d.id = k.domain_id" + sql_where, *args)
    args += [limit, offset]
    rows = await db.fetch(KEYPAIR_SELECT + sql_where + f" ORDER BY k.id DESC LIMIT ${len(args) - 1} "
                          f"OFFSET ${len(args)}", *args)
    return rows, total
