"""A VM's life over HTTP: deploy, stop, start, reboot, destroy, recover, expunge, and what goes wrong."""
import uuid

from cloudsim.core.expunge import expunge_due
from tests.api.vm_helpers import deploy, deployed, sim, vm_of  # noqa: F401


async def test_deploy_answers_id_and_job_then_a_running_vm(sim):
    user = await sim.user()
    submitted = await deploy(sim, user, wait=False)
    assert submitted.status == 200 and set(submitted.body) == {"id", "jobid"}
    job = await user.wait_job(submitted["jobid"])
    assert job["jobstatus"] == 1 and job["jobinstancetype"] == "VirtualMachine"
    vm = job["jobresult"]["virtualmachine"]
    assert vm["id"] == submitted["id"] and vm["state"] == "Running"
    assert isinstance(vm["cpunumber"], int) and isinstance(vm["memory"], int) and vm["memory"] == 512
    assert vm["haenable"] is False and isinstance(vm["isdynamicallyscalable"], bool)
    assert isinstance(vm["nic"], list) and vm["nic"][0]["ipaddress"].startswith("10.1.1.")
    assert vm["nic"][0]["isdefault"] is True and vm["nic"][0]["networkname"] == "defaultGuestNetwork"
    assert [g["name"] for g in vm["securitygroup"]] == ["default"] and vm["affinitygroup"] == []
    assert vm["publicip"].startswith("172.30.0.") and vm["nic"][0]["publicip"] == vm["publicip"]
    assert vm["passwordenabled"] is True and len(vm["password"]) >= 6
    # A user never sees the internal name nor the host; the root admin does.
    for hidden in ("instancename", "hostid", "hostname"):
        assert hidden not in vm
    as_admin = await vm_of(sim.admin, vm["id"])
    account_id = await sim.app.db.fetchval("SELECT id FROM account WHERE uuid = $1", uuid.UUID(user.account["id"]))
    vm_id = await sim.app.db.fetchval("SELECT id FROM vm_instance WHERE uuid = $1", uuid.UUID(vm["id"]))
    assert as_admin["instancename"] == f"i-{account_id}-{vm_id}-VM"
    assert as_admin["hostid"] and as_admin["hostname"].startswith("SimulatedAgent.")
    assert as_admin["hostcontrolstate"] == "Enabled" and "password" not in as_admin
    # Default names: host name <instance.name>-<uuid>, display name falls back to it.
    assert vm["name"] == f"VM-{vm['id']}" and vm["displayname"] == vm["name"]
    # The simulator runs it, and the host's capacity holds it.
    sim_vm = await sim.app.db.fetchrow("SELECT * FROM sim_vm WHERE name = $1", as_admin["instancename"])
    assert sim_vm["power_state"] == "PowerOn" and sim_vm["memory"] == 512 * 1024 * 1024
    host = (await sim.admin.ok("listHosts", id=as_admin["hostid"]))["host"][0]
    assert host["memoryallocated"] == 512 * 1024 * 1024
    events = [e["type"] for e in (await user.ok("listEvents", type="VM.START"))["event"]]
    assert "VM.START" in events


async def test_stop_start_reboot_destroy_recover_expunge(sim):
    user = await sim.user()
    vm = await deployed(sim, user, name="web-1", displayname="Web server")
    assert vm["name"] == "web-1" and vm["displayname"] == "Web server"
    stopped = (await user.run("stopVirtualMachine", id=vm["id"]))["jobresult"]["virtualmachine"]
    assert stopped["state"] == "Stopped"
    again = await user.run("stopVirtualMachine", id=vm["id"])          # stopping a stopped VM is fine
    assert again["jobstatus"] == 1 and again["jobresult"]["virtualmachine"]["state"] == "Stopped"
    reboot = await user.call("rebootVirtualMachine", id=vm["id"])
    assert reboot.status == 431 and reboot["errortext"] == \
        f"The VM {vm['id']} (Web server) is not running, unable to reboot it"
    started = (await user.run("startVirtualMachine", id=vm["id"]))["jobresult"]["virtualmachine"]
    assert started["state"] == "Running"
    running = await user.call("startVirtualMachine", id=vm["id"])
    assert running.status == 431 and running["errortext"] == \
        f"The virtual machine {vm['id']} (Web server) is already running"
    rebooted = await user.run("rebootVirtualMachine", id=vm["id"])
    assert rebooted["jobresult"]["virtualmachine"]["state"] == "Running"
    name = (await vm_of(sim.admin, vm["id"]))["instancename"]
    assert (await sim.app.db.fetchval("SELECT boots FROM sim_vm WHERE name = $1", name)) == 2    # a stopped VM leaves the hypervisor: one boot, one reboot
    not_destroyed = await sim.admin.call("expungeVirtualMachine", id=vm["id"])
    assert not_destroyed.status == 530 and not_destroyed["uuidList"][0]["uuidProperty"] == "vmId"
    destroyed = (await user.run("destroyVirtualMachine", id=vm["id"]))["jobresult"]["virtualmachine"]
    assert destroyed["state"] == "Destroyed"
    assert await sim.app.db.fetchval("SELECT count(*) FROM sim_vm WHERE name = $1", name) == 0
    # Users neither see destroyed VMs nor recover/expunge them, unless allowed.
    assert (await user.ok("listVirtualMachines")).get("count") is None
    assert (await sim.admin.ok("listVirtualMachines", id=vm["id"]))["virtualmachine"][0]["state"] == "Destroyed"
    denied = await user.call("recoverVirtualMachine", id=vm["id"])
    assert denied.status == 531 and "allow.user.expunge.recover.vm" in denied["errortext"]
    await sim.admin.ok("updateConfiguration", name="allow.user.view.destroyed.vm", value="true")
    await sim.admin.ok("updateConfiguration", name="allow.user.expunge.recover.vm", value="true")
    assert (await user.ok("listVirtualMachines"))["virtualmachine"][0]["state"] == "Destroyed"
    recovered = (await user.ok("recoverVirtualMachine", id=vm["id"]))["virtualmachine"]
    assert recovered["state"] == "Stopped"
    not_destroyed = await user.call("recoverVirtualMachine", id=vm["id"])
    assert not_destroyed.status == 431 and not_destroyed["errortext"] == f"Vm with id {vm['id']} is not in the right state"
    expunge_early = await sim.admin.call("expungeVirtualMachine", id=vm["id"])
    assert expunge_early.status == 530 and expunge_early["errortext"] == \
        "Please destroy vm with specified vmId before expunge"
    masked = await user.call("expungeVirtualMachine", id=vm["id"])     # users read CloudStack's masked text
    assert masked.status == 530 and masked["errortext"].startswith("Internal error")
    assert (await user.run("destroyVirtualMachine", id=vm["id"]))["jobstatus"] == 1
    gone = await user.run("expungeVirtualMachine", id=vm["id"])
    assert gone["jobstatus"] == 1 and gone["jobresult"] == {"success": True}
    assert (await sim.admin.ok("listVirtualMachines", id=vm["id"])).get("count") is None
    # Its addresses went back to the pool, its root volume is gone.
    assert await sim.app.db.fetchval("SELECT count(*) FROM ip_address WHERE vm_id = (SELECT id FROM vm_instance "
                                     "WHERE uuid = $1)", uuid.UUID(vm["id"])) == 0
    types = [e["type"] for e in (await user.ok("listEvents", pagesize=500, page=1))["event"]]
    for kind in ("VM.STOP", "VM.START", "VM.REBOOT", "VM.DESTROY", "VM.RECOVER", "VM.EXPUNGE"):
        assert kind in types


async def test_destroy_with_expunge_and_user_permission(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    refused = await user.call("destroyVirtualMachine", id=vm["id"], expunge="true")
    assert refused.status == 531 and refused["errortext"] == "Account does not have permission for expunging."
    done = await sim.admin.run("destroyVirtualMachine", id=vm["id"], expunge="true")
    assert done["jobstatus"] == 1
    assert (await sim.admin.ok("listVirtualMachines", id=vm["id"])).get("count") is None


async def test_other_accounts_and_unknown_ids(sim):
    owner, other = await sim.user(), await sim.user()
    vm = await deployed(sim, owner)
    for command in ("stopVirtualMachine", "destroyVirtualMachine", "rebootVirtualMachine"):
        reply = await other.call(command, id=vm["id"])
        assert reply.status == 531, (command, reply)
    assert (await other.call("updateVirtualMachine", id=vm["id"], displayname="x")).status == 531
    assert (await other.ok("listVirtualMachines", id=vm["id"])).get("count") is None
    missing = str(uuid.uuid4())
    reply = await owner.call("stopVirtualMachine", id=missing)
    assert reply.status == 431 and reply["errortext"] == (
        f"Unable to execute API command stopvirtualmachine due to invalid value. Invalid parameter id value={missing} "
        "due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for "
        "the field in api cmd class.")
    # A domain admin reaches VMs of its domain; the root admin reaches all.
    assert (await sim.admin.run("stopVirtualMachine", id=vm["id"]))["jobstatus"] == 1


async def test_startvm_false_and_host_placement(sim):
    hosts = (await sim.admin.ok("listHosts", zoneid=sim.zone["id"]))["host"]
    user = await sim.user()
    reply = await deploy(sim, user, wait=False, hostid=hosts[2]["id"])
    assert reply.status == 531 and reply["errortext"] == \
        "Parameter hostid can only be specified by a Root Admin, permission denied"
    assert (await sim.admin.ok("listVirtualMachines", listall="true")).get("count") is None    # nothing created
    vm = await deployed(sim, user, startvm="false")
    assert vm["state"] == "Stopped" and "hostid" not in (await vm_of(sim.admin, vm["id"]))
    started = await user.call("startVirtualMachine", id=vm["id"], hostid=hosts[1]["id"])
    assert started.status == 531
    on_host = (await sim.admin.run("startVirtualMachine", id=vm["id"], hostid=hosts[1]["id"]))
    assert on_host["jobresult"]["virtualmachine"]["hostid"] == hosts[1]["id"]
    pinned = await deployed(sim, hostid=hosts[3]["id"])
    assert pinned["hostid"] == hosts[3]["id"]
    # A disabled host is skipped by the planner and refused when named.
    await sim.admin.ok("updateHost", id=hosts[0]["id"], allocationstate="Disable")
    refused = await deploy(sim, wait=False, hostid=hosts[0]["id"])
    assert refused.status == 431 and "is not in the right state" in refused["errortext"]
    for _ in range(3):
        assert (await deployed(sim))["hostid"] != hosts[0]["id"]


async def test_no_capacity_is_533_and_first_start_failure_is_error(sim):
    big = (await sim.admin.ok("createServiceOffering", name="Huge", displaytext="Huge", cpunumber=1, cpuspeed=500,
                              memory=64 * 1024))["serviceoffering"]
    job = await deploy(sim, serviceofferingid=big["id"])
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 533
    assert job["jobresult"]["errortext"].startswith("Unable to create a deployment for VM[User|i-2-")
    assert (await vm_of(sim.admin, job["vmid"]))["state"] == "Error"
    # The simulator refuses every StartCommand of the zone: the new VM ends in Error.
    await sim.admin.ok("configureSimulator", name="StartCommand", value="result:fail", zoneid=sim.zone["id"])
    failed = await deploy(sim)
    assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 533
    assert (await vm_of(sim.admin, failed["vmid"]))["state"] == "Error"
    # An Error VM can only be destroyed (it is expunged then).
    assert (await sim.admin.call("startVirtualMachine", id=failed["vmid"])).status == 530
    assert (await sim.admin.run("expungeVirtualMachine", id=failed["vmid"]))["jobstatus"] == 1
    # No capacity was left taken by the failures.
    used = await sim.app.db.fetchval("SELECT sum(used) FROM host_capacity WHERE type = 0")
    assert used == 0


async def test_stopped_vm_start_failure_stays_stopped(sim):
    vm = await deployed(sim, startvm="false")
    await sim.admin.ok("configureSimulator", name="StartCommand", value="result:fail", zoneid=sim.zone["id"])
    job = await sim.admin.run("startVirtualMachine", id=vm["id"])
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 533
    assert (await vm_of(sim.admin, vm["id"]))["state"] == "Stopped"


async def test_expunge_duty_after_the_delay(sim):
    await sim.admin.ok("updateConfiguration", name="expunge.delay", value="600")
    vm = await deployed(sim)
    keep = await deployed(sim)
    await sim.admin.run("destroyVirtualMachine", id=vm["id"])
    assert await expunge_due(sim.app) == 0
    sim.app.clock.advance(300)
    assert await expunge_due(sim.app) == 0
    assert (await vm_of(sim.admin, vm["id"]))["state"] == "Destroyed"
    sim.app.clock.advance(301)
    assert await expunge_due(sim.app) == 1
    assert await vm_of(sim.admin, vm["id"]) is None
    assert (await vm_of(sim.admin, keep["id"]))["state"] == "Running"
    assert await sim.app.db.fetchval("SELECT count(*) FROM ip_address WHERE vm_id = (SELECT id FROM vm_instance "
                                     "WHERE uuid = $1)", uuid.UUID(vm["id"])) == 0


async def test_forced_stop_and_user_setting(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    assert (await user.run("stopVirtualMachine", id=vm["id"], forced="true"))["jobstatus"] == 1
    await sim.admin.ok("updateConfiguration", name="allow.user.force.stop.vm", value="false",
                       accountid=user.account["id"])
    await user.run("startVirtualMachine", id=vm["id"])
    refused = await user.call("stopVirtualMachine", id=vm["id"], forced="true")
    assert refused.status == 531


async def test_job_recovery_returns_starting_vm_to_stopped(sim):
    from cloudsim.core import vm_ops
    vm = await deployed(sim, startvm="false")
    async with sim.app.db.transaction() as conn:
        vm_id = await conn.fetchval("SELECT id FROM vm_instance WHERE uuid = $1", uuid.UUID(vm["id"]))
        await conn.execute("UPDATE vm_instance SET state = 'Starting' WHERE id = $1", vm_id)
        await vm_ops.recover_transitional(conn, vm_id)
    assert (await vm_of(sim.admin, vm["id"]))["state"] == "Stopped"


async def test_customid_macaddress_and_networks(sim):
    custom = "0a0b0c0d-1111-4222-8333-444455556666"
    vm = await deployed(sim, customid=custom, macaddress="02:AA:bb:01:02:03")
    assert vm["id"] == custom and vm["nic"][0]["macaddress"] == "02:aa:bb:01:02:03"
    again = await deploy(sim, customid=custom)
    assert again.status == 431 and "already exists" in again.body["errortext"]
    taken = await deploy(sim, macaddress="02:aa:bb:01:02:03")
    assert taken.status == 431 and "MAC address" in taken.body["errortext"]
    replaced = await deployed(sim, macaddress="not-a-mac")
    assert replaced["nic"][0]["macaddress"].count(":") == 5
    user = await sim.user("User")
    assert (await deploy(sim, user, customid="0a0b0c0d-1111-4222-8333-444455556667")).status == 531
    assert (await deploy(sim, customid="not-a-uuid")).status == 431
    network = vm["nic"][0]["networkid"]
    basic = await deploy(sim, networkids=network)
    assert basic.status == 431 and basic.body["errortext"] == "Can't specify network Ids in Basic zone"
    free = (await sim.admin.ok("listPublicIpAddresses", allocatedonly="false", forvirtualnetwork="false",
                               state="Free"))["publicipaddress"][-1]["ipaddress"]
    chosen = await deployed(sim, **{"iptonetworklist[0].networkid": network, "iptonetworklist[0].ip": free})
    assert chosen["nic"][0]["ipaddress"] == free
    wrong = await deploy(sim, **{"iptonetworklist[0].networkid": "0a0b0c0d-1111-4222-8333-000000000000"})
    assert wrong.status == 431
