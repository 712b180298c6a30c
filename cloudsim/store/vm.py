"""SQL for guest VMs: the row with everything a response shows, its NICs, volumes, groups and IPs.

Listing pages by id first (`page_ids`, cheap on the partial indexes even at 100,000 VMs) and then
loads only that page with its joins (`rows_by_ids`) and nested objects (`nics_of` …).
"""
from __future__ import annotations

from .keys import key_clause

VM_SELECT = """
SELECT v.*, a.uuid AS account_uuid, a.name AS account_name, a.type AS account_type, a.removed AS account_removed,
       d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path,
       u.uuid AS user_uuid, u.username,
       z.uuid AS zone_uuid, z.name AS zone_name, z.network_type,
       h.uuid AS host_uuid, h.name AS host_name, h.status AS host_status, h.resource_state AS host_resource_state,
       h.guid AS host_guid,
       s.uuid AS offering_uuid, s.name AS offering_name, s.ha_enabled AS offering_ha, s.is_volatile,
       s.dynamic_scaling AS offering_dynamic_scaling, s.host_tags AS offering_host_tags, s.limit_cpu_use,
       t.uuid AS template_uuid, t.name AS template_name, t.display_text AS template_text, t.type AS template_type,
       t.format AS template_format, coalesce(t.password_enabled, i.password_enabled) AS password_enabled,
       t.size AS template_size, t.dynamically_scalable AS template_dynamic,
       i.uuid AS iso_uuid, i.name AS iso_name, i.display_text AS iso_text,
       o.uuid AS disk_offering_uuid, o.name AS disk_offering_name,
       g.uuid AS os_uuid, g.display_name AS os_name, g.category_id AS os_category_id,
       ig.id AS group_id, ig.uuid AS group_uuid, ig.name AS group_name,
       ud.uuid AS userdata_uuid, ud.name AS userdata_name
  FROM vm_instance v
  JOIN account a ON a.id = v.account_id JOIN domain d ON d.id = v.domain_id JOIN users u ON u.id = v.user_id
  JOIN zone z ON z.id = v.zone_id JOIN service_offering s ON s.id = v.service_offering_id
  LEFT JOIN host h ON h.id = v.host_id
  LEFT JOIN vm_template t ON t.id = v.template_id LEFT JOIN vm_template i ON i.id = v.iso_id
  LEFT JOIN disk_offering o ON o.id = v.disk_offering_id LEFT JOIN guest_os g ON g.id = v.guest_os_id
  LEFT JOIN instance_group_vm gm ON gm.vm_id = v.id LEFT JOIN instance_group ig ON ig.id = gm.group_id
  LEFT JOIN user_data ud ON ud.id = v.userdata_id
"""


async def get_vm(db, key):
    """A VM that is not expunged (any state), by UUID or internal id."""
    clause, value = key_clause(key, "v")
    return await db.fetchrow(f"{VM_SELECT} WHERE {clause} AND v.removed IS NULL", value)


async def rows_by_ids(db, ids: list[int]):
    rows = await db.fetch(f"{VM_SELECT} WHERE v.id = ANY($1::bigint[])", ids)
    order = {vm_id: n for n, vm_id in enumerate(ids)}
    return sorted(rows, key=lambda r: order[r["id"]])


NIC_SELECT = """
SELECT n.*, v.uuid AS vm_uuid, net.uuid AS network_uuid, net.name AS network_name, net.traffic_type,
       net.guest_type, net.broadcast_uri AS network_broadcast_uri, net.vlan,
       p.id AS public_ip_id, p.uuid AS public_ip_uuid, host(p.address) AS public_ip
  FROM nic n JOIN vm_instance v ON v.id = n.vm_id JOIN network net ON net.id = n.network_id
  LEFT JOIN ip_address p ON p.nic_id = n.id AND p.one_to_one_nat
"""


async def nics_of(db, vm_ids: list[int]):
    # Joined to the unnested ids rather than `vm_id = ANY(...)`: with a page of 500 ids PostgreSQL
    # otherwise prefers a (parallel) scan of every NIC to 500 index probes.
    return await db.fetch(f"{NIC_SELECT} JOIN unnest($1::bigint[]) AS page(vm_id) ON page.vm_id = n.vm_id "
                          "WHERE n.removed IS NULL ORDER BY n.vm_id, n.device_id, n.id", vm_ids)


async def security_groups_of(db, vm_ids: list[int]):
    return await db.fetch(
        "SELECT m.vm_id, g.*, a.name AS account_name, d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path "
        "FROM vm_security_group m JOIN security_group g ON g.id = m.security_group_id "
        "JOIN account a ON a.id = g.account_id JOIN domain d ON d.id = g.domain_id "
        "WHERE m.vm_id = ANY($1::bigint[]) ORDER BY m.vm_id, g.id", vm_ids)


async def affinity_groups_of(db, vm_ids: list[int]):
    """Memberships joined to the affinity area's table once it exists."""
    if not await db.fetchval("SELECT to_regclass('affinity_group') IS NOT NULL"):
        return []
    return await db.fetch(
        "SELECT m.vm_id, g.* FROM vm_affinity_group m JOIN affinity_group g ON g.id = m.affinity_group_id "
        "WHERE m.vm_id = ANY($1::bigint[]) ORDER BY m.vm_id, g.id", vm_ids)


async def public_ips_of(db, vm_ids: list[int]):
    return await db.fetch("SELECT vm_id, uuid, host(address) AS address FROM ip_address "
                          "WHERE vm_id = ANY($1::bigint[]) AND one_to_one_nat ORDER BY id", vm_ids)


async def root_volumes_of(db, vm_ids: list[int]):
    return await db.fetch("SELECT * FROM volume WHERE vm_id = ANY($1::bigint[]) AND type = 'ROOT' "
                          "AND removed IS NULL", vm_ids)


VOLUME_SELECT = """
SELECT vol.*, v.uuid AS vm_uuid, v.name AS vm_name, v.display_name AS vm_display_name, v.state AS vm_state,
       v.hypervisor, a.name AS account_name, d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path,
       z.uuid AS zone_uuid, z.name AS zone_name, o.uuid AS disk_offering_uuid, o.name AS disk_offering_name,
       o.display_text AS disk_offering_text, t.uuid AS template_uuid, t.name AS template_name,
       t.display_text AS template_text, t.format AS template_format,
       s.uuid AS offering_uuid, s.name AS offering_name, s.display_text AS offering_text,
       p.uuid AS pod_uuid, p.name AS pod_name, c.uuid AS cluster_uuid, c.name AS cluster_name
  FROM volume vol JOIN account a ON a.id = vol.account_id JOIN domain d ON d.id = vol.domain_id
  JOIN zone z ON z.id = vol.zone_id LEFT JOIN vm_instance v ON v.id = vol.vm_id
  LEFT JOIN disk_offering o ON o.id = vol.disk_offering_id LEFT JOIN vm_template t ON t.id = vol.template_id
  LEFT JOIN service_offering s ON s.id = v.service_offering_id AND vol.type = 'ROOT'
  LEFT JOIN pod p ON p.id = vol.pod_id LEFT JOIN cluster c ON c.id = vol.cluster_id
"""


async def get_volume(db, key):
    clause, value = key_clause(key, "vol")
    return await db.fetchrow(f"{VOLUME_SELECT} WHERE {clause} AND vol.removed IS NULL", value)


GROUP_SELECT = """
SELECT g.*, a.name AS account_name, a.uuid AS account_uuid, d.uuid AS domain_uuid, d.name AS domain_name,
       d.path AS domain_path
  FROM instance_group g JOIN account a ON a.id = g.account_id JOIN domain d ON d.id = g.domain_id
"""


async def get_group(db, key):
    clause, value = key_clause(key, "g")
    return await db.fetchrow(f"{GROUP_SELECT} WHERE {clause} AND g.removed IS NULL", value)


async def group_by_name(db, account_id: int, name: str):
    return await db.fetchrow(f"{GROUP_SELECT} WHERE g.account_id = $1 AND lower(g.name) = lower($2) "
                             "AND g.removed IS NULL", account_id, name)


async def usage_by_account(db, account_ids: list[int]) -> dict[int, dict]:
    """vm/cpu/memory/volume totals and running/stopped VM counts per account (listAccounts)."""
    rows = await db.fetch(
        "SELECT account_id, count(*) FILTER (WHERE state NOT IN ('Destroyed', 'Error', 'Expunging')) AS vm, "
        "count(*) FILTER (WHERE state = 'Running') AS running, count(*) FILTER (WHERE state = 'Stopped') AS stopped, "
        "coalesce(sum(cpus) FILTER (WHERE state NOT IN ('Destroyed', 'Error', 'Expunging')), 0) AS cpu, "
        "coalesce(sum(memory) FILTER (WHERE state NOT IN ('Destroyed', 'Error', 'Expunging')), 0) AS memory "
        "FROM vm_instance WHERE removed IS NULL AND account_id = ANY($1::bigint[]) GROUP BY account_id", account_ids)
    volumes = await db.fetch("SELECT account_id, count(*) AS n FROM volume WHERE removed IS NULL AND state <> 'Destroy' "
                             "AND account_id = ANY($1::bigint[]) GROUP BY account_id", account_ids)
    out: dict[int, dict] = {}
    for r in rows:
        out[r["account_id"]] = {"vm": r["vm"], "vmrunning": r["running"], "vmstopped": r["stopped"],
                                "cpu": int(r["cpu"]), "memory": int(r["memory"])}
    for r in volumes:
        out.setdefault(r["account_id"], {})["volume"] = r["n"]
    return out


async def get_vm_any(db, key):
    """Expunged VMs too: CloudStack resolves list filters including removed rows (so they list as empty)."""
    clause, value = key_clause(key, "v")
    return await db.fetchrow(f"SELECT v.id, v.uuid, v.removed FROM vm_instance v WHERE {clause}", value)
