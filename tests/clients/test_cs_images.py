"""The `cs` library works a VM's images and keys: register an ISO, attach and eject it, give a
stopped VM a new key pair, rebuild its root disk. cs is blocking, so it runs in a thread while the
server (and the web server holding the ISO) keep running on the test's event loop."""
from __future__ import annotations

import asyncio
import time

import pytest
from cs import CloudStack, CloudStackApiException

from tests.api.test_isos import files  # noqa: F401  (fixture: a local web server with a real ISO)
from tests.api.vm_helpers import sim  # noqa: F401


def story(url, key, secret, zone, offering, template, iso_url) -> dict:
    api = CloudStack(endpoint=url, key=key, secret=secret, fetch_result=True, poll_interval=0.05, job_timeout=60)
    seen: dict = {}
    ostype = api.listOsTypes(description="Other (64-bit)")["ostype"][0]["id"]
    iso = api.registerIso(name="cs-tools", displaytext="tools from cs", url=iso_url, zoneid=zone,
                          ostypeid=ostype)["iso"][0]
    deadline = time.monotonic() + 30
    while not api.listIsos(id=iso["id"], isofilter="self")["iso"][0]["isready"]:
        assert time.monotonic() < deadline, "the ISO never became ready"
        time.sleep(0.1)
    api.createSSHKeyPair(name="old-key")
    api.createSSHKeyPair(name="new-key")
    vm = api.deployVirtualMachine(zoneid=zone, serviceofferingid=offering, templateid=template,
                                  keypair="old-key")["virtualmachine"]
    seen["attached"] = api.attachIso(id=iso["id"], virtualmachineid=vm["id"])["virtualmachine"]
    seen["listed"] = api.listVirtualMachines(isoid=iso["id"], fetch_list=True)
    seen["detached"] = api.detachIso(virtualmachineid=vm["id"])["virtualmachine"]
    with pytest.raises(CloudStackApiException) as running:
        api.resetSSHKeyForVirtualMachine(id=vm["id"], keypair="new-key")
    seen["running"] = running.value.error
    api.stopVirtualMachine(id=vm["id"])
    seen["rekeyed"] = api.resetSSHKeyForVirtualMachine(id=vm["id"], keypair="new-key")["virtualmachine"]
    seen["by_key"] = api.listVirtualMachines(keypair="new-key", fetch_list=True)
    seen["root_before"] = api.listVolumes(virtualmachineid=vm["id"], type="ROOT")["volume"][0]
    seen["restored"] = api.restoreVirtualMachine(virtualmachineid=vm["id"])["virtualmachine"]
    seen["root_after"] = api.listVolumes(virtualmachineid=vm["id"], type="ROOT")["volume"][0]
    seen["started"] = api.startVirtualMachine(id=vm["id"])["virtualmachine"]
    seen["vm"] = vm
    return seen


async def test_cs_attaches_isos_resets_keys_and_restores(sim, files):  # noqa: F811
    base, _ = files
    user = await sim.user()
    seen = await asyncio.to_thread(story, sim.url, user.api_key, user.secret, sim.zone["id"], sim.small["id"],
                                   sim.template["id"], f"{base}/good.iso")
    vm = seen["vm"]
    assert seen["attached"]["isoname"] == "cs-tools" and seen["attached"]["state"] == "Running"
    assert [v["id"] for v in seen["listed"]] == [vm["id"]]
    assert "isoid" not in seen["detached"]
    assert seen["running"]["errorcode"] == 431
    assert seen["running"]["errortext"] == f"Vm {vm['id']} should be stopped to do SSH Key reset"
    assert seen["rekeyed"]["keypairs"] == "new-key" and seen["rekeyed"]["state"] == "Stopped"
    assert [v["id"] for v in seen["by_key"]] == [vm["id"]]
    restored = seen["restored"]
    assert restored["id"] == vm["id"] and restored["state"] == "Stopped" and restored["password"]
    assert restored["keypairs"] == "new-key" and restored["nic"][0]["ipaddress"] == vm["nic"][0]["ipaddress"]
    assert seen["root_after"]["id"] != seen["root_before"]["id"]
    assert seen["started"]["state"] == "Running"
