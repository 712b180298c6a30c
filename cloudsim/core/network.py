"""Guest networking of Basic zones: IP ranges, address allocation, the default security group."""
from __future__ import annotations

import ipaddress
import uuid as _uuid

from ..errors import CloudStackError, INSUFFICIENT_CAPACITY_ERROR, CS_INSUFFICIENT_ADDRESS_CAPACITY, invalid_value

MAX_RANGE = 65536     # addresses one createVlanIpRange may add


def check_range(gateway: str, netmask: str, startip: str, endip: str | None):
    try:
        start = ipaddress.ip_address(startip)
        end = ipaddress.ip_address(endip or startip)
        net = ipaddress.ip_network(f"{gateway}/{netmask}", strict=False)
        ipaddress.ip_address(gateway)
    except ValueError:
        raise invalid_value("Please specify a valid IP range: gateway, netmask, startip and endip") from None
    if start > end:
        raise invalid_value("Please specify a valid IP range: the start IP must not be after the end IP")
    if start not in net or end not in net:
        raise invalid_value("The IP range is not in the same subnet as the gateway and netmask")
    if int(end) - int(start) + 1 > MAX_RANGE:
        raise invalid_value(f"An IP range may hold at most {MAX_RANGE} addresses")
    return start, end


async def add_range(conn, *, zone_id: int, pod_id: int | None, network_id: int | None, gateway: str, netmask: str,
                    startip: str, endip: str | None, vlan: str | None, for_virtual_network: bool,
                    account_id: int | None = None, domain_id: int | None = None) -> int:
    start, end = check_range(gateway, netmask, startip, endip)
    overlap = await conn.fetchval(
        "SELECT 1 FROM vlan_ip_range WHERE zone_id = $1 AND removed IS NULL AND start_ip <= $3 AND end_ip >= $2",
        zone_id, start, end)
    if overlap:
        raise invalid_value("The IP range already has IPs that overlap with the new range. Please specify a "
                            "different start IP/end IP.")
    vlan_id = await conn.fetchval(
        "INSERT INTO vlan_ip_range (uuid, zone_id, pod_id, network_id, vlan_tag, gateway, netmask, start_ip, end_ip, "
        "for_virtual_network, account_id, domain_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
        _uuid.uuid4(), zone_id, pod_id, network_id, vlan or "untagged", gateway, netmask, start, end,
        for_virtual_network, account_id, domain_id)
    await conn.execute(
        "INSERT INTO ip_address (uuid, vlan_id, zone_id, network_id, address) "
        "SELECT gen_random_uuid(), $1, $2, $3, $4::inet + n FROM generate_series(0, $5::bigint) AS n",
        vlan_id, zone_id, network_id, start, int(end) - int(start))
    if for_virtual_network:
        from .public_ip import use_elastic_ip
        await use_elastic_ip(conn, zone_id)
    return vlan_id


async def delete_range(conn, vlan) -> None:
    if await conn.fetchval("SELECT 1 FROM ip_address WHERE vlan_id = $1 AND state <> 'Free'", vlan["id"]):
        raise invalid_value(f"The IP range with tag: {vlan['vlan_tag']} can't be deleted because there are IPs "
                            "allocated from it")
    await conn.execute("DELETE FROM ip_address WHERE vlan_id = $1", vlan["id"])
    await conn.execute("UPDATE vlan_ip_range SET removed = now() WHERE id = $1", vlan["id"])


async def allocate_ip(conn, *, zone_id: int, network_id: int | None, vm_id: int, account_id: int, domain_id: int,
                      requested: str | None = None, virtual: bool = False) -> dict:
    """Takes a free address of the network (or the zone's public ranges); 533 when none is left."""
    args = [zone_id, virtual]
    where = "a.zone_id = $1 AND v.for_virtual_network = $2 AND a.state = 'Free' AND v.removed IS NULL"
    if network_id is not None and not virtual:
        args.append(network_id)
        where += f" AND (v.network_id = ${len(args)} OR v.network_id IS NULL)"
    if requested is not None:
        args.append(ipaddress.ip_address(requested))
        where += f" AND a.address = ${len(args)}"
    row = await conn.fetchrow(
        f"SELECT a.*, v.gateway, v.netmask FROM ip_address a JOIN vlan_ip_range v ON v.id = a.vlan_id WHERE {where} "
        "ORDER BY a.address LIMIT 1 FOR UPDATE OF a SKIP LOCKED", *args)
    if row is None:
        if requested is not None:
            raise invalid_value(f"IP address {requested} is not available in the network")
        raise CloudStackError(INSUFFICIENT_CAPACITY_ERROR, "Insufficient address capacity",
                              CS_INSUFFICIENT_ADDRESS_CAPACITY)
    await conn.execute("UPDATE ip_address SET state = 'Allocated', vm_id = $2, account_id = $3, domain_id = $4, "
                       "allocated = now() WHERE id = $1", row["id"], vm_id, account_id, domain_id)
    return dict(row) | {"address": str(row["address"])}


async def release_ips(conn, vm_id: int) -> None:
    """The VM's guest and system addresses go back to the pool; its elastic IPs stay with the account."""
    from .public_ip import release_for_expunge
    await release_for_expunge(conn, vm_id)


async def default_security_group(conn, account_id: int, domain_id: int) -> int:
    """Every account has a `default` group; CloudStack makes it with the account's first need."""
    existing = await conn.fetchval("SELECT id FROM security_group WHERE account_id = $1 AND lower(name) = 'default'",
                                   account_id)
    if existing:
        return existing
    return await conn.fetchval(
        "INSERT INTO security_group (uuid, name, description, account_id, domain_id) "
        "VALUES ($1, 'default', 'Default Security Group', $2, $3) "
        "ON CONFLICT (account_id, lower(name)) DO UPDATE SET name = EXCLUDED.name RETURNING id",
        _uuid.uuid4(), account_id, domain_id)
