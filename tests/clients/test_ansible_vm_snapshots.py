"""Ansible's cs_vmsnapshot takes a snapshot of a running VM with its memory, goes back to it and removes
it; present and absent run twice and the second run changes nothing. Going back to a snapshot that is
gone fails with the module's own message."""
from tests.api.vm_helpers import deployed, sim, vm_of  # noqa: F401
from tests.clients.ansible_support import playbook

CS = "ngine_io.cloudstack."
SNAP = {"name": "before-upgrade", "vm": "ans-snap", "zone": "Sandbox-simulator"}


def twice(name: str, args: dict) -> list[dict]:
    task = {CS + "cs_vmsnapshot": args}
    return [{"name": name, **task}, {"name": name + " again", **task}]


async def test_ansible_takes_reverts_and_removes_a_vm_snapshot(sim, tmp_path):  # noqa: F811
    user = await sim.user()
    vm = await deployed(sim, user, name="ans-snap")
    results = await playbook(user, tmp_path, [
        *twice("present", {**SNAP, "description": "taken by Ansible", "snapshot_memory": True}),
        {"name": "revert", CS + "cs_vmsnapshot": {**SNAP, "state": "revert"}},
        *twice("absent", {**SNAP, "state": "absent"}),
        {"name": "revert a missing one", CS + "cs_vmsnapshot": {**SNAP, "state": "revert"}},
    ])
    for name in ("present", "present again", "revert", "absent", "absent again"):
        assert not results[name].get("failed"), (name, results[name].get("msg"))
    assert results["present"]["changed"] is True and results["present again"]["changed"] is False
    made = results["present"]
    assert (made["display_name"], made["description"], made["type"]) == \
        ("before-upgrade", "taken by Ansible", "DiskAndMemory")
    assert made["state"] == "Ready" and made["current"] is True and made["zone"] == "Sandbox-simulator"
    assert results["present again"]["id"] == made["id"]
    assert results["revert"]["changed"] is True and results["revert"]["id"] == made["id"]
    assert results["absent"]["changed"] is True and results["absent again"]["changed"] is False
    missing = results["revert a missing one"]
    assert missing["failed"] and missing["msg"] == "snapshot not found, could not revert VM"
    assert (await user.ok("listVMSnapshot")) == {}
    assert (await vm_of(user, vm["id"]))["state"] == "Running"
