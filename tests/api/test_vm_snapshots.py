"""VM snapshots over HTTP: take them (disks, or disks and memory), list them, go back to one, delete them;
the chain of parents and the current snapshot; every refusal with CloudStack's code and text."""
import re
import uuid

from tests.api.vm_helpers import deploy, deployed, sim, vm_of  # noqa: F401

ACTIVE = "There is other active vm snapshot tasks on the instance, please try again later"
MISMATCH = ("VM Snapshot revert not allowed. This will result in VM state change. You can revert running VM to disk "
            "and memory type snapshot and stopped VM to disk type snapshot")


async def snap(api, vm_id, wait=True, **params):
    """createVMSnapshot; the finished job's vmsnapshot (or the submission when wait=False)."""
    submitted = await api.call("createVMSnapshot", virtualmachineid=vm_id, **params)
    if not wait:
        return submitted
    assert submitted.status == 200, submitted
    job = await api.wait_job(submitted["jobid"])
    assert job["jobstatus"] == 1, job
    return job["jobresult"]["vmsnapshot"]


async def listed(api, **params) -> list:
    return (await api.ok("listVMSnapshot", **params)).get("vmSnapshot", [])


async def sim_snapshots(sim, vm_id) -> set:
    """What the simulated hypervisor holds for the VM (snapshot keys)."""
    name = (await vm_of(sim.admin, vm_id))["instancename"]
    return {r["name"] for r in await sim.app.db.fetch("SELECT name FROM sim_vm_snapshot WHERE vm_name = $1", name)}


def failed(job, code, text):
    assert job["jobstatus"] == 2, job
    assert (job["jobresult"]["errorcode"], job["jobresult"]["errortext"]) == (code, text), job["jobresult"]


# ------------------------------------------------------------------------- create and list
async def test_snapshots_of_a_running_vm_form_a_chain(sim):
    user = await sim.user()
    vm = await deployed(sim, user, name="web")
    instance = (await vm_of(sim.admin, vm["id"]))["instancename"]
    submitted = await user.call("createVMSnapshot", virtualmachineid=vm["id"], name="before upgrade",
                                description="all of it", snapshotmemory="true", quiescevm="true")
    assert submitted.name == "createvmsnapshotresponse" and set(submitted.body) == {"id", "jobid"}
    job = await user.wait_job(submitted["jobid"])
    assert job["jobstatus"] == 1 and job["cmd"].endswith("CreateVMSnapshotCmd")
    assert (job["jobinstancetype"], job["jobinstanceid"]) == ("VmSnapshot", submitted["id"])
    first = job["jobresult"]["vmsnapshot"]
    assert first["id"] == submitted["id"] and first["state"] == "Ready" and first["type"] == "DiskAndMemory"
    assert (first["displayname"], first["description"]) == ("before upgrade", "all of it")
    assert re.fullmatch(rf"{instance}_VS_\d{{14}}", first["name"])
    assert first["current"] is True and "parent" not in first and "parentName" not in first
    assert (first["virtualmachineid"], first["virtualmachinename"]) == (vm["id"], "web")
    assert (first["zoneid"], first["zonename"]) == (sim.zone["id"], sim.zone["name"])
    assert first["hypervisor"] == "Simulator" and first["account"] == user.account["name"]
    assert first["domainid"] == user.account["domainid"] and first["tags"] == [] and "created" in first
    # Without snapshotmemory a running VM's snapshot holds its disks only; it hangs from the first.
    second = await snap(user, vm["id"])
    assert second["type"] == "Disk" and second["displayname"] == second["name"]
    assert re.fullmatch(rf"{instance}_VS_\d{{14}}", second["name"])
    assert (second["parent"], second["parentName"], second["current"]) == (first["id"], "before upgrade", True)
    # Newest first; only the second is current now.
    rows = await listed(user)
    assert [(s["id"], s["current"]) for s in rows] == [(second["id"], True), (first["id"], False)]
    assert (await user.ok("listVMSnapshot"))["count"] == 2
    # The hypervisor holds both.
    assert await sim_snapshots(sim, vm["id"]) == {first["id"], second["id"]}
    # The VM itself did not change.
    assert (await vm_of(user, vm["id"]))["state"] == "Running"


async def test_snapshots_list_by_filter_and_stay_with_their_account(sim):
    user = await sim.user()
    web, db = await deployed(sim, user, name="web"), await deployed(sim, user, name="db")
    alpha = await snap(user, web["id"], name="alpha", description="first try")
    beta = await snap(user, db["id"], name="beta")
    ids = lambda rows: [s["id"] for s in rows]  # noqa: E731
    assert ids(await listed(user, virtualmachineid=web["id"])) == [alpha["id"]]
    assert ids(await listed(user, vmsnapshotid=beta["id"])) == [beta["id"]]
    assert set(ids(await listed(user, vmsnapshotids=f"{alpha['id']},{beta['id']}"))) == {alpha["id"], beta["id"]}
    both = await user.call("listVMSnapshot", vmsnapshotid=alpha["id"], vmsnapshotids=beta["id"])
    assert both.status == 431 and both["errortext"] == "Specify either id or ids but not both parameters"
    assert ids(await listed(user, name="ALPHA")) == [alpha["id"]]
    assert ids(await listed(user, keyword="first")) == [alpha["id"]]
    assert ids(await listed(user, keyword="beta")) == [beta["id"]]
    assert len(await listed(user, state="Ready")) == 2
    assert await user.ok("listVMSnapshot", state="Error") == {}
    page = await user.ok("listVMSnapshot", page=1, pagesize=1)
    assert page["count"] == 2 and ids(page["vmSnapshot"]) == [beta["id"]]
    # Tags: VM snapshots take them, show them and are found by them.
    await user.run("createTags", resourceids=alpha["id"], resourcetype="VMSnapshot",
                   **{"tags[0].key": "env", "tags[0].value": "prod"})
    tagged = await listed(user, **{"tags[0].key": "env", "tags[0].value": "prod"})
    assert ids(tagged) == [alpha["id"]]
    assert [(t["key"], t["value"], t["resourcetype"]) for t in tagged[0]["tags"]] == [("env", "prod", "VMSnapshot")]
    # The same rows in XML, each a <vmSnapshot>.
    xml = await user.call("listVMSnapshot", response="xml")
    assert xml.xml.tag == "listvmsnapshotresponse" and xml.xml.findtext("count") == "2"
    assert sorted(e.findtext("id") for e in xml.xml.findall("vmSnapshot")) == sorted([alpha["id"], beta["id"]])
    assert [e.findtext("tags/key") for e in xml.xml.findall("vmSnapshot") if e.find("tags") is not None] == ["env"]
    # Unknown ids are refused by the API layer.
    unknown = await user.call("listVMSnapshot", vmsnapshotid=str(uuid.uuid4()))
    assert unknown.status == 431 and "vmsnapshotid" in unknown["errortext"]
    for name in ("vmsnapshotid", "vmsnapshotids", "virtualmachineid"):     # CloudStack's id -1 names nothing
        assert await user.ok("listVMSnapshot", **{name: "-1"}) == {}, name
    # Another account sees none of them and may touch none of them.
    other = await sim.user()
    assert await listed(other) == [] and await listed(other, virtualmachineid=web["id"]) == []
    for command, params in (("createVMSnapshot", {"virtualmachineid": web["id"]}),
                            ("revertToVMSnapshot", {"vmsnapshotid": alpha["id"]}),
                            ("deleteVMSnapshot", {"vmsnapshotid": alpha["id"]})):
        denied = await other.call(command, **params)
        assert denied.status == 531 and denied["errorcode"] == 531, (command, denied)
    # The root admin sees them with listall, not by default.
    assert await listed(sim.admin) == []
    assert set(ids(await listed(sim.admin, listall="true"))) == {alpha["id"], beta["id"]}
    assert ids(await listed(sim.admin, listall="true", account=user.account["name"],
                            domainid=user.account["domainid"], virtualmachineid=db["id"])) == [beta["id"]]


# ------------------------------------------------------------------------- revert
async def test_revert_keeps_the_vm_in_the_state_its_snapshot_saved(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    instance = (await vm_of(sim.admin, vm["id"]))["instancename"]
    memory = await snap(user, vm["id"], name="with memory", snapshotmemory="true")
    disks = await snap(user, vm["id"], name="disks only")
    # A running VM goes back to a memory snapshot and keeps running; that snapshot becomes current.
    submitted = await user.call("revertToVMSnapshot", vmsnapshotid=memory["id"])
    assert submitted.name == "reverttovmsnapshotresponse" and set(submitted.body) == {"jobid"}
    job = await user.wait_job(submitted["jobid"])
    assert job["jobstatus"] == 1 and (job["jobinstancetype"], job["jobinstanceid"]) == ("VmSnapshot", memory["id"])
    back = job["jobresult"]["virtualmachine"]
    assert back["id"] == vm["id"] and back["state"] == "Running"
    assert await sim.app.db.fetchval("SELECT power_state FROM sim_vm WHERE name = $1", instance) == "PowerOn"
    rows = {s["displayname"]: s for s in await listed(user, virtualmachineid=vm["id"])}
    assert (rows["with memory"]["current"], rows["disks only"]["current"]) == (True, False)
    assert rows["with memory"]["state"] == rows["disks only"]["state"] == "Ready"
    # It could not go back to disks alone: that would stop it.
    refused = await user.call("revertToVMSnapshot", vmsnapshotid=disks["id"])
    assert (refused.status, refused["errortext"]) == (431, MISMATCH)
    # Stopped, it goes back to disks only and stays stopped, but not to a memory snapshot.
    await user.run("stopVirtualMachine", id=vm["id"])
    refused = await user.call("revertToVMSnapshot", vmsnapshotid=memory["id"])
    assert (refused.status, refused["errortext"]) == (431, MISMATCH)
    stopped = await snap(user, vm["id"], name="stopped")
    assert (stopped["type"], stopped["parent"]) == ("Disk", memory["id"])
    back = (await user.run("revertToVMSnapshot", vmsnapshotid=disks["id"]))["jobresult"]["virtualmachine"]
    assert back["state"] == "Stopped" and (await vm_of(user, vm["id"]))["state"] == "Stopped"
    # The next snapshot hangs from the one gone back to.
    after = await snap(user, vm["id"], name="after")
    assert (after["parent"], after["parentName"]) == (disks["id"], "disks only")
    # Started again it runs from the reverted disks as any VM does.
    assert (await user.run("startVirtualMachine", id=vm["id"]))["jobresult"]["virtualmachine"]["state"] == "Running"
    # Each task left its events.
    events = {(e["type"], e["state"]) for e in (await user.ok("listEvents", pagesize=500, page=1))["event"]}
    for kind in ("VMSNAPSHOT.CREATE", "VMSNAPSHOT.REVERTTO"):
        assert {(kind, "Scheduled"), (kind, "Started"), (kind, "Completed")} <= events, kind


async def test_revert_gives_the_vm_back_the_offering_it_had(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    await user.run("stopVirtualMachine", id=vm["id"])
    small = await snap(user, vm["id"], name="small")
    medium = sim.offerings["Medium Instance"]
    # The VM has since been given the medium offering.
    await user.ok("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=medium["id"])
    assert (await vm_of(user, vm["id"]))["serviceofferingname"] == "Medium Instance"
    back = (await user.run("revertToVMSnapshot", vmsnapshotid=small["id"]))["jobresult"]["virtualmachine"]
    assert (back["serviceofferingid"], back["cpuspeed"], back["memory"]) == \
        (sim.small["id"], sim.small["cpuspeed"], sim.small["memory"])


async def test_a_running_vm_scaled_up_since_goes_back_to_its_size(sim):
    await sim.admin.ok("updateConfiguration", name="enable.dynamic.scale.vm", value="true", zoneid=sim.zone["id"])
    await sim.admin.ok("updateTemplate", id=sim.template["id"], isdynamicallyscalable="true")
    vm = await deployed(sim)
    instance = (await vm_of(sim.admin, vm["id"]))["instancename"]

    async def allocated():
        host = (await sim.admin.ok("listHosts", id=(await vm_of(sim.admin, vm["id"]))["hostid"]))["host"][0]
        return host["id"], host["memoryallocated"]

    before = await allocated()
    small = await snap(sim.admin, vm["id"], name="small", snapshotmemory="true")
    medium = sim.offerings["Medium Instance"]
    assert (await sim.admin.run("scaleVirtualMachine", id=vm["id"], serviceofferingid=medium["id"]))["jobstatus"] == 1
    assert await allocated() != before
    back = (await sim.admin.run("revertToVMSnapshot", vmsnapshotid=small["id"]))["jobresult"]["virtualmachine"]
    assert (back["state"], back["serviceofferingname"], back["memory"]) == ("Running", "Small Instance", 512)
    assert await allocated() == before
    assert await sim.app.db.fetchval("SELECT memory FROM sim_vm WHERE name = $1", instance) == 512 * 1024 ** 2


async def test_revert_refusals(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    for command in ("revertToVMSnapshot", "deleteVMSnapshot"):
        for params in ({}, {"vmsnapshotid": str(uuid.uuid4())}, {"vmsnapshotid": "nonsense"}, {"vmsnapshotid": "-1"}):
            bad = await user.call(command, **params)
            assert bad.status == 431, (command, params, bad)
    await sim.admin.ok("configureSimulator", name="CreateVMSnapshotCommand", value="result:fail", count=1)
    broken = await snap(user, vm["id"], wait=False, snapshotmemory="true")
    await user.wait_job(broken["jobid"])
    not_ready = await user.call("revertToVMSnapshot", vmsnapshotid=broken["id"])
    assert (not_ready.status, not_ready["errortext"]) == \
        (431, "VM Snapshot reverting failed due to vm snapshot is not in the state of Created.")


# ------------------------------------------------------------------------- delete
async def test_delete_hands_the_children_to_the_parent(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    a = await snap(user, vm["id"], name="a")
    b = await snap(user, vm["id"], name="b")
    c = await snap(user, vm["id"], name="c")
    assert (b["parent"], c["parent"]) == (a["id"], b["id"])
    submitted = await user.call("deleteVMSnapshot", vmsnapshotid=b["id"])
    assert submitted.name == "deletevmsnapshotresponse" and set(submitted.body) == {"jobid"}
    job = await user.wait_job(submitted["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"] == {"success": True}
    assert (job["jobinstancetype"], job["jobinstanceid"]) == ("VmSnapshot", b["id"])
    rows = {s["displayname"]: s for s in await listed(user)}
    assert set(rows) == {"a", "c"}
    assert (rows["c"]["parent"], rows["c"]["parentName"], rows["c"]["current"]) == (a["id"], "a", True)
    assert await sim_snapshots(sim, vm["id"]) == {a["id"], c["id"]}
    # Deleting the current one makes its parent current.
    assert (await user.run("deleteVMSnapshot", vmsnapshotid=c["id"]))["jobstatus"] == 1
    [left] = await listed(user)
    assert left["id"] == a["id"] and left["current"] is True
    gone = await user.call("deleteVMSnapshot", vmsnapshotid=c["id"])
    assert gone.status == 431 and "vmsnapshotid" in gone["errortext"]
    events = {(e["type"], e["state"]) for e in (await user.ok("listEvents", pagesize=500, page=1))["event"]}
    assert {("VMSNAPSHOT.DELETE", "Scheduled"), ("VMSNAPSHOT.DELETE", "Completed")} <= events


# ------------------------------------------------------------------------- refusals and failures
async def test_create_refusals(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    missing = await user.call("createVMSnapshot")
    assert missing.status == 431 and missing["errortext"].endswith("due to missing parameter virtualmachineid")
    for bad in (str(uuid.uuid4()), "-1", "nonsense"):
        unknown = await user.call("createVMSnapshot", virtualmachineid=bad)
        assert unknown.status == 431 and "virtualmachineid" in unknown["errortext"], unknown
    long_name = await user.call("createVMSnapshot", virtualmachineid=vm["id"], name="n" * 256)
    assert long_name.status == 431 and "max allowed length 255 for param: name" in long_name["errortext"]
    # A stopped VM's disks can be saved, its memory cannot.
    await user.run("stopVirtualMachine", id=vm["id"])
    memory = await snap(user, vm["id"], wait=False, snapshotmemory="true")
    assert (memory.status, memory["errortext"]) == (431, "Can not snapshot memory when VM is not in Running state")
    first = await snap(user, vm["id"])
    assert (first["type"], first["state"]) == ("Disk", "Ready")
    # vmsnapshot.max caps the snapshots of one VM.
    await sim.admin.ok("updateConfiguration", name="vmsnapshot.max", value="2")
    await snap(user, vm["id"], name="second")
    third = await snap(user, vm["id"], wait=False, name="third")
    assert (third.status, third["errortext"]) == (530, "Failed to create vm snapshot: Creating vm snapshot failed "
                                                       "due to a VM can just have : 2 VM snapshots. Please delete old ones")
    # A VM never started has no disk yet.
    idle = await deployed(sim, user, startvm="false")
    nothing = await snap(user, idle["id"], wait=False)
    assert (nothing.status, nothing["errortext"]) == \
        (530, f"Failed to create vm snapshot: Unable to find root volume for the user vm:{idle['id']}")
    # Only Running and Stopped VMs.
    await user.run("destroyVirtualMachine", id=idle["id"])
    destroyed = await snap(user, idle["id"], wait=False)
    assert destroyed.status == 431 and re.fullmatch(r"Creating vm snapshot failed due to VM:\d+ is not in the running "
                                                    r"or Stopped state", destroyed["errortext"])


async def test_a_snapshot_the_hypervisor_never_finishes_times_out(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    instance = (await vm_of(sim.admin, vm["id"]))["instancename"]
    ready = await snap(user, vm["id"], name="ready", snapshotmemory="true")
    await sim.admin.ok("updateConfiguration", name="vmsnapshot.create.wait", value="3")
    await sim.admin.ok("configureSimulator", name="CreateVMSnapshotCommand", value="wait:60000", count=1)
    hanging = await snap(user, vm["id"], wait=False, name="hanging")
    assert hanging.status == 200
    # While it is under way no other snapshot task may start on the VM.
    again = await snap(user, vm["id"], wait=False)
    assert (again.status, again["errortext"]) == (530, "Failed to create vm snapshot: " + ACTIVE)
    for command in ("revertToVMSnapshot", "deleteVMSnapshot"):
        busy = await user.call(command, vmsnapshotid=ready["id"])
        assert (busy.status, busy["errortext"]) == (431, ACTIVE), command
    [row] = await listed(user, vmsnapshotid=hanging["id"])
    assert row["state"] in ("Allocated", "Creating")
    reboot = await user.run("rebootVirtualMachine", id=vm["id"])
    failed(reboot, 530, f"Unable to reboot VM VM[User|{instance}] due to: {instance} has active VM snapshots tasks")
    job = await user.wait_job(hanging["jobid"])
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 530
    text = job["jobresult"]["errortext"]
    assert re.fullmatch(rf"Failed to create vm snapshot: \[VMSnapshot \{{\"id\":\d+,\"uuid\":\"{hanging['id']}\","
                        rf"\"name\":\"{row['name']}\",\"vmId\":\d+\}}\] due to: Creating VM snapshot: {row['name']} "
                        r"failed: com.cloud.exception.OperationTimedoutException: Commands to Host \d+ timed out "
                        r"after 3", text), text
    [row] = await listed(user, vmsnapshotid=hanging["id"])
    assert (row["state"], row["current"]) == ("Error", False)
    # The one in Error can only be deleted; then snapshots go on as before.
    assert (await user.run("deleteVMSnapshot", vmsnapshotid=hanging["id"]))["jobstatus"] == 1
    assert (await user.run("revertToVMSnapshot", vmsnapshotid=ready["id"]))["jobstatus"] == 1


async def test_the_hypervisor_refusing_a_snapshot_task(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    instance = (await vm_of(sim.admin, vm["id"]))["instancename"]
    await sim.admin.ok("configureSimulator", name="CreateVMSnapshotCommand", value="result:fail", count=1)
    doomed = await snap(user, vm["id"], wait=False, name="doomed")
    job = await user.wait_job(doomed["jobid"])
    assert job["jobstatus"] == 2 and job["jobresult"]["errorcode"] == 530
    assert re.fullmatch(r"Failed to create vm snapshot: \[VMSnapshot \{.*\}\] due to: Creating VM snapshot: "
                        rf"{instance}_VS_\d{{14}} failed due to Simulated failure", job["jobresult"]["errortext"])
    [row] = await listed(user)
    assert (row["state"], row["current"]) == ("Error", False)
    good = await snap(user, vm["id"], name="good", snapshotmemory="true")
    assert "parent" not in good          # a failed snapshot is nobody's parent
    await sim.admin.ok("configureSimulator", name="RevertToVMSnapshotCommand", value="result:fail", count=1)
    failed(await user.run("revertToVMSnapshot", vmsnapshotid=good["id"]), 530,
           f"Unable to revert VM {instance} to snapshot {good['name']}.")
    [row] = await listed(user, vmsnapshotid=good["id"])
    assert row["state"] == "Ready"
    await sim.admin.ok("configureSimulator", name="DeleteVMSnapshotCommand", value="result:fail", count=1)
    failed(await user.run("deleteVMSnapshot", vmsnapshotid=good["id"]), 530, "Failed to delete vm snapshot")
    [row] = await listed(user, vmsnapshotid=good["id"])
    assert row["state"] == "Error"
    for s in (good, doomed):
        assert (await user.run("deleteVMSnapshot", vmsnapshotid=s["id"]))["jobstatus"] == 1
    assert await listed(user) == [] and await sim_snapshots(sim, vm["id"]) == set()


# ------------------------------------------------------------------------- the VM's other operations
async def test_destroying_a_vm_deletes_its_snapshots(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    await snap(user, vm["id"], name="one")
    await snap(user, vm["id"], name="two", snapshotmemory="true")
    held = await sim_snapshots(sim, vm["id"])
    assert len(held) == 2
    # The hypervisor refusing to drop one stops the destroy (the VM was stopped first, as CloudStack does).
    instance = (await vm_of(sim.admin, vm["id"]))["instancename"]
    await sim.admin.ok("configureSimulator", name="DeleteVMSnapshotCommand", value="result:fail", count=1)
    failed(await user.run("destroyVirtualMachine", id=vm["id"]), 530,
           f"Unable to delete vm snapshots for VM[User|{instance}]")
    assert (await vm_of(user, vm["id"]))["state"] == "Stopped"
    assert sorted(s["state"] for s in await listed(user)) == ["Error", "Ready"]
    assert (await user.run("destroyVirtualMachine", id=vm["id"]))["jobresult"]["virtualmachine"]["state"] == "Destroyed"
    assert await listed(user) == [] and await listed(sim.admin, listall="true") == []
    assert await sim_snapshots(sim, vm["id"]) == set()
    # Expunged at once, likewise.
    other = await deployed(sim, user)
    await snap(user, other["id"])
    assert (await sim.admin.run("destroyVirtualMachine", id=other["id"], expunge="true"))["jobstatus"] == 1
    assert await listed(user) == []


async def test_a_vm_with_snapshots_keeps_its_disks_where_they_are(sim):
    user = await sim.user()
    vm = await deployed(sim, user)
    kept = await snap(user, vm["id"])
    refused = await user.call("restoreVirtualMachine", virtualmachineid=vm["id"])
    assert (refused.status, refused["errortext"]) == \
        (431, "Unable to restore VM, please remove VM snapshots before restoring VM")
    moved = await sim.admin.call("migrateVirtualMachineWithVolume", virtualmachineid=vm["id"], autoselect="true")
    assert (moved.status, moved["errortext"]) == \
        (431, "VM with VM Snapshots cannot be migrated with storage, please remove all VM snapshots")
    await user.run("deleteVMSnapshot", vmsnapshotid=kept["id"])
    assert (await user.run("restoreVirtualMachine", virtualmachineid=vm["id"]))["jobstatus"] == 1
    # The VM list is as it was.
    assert (await vm_of(user, vm["id"]))["state"] == "Running"


# ------------------------------------------------------------------------- lost jobs, expiry
async def test_snapshot_tasks_cut_off_by_a_dead_server_are_undone(sim):
    from cloudsim.jobs import CANCEL_TEXT
    user = await sim.user()
    app, db = sim.app, sim.app.db
    vm = await deployed(sim, user)
    made = {}
    for name in ("creating", "reverting", "expunging", "allocated"):
        made[name] = await snap(user, vm["id"], name=name, snapshotmemory="true")
    ghost = await db.fetchval("INSERT INTO management_server (uuid, name, host, pid, last_seen) "
                              "VALUES ($1, 'ghost', 'elsewhere', 1, $2) RETURNING id", uuid.uuid4(), app.clock.now())
    lost = {}
    for name, s in made.items():
        # The ghost server had taken a job on each snapshot and left it mid-way.
        await db.execute("UPDATE vm_snapshot SET state = $2 WHERE uuid = $1", uuid.UUID(s["id"]), name.capitalize())
        lost[name] = str(uuid.uuid4())
        await db.execute(
            "INSERT INTO async_job (uuid, user_id, account_id, command, cmd, params, instance_type, instance_id, "
            "instance_uuid, msid, started, created) SELECT $1, j.user_id, j.account_id, j.command, j.cmd, j.params, "
            "'VmSnapshot', s.id, s.uuid::text, $2, $3, $3 FROM async_job j, vm_snapshot s "
            "WHERE j.instance_uuid = $4 AND s.uuid = $5",
            uuid.UUID(lost[name]), ghost, app.clock.now(), s["id"], uuid.UUID(s["id"]))
    app.clock.advance(app.jobs.tracker.timeout + 1)
    await app.jobs.tracker.beat()
    assert {str(j["uuid"]) for j in await app.jobs.tracker.scan()} == set(lost.values())
    for jobid in lost.values():
        failed(await user.ok("queryAsyncJobResult", jobid=jobid), 530, CANCEL_TEXT)
    rows = {s["displayname"]: s["state"] for s in await listed(user)}
    assert rows == {"creating": "Error", "reverting": "Ready", "expunging": "Error"}
    # Each can be acted on again.
    assert (await user.run("revertToVMSnapshot", vmsnapshotid=made["reverting"]["id"]))["jobstatus"] == 1
    assert (await user.run("deleteVMSnapshot", vmsnapshotid=made["expunging"]["id"]))["jobstatus"] == 1


async def test_snapshots_older_than_the_accounts_expiry_interval_go(sim):
    from cloudsim.core.vm_snapshot import expire_due
    user = await sim.user()
    vm = await deployed(sim, user)
    old = await snap(user, vm["id"], name="old")
    await sim.app.db.execute("UPDATE vm_snapshot SET created = created - interval '2 hours' WHERE uuid = $1",
                             uuid.UUID(old["id"]))
    assert await expire_due(sim.app) == 0            # vmsnapshot.expire.interval -1: kept for ever
    await sim.admin.ok("updateConfiguration", name="vmsnapshot.expire.interval", value="3",
                       accountid=user.account["id"])
    assert await expire_due(sim.app) == 0            # two hours old, three allowed
    await sim.admin.ok("updateConfiguration", name="vmsnapshot.expire.interval", value="1",
                       accountid=user.account["id"])
    young = await snap(user, vm["id"], name="young")
    assert await expire_due(sim.app) == 1
    assert [s["id"] for s in await listed(user)] == [young["id"]]
