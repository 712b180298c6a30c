"""deleteAccount takes the account's VMs (expunged, capacity and addresses back), key pairs, user
data, affinity groups, tags and elastic IPs with it."""
from __future__ import annotations

from tests.api.vm_helpers import deployed, sim, vm_of  # noqa: F401


async def _used_memory(api) -> int:
    hosts = (await api.ok("listHosts", type="Routing"))["host"]
    return sum(h["memoryallocated"] for h in hosts)


async def test_delete_account_cleans_up(sim):
    before = await _used_memory(sim.admin)
    user = await sim.user("User")
    await user.ok("createSSHKeyPair", name="gone-key")
    await user.ok("registerUserData", name="gone-data", userdata="IyEvYmluL3NoCmVjaG8gaGk=")
    await user.run("createAffinityGroup", name="gone-ag", type="host anti-affinity")
    running = await deployed(sim, user, affinitygroupnames="gone-ag")
    stopped = await deployed(sim, user, startvm="false")
    await user.run("createTags", resourceids=running["id"], resourcetype="UserVm",
                   **{"tags[0].key": "k", "tags[0].value": "v"})
    elastic = (await user.run("associateIpAddress", zoneid=sim.zone["id"]))["jobresult"]["ipaddress"]
    assert await _used_memory(sim.admin) > before

    job = await sim.admin.run("deleteAccount", id=user.account["id"])
    assert job["jobstatus"] == 1, job
    for vm in (running, stopped):
        assert await vm_of(sim.admin, vm["id"]) is None
    assert await _used_memory(sim.admin) == before
    assert (await sim.admin.ok("listSSHKeyPairs", listall="true", name="gone-key")) == {}
    assert (await sim.admin.ok("listUserData", listall="true", name="gone-data")) == {}
    assert (await sim.admin.ok("listAffinityGroups", listall="true", name="gone-ag")) == {}
    assert (await sim.admin.ok("listTags", listall="true", key="k")) == {}
    ip = (await sim.admin.ok("listPublicIpAddresses", id=elastic["id"], allocatedonly="false"))["publicipaddress"]
    assert ip[0]["state"] == "Free"
    volumes = (await sim.admin.ok("listVolumes", listall="true")).get("volume", [])
    assert [v for v in volumes if v.get("account") == user.account["name"]] == []
