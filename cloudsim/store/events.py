"""SQL for events and alerts."""
from __future__ import annotations

import uuid as _uuid


async def record_event(db, *, type: str, description: str, user_id: int | None, account_id: int | None,
                       domain_id: int | None, level: str = "INFO", state: str = "Completed",
                       resource_id: str | None = None, resource_type: str | None = None,
                       resource_name: str | None = None, start_id: int | None = None, created=None) -> int:
    return await db.fetchval(
        "INSERT INTO event (uuid, type, state, level, description, user_id, account_id, domain_id, resource_id, "
        "resource_type, resource_name, start_id, created) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, now())) RETURNING id",
        _uuid.uuid4(), type, state, level, description, user_id, account_id, domain_id, resource_id,
        resource_type, resource_name, start_id, created)


async def record_alert(db, *, type: int, name: str, subject: str, zone_id=None, pod_id=None, cluster_id=None,
                       sent=None) -> int:
    return await db.fetchval(
        "INSERT INTO alert (uuid, type, name, subject, zone_id, pod_id, cluster_id, sent) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, now())) RETURNING id",
        _uuid.uuid4(), type, name, subject, zone_id, pod_id, cluster_id, sent)


EVENT_SELECT = """
SELECT e.*, u.username, a.name AS account_name, d.uuid AS domain_uuid, d.name AS domain_name,
       d.path AS domain_path, p.uuid AS parent_uuid
  FROM event e LEFT JOIN users u ON u.id = e.user_id LEFT JOIN account a ON a.id = e.account_id
  LEFT JOIN domain d ON d.id = e.domain_id LEFT JOIN event p ON p.id = e.start_id
"""
