"""The demo zone a newcomer finds on first start: CloudStack's simulator names, ready to deploy into.

Basic zone `Sandbox-simulator` (security groups), one pod, two clusters of two simulator hosts,
`Small Instance`, `Medium Instance` and an HA offering, a guest and a public IP range, the featured template
`CentOS 5.6 (64-bit) no GUI (Simulator)` and a bootable ISO. Created once per database (an
advisory lock keeps two servers starting together from both doing it); `--no-demo` skips it.
"""
from __future__ import annotations

import logging
import uuid as _uuid

from .. import services
from . import infra
from .network import add_range

log = logging.getLogger(__name__)

ZONE = "Sandbox-simulator"
TEMPLATE = "CentOS 5.6 (64-bit) no GUI (Simulator)"
ISO = "xs-tools.iso"
OFFERINGS = (("Small Instance", "Small Instance, 1 x 500 MHz, 512 MiB", 1, 500, 512, False),
             ("Medium Instance", "Medium Instance, 1 x 1000 MHz, 1 GiB", 1, 1000, 1024, False),
             ("Small Instance HA", "Small Instance with HA, 1 x 500 MHz, 512 MiB", 1, 500, 512, True))
DISK_OFFERINGS = (("Small", "Small Disk, 5 GB", 5), ("Medium", "Medium Disk, 20 GB", 20),
                  ("Custom", "Custom Disk", 0))
GUEST_GATEWAY, GUEST_RANGE = "10.1.1.1", ("10.1.1.10", "10.1.1.250")   # the shared guest network's addresses
PUBLIC_GATEWAY, PUBLIC_RANGE = "172.30.0.1", ("172.30.0.10", "172.30.0.250")  # public addresses (static NAT)
_LOCK = 0x64656D6F


async def create_demo_zone(app) -> bool:
    """Builds the demo zone unless this database has one (or had one: a deleted demo stays deleted)."""
    db = app.db
    async with db.transaction() as conn:
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
        if await conn.fetchval("SELECT 1 FROM configuration WHERE name = 'cloudsim.demo.created'"):
            return False
        await conn.execute("INSERT INTO configuration (name, value) VALUES ('cloudsim.demo.created', 'true')")
    caller = app.system_caller
    zone_id = await infra.create_zone(db, caller, name=ZONE, networktype="Basic", dns1="8.8.8.8",
                                      internaldns1="10.147.28.6")
    zone = await db.fetchrow("SELECT * FROM zone WHERE id = $1", zone_id)
    pod_id = await infra.create_pod(db, caller, zone=zone, name="POD0", gateway="172.16.15.1",
                                    netmask="255.255.255.0", startip="172.16.15.2", endip="172.16.15.200")
    pod = await db.fetchrow("SELECT * FROM pod WHERE id = $1", pod_id)
    for c in range(2):
        cluster_id = await infra.add_cluster(db, caller, zone=zone, pod=pod, name=f"C{c}", hypervisor="Simulator")
        cluster = await db.fetchrow("SELECT * FROM cluster WHERE id = $1", cluster_id)
        for h in range(2):
            await infra.add_host(app, caller, zone=zone, pod=pod, cluster=cluster, hypervisor="Simulator",
                                 url=f"http://sim/c{c}/h{h}", username="root", password="password")
    async with db.transaction() as conn:
        network_id = await conn.fetchval("SELECT id FROM network WHERE zone_id = $1 AND removed IS NULL", zone_id)
        await add_range(conn, zone_id=zone_id, pod_id=pod_id, network_id=network_id, gateway=GUEST_GATEWAY,
                        netmask="255.255.255.0", startip=GUEST_RANGE[0], endip=GUEST_RANGE[1], vlan=None,
                        for_virtual_network=False)
        await add_range(conn, zone_id=zone_id, pod_id=None, network_id=None, gateway=PUBLIC_GATEWAY,
                        netmask="255.255.255.0", startip=PUBLIC_RANGE[0], endip=PUBLIC_RANGE[1], vlan=None,
                        for_virtual_network=True)
        for sort_key, (name, text, cpus, speed, memory, ha) in enumerate(OFFERINGS):
            await conn.execute(
                "INSERT INTO service_offering (uuid, name, display_text, cpus, speed, memory, ha_enabled, sort_key) "
                "VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", _uuid.uuid4(), name, text, cpus, speed, memory, ha, sort_key)
        for sort_key, (name, text, size) in enumerate(DISK_OFFERINGS):
            await conn.execute(
                "INSERT INTO disk_offering (uuid, name, display_text, disk_size, customized, sort_key) "
                "VALUES ($1,$2,$3,$4,$5,$6)", _uuid.uuid4(), name, text, size * 1024 ** 3, size == 0, sort_key)
        os_id = await conn.fetchval("SELECT id FROM guest_os WHERE display_name = 'CentOS 5.6 (64-bit)'")
        other_id = await conn.fetchval("SELECT id FROM guest_os WHERE display_name ILIKE 'Other%' ORDER BY id LIMIT 1")
        for name, text, fmt, hypervisor, image_type, size, os, password in (
                (TEMPLATE, TEMPLATE, "VHD", "Simulator", "BUILTIN", 2 * 1024 ** 3, os_id, True),
                (ISO, "XenServer Tools Installer ISO", "ISO", None, "PERHOST", 52 * 1024 ** 2, other_id, False)):
            image_id = await conn.fetchval(
                "INSERT INTO vm_template (uuid, unique_name, name, display_text, format, type, hypervisor, url, "
                "is_public, featured, extractable, bootable, password_enabled, cross_zones, account_id, domain_id, "
                "guest_os_id, size, physical_size) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,true,true,false,true,$9,true,"
                "1,1,$10,$11,$11) RETURNING id", _uuid.uuid4(), _uuid.uuid4().hex, name, text, fmt, image_type,
                hypervisor, f"http://download.cloudstack.invalid/{name.replace(' ', '-')}", password, os, size)
            await conn.execute("INSERT INTO template_zone (template_id, zone_id) VALUES ($1, $2)", image_id, zone_id)
    log.info("created the demo zone %s", ZONE)
    return True


class DemoZone:
    def __init__(self, app):
        self.app = app

    async def start(self) -> None:
        await create_demo_zone(self.app)

    async def stop(self) -> None:
        pass


@services.service(services.DEMO)
def _demo(app):
    return DemoZone(app) if app.config.get("demo", "enabled") else None
