"""Live migration and host maintenance: running VMs move to other hosts, capacity follows them."""
from __future__ import annotations

from tests.api.vm_helpers import deployed, sim, vm_of  # noqa: F401


async def _host(api, host_id) -> dict:
    return (await api.ok("listHosts", id=host_id))["host"][0]


async def test_migrate_to_a_named_host_and_autoselect(sim):
    vm = await deployed(sim)
    full = await vm_of(sim.admin, vm["id"])
    source = full["hostid"]
    cluster = (await _host(sim.admin, source))["clusterid"]
    hosts = [h for h in (await sim.admin.ok("listHosts", type="Routing", clusterid=cluster))["host"]
             if h["id"] != source]
    target = hosts[0]
    before = (await _host(sim.admin, target["id"]))["memoryallocated"]
    source_before = (await _host(sim.admin, source))["memoryallocated"]
    job = await sim.admin.run("migrateVirtualMachine", virtualmachineid=vm["id"], hostid=target["id"])
    assert job["jobstatus"] == 1, job
    moved = job["jobresult"]["virtualmachine"]
    assert moved["hostid"] == target["id"] and moved["state"] == "Running"
    assert (await _host(sim.admin, target["id"]))["memoryallocated"] > before
    assert (await _host(sim.admin, source))["memoryallocated"] < source_before
    job = await sim.admin.run("migrateVirtualMachine", virtualmachineid=vm["id"], autoselect="true")
    assert job["jobstatus"] == 1 and job["jobresult"]["virtualmachine"]["hostid"] != target["id"]
    now = (await vm_of(sim.admin, vm["id"]))["hostid"]
    assert (await _host(sim.admin, now))["clusterid"] == cluster      # no storage motion
    events = (await sim.admin.ok("listEvents", type="VM.MIGRATE", listall="true"))["event"]
    assert any(e["state"] == "Completed" for e in events)


async def test_migrate_errors(sim):
    vm = await deployed(sim)
    user = await sim.user("User")
    current = (await vm_of(sim.admin, vm["id"]))["hostid"]
    denied = await user.call("migrateVirtualMachine", virtualmachineid=vm["id"], autoselect="true")
    assert denied.status in (401, 432, 531)
    none = await sim.admin.call("migrateVirtualMachine", virtualmachineid=vm["id"])
    assert none.status == 431 and "autoselect=true" in none.body["errortext"]
    same = await sim.admin.call("migrateVirtualMachine", virtualmachineid=vm["id"], hostid=current)
    assert same.status == 431
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    stopped = await sim.admin.call("migrateVirtualMachine", virtualmachineid=vm["id"], autoselect="true")
    assert stopped.status == 431 and "not Running" in stopped.body["errortext"]


async def test_maintenance_migrates_running_vms(sim):
    vms = [await deployed(sim) for _ in range(3)]
    host = (await vm_of(sim.admin, vms[0]["id"]))["hostid"]
    on_host = [v["id"] for v in vms if (await vm_of(sim.admin, v["id"]))["hostid"] == host]
    job = await sim.admin.run("prepareHostForMaintenance", id=host)
    assert job["jobstatus"] == 1 and job["jobresult"]["host"]["resourcestate"] == "Maintenance"
    for vm_id in on_host:
        now = await vm_of(sim.admin, vm_id)
        assert now["state"] == "Running" and now["hostid"] != host
    assert (await _host(sim.admin, host))["memoryallocated"] == 0
    # New VMs avoid the host; cancelling brings it back.
    placed = await deployed(sim)
    assert (await vm_of(sim.admin, placed["id"]))["hostid"] != host
    job = await sim.admin.run("cancelHostMaintenance", id=host)
    assert job["jobresult"]["host"]["resourcestate"] == "Enabled"


async def test_a_stopped_vm_keeps_its_capacity_for_a_while(sim):
    from cloudsim.core.vm_ops import release_expired_holds
    vm = await deployed(sim)
    host = (await vm_of(sim.admin, vm["id"]))["hostid"]
    running = (await _host(sim.admin, host))["memoryallocated"]
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    # Still counted on the host (capacity.skipcounting.hours = 3600 s by default) ...
    assert (await _host(sim.admin, host))["memoryallocated"] == running
    assert await release_expired_holds(sim.app) == 0
    # ... and started again, it comes back to that host without counting twice.
    await sim.admin.run("startVirtualMachine", id=vm["id"])
    assert (await vm_of(sim.admin, vm["id"]))["hostid"] == host
    assert (await _host(sim.admin, host))["memoryallocated"] == running
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    sim.app.clock.advance(3601)
    assert await release_expired_holds(sim.app) == 1
    assert (await _host(sim.admin, host))["memoryallocated"] == running - vm["memory"] * 1024 * 1024


async def test_destroy_gives_back_a_stopped_vms_capacity(sim):
    vm = await deployed(sim)
    host = (await vm_of(sim.admin, vm["id"]))["hostid"]
    running = (await _host(sim.admin, host))["memoryallocated"]
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    await sim.admin.run("destroyVirtualMachine", id=vm["id"])
    assert (await _host(sim.admin, host))["memoryallocated"] == running - vm["memory"] * 1024 * 1024


async def test_hosts_preferring_the_guest_os_category_come_first(sim):
    os_type = (await sim.admin.ok("listOsTypes", id=sim.template["ostypeid"]))["ostype"][0]
    categories = (await sim.admin.ok("listOsCategories"))["oscategory"]
    other = next(c for c in categories if c["id"] != os_type["oscategoryid"])
    hosts = (await sim.admin.ok("listHosts", type="Routing"))["host"]
    preferred = hosts[-1]["id"]
    for h in hosts:
        await sim.admin.ok("updateHost", id=h["id"],
                           oscategoryid=os_type["oscategoryid"] if h["id"] == preferred else other["id"])
    for _ in range(3):
        vm = await deployed(sim)
        assert (await vm_of(sim.admin, vm["id"]))["hostid"] == preferred


async def test_a_guest_that_powers_off_is_synced_to_stopped(sim):
    from cloudsim.core.agents import ping_hosts
    vm = await deployed(sim)
    full = await vm_of(sim.admin, vm["id"])
    host = full["hostid"]
    used = (await _host(sim.admin, host))["memoryallocated"]
    assert (await sim.admin.ok("simulateGuestShutdown", name=full["instancename"]))["success"] is True
    await ping_hosts(sim.app)
    now = await vm_of(sim.admin, vm["id"])
    assert now["state"] == "Stopped" and "hostid" not in now and "publicip" not in now
    assert (await _host(sim.admin, host))["memoryallocated"] == used - vm["memory"] * 1024 * 1024
    alerts = (await sim.admin.ok("listAlerts", type=27))["alert"]
    assert any("state is sync-ed (Running -> Stopped)" in a["description"] for a in alerts)
    stops = (await sim.admin.ok("listEvents", type="VM.STOP", listall="true"))["event"]
    assert any(e["description"] == "Out of band VM power off" for e in stops)
    # It starts again normally.
    assert (await sim.admin.run("startVirtualMachine", id=vm["id"]))["jobstatus"] == 1


async def test_an_ha_vm_that_powers_off_is_restarted(sim):
    from cloudsim.core.agents import ping_hosts
    ha = next(o for o in sim.offerings.values() if o.get("offerha"))
    vm = await deployed(sim, serviceofferingid=ha["id"])
    assert vm["haenable"] is True
    full = await vm_of(sim.admin, vm["id"])
    await sim.admin.ok("simulateGuestShutdown", name=full["instancename"])
    await ping_hosts(sim.app)
    now = await vm_of(sim.admin, vm["id"])
    assert now["state"] == "Running"
    alerts = (await sim.admin.ok("listAlerts", type=8))["alert"]
    assert any("stopped unexpectedly and has been restarted" in a["description"] for a in alerts)


async def test_a_migration_cut_off_by_a_dead_server_is_undone(sim):
    import uuid

    from cloudsim.core import placement, vm_ops
    from cloudsim.core.vm import need_of
    vm = await deployed(sim)
    source = (await vm_of(sim.admin, vm["id"]))["hostid"]
    cluster = (await _host(sim.admin, source))["clusterid"]
    target = next(h for h in (await sim.admin.ok("listHosts", type="Routing", clusterid=cluster))["host"]
                  if h["id"] != source)
    before = (await _host(sim.admin, target["id"]))["memoryallocated"]
    async with sim.app.db.transaction() as conn:
        row = await conn.fetchrow("SELECT * FROM vm_instance WHERE uuid = $1", uuid.UUID(vm["id"]))
        target_id = await conn.fetchval("SELECT id FROM host WHERE uuid = $1", uuid.UUID(target["id"]))
        await placement.reserve(conn, sim.app.settings, {"id": target_id, "cluster_id": row["cluster_id"]},
                                need_of(row))
        await conn.execute("UPDATE vm_instance SET state = 'Migrating', migration_target_id = $2 WHERE id = $1",
                           row["id"], target_id)
    assert (await _host(sim.admin, target["id"]))["memoryallocated"] > before
    async with sim.app.db.transaction() as conn:
        await vm_ops.recover_transitional(conn, row["id"])
    now = await vm_of(sim.admin, vm["id"])
    assert now["state"] == "Running" and now["hostid"] == source
    assert (await _host(sim.admin, target["id"]))["memoryallocated"] == before


async def test_find_hosts_for_migration_and_migrate_with_volume(sim):
    vm = await deployed(sim)
    full = await vm_of(sim.admin, vm["id"])
    cluster = (await _host(sim.admin, full["hostid"]))["clusterid"]
    reply = await sim.admin.call("findHostsForMigration", virtualmachineid=vm["id"])
    assert reply.name == "findhostsformigrationresponse"
    hosts = reply["host"]
    assert full["hostid"] not in [h["id"] for h in hosts] and reply["count"] == len(hosts) >= 1
    assert all(h["suitableformigration"] is True for h in hosts)
    assert {h["requiresStorageMotion"] for h in hosts} <= {True, False}
    assert all(h["requiresStorageMotion"] == (h["clusterid"] != cluster) for h in hosts)
    user = await sim.user("User")
    assert (await user.call("findHostsForMigration", virtualmachineid=vm["id"])).status in (401, 432, 531)

    # A host of another cluster needs storage motion: migrateVirtualMachine's job fails, WithVolume moves it.
    other = next(h for h in hosts if h["requiresStorageMotion"])      # the demo zone has two clusters
    failed = await sim.admin.run("migrateVirtualMachine", virtualmachineid=vm["id"], hostid=other["id"])
    assert failed["jobstatus"] == 2 and "not in same cluster" in failed["jobresult"]["errortext"]
    assert (await vm_of(sim.admin, vm["id"]))["hostid"] == full["hostid"]
    moved = await sim.admin.run("migrateVirtualMachineWithVolume", virtualmachineid=vm["id"], hostid=other["id"])
    assert moved["jobstatus"] == 1 and moved["jobresult"]["virtualmachine"]["hostid"] == other["id"]
    same = await sim.admin.call("migrateVirtualMachineWithVolume", virtualmachineid=vm["id"], hostid=other["id"])
    assert same.status == 431 and "already present on this host" in same.body["errortext"]
    pool = await sim.admin.call("migrateVirtualMachineWithVolume", virtualmachineid=vm["id"], autoselect="true",
                                **{"migrateto[0].volume": "0a0b0c0d-1111-4222-8333-000000000000",
                                   "migrateto[0].pool": "0a0b0c0d-1111-4222-8333-000000000001"})
    assert pool.status == 431
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    stopped = await sim.admin.call("findHostsForMigration", virtualmachineid=vm["id"])
    assert stopped.status == 431 and "VM is not Running" in stopped.body["errortext"]


async def test_a_failed_start_keeps_the_stopped_vms_hold(sim):
    vm = await deployed(sim)
    host = (await vm_of(sim.admin, vm["id"]))["hostid"]
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    held = (await _host(sim.admin, host))["memoryallocated"]
    # Every host refuses starts: the start fails, the VM stays Stopped and keeps its reservation.
    await sim.admin.ok("configureSimulator", name="StartCommand", value="result:fail", zoneid=sim.zone["id"])
    failed = await sim.admin.run("startVirtualMachine", id=vm["id"])
    assert failed["jobstatus"] == 2 and failed["jobresult"]["errorcode"] == 533
    assert (await vm_of(sim.admin, vm["id"]))["state"] == "Stopped"
    assert (await _host(sim.admin, host))["memoryallocated"] == held
