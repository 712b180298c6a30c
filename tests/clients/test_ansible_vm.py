"""Ansible's cs_instance takes a VM through every state it knows (present, stopped, started,
restarted, absent, present again, expunged); each task runs twice and the second run changes
nothing (restarted always reboots, as the module means it to). cs_instance_info reports it."""
from tests.api.vm_helpers import TEMPLATE, sim, vm_of  # noqa: F401
from tests.clients.ansible_support import playbook

CS = "ngine_io.cloudstack."
VM = {"name": "ans-web", "zone": "Sandbox-simulator"}
PRESENT = {**VM, "display_name": "Ansible web", "template": TEMPLATE, "service_offering": "Small Instance",
           "group": "web", "user_data": "#cloud-config\nhostname: ans-web\n", "tags": [{"key": "role", "value": "web"}]}


def twice(name: str, args: dict) -> list[dict]:
    task = {CS + "cs_instance": args}
    return [{"name": name, **task}, {"name": name + " again", **task}]


async def test_ansible_takes_a_vm_through_its_states(sim, tmp_path):  # noqa: F811
    user = await sim.user()
    # Users may see, recover and expunge their destroyed VMs here, so the play can bring one back.
    for setting in ("allow.user.view.destroyed.vm", "allow.user.expunge.recover.vm"):
        await sim.admin.ok("updateConfiguration", name=setting, value="true")
    results = await playbook(user, tmp_path, [
        *twice("present", PRESENT),
        {"name": "info", CS + "cs_instance_info": {"name": "ans-web"}},
        *twice("stopped", {**VM, "state": "stopped"}),
        *twice("started", {**VM, "state": "started"}),
        {"name": "restarted", CS + "cs_instance": {**VM, "state": "restarted"}},
        *twice("absent", {**VM, "state": "absent"}),
        *twice("recovered", PRESENT),
        *twice("expunged", {**VM, "state": "expunged"}),
    ])
    for name, result in results.items():
        assert not result.get("failed"), (name, result.get("msg"))
    for name, state in (("present", "Running"), ("stopped", "Stopped"), ("started", "Running"),
                        ("absent", "Destroyed"), ("recovered", "Stopped")):
        assert results[name]["changed"] is True, name
        assert results[name + " again"]["changed"] is False, name
        assert results[name]["state"] == results[name + " again"]["state"] == state, name
    assert results["restarted"]["changed"] is True and results["restarted"]["state"] == "Running"
    assert results["expunged"]["changed"] is True and results["expunged again"]["changed"] is False

    made = results["present"]
    assert made["display_name"] == "Ansible web" and made["group"] == "web" and made["template"] == TEMPLATE
    assert made["service_offering"] == "Small Instance" and made["security_groups"] == ["default"]
    assert made["user_data"] == "I2Nsb3VkLWNvbmZpZwpob3N0bmFtZTogYW5zLXdlYgo="
    assert made["tags"] == [{"key": "role", "value": "web"}] and made["default_ip"].startswith("10.1.1.")
    assert results["recovered"]["id"] == made["id"]     # the destroyed VM came back, no new one
    [info] = results["info"]["instances"]
    assert info["id"] == made["id"] and info["state"] == "Running" and info["default_ip"] == made["default_ip"]
    assert [(v["type"], v["size"]) for v in info["volumes"]] == [("ROOT", 2 * 1024 ** 3)]
    assert await vm_of(user, made["id"]) is None
