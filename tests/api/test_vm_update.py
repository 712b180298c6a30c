"""Names, updates, instance groups, passwords, and a VM's volumes and NICs."""
import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.api.vm_helpers import deploy, deployed, sim, vm_of  # noqa: F401

RFC_TEXT = ("Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the "
            "hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't start "
            "with digit")


async def test_host_name_rules(sim):
    user = await sim.user()
    for bad in ("1web", "-web", "web-", "we_b", "a" * 64):
        reply = await deploy(sim, user, wait=False, name=bad)
        assert reply.status == 431 and reply["errortext"] == RFC_TEXT, bad
    await deployed(sim, user, name="app")
    clash = await deploy(sim, user, wait=False, name="APP")
    assert clash.status == 431 and "The vm with hostName APP already exists in the network domain" in clash["errortext"]
    # The flag only changes VMware VMs: on the simulator the internal name keeps instance.name.
    await sim.admin.ok("updateConfiguration", name="vm.instancename.flag", value="true")
    vm = await deployed(sim, user, name="db", displayname="Database")
    internal = (await vm_of(sim.admin, vm["id"]))["instancename"]
    assert internal.endswith("-VM") and vm["name"] == "db" and vm["displayname"] == "Database"
    await sim.admin.ok("updateConfiguration", name="instance.name", value="SIM")
    renamed = await deployed(sim, user)
    assert renamed["name"] == f"SIM-{renamed['id']}"
    assert (await vm_of(sim.admin, renamed["id"]))["instancename"].endswith("-SIM")


async def test_update_virtual_machine(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    os_types = (await user.ok("listOsTypes", description="Other Linux (64-bit)"))["ostype"]
    updated = (await user.ok("updateVirtualMachine", id=vm["id"], displayname="Renamed", group="g1",
                             ostypeid=os_types[0]["id"], name="newname",
                             **{"details[0].keyboard": "us"}))["virtualmachine"]
    assert updated["displayname"] == "Renamed" and updated["group"] == "g1" and updated["name"] == "newname"
    assert updated["ostypeid"] == os_types[0]["id"] and updated["details"] == {"keyboard": "us"}
    ha = await user.call("updateVirtualMachine", id=vm["id"], haenable="true")
    assert ha.status == 431 and ha["errortext"] == \
        "Can't enable ha for the vm as it's created from the Service offering having HA disabled"
    ha_vm = await deployed(sim, user, serviceofferingid=sim.offerings["Small Instance HA"]["id"])
    assert ha_vm["haenable"] is True
    off = (await user.ok("updateVirtualMachine", id=ha_vm["id"], haenable="false"))["virtualmachine"]
    assert off["haenable"] is False
    assert (await user.ok("listVirtualMachines", haenable="true")).get("count") is None
    scalable = await user.call("updateVirtualMachine", id=vm["id"], isdynamicallyscalable="true")
    assert scalable.status == 431 and "Dynamic Scaling cannot be enabled" in scalable["errortext"]
    denied = await user.call("updateVirtualMachine", id=vm["id"], **{"details[0].rootdisksize": "10"})
    assert denied.status == 431 and "restricted setting: rootdisksize" in denied["errortext"]
    userdata = base64.b64encode(b"#cloud-config\n").decode()
    assert (await user.ok("updateVirtualMachine", id=vm["id"], userdata=userdata))["virtualmachine"]["id"] == vm["id"]
    shown = (await user.ok("listVirtualMachines", id=vm["id"], userdata="true"))["virtualmachine"][0]
    assert shown["userdata"] == userdata
    bad = await user.call("updateVirtualMachine", id=vm["id"], userdata="%%%not base64")
    assert bad.status == 431


async def test_instance_groups(sim):
    user = await sim.user()
    group = (await user.ok("createInstanceGroup", name="frontend"))["instancegroup"]
    assert group["name"] == "frontend" and group["account"] == user.account["name"]
    dup = await user.call("createInstanceGroup", name="FRONTEND")
    assert dup.status == 431
    vm = await deployed(sim, user, group="frontend")
    assert vm["groupid"] == group["id"]
    renamed = (await user.ok("updateInstanceGroup", id=group["id"], name="web"))["instancegroup"]
    assert renamed["name"] == "web"
    assert (await vm_of(user, vm["id"]))["group"] == "web"
    other = await sim.user()
    assert (await other.call("deleteInstanceGroup", id=group["id"])).status == 531
    assert (await other.ok("listInstanceGroups")).get("count") is None
    assert (await user.ok("deleteInstanceGroup", id=group["id"]))["success"] is True
    assert "group" not in (await vm_of(user, vm["id"]))
    assert (await user.ok("listInstanceGroups")).get("count") is None


async def test_password_reset_and_get_vm_password(sim):
    user = await sim.user()
    made = (await user.ok("createSSHKeyPair", name="k1"))["keypair"]
    vm = await deployed(sim, user, keypair="k1")
    assert vm["keypairs"] == "k1"
    key = serialization.load_pem_private_key(made["privatekey"].encode(), password=None)
    encrypted = (await user.ok("getVMPassword", id=vm["id"]))["password"]["encryptedpassword"]
    assert key.decrypt(base64.b64decode(encrypted), padding.PKCS1v15()).decode() == vm["password"]
    running = await user.call("resetPasswordForVirtualMachine", id=vm["id"])
    assert running.status == 431 and "should be stopped to do password reset" in running["errortext"]
    await user.run("stopVirtualMachine", id=vm["id"])
    reset = (await user.run("resetPasswordForVirtualMachine", id=vm["id"]))["jobresult"]["virtualmachine"]
    assert reset["password"] and reset["password"] != vm["password"]
    encrypted = (await user.ok("getVMPassword", id=vm["id"]))["password"]["encryptedpassword"]
    assert key.decrypt(base64.b64decode(encrypted), padding.PKCS1v15()).decode() == reset["password"]
    nokey = await deployed(sim, user)
    missing = await user.call("getVMPassword", id=nokey["id"])
    assert missing.status == 431 and missing["errortext"].startswith("No password found for VM")
    unknown_key = await deploy(sim, user, wait=False, keypair="nope")
    assert unknown_key.status == 431 and unknown_key["errortext"] == "Not all specified keypairs exist"


async def test_volumes_and_nics_of_a_vm(sim):
    user = await sim.user()
    small_disk = (await user.ok("listDiskOfferings", name="Small"))["diskoffering"][0]
    vm = await deployed(sim, user, diskofferingid=small_disk["id"])
    volumes = (await user.ok("listVolumes", virtualmachineid=vm["id"]))["volume"]
    assert [v["type"] for v in volumes] == ["ROOT", "DATADISK"]
    root = (await user.ok("listVolumes", virtualmachineid=vm["id"], type="ROOT"))["volume"][0]
    assert root["size"] == 2 * 1024 ** 3 and root["state"] == "Ready" and root["virtualmachineid"] == vm["id"]
    assert root["vmname"] == vm["name"] and isinstance(root["deviceid"], int)
    assert volumes[1]["size"] == 5 * 1024 ** 3
    nics = (await user.ok("listNics", virtualmachineid=vm["id"]))["nic"]
    assert len(nics) == 1 and nics[0]["ipaddress"] == vm["nic"][0]["ipaddress"] and nics[0]["isdefault"] is True
    # Destroy deletes the named data volume with the VM; the root volume goes at expunge.
    data = volumes[1]["id"]
    await sim.admin.run("destroyVirtualMachine", id=vm["id"], volumeids=data, expunge="true")
    assert (await user.ok("listVolumes")).get("count") is None
    resized = await deployed(sim, user, rootdisksize=20)
    root = (await user.ok("listVolumes", virtualmachineid=resized["id"]))["volume"][0]
    assert root["size"] == 20 * 1024 ** 3
    small = await deploy(sim, user, wait=False, rootdisksize=1)
    assert small.status == 431


async def test_deploy_from_iso_needs_a_disk_offering(sim):
    user = await sim.user()
    iso = (await user.ok("listIsos", isofilter="featured"))["iso"][0]
    missing = await deploy(sim, user, wait=False, templateid=iso["id"])
    assert missing.status == 431 and missing["errortext"] == \
        "Installing from ISO requires a disk offering to be specified for the root disk."
    disk = (await user.ok("listDiskOfferings", name="Medium"))["diskoffering"][0]
    vm = await deployed(sim, user, templateid=iso["id"], diskofferingid=disk["id"], hypervisor="Simulator")
    assert vm["state"] == "Running" and vm["isoid"] == iso["id"] and vm["templateid"] == iso["id"]
    root = (await user.ok("listVolumes", virtualmachineid=vm["id"]))["volume"][0]
    assert root["type"] == "ROOT" and root["size"] == 20 * 1024 ** 3


async def test_account_counts_and_userdata_in_use(sim):
    user = await sim.user()
    await deployed(sim, user)
    await deployed(sim, user, startvm="false")
    account = (await user.ok("listAccounts"))["account"][0]
    assert account["vmtotal"] == 2 and account["vmrunning"] == 1 and account["vmstopped"] == 1
    assert account["cputotal"] == 2 and account["memorytotal"] == 1024
    text = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    stored = (await user.ok("registerUserData", name="boot", userdata=text))["userdata"]
    vm = await deployed(sim, user, userdataid=stored["id"])
    assert vm["userdataid"] == stored["id"] and vm["userdataname"] == "boot"
    in_use = await sim.admin.call("deleteUserData", id=stored["id"])
    assert in_use.status == 530 and in_use["errortext"] == "Userdata boot cannot be removed as it is being used by some VMs"
    both = await deploy(sim, user, wait=False, userdataid=stored["id"], userdata=text)
    assert both.status == 431


async def test_get_virtual_machine_user_data(sim):
    user = await sim.user("User")
    vm = await deployed(sim, user, userdata="I2Nsb3VkLWNvbmZpZwpydW5jbWQ6IFtscy"
                                             "BdCg==")
    reply = await user.call("getVirtualMachineUserData", virtualmachineid=vm["id"])
    assert reply.name == "getvirtualmachineuserdataresponse"
    data = reply["virtualmachineuserdata"]
    assert data == {"virtualmachineid": vm["id"], "userdata": "I2Nsb3VkLWNvbmZpZwpydW5jbWQ6IFtscyBdCg=="}
    plain = await deployed(sim, user)
    assert (await user.ok("getVirtualMachineUserData", virtualmachineid=plain["id"]))["virtualmachineuserdata"] == {
        "virtualmachineid": plain["id"]}
    other = await sim.user("User")
    assert (await other.call("getVirtualMachineUserData", virtualmachineid=vm["id"])).status == 531
