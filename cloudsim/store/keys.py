"""Looking rows up by the key a request gives: a public UUID, or (older parameters) an internal id."""
from __future__ import annotations

import uuid as _uuid


def key_clause(key, alias: str, n: int = 1) -> tuple[str, object]:
    """`alias.id = $n` for an int, `alias.uuid = $n` for a UUID string."""
    if isinstance(key, int):
        return f"{alias}.id = ${n}", key
    return f"{alias}.uuid = ${n}", _uuid.UUID(str(key))


async def one(db, select: str, alias: str, key, live: bool = True):
    """The row of `select` with that key; `live` skips soft-deleted rows."""
    clause, value = key_clause(key, alias)
    extra = f" AND {alias}.removed IS NULL" if live else ""
    return await db.fetchrow(f"{select} WHERE {clause}{extra}", value)
