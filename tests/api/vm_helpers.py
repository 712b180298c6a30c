"""Shared pieces of the VM tests: a cloud with the demo zone, and deploy/lookup helpers."""
from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import Cloud, fresh_database, start_cloud

TEMPLATE = "CentOS 5.6 (64-bit) no GUI (Simulator)"


@pytest.fixture
async def sim(pg_dsn, template_dsn, tmp_path):
    """A running cloudsim with the demo zone (4 simulator hosts, offerings, template, IP ranges)."""
    dsn = await fresh_database(pg_dsn)
    app, url, keys = await start_cloud(dsn, tmp_path, {("demo", "enabled"): True})
    async with aiohttp.ClientSession() as http:
        cloud = Cloud(app, url, http, keys)
        cloud.zone = (await cloud.admin.ok("listZones", name="Sandbox-simulator"))["zone"][0]
        offerings = (await cloud.admin.ok("listServiceOfferings"))["serviceoffering"]
        cloud.offerings = {o["name"]: o for o in offerings}
        cloud.small = cloud.offerings["Small Instance"]
        cloud.template = (await cloud.admin.ok("listTemplates", templatefilter="featured",
                                               name=TEMPLATE))["template"][0]
        yield cloud
    await app.stop()


async def deploy(cloud, api=None, wait: bool = True, **params):
    """deployVirtualMachine in the demo zone; returns the finished job (or the submission when wait=False)."""
    api = api or cloud.admin
    args = dict(zoneid=cloud.zone["id"], serviceofferingid=cloud.small["id"], templateid=cloud.template["id"])
    args.update(params)
    submitted = await api.call("deployVirtualMachine", **args)
    if not wait or submitted.status != 200:
        return submitted
    job = await api.wait_job(submitted["jobid"])
    job["vmid"] = submitted["id"]
    return job


async def deployed(cloud, api=None, **params) -> dict:
    """A VM that deployed fine: its virtualmachine object from the job result."""
    job = await deploy(cloud, api, **params)
    assert job["jobstatus"] == 1, job
    return job["jobresult"]["virtualmachine"]


async def vm_of(api, vm_id: str) -> dict | None:
    body = await api.ok("listVirtualMachines", id=vm_id, listall="true")
    return body["virtualmachine"][0] if body.get("count") else None
