"""Ansible's ngine_io.cloudstack modules build a zone, offerings, a template and an ISO on cloudsim,
and a second run changes nothing."""
from tests.api.test_isos import ISO, files  # noqa: F401  (fixture: a local web server with a real ISO)
from tests.clients.ansible_support import playbook

CS = "ngine_io.cloudstack."


def twice(name: str, module: str, args: dict) -> list[dict]:
    task = {CS + module: args}
    return [{"name": name, **task}, {"name": name + " again", **task}]


async def test_build_a_zone_with_ansible(cloud, tmp_path):
    tasks = (twice("zone", "cs_zone", {"name": "ans-zone", "network_type": "Basic", "dns1": "8.8.8.8",
                                       "internal_dns1": "10.0.0.2"})
             + twice("pod", "cs_pod", {"name": "ans-pod", "zone": "ans-zone", "gateway": "172.20.0.1",
                                       "netmask": "255.255.255.0", "start_ip": "172.20.0.10",
                                       "end_ip": "172.20.0.100"})
             + twice("cluster", "cs_cluster", {"name": "ans-cluster", "zone": "ans-zone", "pod": "ans-pod",
                                               "hypervisor": "Simulator", "cluster_type": "CloudManaged"})
             + twice("host", "cs_host", {"name": "172.20.0.10", "url": "http://sim/ans/h0",
                                         "zone": "ans-zone", "pod": "ans-pod", "cluster": "ans-cluster",
                                         "hypervisor": "Simulator", "host_tags": ["ssd"],
                                         "username": "root", "password": "password"})
             + twice("offering", "cs_service_offering", {"name": "ans-small", "display_text": "small",
                                                         "cpu_number": 1, "cpu_speed": 500, "memory": 512,
                                                         "offer_ha": True})
             + [{"name": "zone facts", CS + "cs_zone_info": {"zone": "ans-zone"}}])
    results = await playbook(cloud.admin, tmp_path, tasks)
    for name, result in results.items():
        assert not result.get("failed"), (name, result.get("msg"))
    # The simulator names hosts SimulatedAgent.<guid> (as CloudStack's does), so the play names the
    # host by its address, the first of the pod's range, which cs_host also matches on.
    for name in ("zone", "pod", "cluster", "host", "offering"):
        assert results[name]["changed"] is True, name
        assert results[name + " again"]["changed"] is False, name
    assert results["zone"]["network_type"] == "Basic"
    assert results["cluster"]["hypervisor"] == "Simulator"
    assert results["offering"]["offer_ha"] is True and results["offering"]["memory"] == 512
    assert results["zone facts"]["zones"][0]["name"] == "ans-zone"
    hosts = (await cloud.admin.ok("listHosts"))["host"]
    assert len(hosts) == 1 and hosts[0]["hosttags"] == "ssd"


async def test_register_template_and_iso_with_ansible(cloud, tmp_path, files):  # noqa: F811
    base, _ = files
    zone = (await cloud.admin.ok("createZone", name="z-ans", networktype="Basic", dns1="8.8.8.8",
                                 internaldns1="10.0.0.2"))["zone"]
    user = await cloud.user()
    tasks = (twice("template", "cs_template", {"name": "ans-tpl", "url": "http://images.example/t.qcow2",
                                               "format": "QCOW2", "hypervisor": "Simulator", "zone": "z-ans",
                                               "os_type": "CentOS 5.6 (64-bit)", "display_text": "tpl"})
             + twice("iso", "cs_iso", {"name": "ans-iso", "url": f"{base}/good.iso", "zone": "z-ans",
                                       "os_type": "Other (64-bit)", "is_ready": True})
             + [{"name": "drop iso", CS + "cs_iso": {"name": "ans-iso", "zone": "z-ans", "state": "absent"}}])
    results = await playbook(user, tmp_path, tasks)
    for name, result in results.items():
        assert not result.get("failed"), (name, result.get("msg"))
    assert results["template"]["changed"] is True and results["template again"]["changed"] is False
    assert results["template"]["zone"] == zone["name"]
    assert results["iso"]["changed"] is True and results["iso again"]["changed"] is False
    assert results["drop iso"]["changed"] is True
    assert await user.ok("listIsos", isofilter="self") == {}
