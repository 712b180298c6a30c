"""Apache Libcloud changes a node's size (`ex_change_node_size`, i.e. scaleVirtualMachine): live on a
running node where the zone allows dynamic scaling, and on a stopped one; a refused change raises.
"""
from __future__ import annotations

import asyncio

import pytest
from libcloud.compute.types import NodeState

from tests.api.vm_helpers import sim  # noqa: F401
from tests.clients.test_libcloud_vm import driver_for


async def test_libcloud_changes_the_size_of_running_and_stopped_nodes(sim):  # noqa: F811
    await sim.admin.ok("updateConfiguration", name="enable.dynamic.scale.vm", value="true", zoneid=sim.zone["id"])
    await sim.admin.ok("updateTemplate", id=sim.template["id"], isdynamicallyscalable="true")
    user = await sim.user()
    drv = driver_for(user)
    run = asyncio.to_thread
    sizes = {s.name: s for s in await run(drv.list_sizes)}
    location = (await run(drv.list_locations))[0]
    image = (await run(drv.list_images, location))[0]
    node = await run(drv.create_node, name="lc-grow", size=sizes["Small Instance"], image=image, location=location,
                     ex_start_vm=True)
    assert node.state == NodeState.RUNNING

    # Running: it grows where it runs, and keeps running.
    assert await run(drv.ex_change_node_size, node, sizes["Medium Instance"]) == sizes["Medium Instance"].id
    grown = await run(drv.ex_get_node, node.id)
    assert grown.state == NodeState.RUNNING and grown.extra["size_name"] == "Medium Instance"
    # Running VMs only grow: the way back down is refused and the node stays as it is.
    with pytest.raises(Exception, match="only scalling up it is supported"):
        await run(drv.ex_change_node_size, node, sizes["Small Instance"])
    assert (await run(drv.ex_get_node, node.id)).extra["size_name"] == "Medium Instance"

    # Stopped: any size will do.
    assert await run(drv.ex_stop, grown) == "Stopped"
    assert await run(drv.ex_change_node_size, grown, sizes["Small Instance"]) == sizes["Small Instance"].id
    small = await run(drv.ex_get_node, node.id)
    assert small.state == NodeState.STOPPED and small.extra["size_id"] == sizes["Small Instance"].id
    vm = (await user.ok("listVirtualMachines", id=node.id))["virtualmachine"][0]
    assert (vm["cpuspeed"], vm["memory"]) == (500, 512)
