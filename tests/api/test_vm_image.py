"""A VM's images and keys over HTTP: attach and eject ISOs, reset SSH keys, rebuild the root disk."""
import uuid

from tests.api.test_isos import files, wait_iso  # noqa: F401  (fixture: a local web server with a real ISO)
from tests.api.vm_helpers import deploy, deployed, sim, vm_of  # noqa: F401


async def iso_in(sim, api, url, name="tools", wait=True, **extra):
    """registerIso in the demo zone (or elsewhere via zoneid=); waits for the download unless wait=False."""
    ostype = (await api.ok("listOsTypes", description="Other (64-bit)"))["ostype"][0]["id"]
    args = dict(name=name, displaytext=f"{name} disc", url=url, zoneid=sim.zone["id"], ostypeid=ostype)
    args.update(extra)
    iso = (await api.ok("registerIso", **args))["iso"][0]
    if wait:
        iso = await wait_iso(api, iso["id"], lambda i: i["isready"])
    return iso


async def instance_name(sim, vm_id):
    return (await vm_of(sim.admin, vm_id))["instancename"]


async def sim_iso(sim, vm_id):
    return await sim.app.db.fetchval("SELECT iso FROM sim_vm WHERE name = $1", await instance_name(sim, vm_id))


def failed(job, code, text):
    assert job["jobstatus"] == 2, job
    assert job["jobresult"]["errorcode"] == code and job["jobresult"]["errortext"] == text, job["jobresult"]


# ------------------------------------------------------------------------- ISOs
async def test_attach_and_detach_an_iso(sim, files):  # noqa: F811
    base, _ = files
    user = await sim.user()
    iso = await iso_in(sim, user, f"{base}/good.iso")
    vm = await deployed(sim, user)
    submitted = await user.call("attachIso", id=iso["id"], virtualmachineid=vm["id"])
    assert submitted.name == "attachisoresponse" and set(submitted.body) == {"jobid"}
    job = await user.wait_job(submitted["jobid"])
    assert job["jobinstancetype"] == "VirtualMachine" and job["jobinstanceid"] == vm["id"]
    attached = job["jobresult"]["virtualmachine"]
    assert (attached["isoid"], attached["isoname"], attached["isodisplaytext"]) == (iso["id"], "tools", "tools disc")
    assert attached["templateid"] == sim.template["id"] and attached["state"] == "Running"
    # The running VM has the disc in its drive, and lists show it.
    assert await sim_iso(sim, vm["id"]) == f"{base}/good.iso"
    assert [v["id"] for v in (await user.ok("listVirtualMachines", isoid=iso["id"]))["virtualmachine"]] == [vm["id"]]
    assert (await user.ok("listVirtualMachines", templateid=iso["id"])).get("count") is None
    # One drive: attaching another ISO (here to the stopped VM) replaces the first.
    await user.run("stopVirtualMachine", id=vm["id"])
    tools = (await user.ok("listIsos", isofilter="featured"))["iso"][0]
    replaced = (await user.run("attachIso", id=tools["id"], virtualmachineid=vm["id"]))["jobresult"]["virtualmachine"]
    assert replaced["isoid"] == tools["id"] and replaced["state"] == "Stopped"
    await user.run("startVirtualMachine", id=vm["id"])
    assert await sim_iso(sim, vm["id"]) == tools["url"]
    detached = await user.run("detachIso", virtualmachineid=vm["id"])
    assert detached["jobstatus"] == 1
    ejected = detached["jobresult"]["virtualmachine"]
    assert "isoid" not in ejected and "isoname" not in ejected and ejected["templateid"] == sim.template["id"]
    assert await sim_iso(sim, vm["id"]) is None
    again = await user.call("detachIso", virtualmachineid=vm["id"])
    assert again.status == 431 and again["errortext"] == "The specified VM has no ISO attached to it."
    events = [(e["type"], e["state"]) for e in (await user.ok("listEvents", pagesize=500, page=1))["event"]]
    for kind in ("ISO.ATTACH", "ISO.DETACH"):
        assert (kind, "Completed") in events and (kind, "Scheduled") in events


async def test_attach_iso_refusals(sim, files):  # noqa: F811
    base, gate = files
    user = await sim.user()
    vm = await deployed(sim, user)
    iso = await iso_in(sim, user, f"{base}/good.iso")

    async def attach(api=user, **params):
        return await api.call("attachIso", **{"id": iso["id"], "virtualmachineid": vm["id"], **params})

    # Parameters: both are required and must name existing objects.
    for params in ({"id": iso["id"]}, {"virtualmachineid": vm["id"]}):
        missing = await user.call("attachIso", **params)
        assert missing.status == 431 and "due to missing parameter" in missing["errortext"]
    unknown = await attach(virtualmachineid=str(uuid.uuid4()))
    assert unknown.status == 431 and "virtualmachineid" in unknown["errortext"]
    garbage = await attach(id="not-a-uuid")
    assert garbage.status == 431
    # A template is not an ISO.
    template = await attach(id=sim.template["id"])
    assert template.status == 431 and template["errortext"] == "Please specify a valid iso."
    # An ISO of another zone.
    await sim.admin.ok("createZone", name="elsewhere", networktype="Basic", dns1="8.8.8.8", internaldns1="10.0.0.2")
    other_zone = (await user.ok("listZones", name="elsewhere"))["zone"][0]
    far = await iso_in(sim, user, f"{base}/good.iso", name="far", zoneid=other_zone["id"], wait=False)
    away = await attach(id=far["id"])
    assert away.status == 431 and away["errortext"] == "ISO is not available in the zone the VM is in."
    # An ISO still downloading cannot be mounted.
    slow = await iso_in(sim, user, f"{base}/slow.iso", name="slow", wait=False)
    assert (await attach(id=slow["id"])).status == 530       # users see CloudStack's masked text
    pending = await attach(sim.admin, id=slow["id"])
    assert pending.status == 530 and pending["errortext"] == \
        "Failed to prepare ISO ready to mount on hypervisor resource level"
    gate.set()
    # Another account's VM, or its private ISO: 531.
    other = await sim.user()
    assert (await attach(other)).status == 531
    theirs = await iso_in(sim, other, f"{base}/good.iso", name="theirs")
    denied = await attach(id=theirs["id"])
    assert denied.status == 531 and theirs["id"] in denied["errortext"]
    # A public one anybody may use.
    public = await iso_in(sim, sim.admin, f"{base}/good.iso", name="public", ispublic="true")
    assert (await user.run("attachIso", id=public["id"], virtualmachineid=vm["id"]))["jobstatus"] == 1
    # The hypervisor refusing the disc fails the job and leaves the VM as it was.
    await sim.admin.ok("configureSimulator", name="AttachIsoCommand", value="result:fail", count=1)
    refused = await user.run("attachIso", id=iso["id"], virtualmachineid=vm["id"])
    failed(refused, 530, "Failed to attach iso")
    assert (await vm_of(user, vm["id"]))["isoid"] == public["id"]
    # Only Running and Stopped VMs take or give up an ISO.
    await user.run("destroyVirtualMachine", id=vm["id"])
    for command, params in (("attachIso", {"id": iso["id"]}), ("detachIso", {})):
        gone = await user.call(command, virtualmachineid=vm["id"], **params)
        assert gone.status == 431 and gone["errortext"] == "Please specify a VM that is either Stopped or Running."
    assert (await other.call("detachIso", virtualmachineid=vm["id"])).status == 531


async def test_attached_iso_cannot_be_deleted(sim, files):  # noqa: F811
    base, _ = files
    user = await sim.user()
    iso = await iso_in(sim, user, f"{base}/good.iso")
    vm = await deployed(sim, user)
    await user.run("attachIso", id=iso["id"], virtualmachineid=vm["id"])
    busy = await user.call("deleteIso", id=iso["id"])
    assert busy.status == 431 and busy["errortext"] == "Unable to delete iso, as it's used by other vms"
    await user.run("detachIso", virtualmachineid=vm["id"])
    assert (await user.run("deleteIso", id=iso["id"]))["jobstatus"] == 1


async def test_deploy_refuses_an_iso_that_is_not_ready(sim, files):  # noqa: F811
    base, gate = files
    user = await sim.user()
    disk = (await user.ok("listDiskOfferings", name="Medium"))["diskoffering"][0]
    slow = await iso_in(sim, user, f"{base}/slow.iso", name="slow", wait=False)
    everywhere = await iso_in(sim, user, f"{base}/slow.iso", name="slow-everywhere", wait=False, zoneid="-1")
    broken = await iso_in(sim, user, f"{base}/missing.iso", name="broken", wait=False)
    await wait_iso(user, broken["id"], lambda i: i["status"].startswith("Failed"))
    for iso in (slow, everywhere, broken):
        refused = await deploy(sim, user, wait=False, templateid=iso["id"], diskofferingid=disk["id"],
                               hypervisor="Simulator")
        assert refused.status == 431 and refused["errortext"] == \
            f"Template {iso['name']} has not been completely downloaded to zone {sim.zone['id']}", iso["name"]
    assert (await user.ok("listVirtualMachines")).get("count") is None
    gate.set()
    await wait_iso(user, slow["id"], lambda i: i["isready"])
    vm = await deployed(sim, user, templateid=slow["id"], diskofferingid=disk["id"], hypervisor="Simulator")
    assert vm["templateid"] == slow["id"] and vm["isoid"] == slow["id"] and vm["state"] == "Running"


# ------------------------------------------------------------------------- SSH keys
async def test_reset_ssh_keys_of_a_stopped_vm(sim):
    user = await sim.user()
    for name in ("first", "second", "third"):
        await user.ok("createSSHKeyPair", name=name)
    vm = await deployed(sim, user, keypair="first")
    assert vm["keypairs"] == "first" and vm["password"]
    assert (await user.ok("getVMPassword", id=vm["id"]))["password"]["encryptedpassword"]
    running = await user.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="second")
    assert running.status == 431 and running["errortext"] == f"Vm {vm['id']} should be stopped to do SSH Key reset"
    await user.run("stopVirtualMachine", id=vm["id"])
    submitted = await user.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="second")
    assert submitted.status == 200 and submitted.name == "resetSSHKeyforvirtualmachineresponse"
    job = await user.wait_job(submitted["jobid"])
    reset = job["jobresult"]["virtualmachine"]
    assert reset["keypairs"] == "second" and reset["state"] == "Stopped" and "password" not in reset
    assert job["cmd"] == "org.apache.cloudstack.api.command.user.vm.ResetVMSSHKeyCmd"
    # The stored password was encrypted for the old key, so it is gone (CloudStack's behaviour).
    gone = await user.call("getVMPassword", id=vm["id"])
    assert gone.status == 431 and gone["errortext"].startswith(f"No password found for VM [{vm['id']}]")
    both = await user.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypairs="third,first")
    assert both["jobresult"]["virtualmachine"]["keypairs"] == "third,first"
    listed = (await user.ok("listVirtualMachines", keypair="third"))["virtualmachine"]
    assert [v["id"] for v in listed] == [vm["id"]]
    events = [e["type"] for e in (await user.ok("listEvents", type="VM.RESETSSHKEY"))["event"]]
    assert events.count("VM.RESETSSHKEY") >= 3      # Scheduled, Started, Completed for each reset
    # The XML answer carries the same mixed-case wrapper.
    xml = await user.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="first", response="xml")
    assert xml.name == "resetSSHKeyforvirtualmachineresponse"
    await user.wait_job(xml.xml.findtext("jobid"))


async def test_reset_ssh_key_refusals(sim):
    user = await sim.user()
    await user.ok("createSSHKeyPair", name="mine")
    vm = await deployed(sim, user, startvm="false")
    nothing = await user.call("resetSSHKeyForVirtualMachine", id=vm["id"])
    assert nothing.status == 431 and nothing["errortext"] == "'keypair' or 'keypairs' must be specified"
    blank = await user.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="", keypairs="")
    assert blank.status == 431 and blank["errortext"] == "'keypair' or 'keypairs' must be specified"
    unknown = await user.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypairs="mine,nope")
    assert unknown.status == 431 and unknown["errortext"] == "Not all specified keypairs exist"
    missing = await user.call("resetSSHKeyForVirtualMachine", keypair="mine")
    assert missing.status == 431 and "due to missing parameter id" in missing["errortext"]
    # Another account's VM, even with a key of the same name in the caller's account.
    other = await sim.user()
    await other.ok("createSSHKeyPair", name="mine")
    denied = await other.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="mine")
    assert denied.status == 531
    # A user cannot name another account as the keys' owner.
    foreign = await other.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="mine",
                               account=user.account["name"], domainid=user.account["domainid"])
    assert foreign.status == 531
    account_only = await user.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="mine",
                                   account=user.account["name"])
    assert account_only.status == 431
    # An admin acting for the owner uses the owner's key pairs.
    done = await sim.admin.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="mine",
                               account=user.account["name"], domainid=user.account["domainid"])
    assert done["jobresult"]["virtualmachine"]["keypairs"] == "mine"
    assert done["cmd"] == "org.apache.cloudstack.api.command.admin.vm.ResetVMSSHKeyCmdByAdmin"
    await sim.app.db.execute("UPDATE vm_instance SET state = 'Error' WHERE uuid = $1", uuid.UUID(vm["id"]))
    broken = await user.call("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="mine")
    assert broken.status == 431 and broken["errortext"] == "Vm with specified id is not in the right state"


# ------------------------------------------------------------------------- restore
async def root_of(api, vm_id):
    return (await api.ok("listVolumes", virtualmachineid=vm_id, type="ROOT"))["volume"][0]


async def test_restore_a_running_vm_from_its_template(sim):
    user = await sim.user()
    vm = await deployed(sim, user, name="keeper")
    old_root = await root_of(user, vm["id"])
    old_name = await instance_name(sim, vm["id"])
    started = await sim.app.db.fetchval("SELECT updated FROM sim_vm WHERE name = $1", old_name)
    submitted = await user.call("restoreVirtualMachine", virtualmachineid=vm["id"])
    assert submitted.name == "restorevmresponse" and set(submitted.body) == {"jobid"}
    job = await user.wait_job(submitted["jobid"])
    restored = job["jobresult"]["virtualmachine"]
    # Same VM, name and address; running again with a new guest password (the template sets one).
    assert (restored["id"], restored["name"], restored["state"]) == (vm["id"], "keeper", "Running")
    assert restored["nic"][0]["ipaddress"] == vm["nic"][0]["ipaddress"] and restored["publicip"] == vm["publicip"]
    assert restored["templateid"] == sim.template["id"]
    assert restored["password"] and restored["password"] != vm["password"]
    # A new root disk; the old one is gone.
    new_root = await root_of(user, vm["id"])
    assert new_root["id"] != old_root["id"] and new_root["size"] == old_root["size"]
    assert new_root["state"] == "Ready" and new_root["templateid"] == sim.template["id"]
    old = await sim.app.db.fetchrow("SELECT state, removed, vm_id FROM volume WHERE uuid = $1",
                                    uuid.UUID(old_root["id"]))
    assert old["state"] == "Expunged" and old["removed"] is not None and old["vm_id"] is None
    assert (await user.call("listVolumes", id=old_root["id"])).status == 431       # no such volume any more
    # Stopped and started again on the simulator: a fresh record of the running VM.
    assert await sim.app.db.fetchval("SELECT updated FROM sim_vm WHERE name = $1", old_name) > started
    types = [(e["type"], e["state"]) for e in (await user.ok("listEvents", type="VM.RESTORE"))["event"]]
    assert ("VM.RESTORE", "Completed") in types and ("VM.RESTORE", "Scheduled") in types


async def test_restore_a_stopped_vm_onto_another_template(sim):
    user = await sim.user()
    await user.ok("createSSHKeyPair", name="k")
    vm = await deployed(sim, user, keypair="k")
    await user.run("stopVirtualMachine", id=vm["id"])
    ostype = (await user.ok("listOsTypes", description="Other Linux (64-bit)"))["ostype"][0]
    newer = (await user.ok("registerTemplate", name="newer", displaytext="newer", format="QCOW2",
                           hypervisor="Simulator", url="http://images.example/newer.qcow2", zoneid=sim.zone["id"],
                           ostypeid=ostype["id"]))["template"][0]
    job = await user.run("restoreVirtualMachine", virtualmachineid=vm["id"], templateid=newer["id"])
    restored = job["jobresult"]["virtualmachine"]
    assert restored["state"] == "Stopped" and restored["templateid"] == newer["id"]
    assert restored["templatename"] == "newer" and restored["ostypeid"] == ostype["id"]
    assert "password" not in restored and restored["keypairs"] == "k"     # newer is not password enabled
    root = await root_of(user, vm["id"])
    assert root["templateid"] == newer["id"] and root["state"] == "Allocated"
    started = (await user.run("startVirtualMachine", id=vm["id"]))["jobresult"]["virtualmachine"]
    assert started["templateid"] == newer["id"] and (await root_of(user, vm["id"]))["state"] == "Ready"


async def test_restore_keeps_the_kind_of_base_image(sim, files):  # noqa: F811
    base, gate = files
    user = await sim.user()
    disk = (await user.ok("listDiskOfferings", name="Medium"))["diskoffering"][0]
    tools = (await user.ok("listIsos", isofilter="featured"))["iso"][0]
    from_iso = await deployed(sim, user, templateid=tools["id"], diskofferingid=disk["id"], hypervisor="Simulator")
    from_template = await deployed(sim, user)
    fresh = await iso_in(sim, user, f"{base}/good.iso", name="fresh")
    wrong = await user.call("restoreVirtualMachine", virtualmachineid=from_iso["id"], templateid=sim.template["id"])
    assert wrong.status == 431 and wrong["errortext"] == \
        "VM has been created using an ISO therefore it can not be re-installed with a template"
    wrong = await user.call("restoreVirtualMachine", virtualmachineid=from_template["id"], templateid=fresh["id"])
    assert wrong.status == 431 and wrong["errortext"] == "Invalid template id provided to restore the VM "
    # ISO to ISO is fine: the new one is the VM's image and is in its drive.
    restored = (await user.run("restoreVirtualMachine", virtualmachineid=from_iso["id"],
                               templateid=fresh["id"]))["jobresult"]["virtualmachine"]
    assert restored["templateid"] == fresh["id"] and restored["isoid"] == fresh["id"]
    assert restored["state"] == "Running" and await sim_iso(sim, from_iso["id"]) == f"{base}/good.iso"
    root = await root_of(user, from_iso["id"])
    assert root["size"] == 20 * 1024 ** 3 and "templateid" not in root
    # Ejected, the ISO-based VM still shows its image but has nothing to rebuild from.
    ejected = (await user.run("detachIso", virtualmachineid=from_iso["id"]))["jobresult"]["virtualmachine"]
    assert ejected["templateid"] == fresh["id"] and "isoid" not in ejected
    assert (await user.call("restoreVirtualMachine", virtualmachineid=from_iso["id"])).status == 530
    nothing = await sim.admin.call("restoreVirtualMachine", virtualmachineid=from_iso["id"])
    assert nothing.status == 530 and nothing["errortext"] == \
        "Cannot restore the VM since there is no ISO attached to VM"
    # An image still downloading is not available to rebuild from.
    slow = await iso_in(sim, user, f"{base}/slow.iso", name="slow", wait=False)
    pending = await user.call("restoreVirtualMachine", virtualmachineid=from_iso["id"], templateid=slow["id"])
    assert pending.status == 431 and pending["errortext"] == \
        f"Cannot restore the vm as the template {slow['id']} isn't available in the zone"
    gate.set()


async def test_restore_refusals_and_failures(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    other = await sim.user()
    ostype = (await other.ok("listOsTypes", description="Other Linux (64-bit)"))["ostype"][0]
    private = (await other.ok("registerTemplate", name="private", displaytext="private", format="QCOW2",
                              hypervisor="Simulator", url="http://images.example/p.qcow2", zoneid=sim.zone["id"],
                              ostypeid=ostype["id"]))["template"][0]
    assert (await user.call("restoreVirtualMachine", virtualmachineid=vm["id"],
                            templateid=private["id"])).status == 531
    assert (await other.call("restoreVirtualMachine", virtualmachineid=vm["id"])).status == 531
    missing = await user.call("restoreVirtualMachine")
    assert missing.status == 431 and "due to missing parameter virtualmachineid" in missing["errortext"]
    unknown = await user.call("restoreVirtualMachine", virtualmachineid=vm["id"], templateid=str(uuid.uuid4()))
    assert unknown.status == 431 and "templateid" in unknown["errortext"]
    # No host can start it again: the job fails, the VM is left Stopped on its new disk, not half-way.
    await sim.admin.ok("configureSimulator", name="StartCommand", value="result:fail")
    old_root = await root_of(user, vm["id"])
    job = await user.run("restoreVirtualMachine", virtualmachineid=vm["id"])
    assert job["jobstatus"] == 2 and job["jobresult"]["errorcode"] == 530
    assert job["jobresult"]["errortext"].startswith("Unable to start VM with specified id")
    after = await vm_of(user, vm["id"])
    assert after["state"] == "Stopped" and (await root_of(user, vm["id"]))["id"] != old_root["id"]
    await user.run("destroyVirtualMachine", id=vm["id"])
    destroyed = await sim.admin.call("restoreVirtualMachine", virtualmachineid=vm["id"])
    assert destroyed.status == 530 and destroyed["errortext"] == \
        f"Vm {vm['id']} currently in Destroyed state, restore vm can only execute when VM in Running or Stopped"


async def test_a_vm_booted_from_a_password_enabled_iso_is_password_enabled(sim, files):  # noqa: F811
    base, _ = files
    user = await sim.user()
    iso = await iso_in(sim, user, f"{base}/good.iso", name="installer", passwordenabled="true", bootable="true")
    disk = (await user.ok("listDiskOfferings", name="Medium"))["diskoffering"][0]
    vm = await deployed(sim, user, templateid=iso["id"], diskofferingid=disk["id"], hypervisor="Simulator")
    assert vm["passwordenabled"] is True and vm["password"]
    assert (await vm_of(user, vm["id"]))["passwordenabled"] is True
    assert (await user.run("stopVirtualMachine", id=vm["id"]))["jobstatus"] == 1
    job = await user.run("resetPasswordForVirtualMachine", id=vm["id"])
    assert job["jobstatus"] == 1 and job["jobresult"]["virtualmachine"]["password"] != vm["password"]
