"""Apache Libcloud's CloudStack driver runs nodes on the demo zone: sizes, images, create (stopped
and started, with a key pair, user data and a display name), list with addresses and extras,
start, reboot, stop, destroy and expunge.

Libcloud is a blocking client, so it runs in a thread while the server keeps the test's event loop.
It reads exactly the fields CloudStack 4.18 answers; where it looks for an older name (`keypair`,
not `keypairs`) the extra is None against a real server too.
"""
from __future__ import annotations

import asyncio
import base64

from libcloud.compute.providers import Provider, get_driver
from libcloud.compute.types import NodeState

from tests.api.vm_helpers import TEMPLATE, sim  # noqa: F401

USER_DATA = "#cloud-config\nhostname: lc-one\n"


def driver_for(api):
    drv = get_driver(Provider.CLOUDSTACK)(key=api.api_key, secret=api.secret, url=api.url, secure=False)
    drv.connection.poll_interval = 0.05       # libcloud polls queryAsyncJobResult every second by default
    return drv


async def test_libcloud_runs_nodes_through_their_life(sim):  # noqa: F811
    user = await sim.user()
    drv = driver_for(user)
    run = asyncio.to_thread

    sizes = {s.name: s for s in await run(drv.list_sizes)}
    assert sizes["Small Instance"].ram == 512 and sizes["Small Instance"].extra["cpu"] == 1
    location = (await run(drv.list_locations))[0]
    images = await run(drv.list_images, location)
    assert [i.name for i in images] == [TEMPLATE] and images[0].extra["os"] == "CentOS 5.6 (64-bit)"
    await run(drv.create_key_pair, "lc-key")

    # Libcloud deploys with startvm=False unless told otherwise: the first node stays Stopped.
    one = await run(drv.create_node, name="lc-one", size=sizes["Small Instance"], image=images[0],
                    location=location, ex_keyname="lc-key", ex_userdata=USER_DATA,
                    ex_displayname="Made by Libcloud")
    assert one.state == NodeState.STOPPED and one.name == "lc-one"
    assert one.extra["password"] and one.extra["password_enabled"] == "True"   # the template sets passwords
    two = await run(drv.create_node, name="lc-two", size=sizes["Medium Instance"], image=images[0],
                    location=location, ex_start_vm=True)
    assert two.state == NodeState.RUNNING

    nodes = {n.name: n for n in await run(drv.list_nodes)}
    assert sorted(nodes) == ["lc-one", "lc-two"]
    listed_one, listed_two = nodes["lc-one"], nodes["lc-two"]
    assert listed_one.state == NodeState.STOPPED and listed_two.state == NodeState.RUNNING
    for node in (listed_one, listed_two):
        assert len(node.private_ips) == 1 and node.private_ips[0].startswith("10.1.1.")
        assert node.extra["zone_name"] == "Sandbox-simulator" and node.extra["zone_id"] == location.id
        assert node.extra["image_id"] == images[0].id and node.extra["image_name"] == TEMPLATE
        assert node.extra["hypervisor"] == "Simulator" and node.extra["security_group"] == ["default"]
        assert node.extra["root_device_type"] == "ROOT" and node.extra["haenable"] == "False"
    assert listed_one.extra["size_name"] == "Small Instance"
    assert listed_two.extra["size_id"] == sizes["Medium Instance"].id
    # A running VM of an elastic-IP zone holds a public address, NATed to it; a stopped one holds none.
    assert listed_one.public_ips == [] and len(listed_two.public_ips) == 1
    assert listed_two.extra["ip_addresses"][0].address == listed_two.public_ips[0]
    vm = (await user.ok("listVirtualMachines", id=one.id))["virtualmachine"][0]
    assert vm["displayname"] == "Made by Libcloud" and vm["keypairs"] == "lc-key"
    assert listed_one.extra["key_name"] is None          # Libcloud reads `keypair`, CloudStack 4.18 says `keypairs`
    stored = (await user.ok("getVirtualMachineUserData", virtualmachineid=one.id))["virtualmachineuserdata"]
    assert base64.b64decode(stored["userdata"]).decode() == USER_DATA

    assert await run(drv.ex_start, one) == "Running"
    assert await run(drv.reboot_node, one) is True
    assert await run(drv.ex_stop, one) == "Stopped"
    assert await run(drv.ex_start, one) == "Running"
    fetched = await run(drv.ex_get_node, one.id)
    # ex_get_node keeps every NATed address of the account, not just this node's (Libcloud does not
    # compare virtualmachineid there); this node's is among them.
    now_public = (await user.ok("listVirtualMachines", id=one.id))["virtualmachine"][0]["publicip"]
    assert fetched.state == NodeState.RUNNING and now_public in fetched.public_ips

    # Destroyed VMs show (as TERMINATED) once users may see them; expunged ones are gone.
    await sim.admin.ok("updateConfiguration", name="allow.user.view.destroyed.vm", value="true")
    await sim.admin.ok("updateConfiguration", name="allow.user.expunge.recover.vm", value="true")
    assert await run(drv.destroy_node, one) is True
    assert await run(drv.destroy_node, two, ex_expunge=True) is True
    remaining = await run(drv.list_nodes)
    assert [(n.name, n.state) for n in remaining] == [("lc-one", NodeState.TERMINATED)]
