"""Guest networks, IP ranges, security groups, capacity, heartbeats and simulator fault injection."""
import uuid

from cloudsim.core import network
from cloudsim.core.agents import ping_hosts
from cloudsim.hypervisors import VmSpec, driver_for
from tests.api.test_infra_zones import SIM_URL, build


async def test_basic_zone_network_and_ranges(cloud):
    zone, pod, _ = await build(cloud)
    caps = await cloud.admin.ok("listCapabilities")
    assert caps["capability"]["securitygroupsenabled"] is True
    user = await cloud.user()
    networks = (await user.ok("listNetworks", zoneid=zone["id"]))["network"]
    assert len(networks) == 1 and networks[0]["type"] == "Shared" and networks[0]["zonename"] == "z1"
    assert "SecurityGroup" in [s["name"] for s in networks[0]["service"]]
    made = (await cloud.admin.ok("createVlanIpRange", zoneid=zone["id"], podid=pod["id"], gateway="10.2.0.1",
                                 netmask="255.255.255.0", startip="10.2.0.10", endip="10.2.0.19",
                                 forvirtualnetwork="false"))["vlan"]
    assert made["startip"] == "10.2.0.10" and made["cidr"] == "10.2.0.0/24" and made["networkid"] == networks[0]["id"]
    overlap = await cloud.admin.call("createVlanIpRange", zoneid=zone["id"], podid=pod["id"], gateway="10.2.0.1",
                                     netmask="255.255.255.0", startip="10.2.0.15", endip="10.2.0.30",
                                     forvirtualnetwork="false")
    assert overlap.status == 431 and "overlap" in overlap["errortext"]
    outside = await cloud.admin.call("createVlanIpRange", zoneid=zone["id"], gateway="10.2.0.1",
                                     netmask="255.255.255.0", startip="10.3.0.1", endip="10.3.0.5")
    assert outside.status == 431
    assert (await cloud.admin.ok("listVlanIpRanges", zoneid=zone["id"]))["count"] == 1
    assert (await user.call("listVlanIpRanges")).status == 432
    # The allocator hands out addresses in order and refuses with 533 when the range is spent.
    zone_id = await cloud.app.db.fetchval("SELECT id FROM zone WHERE uuid = $1", uuid.UUID(zone["id"]))
    async with cloud.app.db.transaction() as conn:
        got = [await network.allocate_ip(conn, zone_id=zone_id, network_id=None, vm_id=n, account_id=2, domain_id=1)
               for n in range(10)]
        spent = None
        try:
            await network.allocate_ip(conn, zone_id=zone_id, network_id=None, vm_id=11, account_id=2, domain_id=1)
        except Exception as err:
            spent = err
    assert spent is not None and spent.code == 533
    assert [g["address"] for g in got] == [f"10.2.0.{i}" for i in range(10, 20)]
    full = await cloud.admin.call("deleteVlanIpRange", id=made["id"])
    assert full.status == 431
    async with cloud.app.db.transaction() as conn:
        for n in range(10):
            await network.release_ips(conn, n)
    assert (await cloud.admin.ok("deleteVlanIpRange", id=made["id"]))["success"] is True


async def test_default_security_group(cloud):
    user = await cloud.user()
    groups = (await user.ok("listSecurityGroups"))["securitygroup"]
    assert [g["name"] for g in groups] == ["default"] and groups[0]["account"] == user.account["name"]
    assert (await user.ok("listSecurityGroups"))["count"] == 1


async def test_capacity_follows_simulator_reports(cloud):
    zone, pod, cluster = await build(cloud)
    host = (await cloud.admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                 hypervisor="Simulator", url=SIM_URL))["host"][0]
    capacity = (await cloud.admin.ok("listCapacity", zoneid=zone["id"]))["capacity"]
    by_type = {c["type"]: c for c in capacity}
    assert by_type[1]["capacitytotal"] == 8 * 2000 and by_type[0]["capacitytotal"] == 17179869184
    assert by_type[1]["zonename"] == "z1" and by_type[1]["percentused"] == "0.00"
    driver = driver_for(cloud.app, "Simulator")
    guid = (await cloud.app.db.fetchrow("SELECT guid FROM host WHERE uuid = $1", uuid.UUID(host["id"])))[0]
    await driver.start(guid, VmSpec(name="i-2-99-VM", cpus=2, speed=2000, memory=2 * 1024 ** 3))
    assert await ping_hosts(cloud.app) == 1
    after = (await cloud.admin.ok("listHosts", id=host["id"]))["host"][0]
    assert after["memoryused"] == 2 * 1024 ** 3 and after["cpuused"] != "0.00%"
    assert after["networkkbsread"] == 32768 and after["lastpinged"]


async def test_fault_injection_counts_down_and_cleans_up(cloud):
    zone, pod, cluster = await build(cloud)
    host = (await cloud.admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                 hypervisor="Simulator", url=SIM_URL))["host"][0]
    mock = (await cloud.admin.ok("configureSimulator", name="StartCommand", value="result:fail", count=2,
                                 hostid=host["id"]))["simulatormock"]
    assert mock["name"] == "StartCommand" and mock["count"] == 2
    driver = driver_for(cloud.app, "Simulator")
    guid = await cloud.app.db.fetchval("SELECT guid FROM host WHERE uuid = $1", uuid.UUID(host["id"]))
    spec = VmSpec(name="i-2-7-VM", cpus=1, speed=500, memory=512 * 1024 ** 2)
    failures = 0
    for _ in range(3):
        try:
            await driver.start(guid, spec)
        except Exception as err:
            assert "Simulated failure" in str(err)
            failures += 1
    assert failures == 2
    left = (await cloud.admin.ok("querySimulatorMock", id=mock["id"]))["simulatormock"]
    assert left["count"] == 0
    assert (await cloud.admin.ok("cleanupSimulatorMock", id=mock["id"]))["success"] is True
    gone = await cloud.admin.call("querySimulatorMock", id=mock["id"])
    assert gone.status == 431
    user = await cloud.user()
    assert (await user.call("configureSimulator", name="StartCommand", value="result:fail")).status == 432


async def test_silent_host_and_guest_shutdown(cloud):
    zone, pod, cluster = await build(cloud)
    host = (await cloud.admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                 hypervisor="Simulator", url=SIM_URL))["host"][0]
    before = (await cloud.admin.ok("listHosts", id=host["id"]))["host"][0]["lastpinged"]
    cloud.app.clock.advance(120)
    silent = await cloud.admin.ok("configureSimulatorHost", hostid=host["id"], responsive="false")
    assert silent["host"]["lastpinged"] == before          # no heartbeat arrived
    awake = await cloud.admin.ok("configureSimulatorHost", hostid=host["id"], responsive="true")
    assert awake["host"]["lastpinged"] > before
    driver = driver_for(cloud.app, "Simulator")
    guid = await cloud.app.db.fetchval("SELECT guid FROM host WHERE uuid = $1", uuid.UUID(host["id"]))
    await driver.start(guid, VmSpec(name="i-2-8-VM", cpus=1, speed=500, memory=512 * 1024 ** 2))
    assert (await cloud.admin.ok("simulateGuestShutdown", name="i-2-8-VM"))["success"] is True
    assert (await driver.vm("i-2-8-VM"))["power_state"] == "PowerOff"
    again = await cloud.admin.call("simulateGuestShutdown", name="i-2-8-VM")
    assert again.status == 431
