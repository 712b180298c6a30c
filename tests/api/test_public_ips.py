"""Public IPs in the demo Basic zone, which runs elastic IP: system IPs follow running VMs, elastic
IPs are taken, NATed, unmapped and released, and every wrong use answers CloudStack's error."""
from __future__ import annotations

from tests.api.vm_helpers import deployed, sim, vm_of  # noqa: F401


async def _public(api, **filters) -> list[dict]:
    return (await api.ok("listPublicIpAddresses", **filters)).get("publicipaddress", [])


async def _associate(cloud, api) -> dict:
    submitted = await api.call("associateIpAddress", zoneid=cloud.zone["id"])
    assert submitted.status == 200, submitted.body
    job = await api.wait_job(submitted["jobid"])
    assert job["jobstatus"] == 1, job
    ip = job["jobresult"]["ipaddress"]
    assert ip["id"] == submitted["id"]
    return ip


async def test_a_running_vm_holds_a_system_ip_until_it_stops(sim):
    vm = await deployed(sim, name="eip-1")
    assert vm["publicip"].startswith("172.30.0.")
    [ip] = await _public(sim.admin, ipaddress=vm["publicip"])
    assert ip["issystem"] is True and ip["isstaticnat"] is True and ip["purpose"] == "StaticNat"
    assert ip["virtualmachineid"] == vm["id"] and ip["vmipaddress"] == vm["nic"][0]["ipaddress"]
    assert ip["state"] == "Allocated" and ip["forvirtualnetwork"] is True
    assert ip["associatednetworkid"] == vm["nic"][0]["networkid"]

    job = await sim.admin.wait_job((await sim.admin.ok("stopVirtualMachine", id=vm["id"]))["jobid"])
    stopped = job["jobresult"]["virtualmachine"]
    assert "publicip" not in stopped
    assert await _public(sim.admin, ipaddress=vm["publicip"]) == []
    free = await _public(sim.admin, ipaddress=vm["publicip"], allocatedonly="false")
    assert free[0]["state"] == "Free" and "account" not in free[0]

    job = await sim.admin.wait_job((await sim.admin.ok("startVirtualMachine", id=vm["id"]))["jobid"])
    assert job["jobresult"]["virtualmachine"]["publicip"].startswith("172.30.0.")


async def test_system_ip_cannot_be_released(sim):
    vm = await deployed(sim)
    [ip] = await _public(sim.admin, ipaddress=vm["publicip"])
    refused = await sim.admin.call("disassociateIpAddress", id=ip["id"])
    assert refused.status == 431 and refused.body["cserrorcode"] == 4350
    assert "Can't release system IP address" in refused.body["errortext"]


async def test_elastic_ip_replaces_the_system_ip_and_comes_back(sim):
    user = await sim.user("User")
    vm = await deployed(sim, user, name="eip-user")
    system_ip = vm["publicip"]
    elastic = await _associate(sim, user)
    assert elastic["issystem"] is False and elastic["isstaticnat"] is False and elastic["state"] == "Allocated"
    assert elastic["account"] == user.account["name"] and "vlanid" not in elastic      # vlanid: root admin only
    assert elastic["ipaddress"] != system_ip

    assert (await user.ok("enableStaticNat", ipaddressid=elastic["id"], virtualmachineid=vm["id"]))["success"] is True
    now = await vm_of(user, vm["id"])
    assert now["publicip"] == elastic["ipaddress"] and now["publicipid"] == elastic["id"]
    # The original, non-elastic address went back to the pool.
    assert await _public(user, ipaddress=system_ip) == []
    [mapped] = await _public(user, id=elastic["id"])
    assert mapped["isstaticnat"] is True and mapped["virtualmachineid"] == vm["id"]
    assert [i["id"] for i in await _public(user, isstaticnat="true")] == [elastic["id"]]

    # Disabling static NAT: the VM gets a fresh system IP; the elastic IP stays the account's.
    job = await user.wait_job((await user.ok("disableStaticNat", ipaddressid=elastic["id"]))["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"]["success"] is True
    again = await vm_of(user, vm["id"])
    assert again["publicip"] not in (None, elastic["ipaddress"])
    [kept] = await _public(user, id=elastic["id"])
    assert kept["isstaticnat"] is False and "virtualmachineid" not in kept and kept["state"] == "Allocated"

    refused = await user.call("disableStaticNat", ipaddressid=elastic["id"])
    assert refused.status == 431 and "One to one nat is not enabled" in refused.body["errortext"]

    job = await user.wait_job((await user.ok("disassociateIpAddress", id=elastic["id"]))["jobid"])
    assert job["jobstatus"] == 1
    assert await _public(user, id=elastic["id"]) == []
    events = (await user.ok("listEvents", type="NET.IPRELEASE")).get("event", [])
    assert any(e["state"] == "Completed" for e in events)


async def test_releasing_a_mapped_elastic_ip_gives_the_vm_a_system_ip(sim):
    vm = await deployed(sim)
    elastic = await _associate(sim, sim.admin)
    await sim.admin.ok("enableStaticNat", ipaddressid=elastic["id"], virtualmachineid=vm["id"])
    job = await sim.admin.wait_job((await sim.admin.ok("disassociateIpAddress", id=elastic["id"]))["jobid"])
    assert job["jobstatus"] == 1
    now = await vm_of(sim.admin, vm["id"])
    assert now["publicip"] and now["publicip"] != elastic["ipaddress"]


async def test_expunge_releases_system_ip_and_keeps_elastic(sim):
    vm = await deployed(sim)
    other = await deployed(sim)
    elastic = await _associate(sim, sim.admin)
    await sim.admin.ok("enableStaticNat", ipaddressid=elastic["id"], virtualmachineid=vm["id"])
    await sim.admin.wait_job((await sim.admin.ok("destroyVirtualMachine", id=vm["id"], expunge="true"))["jobid"])
    [kept] = await _public(sim.admin, id=elastic["id"])
    assert kept["state"] == "Allocated" and kept["isstaticnat"] is False
    # Now map it to the other VM, whose system IP is then released.
    await sim.admin.ok("enableStaticNat", ipaddressid=elastic["id"], virtualmachineid=other["id"])
    assert (await vm_of(sim.admin, other["id"]))["publicip"] == elastic["ipaddress"]


async def test_no_public_ip_when_the_zone_says_so(sim):
    await sim.admin.ok("updateConfiguration", name="eip.associate.public.ip", value="false", zoneid=sim.zone["id"])
    vm = await deployed(sim)
    assert "publicip" not in vm
    assert await _public(sim.admin, isstaticnat="true") == []
    # An elastic IP can still be taken and mapped by hand.
    elastic = await _associate(sim, sim.admin)
    await sim.admin.ok("enableStaticNat", ipaddressid=elastic["id"], virtualmachineid=vm["id"])
    assert (await vm_of(sim.admin, vm["id"]))["publicip"] == elastic["ipaddress"]


async def test_errors(sim):
    user = await sim.user("User")
    other = await sim.user("User")
    vm = await deployed(sim, user)
    elastic = await _associate(sim, user)

    no_zone = await user.call("associateIpAddress")
    assert no_zone.status == 431 and "Please specify either zoneId" in no_zone.body["errortext"]
    bad_zone = await user.call("associateIpAddress", zoneid="6f1f1b2e-1c1c-4c4c-9c9c-000000000000")
    assert bad_zone.status == 431
    portable = await user.call("associateIpAddress", zoneid=sim.zone["id"], isportable="true")
    assert portable.status == 431
    display = await user.call("associateIpAddress", zoneid=sim.zone["id"], fordisplay="false")
    assert display.status == 531

    # Another account's address or VM.
    stranger = await other.call("enableStaticNat", ipaddressid=elastic["id"], virtualmachineid=vm["id"])
    assert stranger.status == 531 and stranger.body["cserrorcode"] == 4365
    assert (await other.call("disassociateIpAddress", id=elastic["id"])).status == 531
    assert (await other.call("disableStaticNat", ipaddressid=elastic["id"])).status == 531
    assert await _public(other) == []
    mine = await _associate(sim, other)
    cross = await other.call("enableStaticNat", ipaddressid=mine["id"], virtualmachineid=vm["id"])
    assert cross.status == 531

    missing = await user.call("enableStaticNat", ipaddressid=elastic["id"])
    assert missing.status == 431 and missing.body["cserrorcode"] == 9999
    unknown = await user.call("disassociateIpAddress", id="6f1f1b2e-1c1c-4c4c-9c9c-000000000000")
    assert unknown.status == 431
    wrong_guest_ip = await user.call("enableStaticNat", ipaddressid=elastic["id"], virtualmachineid=vm["id"],
                                     vmguestip="10.9.9.9")
    assert wrong_guest_ip.status == 431 and "not belongs to the vm" in wrong_guest_ip.body["errortext"]
    bad_state = await user.call("listPublicIpAddresses", state="Sleeping")
    assert bad_state.status == 431

    # Taking one particular address: free works once, then it is taken.
    free = (await _public(sim.admin, allocatedonly="false", state="Free", forvirtualnetwork="true"))[0]["ipaddress"]
    submitted = await user.call("associateIpAddress", zoneid=sim.zone["id"], ipaddress=free)
    assert (await user.wait_job(submitted["jobid"]))["jobresult"]["ipaddress"]["ipaddress"] == free
    taken = await user.call("associateIpAddress", zoneid=sim.zone["id"], ipaddress=free)
    assert taken.status == 431


async def test_rule_lists_answer_empty_and_check_access(sim):
    user = await sim.user("User")
    elastic = await _associate(sim, user)
    for command, key in (("listFirewallRules", "firewallrule"), ("listPortForwardingRules", "portforwardingrule"),
                         ("listIpForwardingRules", "ipforwardingrule")):
        body = await user.ok(command, ipaddressid=elastic["id"])
        assert body == {} or body.get("count", 0) == 0, (command, body)
        other = await sim.user("User")
        assert (await other.call(command, ipaddressid=elastic["id"])).status == 531


async def test_guest_addresses_are_listed_only_when_asked_for(sim):
    """searchForIPAddresses takes VirtualNetwork ranges unless forvirtualnetwork=false: a Basic zone
    VM's guest address is not one of its public IPs (Libcloud counts whatever is listed as public)."""
    user = await sim.user()
    stopped = await deployed(sim, user, startvm="false")
    running = await deployed(sim, user)
    listed = await _public(user)
    assert [(ip["ipaddress"], ip["virtualmachineid"]) for ip in listed] == [(running["publicip"], running["id"])]
    guest = await _public(user, forvirtualnetwork="false")
    assert sorted(ip["ipaddress"] for ip in guest) == sorted(vm["nic"][0]["ipaddress"] for vm in (stopped, running))
