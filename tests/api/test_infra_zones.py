"""Zones, pods, clusters and simulator hosts over HTTP, as a root admin builds a cloud."""
import pytest

SIM_URL = "http://sim/c0/h0?cpucore=8&cpuspeed=2000&memory=17179869184"


async def build(cloud, networktype="Basic"):
    admin = cloud.admin
    zone = (await admin.ok("createZone", name="z1", networktype=networktype, dns1="8.8.8.8",
                           internaldns1="10.0.0.2"))["zone"]
    pod = (await admin.ok("createPod", name="p1", zoneid=zone["id"], gateway="172.16.0.1",
                          netmask="255.255.255.0", startip="172.16.0.10", endip="172.16.0.200"))["pod"]
    cluster = (await admin.ok("addCluster", clustername="c1", clustertype="CloudManaged", hypervisor="Simulator",
                              podid=pod["id"], zoneid=zone["id"]))["cluster"][0]
    return zone, pod, cluster


async def test_build_a_zone(cloud):
    zone, pod, cluster = await build(cloud)
    assert zone["networktype"] == "Basic" and zone["securitygroupsenabled"] is True
    assert zone["allocationstate"] == "Enabled" and zone["zonetoken"]
    assert pod["zonename"] == "z1" and pod["startip"] == ["172.16.0.10"]
    assert cluster["hypervisortype"] == "Simulator" and cluster["cpuovercommitratio"] == "1.0"
    listed = await cloud.admin.ok("listZones", id=zone["id"])
    assert listed["count"] == 1 and listed["zone"][0]["name"] == "z1"
    hosts = await cloud.admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                 hypervisor="Simulator", url=SIM_URL, hosttags="ssd,fast")
    host = hosts["host"][0]
    assert host["state"] == "Up" and host["resourcestate"] == "Enabled"
    assert host["cpunumber"] == 8 and host["cpuspeed"] == 2000 and host["memorytotal"] == 17179869184
    assert host["hosttags"] == "ssd,fast" and host["hypervisor"] == "Simulator"
    assert host["ipaddress"].startswith("172.16.0.") and host["cpuallocated"] == "0.00%"
    assert (await cloud.admin.ok("listHosts", clusterid=cluster["id"]))["count"] == 1


async def test_default_simulator_host_capacity(cloud):
    zone, pod, cluster = await build(cloud)
    host = (await cloud.admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                 hypervisor="Simulator", url="http://sim/c0/h1"))["host"][0]
    assert (host["cpunumber"], host["cpuspeed"], host["memorytotal"]) == (4, 8000, 8 * 1024 ** 3)


async def test_users_see_enabled_zones_only_and_no_admin_fields(cloud):
    zone, _, _ = await build(cloud)
    user = await cloud.user()
    seen = (await user.ok("listZones"))["zone"]
    assert [z["id"] for z in seen] == [zone["id"]]
    assert "internaldns1" not in seen[0]
    await cloud.admin.ok("updateZone", id=zone["id"], allocationstate="Disabled")
    assert await user.ok("listZones") == {}
    denied = await user.call("createZone", name="z2", networktype="Basic", dns1="8.8.8.8", internaldns1="10.0.0.2")
    assert denied.status == 432
    assert (await user.call("listHosts")).status == 432


@pytest.mark.parametrize("params,text", [
    ({"networktype": "Weird"}, "Invalid network type"),
    ({"dns1": "not-an-ip"}, "Please enter a valid IP address for DNS1"),
])
async def test_invalid_zone_values(cloud, params, text):
    base = dict(name="bad", networktype="Basic", dns1="8.8.8.8", internaldns1="10.0.0.2")
    reply = await cloud.admin.call("createZone", **{**base, **params})
    assert reply.status == 431 and reply["cserrorcode"] == 4350
    assert text in reply["errortext"]
    assert await cloud.admin.ok("listZones") == {}


async def test_duplicate_names_and_deletion_order(cloud):
    zone, pod, cluster = await build(cloud)
    again = await cloud.admin.call("createZone", name="Z1", networktype="Basic", dns1="8.8.8.8",
                                   internaldns1="10.0.0.2")
    assert again.status == 431 and "already exists" in again["errortext"]
    in_use = await cloud.admin.call("deleteZone", id=zone["id"])
    assert in_use.status == 536
    in_use = await cloud.admin.call("deletePod", id=pod["id"])
    assert in_use.status == 536
    assert (await cloud.admin.ok("deleteCluster", id=cluster["id"]))["success"] is True
    assert (await cloud.admin.ok("deletePod", id=pod["id"]))["success"] is True
    assert (await cloud.admin.ok("deleteZone", id=zone["id"]))["success"] is True
    assert await cloud.admin.ok("listZones") == {}


async def test_disable_cluster_and_host(cloud):
    zone, pod, cluster = await build(cloud)
    updated = await cloud.admin.ok("updateCluster", id=cluster["id"], allocationstate="Disabled")
    assert updated["cluster"]["allocationstate"] == "Disabled"
    host = (await cloud.admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                 hypervisor="Simulator", url=SIM_URL))["host"][0]
    disabled = await cloud.admin.ok("updateHost", id=host["id"], allocationstate="Disable", hosttags="gpu")
    assert disabled["host"]["resourcestate"] == "Disabled" and disabled["host"]["hosttags"] == "gpu"
    bad = await cloud.admin.call("updateHost", id=host["id"], allocationstate="Sideways")
    assert bad.status == 431


async def test_host_maintenance_and_removal(cloud):
    zone, pod, cluster = await build(cloud)
    host = (await cloud.admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                 hypervisor="Simulator", url=SIM_URL))["host"][0]
    refused = await cloud.admin.call("deleteHost", id=host["id"])
    assert refused.status == 431 and "maintenance" in refused["errortext"]
    job = await cloud.admin.run("prepareHostForMaintenance", id=host["id"])
    assert job["jobstatus"] == 1 and job["jobresult"]["host"]["resourcestate"] == "Maintenance"
    twice = await cloud.admin.call("prepareHostForMaintenance", id=host["id"])
    assert twice.status == 431
    job = await cloud.admin.run("cancelHostMaintenance", id=host["id"])
    assert job["jobresult"]["host"]["resourcestate"] == "Enabled"
    await cloud.admin.run("prepareHostForMaintenance", id=host["id"])
    assert (await cloud.admin.ok("deleteHost", id=host["id"]))["success"] is True
    assert await cloud.admin.ok("listHosts") == {}
    # The same simulated host can be added again once removed.
    again = await cloud.admin.call("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                   hypervisor="Simulator", url=SIM_URL)
    assert again.status == 200


async def test_host_in_a_cluster_of_another_hypervisor_is_refused(cloud):
    zone, pod, _ = await build(cloud)
    kvm = (await cloud.admin.ok("addCluster", clustername="k", clustertype="CloudManaged", hypervisor="KVM",
                                podid=pod["id"], zoneid=zone["id"]))["cluster"][0]
    reply = await cloud.admin.call("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=kvm["id"],
                                   hypervisor="Simulator", url=SIM_URL)
    assert reply.status == 431 and "hypervisor type" in reply["errortext"]
    assert await cloud.admin.ok("listHosts") == {}


async def test_gpu_host_reports_its_vgpu_types(cloud):
    zone, pod, cluster = await build(cloud)
    host = (await cloud.admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                 hypervisor="Simulator", url="http://sim/gpu/h0?gpu=k1"))["host"][0]
    groups = host["gpugroup"]
    assert [g["gpugroupname"] for g in groups] == ["GRID K1"]
    assert {v["vgputype"] for v in groups[0]["vgpu"]} >= {"GRID K120Q"}
    assert all(v["remainingcapacity"] == v["maxcapacity"] > 0 for v in groups[0]["vgpu"])
    assert "GPU" in host["hosttags"]


async def test_bad_simulator_url_adds_nothing(cloud):
    zone, pod, cluster = await build(cloud)
    reply = await cloud.admin.call("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                                   hypervisor="Simulator", url="http://sim/c0/h0?cpucore=-3")
    assert reply.status == 530 and "cpucore" in reply["errortext"]
    assert await cloud.admin.ok("listHosts") == {}
