"""The `cs` library works a VM's snapshots as a user would: take one with memory and one of the disks,
list them, go back to the first while the VM runs, delete them; a refusal arrives as CloudStack's error.
cs runs in a thread because it is a blocking client; the server keeps running on the test's event loop.
"""
from __future__ import annotations

import asyncio

import pytest
from cs import CloudStack, CloudStackApiException

from tests.api.vm_helpers import sim  # noqa: F401


def snapshots(url: str, key: str, secret: str, zone: str, offering: str, template: str) -> dict:
    api = CloudStack(endpoint=url, key=key, secret=secret, fetch_result=True, poll_interval=0.05, job_timeout=60)
    vm = api.deployVirtualMachine(zoneid=zone, serviceofferingid=offering, templateid=template,
                                  name="cs-snap")["virtualmachine"]
    first = api.createVMSnapshot(virtualmachineid=vm["id"], name="cs-first", snapshotmemory=True)["vmsnapshot"]
    second = api.createVMSnapshot(virtualmachineid=vm["id"], name="cs-second", description="disks")["vmsnapshot"]
    listed = api.listVMSnapshot(virtualmachineid=vm["id"], fetch_list=True)
    reverted = api.revertToVMSnapshot(vmsnapshotid=first["id"])["virtualmachine"]
    with pytest.raises(CloudStackApiException) as refused:
        api.revertToVMSnapshot(vmsnapshotid=second["id"])
    after = {s["displayname"]: s["current"] for s in api.listVMSnapshot(fetch_list=True)}
    deleted = [api.deleteVMSnapshot(vmsnapshotid=s["id"])["success"] for s in (second, first)]
    return {"first": first, "second": second, "listed": listed, "reverted": reverted, "refused": refused.value.error,
            "after": after, "deleted": deleted, "left": api.listVMSnapshot(fetch_list=True)}


async def test_cs_takes_reverts_and_deletes_vm_snapshots(sim):
    user = await sim.user()
    got = await asyncio.to_thread(snapshots, sim.url, user.api_key, user.secret, sim.zone["id"], sim.small["id"],
                                  sim.template["id"])
    first, second = got["first"], got["second"]
    assert (first["type"], first["state"], first["current"]) == ("DiskAndMemory", "Ready", True)
    assert (second["type"], second["parent"], second["description"]) == ("Disk", first["id"], "disks")
    assert [s["displayname"] for s in got["listed"]] == ["cs-second", "cs-first"]
    assert got["reverted"]["state"] == "Running"
    assert got["refused"]["errorcode"] == 431 and "This will result in VM state change" in got["refused"]["errortext"]
    assert got["after"] == {"cs-first": True, "cs-second": False}
    assert got["deleted"] == [True, True] and got["left"] == []
