"""Changing a VM's compute offering (stopped, or live while it runs) and resetting its user data."""
from __future__ import annotations

import base64

from tests.api.vm_helpers import deployed, sim, vm_of  # noqa: F401

MIB = 1024 * 1024


async def _host(api, host_id) -> dict:
    return (await api.ok("listHosts", id=host_id))["host"][0]


async def _offering(sim, name: str, **params) -> dict:
    body = await sim.admin.ok("createServiceOffering", name=name, displaytext=name, **params)
    return body["serviceoffering"]


async def _custom(sim, name: str = "Custom", **limits) -> dict:
    return await _offering(sim, name, customized="true", **limits)


async def _stopped(sim, api=None, **params) -> dict:
    vm = await deployed(sim, api, **params)
    await (api or sim.admin).run("stopVirtualMachine", id=vm["id"])
    return vm


async def _live_scaling(sim) -> None:
    """The zone allows live scaling and the demo template carries the tools for it."""
    await sim.admin.ok("updateConfiguration", name="enable.dynamic.scale.vm", value="true", zoneid=sim.zone["id"])
    await sim.admin.ok("updateTemplate", id=sim.template["id"], isdynamicallyscalable="true")


def _medium(sim) -> str:
    return sim.offerings["Medium Instance"]["id"]


def _custom_values(**values) -> dict:
    return {f"details[0].{k}": str(v) for k, v in values.items()}


async def _fill(sim, host_id: str, memory: int) -> dict:
    """A VM on that host taking `memory` MiB of it."""
    filler = sim.offerings.get("Filler") or await _custom(sim, "Filler")
    sim.offerings["Filler"] = filler
    return await deployed(sim, serviceofferingid=filler["id"], hostid=host_id,
                          **_custom_values(cpuNumber=1, cpuSpeed=100, memory=memory))


async def _partner(sim, host_id: str) -> str:
    """The other host of that host's cluster (the demo zone has two per cluster)."""
    host = await _host(sim.admin, host_id)
    hosts = (await sim.admin.ok("listHosts", clusterid=host["clusterid"], type="Routing"))["host"]
    return next(h["id"] for h in hosts if h["id"] != host_id)


# ------------------------------------------------------------------------- changeServiceForVirtualMachine
async def test_a_stopped_vm_takes_the_new_offering_and_starts_with_it(sim):
    vm = await _stopped(sim)
    medium = sim.offerings["Medium Instance"]
    changed = (await sim.admin.ok("changeServiceForVirtualMachine", id=vm["id"],
                                  serviceofferingid=medium["id"]))["virtualmachine"]
    assert changed["serviceofferingid"] == medium["id"] and changed["serviceofferingname"] == "Medium Instance"
    assert (changed["cpunumber"], changed["cpuspeed"], changed["memory"]) == (1, 1000, 1024)
    assert changed["state"] == "Stopped"
    assert (await vm_of(sim.admin, vm["id"]))["memory"] == 1024
    events = (await sim.admin.ok("listEvents", type="VM.UPGRADE", listall="true"))["event"]
    assert any(vm["id"] in e["description"] for e in events)
    job = await sim.admin.run("startVirtualMachine", id=vm["id"])
    assert job["jobstatus"] == 1
    host = job["jobresult"]["virtualmachine"]["hostid"]
    assert (await _host(sim.admin, host))["memoryallocated"] == 1024 * MIB


async def test_the_ha_flag_follows_the_offering(sim):
    vm = await _stopped(sim)
    assert vm["haenable"] is False
    ha = sim.offerings["Small Instance HA"]
    changed = (await sim.admin.ok("changeServiceForVirtualMachine", id=vm["id"],
                                  serviceofferingid=ha["id"]))["virtualmachine"]
    assert changed["haenable"] is True
    changed = (await sim.admin.ok("changeServiceForVirtualMachine", id=vm["id"],
                                  serviceofferingid=sim.small["id"]))["virtualmachine"]
    assert changed["haenable"] is False


async def test_a_user_changes_the_offering_of_their_own_vm(sim):
    user = await sim.user()
    vm = await _stopped(sim, user)
    medium = sim.offerings["Medium Instance"]
    changed = (await user.ok("changeServiceForVirtualMachine", id=vm["id"],
                             serviceofferingid=medium["id"]))["virtualmachine"]
    assert changed["serviceofferingid"] == medium["id"]
    other = await sim.user()
    denied = await other.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=sim.small["id"])
    assert denied.status == 531


async def test_change_service_refusals(sim):
    vm = await deployed(sim)
    medium = sim.offerings["Medium Instance"]
    running = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=medium["id"])
    assert running.status == 431
    assert "in state Running; make sure the virtual machine is stopped" in running["errortext"]
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    same = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=sim.small["id"])
    assert same.status == 431 and "already has the requested service offering (Small Instance)" in same["errortext"]
    unknown = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"],
                                   serviceofferingid="3f1c1c4e-0000-4000-8000-000000000000")
    assert unknown.status == 431
    missing = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"])
    assert missing.status == 431 and "missing parameter serviceofferingid" in missing["errortext"]
    system = await _offering(sim, "Router", cpunumber=1, cpuspeed=500, memory=256, issystem="true",
                             systemvmtype="domainrouter")
    refused = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=system["id"])
    assert refused.status == 431 and "isSystem property is different" in refused["errortext"]
    local = await _offering(sim, "Local", cpunumber=1, cpuspeed=500, memory=1024, storagetype="local")
    refused = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=local["id"])
    assert refused.status == 431 and "target offering use local storage" in refused["errortext"]
    strict = await _offering(sim, "Strict", cpunumber=1, cpuspeed=500, memory=1024, diskofferingstrictness="true")
    refused = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=strict["id"])
    assert refused.status == 431 and "disk offering strictness flag is not same" in refused["errortext"]
    # Nothing changed.
    assert (await vm_of(sim.admin, vm["id"]))["serviceofferingid"] == sim.small["id"]


async def test_an_offering_of_another_domain_is_refused(sim):
    elsewhere = (await sim.admin.ok("createDomain", name="elsewhere"))["domain"]
    user = await sim.user()
    vm = await _stopped(sim, user)
    private = await _offering(sim, "Private", cpunumber=1, cpuspeed=500, memory=1024)
    await sim.admin.ok("updateServiceOffering", id=private["id"], domainid=elsewhere["id"])
    refused = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=private["id"])
    assert refused.status == 531 and "There's no way to confirm" in refused["errortext"]


async def test_custom_offerings_need_values_within_their_bounds(sim):
    vm = await _stopped(sim)
    custom = await _custom(sim, mincpunumber=1, maxcpunumber=4, minmemory=256, maxmemory=4096)
    change = dict(id=vm["id"], serviceofferingid=custom["id"])
    cases = [({}, "Need to specify custom parameter values cpu, cpu speed and memory"),
             (dict(cpuNumber=8, cpuSpeed=1000, memory=1024),
              "Invalid cpu cores value, specify a value between 1 and 4"),
             (dict(cpuNumber=2, cpuSpeed=0, memory=1024), "Invalid cpu speed value"),
             (dict(cpuNumber=2, cpuSpeed=1000, memory=8192),
              "Invalid memory value, specify a value between 256 and 4096"),
             (dict(cpuNumber="two", cpuSpeed=1000, memory=1024), "Invalid cpu cores value")]
    for values, text in cases:
        reply = await sim.admin.call("changeServiceForVirtualMachine", **change, **_custom_values(**values))
        assert reply.status == 431 and text in reply["errortext"], (values, reply)
    changed = (await sim.admin.ok("changeServiceForVirtualMachine", **change,
                                  **_custom_values(cpuNumber=2, cpuSpeed=1000, memory=2048)))["virtualmachine"]
    assert (changed["cpunumber"], changed["cpuspeed"], changed["memory"]) == (2, 1000, 2048)
    assert changed["details"]["cpuNumber"] == "2" and changed["details"]["memory"] == "2048"
    # An offering fixing some values refuses custom ones for them.
    speed_fixed = await _custom(sim, "Speed fixed", cpuspeed=1000)
    refused = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=speed_fixed["id"],
                                   **_custom_values(cpuNumber=2, cpuSpeed=2000, memory=1024))
    assert refused.status == 431 and "is not customizable" in refused["errortext"]
    # Back on a fixed offering (whose values are its own), the custom values are dropped.
    back = (await sim.admin.ok("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=sim.small["id"],
                               **_custom_values(cpuNumber=2)))["virtualmachine"]
    assert (back["cpunumber"], back["memory"]) == (1, 512) and "cpuNumber" not in back.get("details", {})


async def test_the_operators_caps_bound_offerings(sim):
    vm = await _stopped(sim)
    await sim.admin.ok("updateConfiguration", name="vm.serviceoffering.ram.size.max", value="768")
    refused = await sim.admin.call("changeServiceForVirtualMachine", id=vm["id"],
                                   serviceofferingid=sim.offerings["Medium Instance"]["id"])
    assert refused.status == 431 and "memory between 32 and 768 MB" in refused["errortext"]


# ------------------------------------------------------------------------- scaleVirtualMachine, stopped
async def test_scaling_a_stopped_vm_changes_its_offering(sim):
    vm = await _stopped(sim)
    medium = sim.offerings["Medium Instance"]
    job = await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=medium["id"])
    assert job["jobstatus"] == 1, job
    assert job["jobinstancetype"] == "VirtualMachine" and job["jobinstanceid"] == vm["id"]
    scaled = job["jobresult"]["virtualmachine"]
    assert scaled["serviceofferingid"] == medium["id"] and scaled["memory"] == 1024 and scaled["state"] == "Stopped"


async def test_a_stopped_vm_gives_back_what_it_kept_on_its_host(sim):
    vm = await deployed(sim)
    host = (await vm_of(sim.admin, vm["id"]))["hostid"]
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    assert (await _host(sim.admin, host))["memoryallocated"] == 512 * MIB    # kept while stopped
    job = await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=_medium(sim))
    assert job["jobstatus"] == 1
    assert (await _host(sim.admin, host))["memoryallocated"] == 0
    job = await sim.admin.run("startVirtualMachine", id=vm["id"])
    now = job["jobresult"]["virtualmachine"]
    assert (await _host(sim.admin, now["hostid"]))["memoryallocated"] == 1024 * MIB


# ------------------------------------------------------------------------- scaleVirtualMachine, running
async def test_a_running_vm_grows_on_its_host(sim):
    await _live_scaling(sim)
    vm = await deployed(sim)
    assert vm["isdynamicallyscalable"] is True
    host = vm["hostid"]
    before = await _host(sim.admin, host)
    medium = sim.offerings["Medium Instance"]
    job = await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=medium["id"])
    assert job["jobstatus"] == 1, job
    scaled = job["jobresult"]["virtualmachine"]
    assert scaled["state"] == "Running" and scaled["hostid"] == host
    assert (scaled["serviceofferingid"], scaled["cpuspeed"], scaled["memory"]) == (medium["id"], 1000, 1024)
    after = await _host(sim.admin, host)
    assert after["memoryallocated"] == before["memoryallocated"] + 512 * MIB
    assert after["cpuallocatedvalue"] == before["cpuallocatedvalue"] + 500
    events = (await sim.admin.ok("listEvents", type="VM.UPGRADE", listall="true"))["event"]
    assert any(vm["id"] in e["description"] for e in events)
    assert not (await sim.admin.ok("listEvents", type="VM.MIGRATE", listall="true")).get("event")


async def test_a_running_vm_takes_custom_values_keeping_those_not_given(sim):
    await _live_scaling(sim)
    vm = await deployed(sim)
    custom = await _custom(sim)
    job = await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=custom["id"],
                              **_custom_values(memory=2048))
    assert job["jobstatus"] == 1, job
    scaled = job["jobresult"]["virtualmachine"]
    assert (scaled["cpunumber"], scaled["cpuspeed"], scaled["memory"]) == (1, 500, 2048)
    assert (await _host(sim.admin, vm["hostid"]))["memoryallocated"] == 2048 * MIB


async def test_a_running_vm_moves_within_its_cluster_to_a_host_with_room(sim):
    await _live_scaling(sim)
    vm = await deployed(sim)
    source = vm["hostid"]
    target = await _partner(sim, source)
    await _fill(sim, source, 7400)                 # leaves 280 MiB: not enough for another 512
    source_before = (await _host(sim.admin, source))["memoryallocated"]
    target_before = (await _host(sim.admin, target))["memoryallocated"]
    job = await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=_medium(sim))
    assert job["jobstatus"] == 1, job
    scaled = job["jobresult"]["virtualmachine"]
    assert scaled["state"] == "Running" and scaled["hostid"] == target and scaled["memory"] == 1024
    assert (await _host(sim.admin, source))["memoryallocated"] == source_before - 512 * MIB
    assert (await _host(sim.admin, target))["memoryallocated"] == target_before + 1024 * MIB
    assert (await sim.admin.ok("listEvents", type="VM.MIGRATE", listall="true"))["event"]


async def test_no_room_in_the_cluster_leaves_the_vm_running_as_it_was(sim):
    await _live_scaling(sim)
    vm = await deployed(sim)
    source = vm["hostid"]
    other = await _partner(sim, source)
    cluster = (await _host(sim.admin, source))["clusterid"]
    await sim.admin.ok("updateConfiguration", name="cluster.memory.allocated.capacity.disablethreshold", value="1",
                       clusterid=cluster)
    await _fill(sim, source, 7400)
    await _fill(sim, other, 7800)
    before = {h: (await _host(sim.admin, h))["memoryallocated"] for h in (source, other)}
    job = await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=_medium(sim))
    assert job["jobstatus"] == 2 and job["jobresult"]["errorcode"] == 530
    assert job["jobresult"]["errortext"] == "Failed to scale the VM"
    now = await vm_of(sim.admin, vm["id"])
    assert (now["state"], now["hostid"], now["serviceofferingid"], now["memory"]) == \
        ("Running", source, sim.small["id"], 512)
    assert {h: (await _host(sim.admin, h))["memoryallocated"] for h in (source, other)} == before
    events = (await sim.admin.ok("listEvents", type="VM.UPGRADE", level="ERROR", listall="true"))["event"]
    assert [e["description"] for e in events] == [f"Error while upgrading Vm: {vm['id']}"]


async def test_a_hypervisor_refusal_gives_the_capacity_back(sim):
    await _live_scaling(sim)
    vm = await deployed(sim)
    before = (await _host(sim.admin, vm["hostid"]))["memoryallocated"]
    await sim.admin.ok("configureSimulator", name="ScaleVmCommand", value="result:fail", count=1)
    job = await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=_medium(sim))
    assert job["jobstatus"] == 2 and job["jobresult"]["errorcode"] == 530
    assert job["jobresult"]["errortext"].startswith("Unable to scale vm due to")
    now = await vm_of(sim.admin, vm["id"])
    assert (now["state"], now["memory"], now["serviceofferingid"]) == ("Running", 512, sim.small["id"])
    assert (await _host(sim.admin, vm["hostid"]))["memoryallocated"] == before
    # The mock is used up: the same request now succeeds.
    job = await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=_medium(sim))
    assert job["jobstatus"] == 1


async def test_live_scaling_refusals(sim):
    medium = sim.offerings["Medium Instance"]
    vm = await deployed(sim)
    # The zone does not allow it (the default) ...
    refused = await sim.admin.call("scaleVirtualMachine", id=vm["id"], serviceofferingid=medium["id"])
    assert refused.status == 531 and "disabled for this zone" in refused["errortext"]
    await _live_scaling(sim)
    # ... the VM was deployed without the flag (the zone did not allow it then) ...
    refused = await sim.admin.call("scaleVirtualMachine", id=vm["id"], serviceofferingid=medium["id"])
    assert refused.status == 530 and "does not have tools to support dynamic scaling" in refused["errortext"]
    vm = await deployed(sim, serviceofferingid=medium["id"])
    # ... only up ...
    refused = await sim.admin.call("scaleVirtualMachine", id=vm["id"], serviceofferingid=sim.small["id"])
    assert refused.status == 431 and "only scalling up it is supported" in refused["errortext"]
    # ... both offerings alike in dynamic scaling ...
    fixed = await _offering(sim, "Fixed", cpunumber=2, cpuspeed=1000, memory=2048, dynamicscalingenabled="false")
    refused = await sim.admin.call("scaleVirtualMachine", id=vm["id"], serviceofferingid=fixed["id"])
    assert refused.status == 431 and "dynamic scaling enabled flag is not same" in refused["errortext"]
    # ... a host with the new offering's tags ...
    tagged = await _offering(sim, "Tagged", cpunumber=2, cpuspeed=1000, memory=2048, hosttags="gpu-only")
    refused = await sim.admin.call("scaleVirtualMachine", id=vm["id"], serviceofferingid=tagged["id"])
    assert refused.status == 530 and refused["errortext"] == "Failed to scale the VM"
    # ... and a cluster below its disable threshold.
    cluster = (await _host(sim.admin, vm["hostid"]))["clusterid"]
    await sim.admin.ok("updateConfiguration", name="cluster.memory.allocated.capacity.disablethreshold", value="0.01",
                       clusterid=cluster)
    big = await _offering(sim, "Big", cpunumber=1, cpuspeed=1000, memory=2048)
    refused = await sim.admin.call("scaleVirtualMachine", id=vm["id"], serviceofferingid=big["id"])
    assert refused.status == 530 and "due to insufficient resources" in refused["errortext"]
    assert (await vm_of(sim.admin, vm["id"]))["serviceofferingid"] == medium["id"]


async def test_scaling_refused_in_other_states_and_for_others(sim):
    vm = await deployed(sim, startvm="false")
    await sim.admin.run("destroyVirtualMachine", id=vm["id"])
    refused = await sim.admin.call("scaleVirtualMachine", id=vm["id"], serviceofferingid=sim.small["id"])
    assert refused.status == 431 and "in state Destroyed; make sure the virtual machine is stopped/running" \
        in refused["errortext"]
    user = await sim.user()
    mine = await deployed(sim)
    denied = await user.call("scaleVirtualMachine", id=mine["id"], serviceofferingid=sim.small["id"])
    assert denied.status == 531


# ------------------------------------------------------------------------- resetUserDataForVirtualMachine
async def _userdata(api, vm_id) -> str | None:
    return (await api.ok("getVirtualMachineUserData", virtualmachineid=vm_id))["virtualmachineuserdata"].get("userdata")


async def test_reset_user_data_of_a_stopped_vm(sim):
    vm = await _stopped(sim)
    blob = base64.b64encode(b"#cloud-config\nhostname: new\n").decode()
    reset = (await sim.admin.ok("resetUserDataForVirtualMachine", id=vm["id"], userdata=blob))["virtualmachine"]
    assert reset["id"] == vm["id"]
    assert await _userdata(sim.admin, vm["id"]) == blob
    stored = (await sim.admin.ok("registerUserData", name="web",
                                 userdata=base64.b64encode(b"#!/bin/sh\necho {{ role }}\n").decode(),
                                 params="role"))["userdata"]
    reset = (await sim.admin.ok("resetUserDataForVirtualMachine", id=vm["id"], userdataid=stored["id"],
                                **{"userdatadetails[0].role": "web"}))["virtualmachine"]
    assert reset["userdataid"] == stored["id"] and reset["userdataname"] == "web"
    assert "role" in reset["userdatadetails"]
    assert base64.b64decode(await _userdata(sim.admin, vm["id"])).startswith(b"#!/bin/sh")
    # Nothing given: the VM has no user data any more.
    cleared = (await sim.admin.ok("resetUserDataForVirtualMachine", id=vm["id"]))["virtualmachine"]
    assert "userdataid" not in cleared and await _userdata(sim.admin, vm["id"]) is None
    events = (await sim.admin.ok("listEvents", type="VM.RESETUSERDATA", listall="true"))["event"]
    assert len(events) == 3


async def test_reset_user_data_refusals(sim):
    vm = await deployed(sim)
    blob = base64.b64encode(b"hello").decode()
    running = await sim.admin.call("resetUserDataForVirtualMachine", id=vm["id"], userdata=blob)
    assert running.status == 431 and "should be stopped to do UserData reset" in running["errortext"]
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    garbage = await sim.admin.call("resetUserDataForVirtualMachine", id=vm["id"], userdata="not base64!")
    assert garbage.status == 431 and garbage["errortext"] == "User data is not base64 encoded."
    stored = (await sim.admin.ok("registerUserData", name="x", userdata=blob))["userdata"]
    both = await sim.admin.call("resetUserDataForVirtualMachine", id=vm["id"], userdata=blob, userdataid=stored["id"])
    assert both.status == 431 and "Both userdata and userdata ID inputs are not allowed" in both["errortext"]
    user = await sim.user()
    own = await _stopped(sim, user)
    refused = await user.call("resetUserDataForVirtualMachine", id=own["id"], userdata=blob)
    assert refused.status == 432          # a root admin's command by default, as in CloudStack
