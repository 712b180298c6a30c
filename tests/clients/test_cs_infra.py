"""The real `cs` library finds the demo zone as a CloudStack user would."""
import asyncio

from cs import CloudStack

from tests.api.test_demo_zone import demo  # noqa: F401  (fixture)


async def test_cs_lists_the_demo_zone(demo):  # noqa: F811
    user = await demo.user()
    client = CloudStack(endpoint=demo.url, key=user.api_key, secret=user.secret)
    zones = await asyncio.to_thread(client.listZones)
    assert [z["name"] for z in zones["zone"]] == ["Sandbox-simulator"]
    templates = await asyncio.to_thread(client.listTemplates, templatefilter="featured",
                                        zoneid=zones["zone"][0]["id"])
    assert templates["template"][0]["name"] == "CentOS 5.6 (64-bit) no GUI (Simulator)"
    offerings = await asyncio.to_thread(client.listServiceOfferings, fetch_list=True)
    assert {"Small Instance", "Medium Instance"} <= {o["name"] for o in offerings}
    admin = CloudStack(endpoint=demo.url, key=demo.admin.api_key, secret=demo.admin.secret, method="post")
    hosts = await asyncio.to_thread(admin.listHosts, zoneid=zones["zone"][0]["id"], fetch_list=True)
    assert len(hosts) == 4 and all(h["hypervisor"] == "Simulator" for h in hosts)
