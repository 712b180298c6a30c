"""A newcomer's first start: the demo zone is there, with CloudStack's simulator names."""
import pytest

from tests.conftest import fresh_database, start_cloud


@pytest.fixture
async def demo(pg_dsn, template_dsn, tmp_path):
    import aiohttp
    from tests.conftest import Cloud
    dsn = await fresh_database(pg_dsn)
    app, url, keys = await start_cloud(dsn, tmp_path, {("demo", "enabled"): True})
    async with aiohttp.ClientSession() as http:
        yield Cloud(app, url, http, keys)
    await app.stop()


async def test_demo_zone_is_ready(demo):
    zones = (await demo.admin.ok("listZones", name="Sandbox-simulator"))["zone"]
    assert len(zones) == 1 and zones[0]["networktype"] == "Basic" and zones[0]["securitygroupsenabled"] is True
    hosts = (await demo.admin.ok("listHosts", zoneid=zones[0]["id"]))["host"]
    assert len(hosts) == 4 and {h["state"] for h in hosts} == {"Up"}
    assert len({h["clusterid"] for h in hosts}) == 2
    names = [o["name"] for o in (await demo.admin.ok("listServiceOfferings"))["serviceoffering"]]
    assert names[:2] == ["Small Instance", "Medium Instance"]
    small = (await demo.admin.ok("listServiceOfferings", name="Small Instance"))["serviceoffering"][0]
    assert (small["cpunumber"], small["cpuspeed"], small["memory"]) == (1, 500, 512)
    assert any(o["offerha"] for o in (await demo.admin.ok("listServiceOfferings"))["serviceoffering"])
    ranges = (await demo.admin.ok("listVlanIpRanges", zoneid=zones[0]["id"]))["vlan"]
    assert sorted(r["forvirtualnetwork"] for r in ranges) == [False, True]


async def test_demo_template_and_iso_for_a_user(demo):
    user = await demo.user()
    featured = (await user.ok("listTemplates", templatefilter="featured"))["template"]
    assert [t["name"] for t in featured] == ["CentOS 5.6 (64-bit) no GUI (Simulator)"]
    template = featured[0]
    assert template["isready"] is True and template["hypervisor"] == "Simulator"
    assert template["ostypename"] == "CentOS 5.6 (64-bit)" and template["zonename"] == "Sandbox-simulator"
    executable = (await user.ok("listTemplates", templatefilter="executable"))["template"]
    assert [t["id"] for t in executable] == [template["id"]]
    assert await user.ok("listTemplates", templatefilter="self") == {}


async def test_demo_is_created_once(demo, tmp_path):
    from cloudsim.core.demo import create_demo_zone
    assert await create_demo_zone(demo.app) is False
    assert (await demo.admin.ok("listZones"))["count"] == 1
