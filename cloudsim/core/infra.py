"""Zones, pods, clusters and hosts: the rules for creating, changing and removing them.

Commands and the demo-zone service both call these; each runs in one transaction and records
CloudStack's event for it.
"""
from __future__ import annotations

import ipaddress
import secrets
import uuid as _uuid

from ..errors import internal_error, invalid_value, resource_in_use
from ..hypervisors import DriverError, Location, canonical, driver_for, has_driver
from ..store import events
from ..store import infra as store
from .access import Caller

ALLOCATION_STATES = ("Enabled", "Disabled")
NETWORK_TYPES = ("Basic", "Advanced")
CLUSTER_TYPES = ("CloudManaged", "ExternalManaged")
# host_capacity types (CloudStack's Capacity codes)
CAPACITY_MEMORY, CAPACITY_CPU, CAPACITY_LOCAL_STORAGE, CAPACITY_CPU_CORES = 0, 1, 9, 90


def allocation_state(value: str | None, default: str = "Enabled") -> str:
    if value is None:
        return default
    for state in ALLOCATION_STATES:
        if state.lower() == value.lower():
            return state
    raise invalid_value(f"Unable to resolve Allocation State '{value}' to a supported state")


def _ip(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise invalid_value(f"Please enter a valid IP address for {what}") from None


async def _event(conn, caller: Caller, type_: str, description: str, resource_type: str, resource=None):
    await events.record_event(conn, type=type_, description=description, user_id=caller.user_id,
                              account_id=caller.account_id, domain_id=caller.domain_id,
                              resource_id=str(resource["uuid"]) if resource else None,
                              resource_type=resource_type, resource_name=resource["name"] if resource else None)


# ------------------------------------------------------------------------- zones
async def create_zone(db, caller: Caller, *, name: str, networktype: str, dns1: str, internaldns1: str,
                      dns2: str | None = None, internaldns2: str | None = None, ip6dns1: str | None = None,
                      ip6dns2: str | None = None, guestcidraddress: str | None = None, domain: str | None = None,
                      domainid=None, allocationstate: str | None = None, localstorageenabled: bool = False,
                      securitygroupenabled: bool | None = None, isedge: bool = False) -> int:
    kind = next((t for t in NETWORK_TYPES if t.lower() == networktype.lower()), None)
    if kind is None:
        raise invalid_value(f"Invalid network type {networktype}; valid types are Basic and Advanced")
    sg = (kind == "Basic") if securitygroupenabled is None else securitygroupenabled
    if kind == "Basic":
        sg = True            # Basic zones always isolate guests with security groups
    if guestcidraddress:
        try:
            ipaddress.ip_network(guestcidraddress, strict=False)
        except ValueError:
            raise invalid_value("Please enter a valid guest cidr") from None
    values = [_ip(dns1, "DNS1"), _ip(dns2, "DNS2"), _ip(internaldns1, "internal DNS1"),
              _ip(internaldns2, "internal DNS2")]
    async with db.transaction() as conn:
        if await conn.fetchval("SELECT 1 FROM zone WHERE lower(name) = lower($1) AND removed IS NULL", name):
            raise invalid_value(f"A zone with name: {name} already exists.")
        zone_id = await conn.fetchval(
            "INSERT INTO zone (uuid, name, dns1, dns2, internal_dns1, internal_dns2, ip6dns1, ip6dns2, guest_cidr, "
            "network_domain, domain_id, network_type, security_groups, local_storage_enabled, allocation_state, "
            "zone_token, is_edge) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) RETURNING id",
            _uuid.uuid4(), name, *values, ip6dns1, ip6dns2, guestcidraddress, domain,
            domainid["id"] if domainid else None, kind, sg, localstorageenabled,
            allocation_state(allocationstate),
            secrets.token_hex(16), isedge)
        if kind == "Basic":
            await ensure_basic_network(conn, zone_id)
        zone = await store.get_zone(conn, zone_id)
        await _event(conn, caller, "ZONE.CREATE", f"Creating zone {name}", "Zone", zone)
    return zone_id


async def ensure_basic_network(conn, zone_id: int) -> int:
    """The shared, security-group-enabled guest network every Basic zone has."""
    existing = await conn.fetchval("SELECT id FROM network WHERE zone_id = $1 AND guest_type = 'Shared' "
                                   "AND removed IS NULL ORDER BY id LIMIT 1", zone_id)
    if existing:
        return existing
    offering = await conn.fetchval("SELECT id FROM network_offering WHERE name = "
                                   "'DefaultSharedNetworkOfferingWithSGService'")
    return await conn.fetchval(
        "INSERT INTO network (uuid, name, display_text, zone_id, network_offering_id, guest_type, acl_type, "
        "state, specify_ip_ranges, account_id, domain_id, subdomain_access) "
        "VALUES ($1, 'defaultGuestNetwork', 'defaultGuestNetwork', $2, $3, 'Shared', 'Domain', 'Setup', true, "
        "1, 1, true) RETURNING id", _uuid.uuid4(), zone_id, offering)


async def delete_zone(db, caller: Caller, zone) -> None:
    async with db.transaction() as conn:
        if await conn.fetchval("SELECT 1 FROM pod WHERE zone_id = $1 AND removed IS NULL", zone["id"]):
            raise resource_in_use(f"The zone is not deletable because there are pods in this zone")
        await conn.execute("UPDATE network SET removed = now() WHERE zone_id = $1 AND removed IS NULL", zone["id"])
        await conn.execute("UPDATE zone SET removed = now() WHERE id = $1", zone["id"])
        await _event(conn, caller, "ZONE.DELETE", f"Deleting zone {zone['name']}", "Zone", zone)


# ------------------------------------------------------------------------- pods
def _check_range(gateway, netmask, startip, endip) -> None:
    for value, what in ((gateway, "the gateway"), (startip, "the start IP"), (endip, "the end IP")):
        _ip(value, what)
    if netmask:
        try:
            ipaddress.ip_network(f"0.0.0.0/{netmask}")
        except ValueError:
            raise invalid_value("Please specify a valid netmask") from None
    if startip and endip and ipaddress.ip_address(startip) > ipaddress.ip_address(endip):
        raise invalid_value("Start IP address must be less than or equal to the end IP address")
    if gateway and netmask and startip:
        net = ipaddress.ip_network(f"{gateway}/{netmask}", strict=False)
        if ipaddress.ip_address(startip) not in net or (endip and ipaddress.ip_address(endip) not in net):
            raise invalid_value("The IP range is not in the same subnet as the gateway and netmask")


async def create_pod(db, caller: Caller, *, zone, name: str, gateway=None, netmask=None, startip=None, endip=None,
                     allocationstate=None) -> int:
    _check_range(gateway, netmask, startip, endip)
    async with db.transaction() as conn:
        if await conn.fetchval("SELECT 1 FROM pod WHERE zone_id = $1 AND lower(name) = lower($2) AND removed IS NULL",
                               zone["id"], name):
            raise invalid_value(f"A pod with name: {name} already exists in zone {zone['uuid']}. Please specify a "
                                "different pod name.")
        pod_id = await conn.fetchval(
            "INSERT INTO pod (uuid, name, zone_id, gateway, netmask, start_ip, end_ip, allocation_state) "
            "VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id", _uuid.uuid4(), name, zone["id"], gateway, netmask,
            startip, endip or startip, allocation_state(allocationstate))
        await _event(conn, caller, "POD.CREATE", f"Creating pod {name}", "Pod", await store.get_pod(conn, pod_id))
    return pod_id


async def delete_pod(db, caller: Caller, pod) -> None:
    async with db.transaction() as conn:
        if await conn.fetchval("SELECT 1 FROM cluster WHERE pod_id = $1 AND removed IS NULL", pod["id"]):
            raise resource_in_use(f"The pod {pod['name']} is not deletable because there are clusters in this pod")
        if await conn.fetchval("SELECT 1 FROM host WHERE pod_id = $1 AND removed IS NULL", pod["id"]):
            raise resource_in_use(f"The pod {pod['name']} is not deletable because there are servers in this pod")
        await conn.execute("UPDATE pod SET removed = now() WHERE id = $1", pod["id"])
        await _event(conn, caller, "POD.DELETE", f"Deleting pod {pod['name']}", "Pod", pod)


# ------------------------------------------------------------------------- clusters
async def add_cluster(db, caller: Caller, *, zone, pod, name: str, hypervisor: str, clustertype: str = "CloudManaged",
                      allocationstate=None, url=None) -> int:
    kind = canonical(hypervisor)
    if kind is None:
        raise invalid_value(f"Unable to resolve {hypervisor} to a valid supported hypervisor type")
    ctype = next((t for t in CLUSTER_TYPES if t.lower() == clustertype.lower()), None)
    if ctype is None:
        raise invalid_value(f"Unable to resolve {clustertype} to a supported type")
    if pod["zone_id"] != zone["id"]:
        raise invalid_value(f"Pod with specified id doesn't belong to the zone {zone['uuid']}")
    async with db.transaction() as conn:
        if await conn.fetchval("SELECT 1 FROM cluster WHERE pod_id = $1 AND lower(name) = lower($2) "
                               "AND removed IS NULL", pod["id"], name):
            raise invalid_value(f"A cluster with name {name} already exists in pod {pod['uuid']}")
        cluster_id = await conn.fetchval(
            "INSERT INTO cluster (uuid, name, zone_id, pod_id, hypervisor, cluster_type, allocation_state, url) "
            "VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id", _uuid.uuid4(), name, zone["id"], pod["id"], kind,
            ctype, allocation_state(allocationstate), url)
        await _event(conn, caller, "CLUSTER.CREATE", f"Creating cluster {name}", "Cluster",
                     await store.get_cluster(conn, cluster_id))
    return cluster_id


async def delete_cluster(db, caller: Caller, cluster) -> None:
    async with db.transaction() as conn:
        if await conn.fetchval("SELECT 1 FROM host WHERE cluster_id = $1 AND removed IS NULL", cluster["id"]):
            raise resource_in_use(f"Cluster: {cluster['uuid']} cannot be deleted. Cluster has hosts")
        await conn.execute("UPDATE cluster SET removed = now() WHERE id = $1", cluster["id"])
        await _event(conn, caller, "CLUSTER.DELETE", f"Deleting cluster {cluster['name']}", "Cluster", cluster)


# ------------------------------------------------------------------------- hosts
def clean_tags(tags) -> list[str]:
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else tags
    out: list[str] = []
    for tag in items:
        tag = tag.strip()
        if tag and tag not in out:
            out.append(tag)
    return out


async def add_host(app, caller: Caller, *, zone, pod, cluster, hypervisor: str, url: str, username=None,
                   password=None, hosttags=None, allocationstate=None) -> int:
    kind = canonical(hypervisor)
    if kind is None:
        raise invalid_value(f"Unable to resolve {hypervisor} to a supported hypervisor type")
    if pod["zone_id"] != zone["id"] or cluster["pod_id"] != pod["id"]:
        raise invalid_value("Can't add host: the cluster does not belong to the given pod and zone")
    if cluster["hypervisor"] != kind:
        raise invalid_value(f"Can't add host whose hypervisor type is: {kind} into cluster: {cluster['uuid']} "
                            f"whose hypervisor type is: {cluster['hypervisor']}")
    if not has_driver(kind):
        raise invalid_value(f"No discoverer for hypervisor type {kind}; cloudsim runs Simulator hosts")
    driver = driver_for(app, kind)
    where = Location(zone["id"], pod["id"], cluster["id"], pod["start_ip"], pod["end_ip"])
    try:
        facts = await driver.connect(url, username, password, where)
    except DriverError as err:
        raise internal_error(f"Failed to add host {url}: {err}") from None
    try:
        async with app.db.transaction() as conn:
            host_id = await conn.fetchval(
                "INSERT INTO host (uuid, name, guid, status, resource_state, zone_id, pod_id, cluster_id, hypervisor, "
                "hypervisor_version, version, url, username, private_ip, cpu_sockets, cpus, speed, total_memory, "
                "local_storage, arch, capabilities, host_tags, implicit_tags, last_ping, mgmt_server_id) VALUES "
                "($1,$2,$3,'Up',$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24) "
                "RETURNING id",
                _uuid.uuid4(), facts.name, facts.guid, allocation_state(allocationstate), zone["id"], pod["id"],
                cluster["id"], kind, facts.hypervisor_version, "4.20.1.0", url, username, facts.private_ip,
                facts.cpu_sockets, facts.cpus, facts.speed, facts.memory, facts.local_storage, facts.arch,
                facts.capabilities, clean_tags(hosttags), ["GPU"] if facts.gpus else [], app.clock.now(), app.ms_id)
            for ctype, total in ((CAPACITY_MEMORY, facts.memory), (CAPACITY_CPU, facts.cpus * facts.speed),
                                 (CAPACITY_LOCAL_STORAGE, facts.local_storage), (CAPACITY_CPU_CORES, facts.cpus)):
                await conn.execute("INSERT INTO host_capacity (host_id, type, total) VALUES ($1, $2, $3)",
                                   host_id, ctype, total)
            for group in facts.gpus:
                for vgpu in group.vgpu_types:
                    await conn.execute(
                        "INSERT INTO host_gpu (host_id, group_name, vgpu_type, video_ram, max_heads, max_resolution_x, "
                        "max_resolution_y, max_vgpu_per_pgpu, remaining_capacity, max_capacity) "
                        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)", host_id, group.name, vgpu.name, vgpu.video_ram,
                        vgpu.max_heads, vgpu.max_resolution_x, vgpu.max_resolution_y, vgpu.max_vgpu_per_pgpu,
                        vgpu.remaining_capacity, vgpu.max_capacity)
            await _event(conn, caller, "HOST.CREATE", f"Adding host {facts.name}", "Host",
                         {"uuid": await conn.fetchval("SELECT uuid FROM host WHERE id = $1", host_id),
                          "name": facts.name})
    except BaseException:
        await driver.disconnect(facts.guid)       # nothing half-added stays behind
        raise
    await driver.attached(facts.guid, host_id)
    return host_id


async def delete_host(app, caller: Caller, host, forced: bool = False) -> None:
    if host["resource_state"] not in ("Maintenance", "Disabled") and not forced and host["status"] == "Up":
        raise invalid_value(f"Host {host['uuid']} cannot be deleted as it is not in maintenance mode. Either put "
                            "the host into maintenance or perform a forced deletion.")
    active = await app.db.fetchval(
        "SELECT count(*) FROM sim_vm v JOIN sim_host s ON s.id = v.sim_host_id WHERE s.guid = $1", host["guid"])
    if active and not forced:
        raise resource_in_use(f"Unable to delete host: {host['uuid']} as there are VMs running on it")
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE host SET removed = now(), status = 'Removed' WHERE id = $1", host["id"])
        await _event(conn, caller, "HOST.DELETE", f"Deleting host {host['name']}", "Host", host)
    if has_driver(host["hypervisor"]):
        await driver_for(app, host["hypervisor"]).disconnect(host["guid"])
