"""Resource tags: key/value pairs on VMs, images, volumes, addresses… (CloudStack's resource_tags).

A tag belongs to the account owning its resource. Types are CloudStack's ResourceObjectType names,
matched without regard to case; each taggable type says how to find a resource and its owner.
Lists show a resource's tags as `tags` objects and filter on `tags[n].key/value` (tags_clause).
"""
from __future__ import annotations

from ..api.views import Obj
from ..errors import invalid_value

# type -> (SQL returning id, uuid, account_id, domain_id for a resource; the key column is $1)
_OWNER = ("SELECT r.id, r.uuid::text AS uuid, r.account_id, r.domain_id, d.path AS domain_path FROM {table} r "
          "LEFT JOIN domain d ON d.id = r.domain_id WHERE {live} AND ")
TAGGABLE: dict[str, tuple[str, str]] = {
    "UserVm": ("vm_instance", "r.removed IS NULL"),
    "Template": ("vm_template", "r.removed IS NULL AND r.format <> 'ISO'"),
    "ISO": ("vm_template", "r.removed IS NULL AND r.format = 'ISO'"),
    "Volume": ("volume", "r.removed IS NULL"),
    "PublicIpAddress": ("ip_address", "r.account_id IS NOT NULL"),
    "SecurityGroup": ("security_group", "true"),
    "Network": ("network", "r.removed IS NULL"),
    "VMSnapshot": ("vm_snapshot", "r.removed IS NULL"),
}
# CloudStack knows these too; they exist nowhere in a cloudsim zone yet.
KNOWN = ("Snapshot", "Nic", "LoadBalancer", "PortForwardingRule", "FirewallRule", "Project", "Vpc", "NetworkACL",
         "StaticRoute", "RemoteAccessVpn", "Zone", "ServiceOffering", "Storage", "PrivateGateway",
         "NetworkACLList", "VpnGateway", "CustomerGateway", "VpnConnection", "User", "DiskOffering",
         "AutoScaleVmProfile", "AutoScaleVmGroup", "LBStickinessPolicy", "LBHealthCheckPolicy", "SnapshotPolicy",
         "GuestOs", "NetworkOffering", "VpcOffering", "Domain", "Account", "KubernetesCluster")


def resource_type(name: str) -> str:
    """CloudStack's spelling of a resource type given in any case; 431 for an unknown one."""
    for known in (*TAGGABLE, *KNOWN):
        if known.lower() == name.strip().lower():
            return known
    raise invalid_value(f"Invalid resource type {name}")


async def find_resource(db, type_: str, key: str):
    """(id, uuid, account_id, domain_id, domain_path) of a resource named by UUID or internal id."""
    if type_ not in TAGGABLE:
        raise invalid_value(f"Unable to find resource by id {key} and type {type_}")
    table, live = TAGGABLE[type_]
    base = _OWNER.format(table=table, live=live)
    row = None
    try:
        import uuid as _uuid
        _uuid.UUID(key)
        row = await db.fetchrow(base + "r.uuid = $1::uuid", key)
    except ValueError:
        if key.isdigit():
            row = await db.fetchrow(base + "r.id = $1", int(key))
    if row is None:
        raise invalid_value(f"Unable to find resource by id {key} and type {type_}")
    return row


def tags_clause(type_: str, id_col: str, tags: list[tuple[str, str]], args: list) -> str:
    """WHERE fragment: the resource carries every key=value pair given (CloudStack ANDs them)."""
    parts = []
    for key, value in tags:
        args.extend([type_, key, value])
        n = len(args)
        parts.append(f"EXISTS (SELECT 1 FROM resource_tag t WHERE t.resource_type = ${n - 2} AND t.resource_id = "
                     f"{id_col} AND lower(t.key) = lower(${n - 1}) AND t.value = ${n})")
    return " AND ".join(parts) if parts else "true"


TAG_SELECT = """
SELECT t.*, a.name AS account_name, d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path
  FROM resource_tag t LEFT JOIN account a ON a.id = t.account_id LEFT JOIN domain d ON d.id = t.domain_id
"""


def tag_object(t) -> Obj:
    obj = Obj(key=t["key"], value=t["value"], resourcetype=t["resource_type"], resourceid=t["resource_uuid"])
    if t["account_name"] is not None:
        obj.update(account=t["account_name"], domainid=str(t["domain_uuid"]), domain=t["domain_name"])
    if t["customer"]:
        obj["customer"] = t["customer"]
    return obj


async def tag_entities(db, type_: str, ids: list[int]) -> dict[int, list[Obj]]:
    """The tags of many resources of one type, as response objects, by resource id."""
    if not ids:
        return {}
    out: dict[int, list[Obj]] = {}
    for t in await db.fetch(TAG_SELECT + " WHERE t.resource_type = $1 AND t.resource_id = ANY($2::bigint[]) "
                            "ORDER BY t.id", type_, ids):
        out.setdefault(t["resource_id"], []).append(tag_object(t))
    return out


async def drop_tags(conn, type_: str, resource_id: int) -> None:
    await conn.execute("DELETE FROM resource_tag WHERE resource_type = $1 AND resource_id = $2", type_, resource_id)
