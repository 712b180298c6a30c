"""listVirtualMachines: filters, paging and counts over many VMs (rows made in bulk by SQL)."""
import uuid

from tests.api.vm_helpers import deploy, deployed, sim, vm_of  # noqa: F401


async def bulk_vms(cloud, account_uuid: str, n: int, *, state: str = "Stopped", prefix: str = "bulk") -> None:
    """n VM rows for an account in one statement (no deploys): what listing reads, nothing more."""
    db = cloud.app.db
    account = await db.fetchrow("SELECT id, domain_id FROM account WHERE uuid = $1", uuid.UUID(account_uuid))
    user_id = await db.fetchval("SELECT id FROM users WHERE account_id = $1 ORDER BY id LIMIT 1", account["id"])
    zone_id = await db.fetchval("SELECT id FROM zone WHERE name = 'Sandbox-simulator'")
    offering = await db.fetchrow("SELECT id, cpus, speed, memory FROM service_offering WHERE name = 'Small Instance'")
    template_id = await db.fetchval("SELECT id FROM vm_template WHERE format <> 'ISO' ORDER BY id LIMIT 1")
    await db.execute(
        "WITH ids AS (SELECT nextval('vm_instance_seq') AS id, g FROM generate_series(1, $1) g) "
        "INSERT INTO vm_instance (id, uuid, name, instance_name, state, zone_id, hypervisor, service_offering_id, cpus, "
        "speed, memory, template_id, account_id, domain_id, user_id, ha_enabled) "
        "SELECT id, gen_random_uuid(), $2 || '-' || g, 'i-' || $3::bigint || '-' || id || '-VM', $4, $5, 'Simulator', $6, $7, "
        "$8, $9, $10, $3::bigint, $11, $12, g % 10 = 0 FROM ids",
        n, prefix, account["id"], state, zone_id, offering["id"], offering["cpus"], offering["speed"],
        offering["memory"], template_id, account["domain_id"], user_id)


async def test_paging_and_filters_over_a_thousand_vms(sim):
    user = await sim.user()
    await bulk_vms(sim, user.account["id"], 1000)
    await bulk_vms(sim, user.account["id"], 5, state="Running", prefix="run")
    first = await user.ok("listVirtualMachines", page=1, pagesize=100)
    assert first["count"] == 1005 and len(first["virtualmachine"]) == 100
    last = await user.ok("listVirtualMachines", page=11, pagesize=100)
    assert last["count"] == 1005 and len(last["virtualmachine"]) == 5
    seen = {vm["id"] for vm in first["virtualmachine"]}
    second = await user.ok("listVirtualMachines", page=2, pagesize=100)
    assert not seen & {vm["id"] for vm in second["virtualmachine"]}
    assert (await user.ok("listVirtualMachines", state="Running"))["count"] == 5
    assert (await user.ok("listVirtualMachines", state="Present", page=1, pagesize=1))["count"] == 1005
    assert (await user.ok("listVirtualMachines", haenable="true", page=1, pagesize=10))["count"] == 100
    assert (await user.ok("listVirtualMachines", name="bulk-77"))["count"] == 1
    assert (await user.ok("listVirtualMachines", keyword="bulk-99", page=1, pagesize=50))["count"] == 11
    assert (await user.ok("listVirtualMachines", zoneid=sim.zone["id"], page=1, pagesize=1))["count"] == 1005
    assert (await user.ok("listVirtualMachines", serviceofferingid=sim.small["id"], page=1, pagesize=1))["count"] == 1005
    assert (await user.ok("listVirtualMachines", templateid=sim.template["id"], page=1, pagesize=1))["count"] == 1005
    # Default page: at most default.page.size rows, count is the total.
    default = await user.ok("listVirtualMachines")
    assert default["count"] == 1005 and len(default["virtualmachine"]) == 500
    # Another user sees none of them; the root admin sees them with listall.
    other = await sim.user()
    assert (await other.ok("listVirtualMachines")).get("count") is None
    assert (await sim.admin.ok("listVirtualMachines", listall="true", page=1, pagesize=1))["count"] == 1005
    assert (await sim.admin.ok("listVirtualMachines", page=1, pagesize=1)).get("count") is None   # only its own


async def test_filters_on_real_vms(sim):
    user = await sim.user()
    a = await deployed(sim, user, name="alpha", group="web")
    b = await deployed(sim, user, name="beta", startvm="false")
    ids = await user.ok("listVirtualMachines", ids=f"{a['id']},{b['id']}")
    assert ids["count"] == 2 and [v["name"] for v in ids["virtualmachine"]] == ["alpha", "beta"]
    both = await user.call("listVirtualMachines", id=a["id"], ids=b["id"])
    assert both.status == 431
    assert (await user.ok("listVirtualMachines", state="Stopped"))["virtualmachine"][0]["id"] == b["id"]
    group = (await user.ok("listInstanceGroups", name="web"))["instancegroup"][0]
    assert (await user.ok("listVirtualMachines", groupid=group["id"]))["virtualmachine"][0]["group"] == "web"
    ip = a["nic"][0]["ipaddress"]
    assert (await user.ok("listVirtualMachines", keyword=ip))["virtualmachine"][0]["id"] == a["id"]
    hosted = (await sim.admin.ok("listVirtualMachines", id=a["id"]))["virtualmachine"][0]
    on_host = await sim.admin.ok("listVirtualMachines", hostid=hosted["hostid"], listall="true")
    assert a["id"] in [v["id"] for v in on_host["virtualmachine"]]
    # hostid is an admin parameter: a user's is ignored, not an error.
    assert (await user.ok("listVirtualMachines", hostid=hosted["hostid"]))["count"] == 2
    minimal = (await user.ok("listVirtualMachines", id=a["id"], details="min"))["virtualmachine"][0]
    assert "nic" not in minimal and minimal["state"] == "Running"
    assert (await user.call("listVirtualMachines", details="bogus")).status == 431
    gone = str(uuid.uuid4())
    assert (await user.call("listVirtualMachines", id=gone)).status == 431
    # Tags: none exist yet, so a tag filter matches nothing.
    assert (await user.ok("listVirtualMachines", **{"tags[0].key": "a", "tags[0].value": "b"})).get("count") is None


async def test_vm_lists_render_alike_in_xml_and_json(sim):
    vm = await deployed(sim, group="g")
    for name, params, key in (("listVirtualMachines", {"id": vm["id"]}, "virtualmachine"),
                              ("listNics", {"virtualmachineid": vm["id"]}, "nic"),
                              ("listVolumes", {"virtualmachineid": vm["id"]}, "volume"),
                              ("listInstanceGroups", {}, "instancegroup")):
        as_json = await sim.admin.call(name, **params)
        as_xml = await sim.admin.call(name, response="xml", **params)
        assert as_json.status == as_xml.status == 200, name
        assert int(as_xml.xml.findtext("count")) == as_json["count"] == len(as_xml.xml.findall(key)), name
    xml_vm = (await sim.admin.call("listVirtualMachines", response="xml", id=vm["id"])).xml.find("virtualmachine")
    assert xml_vm.findtext("nic/ipaddress") == vm["nic"][0]["ipaddress"]
    assert xml_vm.findtext("securitygroup/name") == "default" and xml_vm.findtext("haenable") == "false"


async def test_state_and_keyword_in_any_case_and_a_domain_admins_reach(sim):
    parent = (await sim.admin.ok("createDomain", name="west"))["domain"]
    child = (await sim.admin.ok("createDomain", name="shop", parentdomainid=parent["id"]))["domain"]
    admin = await sim.user("DomainAdmin", domainid=parent["id"])
    shopper = await sim.user(domainid=child["id"])
    outsider = await sim.user()
    running = await deployed(sim, shopper, name="web-1")
    await deployed(sim, shopper, name="web-2", startvm="false")
    await deployed(sim, outsider, name="elsewhere")
    # A domain admin's listall reaches its subtree, not the domain beside it.
    seen = await admin.ok("listVirtualMachines", listall="true")
    assert sorted(v["name"] for v in seen["virtualmachine"]) == ["web-1", "web-2"]
    # States match in any case, as a state filter and as a keyword.
    up = await shopper.ok("listVirtualMachines", state="rUnNiNg")
    assert [v["name"] for v in up["virtualmachine"]] == ["web-1"]
    assert (await shopper.ok("listVirtualMachines", keyword="STOPPED"))["virtualmachine"][0]["name"] == "web-2"
    assert (await shopper.ok("listVirtualMachines", state="Sleeping")).get("count") is None
    # Keywords match names in any case ("eB" could also be part of an IPv6 address, "1.1" is part of
    # both VMs' guest addresses) and each of a VM's addresses; a page past the end keeps the count.
    for keyword in ("WEB-", "eB", "1.1"):
        assert (await shopper.ok("listVirtualMachines", keyword=keyword))["count"] == 2, keyword
    for address in (running["publicip"], running["nic"][0]["ipaddress"]):
        assert (await shopper.ok("listVirtualMachines", keyword=address))["virtualmachine"][0]["name"] == "web-1"
    assert (await shopper.ok("listVirtualMachines", keyword="no-such-vm")).get("count") is None
    beyond = await shopper.ok("listVirtualMachines", keyword="web", page=3, pagesize=1)
    assert beyond == {"count": 2}


async def test_a_vm_with_a_job_at_work_shows_it(sim):
    import asyncio
    job = await deploy(sim)
    vm = job["jobresult"]["virtualmachine"]
    # As in CloudStack's user_vm_view, the result built inside the job names the job still at work.
    assert vm["jobid"] == job["jobid"] and vm["jobstatus"] == 0
    listed = await vm_of(sim.admin, vm["id"])
    assert "jobid" not in listed and "jobstatus" not in listed
    # A start that waits in the simulator: while it runs, the VM lists its job.
    await sim.admin.run("stopVirtualMachine", id=vm["id"])
    await sim.admin.ok("configureSimulator", name="StartCommand", value="wait:1500", zoneid=sim.zone["id"])
    job = (await sim.admin.ok("startVirtualMachine", id=vm["id"]))["jobid"]
    for _ in range(40):
        during = await vm_of(sim.admin, vm["id"])
        if during.get("jobid"):
            break
        await asyncio.sleep(0.05)
    assert during["jobid"] == job and during["jobstatus"] == 0
    await sim.admin.wait_job(job)
    assert "jobid" not in await vm_of(sim.admin, vm["id"])
