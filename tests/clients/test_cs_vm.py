"""The `cs` library (what Ansible drives) takes a VM through its whole life against the in-process
server: deploy -> list -> stop -> start -> reboot -> destroy -> recover -> expunge. cs runs in a
thread because it is a blocking client; the server keeps running on the test's event loop.
"""
from __future__ import annotations

import asyncio

import pytest
from cs import CloudStack, CloudStackApiException

from tests.api.vm_helpers import sim  # noqa: F401


def lifecycle(url: str, key: str, secret: str, zone: str, offering: str, template: str) -> list[str]:
    api = CloudStack(endpoint=url, key=key, secret=secret, fetch_result=True, poll_interval=0.05, job_timeout=60)
    states = []
    vm = api.deployVirtualMachine(zoneid=zone, serviceofferingid=offering, templateid=template, name="cs-vm",
                                  displayname="made by cs")["virtualmachine"]
    states.append(vm["state"])
    listed = api.listVirtualMachines(id=vm["id"], fetch_list=True)
    assert [v["name"] for v in listed] == ["cs-vm"] and listed[0]["displayname"] == "made by cs"
    states.append(api.stopVirtualMachine(id=vm["id"])["virtualmachine"]["state"])
    states.append(api.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"])
    states.append(api.rebootVirtualMachine(id=vm["id"])["virtualmachine"]["state"])
    with pytest.raises(CloudStackApiException) as refused:
        api.startVirtualMachine(id=vm["id"])
    assert refused.value.error["errorcode"] == 431 and "is already running" in refused.value.error["errortext"]
    states.append(api.destroyVirtualMachine(id=vm["id"])["virtualmachine"]["state"])
    states.append(api.recoverVirtualMachine(id=vm["id"])["virtualmachine"]["state"])
    api.destroyVirtualMachine(id=vm["id"])
    assert api.expungeVirtualMachine(id=vm["id"])["success"] is True
    assert api.listVirtualMachines(id=vm["id"], fetch_list=True) == []
    return states


async def test_cs_drives_a_vm_through_its_life(sim):
    keys = (sim.admin.api_key, sim.admin.secret)
    states = await asyncio.to_thread(lifecycle, sim.url, *keys, sim.zone["id"], sim.small["id"], sim.template["id"])
    assert states == ["Running", "Stopped", "Running", "Running", "Destroyed", "Stopped"]
