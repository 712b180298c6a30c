"""Ansible's ngine_io.cloudstack modules register an ISO, make key pairs, boot a VM from the ISO with a
key, give it another key, rebuild it, and clean up (the ISO only once no VM holds it)."""
from tests.api.test_isos import files, wait_iso  # noqa: F401  (fixture: a local web server with a real ISO)
from tests.api.vm_helpers import sim, vm_of  # noqa: F401
from tests.clients.ansible_support import playbook

CS = "ngine_io.cloudstack."
ZONE = "Sandbox-simulator"


async def test_iso_keys_and_instance_with_ansible(sim, files, tmp_path):  # noqa: F811
    base, _ = files
    user = await sim.user()
    prepared = await playbook(user, tmp_path, [
        {"name": "iso", CS + "cs_iso": {"name": "ans-iso", "url": f"{base}/good.iso", "zone": ZONE,
                                         "os_type": "Other (64-bit)", "bootable": True}},
        {"name": "first key", CS + "cs_sshkeypair": {"name": "ans-key"}},
        {"name": "second key", CS + "cs_sshkeypair": {"name": "ans-key2"}},
    ])
    for name, result in prepared.items():
        assert not result.get("failed"), (name, result.get("msg"))
    assert prepared["iso"]["changed"] is True and prepared["first key"]["private_key"].startswith("-----BEGIN")
    iso = (await user.ok("listIsos", isofilter="self", name="ans-iso"))["iso"][0]
    await wait_iso(user, iso["id"], lambda i: i["isready"])

    # Users may expunge their own VMs here, so the play can clean up after itself.
    await sim.admin.ok("updateConfiguration", name="allow.user.expunge.recover.vm", value="true")
    instance = {"name": "ans-vm", "zone": ZONE}
    results = await playbook(user, tmp_path, [
        {"name": "boot from iso", CS + "cs_instance": {
            **instance, "iso": "ans-iso", "disk_offering": "Medium", "hypervisor": "Simulator",
            "service_offering": "Small Instance", "ssh_key": "ans-key"}},
        {"name": "new key", CS + "cs_instance": {**instance, "ssh_key": "ans-key2", "force": True}},
        {"name": "rebuild", CS + "cs_instance": {**instance, "state": "restored", "iso": "ans-iso"}},
        {"name": "iso in use", CS + "cs_iso": {"name": "ans-iso", "zone": ZONE, "state": "absent"}},
        {"name": "expunge", CS + "cs_instance": {**instance, "state": "expunged"}},
        {"name": "drop iso", CS + "cs_iso": {"name": "ans-iso", "zone": ZONE, "state": "absent"}},
    ])
    for name in ("boot from iso", "new key", "rebuild", "expunge", "drop iso"):
        assert not results[name].get("failed"), (name, results[name].get("msg"))
        assert results[name]["changed"] is True, name
    booted = results["boot from iso"]
    assert booted["iso"] == "ans-iso" and booted["template"] == "ans-iso" and booted["state"] == "Running"
    assert booted["ssh_keys"] == "ans-key"
    # Ansible stopped the VM, reset its key (only a stopped VM takes one) and started it again.
    rekeyed = results["new key"]
    assert rekeyed["ssh_keys"] == "ans-key2" and rekeyed["state"] == "Running" and rekeyed["id"] == booted["id"]
    rebuilt = results["rebuild"]
    assert rebuilt["state"] == "Running" and rebuilt["iso"] == "ans-iso" and rebuilt["ssh_keys"] == "ans-key2"
    assert rebuilt["default_ip"] == booted["default_ip"]
    vm_id = booted["id"]
    assert results["iso in use"]["failed"] is True
    assert "Unable to delete iso, as it's used by other vms" in results["iso in use"]["msg"]
    assert await vm_of(user, vm_id) is None
    assert await user.ok("listIsos", isofilter="self") == {}
