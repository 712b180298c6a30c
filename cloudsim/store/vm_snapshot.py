"""SQL for VM snapshots: the row with what a VMSnapshotResponse shows (VM, zone, owner, parent)."""
from __future__ import annotations

from .keys import one

SNAPSHOT_SELECT = """
SELECT s.*, v.uuid AS vm_uuid, v.name AS vm_name, v.display_name AS vm_display_name,
       v.instance_name, v.hypervisor, v.state AS vm_state,
       z.uuid AS zone_uuid, z.name AS zone_name,
       a.name AS account_name, d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path,
       p.uuid AS parent_uuid, p.display_name AS parent_name
  FROM vm_snapshot s
  JOIN vm_instance v ON v.id = s.vm_id JOIN zone z ON z.id = v.zone_id
  JOIN account a ON a.id = s.account_id JOIN domain d ON d.id = s.domain_id
  LEFT JOIN vm_snapshot p ON p.id = s.parent_id AND p.removed IS NULL
"""


async def get_snapshot(db, key):
    """A VM snapshot not yet deleted, by UUID or internal id; None if there is none."""
    return await one(db, SNAPSHOT_SELECT, "s", key)
