"""Public IPs of Basic zones with elastic IP: system IPs for running VMs, elastic IPs, static NAT.

A Basic zone whose guest network runs the EIP offering (it does once a public range is added to
it) gives each VM that starts a *system* public IP statically NATed to the VM's guest address,
and takes that IP back when the VM stops, as CloudStack's finalizeStart/finalizeStop do. The
zone setting `eip.associate.public.ip=false` turns that off (the offering's AssociatePublicIP).

An account may also take an *elastic* IP (associateIpAddress) and point it at one of its VMs
(enableStaticNat): the VM's system IP is then released. Disabling static NAT on (or releasing)
an elastic IP gives the VM a fresh system IP again. An elastic IP stays the account's until
disassociateIpAddress; a system IP can never be released by hand.
"""
from __future__ import annotations

from ..errors import CloudStackError, INSUFFICIENT_CAPACITY_ERROR, CS_INSUFFICIENT_ADDRESS_CAPACITY, invalid_value
from ..store.keys import one
from .network import allocate_ip

IP_SELECT = """
SELECT ip.*, host(ip.address) AS ip, v.uuid AS vlan_uuid, v.vlan_tag, v.for_virtual_network, v.network_id AS vlan_network_id,
       z.uuid AS zone_uuid, z.name AS zone_name, z.network_type,
       a.name AS account_name, a.uuid AS account_uuid, d.uuid AS domain_uuid, d.name AS domain_name, d.path AS domain_path,
       an.uuid AS associated_network_uuid, an.name AS associated_network_name,
       vm.uuid AS vm_uuid, vm.name AS vm_name, vm.display_name AS vm_display_name, vm.account_id AS vm_account_id,
       nic.ip_address AS vm_ip
  FROM ip_address ip JOIN vlan_ip_range v ON v.id = ip.vlan_id JOIN zone z ON z.id = ip.zone_id
  LEFT JOIN account a ON a.id = ip.account_id LEFT JOIN domain d ON d.id = ip.domain_id
  LEFT JOIN network an ON an.id = ip.network_id
  LEFT JOIN vm_instance vm ON vm.id = ip.vm_id LEFT JOIN nic ON nic.id = ip.nic_id
"""


async def get_ip(db, key):
    """One public or guest address by id or UUID (the entity loader)."""
    return await one(db, IP_SELECT, "ip", key, live=False)


async def elastic_network(conn, network_id: int | None):
    """The guest network with its EIP flags, or None when it does not run elastic IP."""
    if network_id is None:
        return None
    return await conn.fetchrow(
        "SELECT n.*, o.elastic_ip, o.associate_public_ip FROM network n JOIN network_offering o "
        "ON o.id = n.network_offering_id WHERE n.id = $1 AND o.elastic_ip", network_id)


async def supports_static_nat(conn, network_id: int) -> bool:
    return bool(await conn.fetchval(
        "SELECT o.services ? 'StaticNat' FROM network n JOIN network_offering o ON o.id = n.network_offering_id "
        "WHERE n.id = $1", network_id))


async def use_elastic_ip(conn, zone_id: int) -> None:
    """A public range added to a Basic zone: its shared guest network moves to the EIP offering."""
    await conn.execute(
        "UPDATE network SET network_offering_id = (SELECT id FROM network_offering "
        "WHERE name = 'DefaultSharedNetscalerEIPandELBNetworkOffering') "
        "WHERE zone_id = $1 AND removed IS NULL AND guest_type = 'Shared' AND network_offering_id = "
        "(SELECT id FROM network_offering WHERE name = 'DefaultSharedNetworkOfferingWithSGService') "
        "AND EXISTS (SELECT 1 FROM zone WHERE id = $1 AND network_type = 'Basic')", zone_id)


async def default_nic(conn, vm_id: int):
    return await conn.fetchrow("SELECT * FROM nic WHERE vm_id = $1 AND removed IS NULL ORDER BY is_default DESC, "
                               "device_id LIMIT 1", vm_id)


async def nat_ip_of(conn, vm_id: int):
    return await conn.fetchrow("SELECT * FROM ip_address WHERE vm_id = $1 AND one_to_one_nat ORDER BY id LIMIT 1",
                               vm_id)


async def assign_system_ip(conn, settings, vm, *, new: bool = False) -> None:
    """The VM starts (or loses its elastic IP): a system public IP with static NAT, if the zone gives one.

    Raises 533 when the zone's public ranges are exhausted; callers run this inside the
    transaction that moves the VM, so nothing is left half-done."""
    nic = await default_nic(conn, vm["id"])
    if nic is None:
        return
    network = await elastic_network(conn, nic["network_id"])
    if network is None or not network["associate_public_ip"]:
        return
    if not await settings.get("eip.associate.public.ip", ("Zone", vm["zone_id"])):
        return
    current = await nat_ip_of(conn, vm["id"])
    if current is not None and not new:
        return
    try:
        ip = await allocate_ip(conn, zone_id=vm["zone_id"], network_id=None, vm_id=vm["id"],
                               account_id=vm["account_id"], domain_id=vm["domain_id"], virtual=True)
    except CloudStackError:
        raise CloudStackError(INSUFFICIENT_CAPACITY_ERROR, "Unable to find available public IP addresses",
                              CS_INSUFFICIENT_ADDRESS_CAPACITY) from None
    if current is not None:
        await disable_static_nat(conn, current, release_system=True)
    await conn.execute("UPDATE ip_address SET nic_id = $2, network_id = $3, one_to_one_nat = true, is_system = true "
                       "WHERE id = $1", ip["id"], nic["id"], nic["network_id"])


async def free(conn, *ip_ids: int) -> None:
    """Addresses back to the pool, owned by no one and mapped to nothing."""
    await conn.execute("UPDATE ip_address SET state = 'Free', vm_id = NULL, nic_id = NULL, account_id = NULL, "
                       "domain_id = NULL, allocated = NULL, network_id = NULL, one_to_one_nat = false, "
                       "is_system = false, display = true WHERE id = ANY($1::bigint[])", list(ip_ids))


async def disable_static_nat(conn, ip, *, release_system: bool) -> None:
    """The IP stops pointing at its VM; a system IP goes back to the pool when release_system."""
    if ip["is_system"] and release_system:
        await free(conn, ip["id"])
        return
    await conn.execute("UPDATE ip_address SET vm_id = NULL, nic_id = NULL, one_to_one_nat = false, "
                       "is_system = false WHERE id = $1", ip["id"])


async def release_system_ip(conn, vm_id: int) -> None:
    """The VM stopped: its system IP is released (an elastic IP stays mapped)."""
    for ip in await conn.fetch("SELECT * FROM ip_address WHERE vm_id = $1 AND one_to_one_nat AND is_system", vm_id):
        await disable_static_nat(conn, ip, release_system=True)


async def enable_static_nat(conn, ip, vm, nic) -> None:
    """Map `ip` to the VM's NIC; in an EIP network the VM's previous public IP is let go first."""
    old = await conn.fetchrow("SELECT * FROM ip_address WHERE vm_id = $1 AND one_to_one_nat AND id <> $2 "
                              "ORDER BY id LIMIT 1", vm["id"], ip["id"])
    if old is not None:
        if await elastic_network(conn, old["network_id"]) is None:
            raise invalid_value(
                f"Failed to enable static nat on the  ip {ip['ip']} with Id {ip['uuid']} as the vm "
                f"{vm['instance_name']} with Id {vm['uuid']} is already associated with another public ip "
                f"{old['address']} with id {old['uuid']}")
        await disable_static_nat(conn, old, release_system=True)
    await conn.execute("UPDATE ip_address SET vm_id = $2, nic_id = $3, network_id = $4, one_to_one_nat = true "
                       "WHERE id = $1", ip["id"], vm["id"], nic["id"], nic["network_id"])


async def release_for_expunge(conn, vm_id: int) -> None:
    """The VM is going: guest and system addresses return to the pool, elastic IPs stay the account's."""
    rows = await conn.fetch("SELECT ip.*, v.for_virtual_network FROM ip_address ip JOIN vlan_ip_range v "
                            "ON v.id = ip.vlan_id WHERE ip.vm_id = $1", vm_id)
    for ip in rows:
        if ip["for_virtual_network"] and not ip["is_system"]:
            await disable_static_nat(conn, ip, release_system=False)
        else:
            await free(conn, ip["id"])
