"""Ansible's cs_instance changes the service offering of an existing VM (changeServiceForVirtualMachine):
a stopped VM at once, a running one only with force (stopped, changed, started again); each change is
idempotent, and without force a running VM is left alone with a warning."""
from tests.api.vm_helpers import TEMPLATE, sim, vm_of  # noqa: F401
from tests.clients.ansible_support import playbook

CS = "ngine_io.cloudstack."
VM = {"name": "ans-size", "zone": "Sandbox-simulator", "template": TEMPLATE}


def task(name: str, **args) -> dict:
    return {"name": name, CS + "cs_instance": {**VM, **args}}


async def test_ansible_changes_the_offering_of_an_existing_vm(sim, tmp_path):  # noqa: F811
    user = await sim.user()
    results = await playbook(user, tmp_path, [
        task("deployed", service_offering="Small Instance"),
        task("running, no force", service_offering="Medium Instance"),
        task("running, forced", service_offering="Medium Instance", force=True),
        task("running, forced again", service_offering="Medium Instance", force=True),
        task("stopped", service_offering="Medium Instance", state="stopped"),
        task("stopped, smaller", service_offering="Small Instance", state="stopped"),
        task("stopped, smaller again", service_offering="Small Instance", state="stopped"),
    ])
    for name, result in results.items():
        assert not result.get("failed"), (name, result.get("msg"))
    assert results["deployed"]["service_offering"] == "Small Instance"
    untouched = results["running, no force"]
    assert untouched["changed"] is False and untouched["service_offering"] == "Small Instance"
    assert any("Changes won't be applied to running instances" in w for w in untouched.get("warnings", []))
    forced = results["running, forced"]
    assert forced["changed"] is True and forced["service_offering"] == "Medium Instance"
    assert forced["state"] == "Running"
    assert results["running, forced again"]["changed"] is False
    assert results["stopped"]["changed"] is True and results["stopped"]["state"] == "Stopped"
    smaller = results["stopped, smaller"]
    assert smaller["changed"] is True and smaller["state"] == "Stopped"
    assert smaller["service_offering"] == "Small Instance"
    assert results["stopped, smaller again"]["changed"] is False
    vm = await vm_of(user, forced["id"])
    assert (vm["serviceofferingname"], vm["memory"], vm["state"]) == ("Small Instance", 512, "Stopped")
    events = (await user.ok("listEvents", type="VM.UPGRADE"))["event"]
    assert len(events) == 2
