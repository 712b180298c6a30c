"""SQL for zones, pods, clusters, hosts, guest OS types, offerings, images and guest networking."""
from __future__ import annotations


from .keys import key_clause  # noqa: F401  (callers use store.key_clause)
from .keys import one as _one


async def update_row(db, table: str, row_id: int, changes: dict) -> None:
    """UPDATE one row's columns; table and column names come from code, never from a request."""
    if not changes:
        return
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=2))
    await db.execute(f"UPDATE {table} SET {assignments} WHERE id = $1", row_id, *changes.values())


# ------------------------------------------------------------------------- zones, pods, clusters
ZONE_SELECT = """
SELECT z.*, d.uuid AS domain_uuid, d.name AS domain_name
  FROM zone z LEFT JOIN domain d ON d.id = z.domain_id
"""

POD_SELECT = """
SELECT p.*, z.uuid AS zone_uuid, z.name AS zone_name
  FROM pod p JOIN zone z ON z.id = p.zone_id
"""

CLUSTER_SELECT = """
SELECT c.*, p.uuid AS pod_uuid, p.name AS pod_name, z.uuid AS zone_uuid, z.name AS zone_name
  FROM cluster c JOIN pod p ON p.id = c.pod_id JOIN zone z ON z.id = c.zone_id
"""

HOST_SELECT = """
SELECT h.*, z.uuid AS zone_uuid, z.name AS zone_name, p.uuid AS pod_uuid, p.name AS pod_name,
       c.uuid AS cluster_uuid, c.name AS cluster_name, c.cluster_type, c.allocation_state AS cluster_allocation,
       oc.uuid AS os_category_uuid, oc.name AS os_category_name, ms.uuid AS ms_uuid, ms.name AS ms_name
  FROM host h JOIN zone z ON z.id = h.zone_id JOIN pod p ON p.id = h.pod_id JOIN cluster c ON c.id = h.cluster_id
  LEFT JOIN guest_os_category oc ON oc.id = h.os_category_id
  LEFT JOIN management_server ms ON ms.id = h.mgmt_server_id
"""


async def get_zone(db, key):
    return await _one(db, ZONE_SELECT, "z", key)


async def get_pod(db, key):
    return await _one(db, POD_SELECT, "p", key)


async def get_cluster(db, key):
    return await _one(db, CLUSTER_SELECT, "c", key)


async def get_host(db, key):
    return await _one(db, HOST_SELECT, "h", key)


async def host_gpus(db, host_ids: list[int]):
    return await db.fetch("SELECT * FROM host_gpu WHERE host_id = ANY($1::bigint[]) ORDER BY host_id, group_name, id",
                          host_ids)


async def host_capacities(db, host_ids: list[int]):
    return await db.fetch("SELECT * FROM host_capacity WHERE host_id = ANY($1::bigint[])", host_ids)


# ------------------------------------------------------------------------- guest OS
OS_SELECT = """
SELECT g.*, c.uuid AS category_uuid, c.name AS category_name
  FROM guest_os g JOIN guest_os_category c ON c.id = g.category_id
"""


async def get_os_type(db, key):
    return await _one(db, OS_SELECT, "g", key)


async def get_os_category(db, key):
    clause, value = key_clause(key, "c")
    return await db.fetchrow(f"SELECT c.* FROM guest_os_category c WHERE {clause}", value)


async def os_type_by_name(db, name: str):
    return await db.fetchrow(OS_SELECT + " WHERE g.display_name = $1 AND g.removed IS NULL", name)


# ------------------------------------------------------------------------- offerings
def offering_limits(alias: str) -> str:
    """Columns naming the domains and zones an offering is limited to (comma-separated, as CloudStack shows)."""
    return ", ".join(
        f"(SELECT string_agg(x.{col}, ',' ORDER BY x.id) FROM {table} x WHERE x.id = ANY({alias}.{ids})) AS {name}"
        for table, ids, col, name in (("domain", "domain_ids", "uuid::text", "limit_domain_uuids"),
                                      ("domain", "domain_ids", "name", "limit_domain_names"),
                                      ("zone", "zone_ids", "uuid::text", "limit_zone_uuids"),
                                      ("zone", "zone_ids", "name", "limit_zone_names")))


SERVICE_OFFERING_SELECT = f"""
SELECT s.*, o.uuid AS disk_offering_uuid, o.name AS disk_offering_name, o.display_text AS disk_offering_text,
       {offering_limits("s")}
  FROM service_offering s LEFT JOIN disk_offering o ON o.id = s.disk_offering_id
"""
DISK_OFFERING_SELECT = f"SELECT o.*, {offering_limits('o')} FROM disk_offering o"


async def get_service_offering(db, key):
    return await _one(db, SERVICE_OFFERING_SELECT, "s", key)


async def get_disk_offering(db, key):
    clause, value = key_clause(key, "o")
    return await db.fetchrow(f"{DISK_OFFERING_SELECT} WHERE {clause} AND o.removed IS NULL "
                             "AND NOT o.compute_only", value)


async def names_of(db, table: str, ids) -> dict[int, tuple[str, str]]:
    """id -> (uuid, name) for domains or zones named in offering restriction arrays."""
    if not ids:
        return {}
    rows = await db.fetch(f"SELECT id, uuid, name FROM {table} WHERE id = ANY($1::bigint[])", list(ids))
    return {r["id"]: (str(r["uuid"]), r["name"]) for r in rows}


# ------------------------------------------------------------------------- images (templates and ISOs)
TEMPLATE_SELECT = """
SELECT t.*, a.uuid AS account_uuid, a.name AS account_name, a.type AS account_type,
       d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path,
       g.uuid AS os_uuid, g.display_name AS os_name, g.category_id AS os_category_id
  FROM vm_template t JOIN account a ON a.id = t.account_id JOIN domain d ON d.id = t.domain_id
  LEFT JOIN guest_os g ON g.id = t.guest_os_id
"""


async def get_template(db, key):
    """Any image that is not an ISO."""
    clause, value = key_clause(key, "t")
    return await db.fetchrow(TEMPLATE_SELECT + f" WHERE {clause} AND t.removed IS NULL AND t.format <> 'ISO'", value)


async def get_iso(db, key):
    clause, value = key_clause(key, "t")
    return await db.fetchrow(TEMPLATE_SELECT + f" WHERE {clause} AND t.removed IS NULL AND t.format = 'ISO'", value)


async def get_image(db, key):
    """A template or an ISO (CloudStack resolves both through one entity)."""
    return await _one(db, TEMPLATE_SELECT, "t", key)


async def template_zones(db, template_ids: list[int]):
    return await db.fetch(
        "SELECT tz.*, z.uuid AS zone_uuid, z.name AS zone_name FROM template_zone tz JOIN zone z ON z.id = tz.zone_id "
        "WHERE tz.template_id = ANY($1::bigint[]) AND tz.removed IS NULL AND z.removed IS NULL ORDER BY z.id",
        template_ids)


# ------------------------------------------------------------------------- networking
NETWORK_SELECT = """
SELECT n.*, z.uuid AS zone_uuid, z.name AS zone_name, z.dns1 AS zone_dns1, o.uuid AS offering_uuid, o.name AS offering_name,
       o.display_text AS offering_text, o.conserve_mode, o.availability, o.services,
       a.name AS account_name, d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path
  FROM network n JOIN zone z ON z.id = n.zone_id JOIN network_offering o ON o.id = n.network_offering_id
  JOIN account a ON a.id = n.account_id JOIN domain d ON d.id = n.domain_id
"""

VLAN_SELECT = """
SELECT v.*, z.uuid AS zone_uuid, p.uuid AS pod_uuid, p.name AS pod_name, n.uuid AS network_uuid,
       a.name AS account_name, d.uuid AS domain_uuid, d.name AS domain_name
  FROM vlan_ip_range v JOIN zone z ON z.id = v.zone_id LEFT JOIN pod p ON p.id = v.pod_id
  LEFT JOIN network n ON n.id = v.network_id LEFT JOIN account a ON a.id = v.account_id
  LEFT JOIN domain d ON d.id = v.domain_id
"""

SECURITY_GROUP_SELECT = """
SELECT g.*, a.uuid AS account_uuid, a.name AS account_name, d.uuid AS domain_uuid, d.name AS domain_name,
       d.path AS domain_path
  FROM security_group g JOIN account a ON a.id = g.account_id JOIN domain d ON d.id = g.domain_id
"""


async def get_network(db, key):
    return await _one(db, NETWORK_SELECT, "n", key)


async def get_vlan(db, key):
    return await _one(db, VLAN_SELECT, "v", key)


async def get_security_group(db, key):
    return await _one(db, SECURITY_GROUP_SELECT, "g", key, live=False)


async def get_network_offering(db, key):
    clause, value = key_clause(key, "o")
    return await db.fetchrow(f"SELECT o.* FROM network_offering o WHERE {clause}", value)


async def network_offering_by_name(db, name: str):
    return await db.fetchrow("SELECT * FROM network_offering WHERE name = $1", name)
