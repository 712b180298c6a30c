"""Resource tags on VMs (and what lists show and filter by them) and affinity groups with placement."""
from __future__ import annotations

from tests.api.vm_helpers import deployed, sim, vm_of  # noqa: F401

MISSING = "6f1f1b2e-1c1c-4c4c-9c9c-000000000000"


def _tags(**pairs) -> dict:
    out = {}
    for n, (k, v) in enumerate(pairs.items()):
        out[f"tags[{n}].key"] = k
        out[f"tags[{n}].value"] = v
    return out


async def test_tags_on_vms(sim):
    user = await sim.user("User")
    a = await deployed(sim, user, name="tag-a")
    b = await deployed(sim, user, name="tag-b")
    job = await user.run("createTags", resourceids=f"{a['id']},{b['id']}", resourcetype="uservm",
                         **_tags(env="prod", team="blue"))
    assert job["jobstatus"] == 1 and job["jobresult"]["success"] is True
    await user.run("createTags", resourceids=b["id"], resourcetype="UserVm", **_tags(tier="web"))

    shown = await vm_of(user, b["id"])
    assert {(t["key"], t["value"]) for t in shown["tags"]} == {("env", "prod"), ("team", "blue"), ("tier", "web")}
    assert all(t["resourcetype"] == "UserVm" and t["resourceid"] == b["id"] and t["account"] == user.account["name"]
               for t in shown["tags"])

    only_web = await user.ok("listVirtualMachines", **_tags(tier="web"))
    assert [v["name"] for v in only_web["virtualmachine"]] == ["tag-b"]
    both = await user.ok("listVirtualMachines", **_tags(env="prod"))
    assert both["count"] == 2
    assert await user.ok("listVirtualMachines", **_tags(env="dev")) == {}

    listed = await user.ok("listTags", resourcetype="UserVm", key="env")
    assert listed["count"] == 2 and {t["resourceid"] for t in listed["tag"]} == {a["id"], b["id"]}
    assert (await user.ok("listTags", resourceid=a["id"]))["count"] == 2

    # A duplicate key fails the job; deleting by key (and by key+value) removes exactly those.
    dup = await user.run("createTags", resourceids=a["id"], resourcetype="UserVm", **_tags(env="qa"))
    assert dup["jobstatus"] == 2 and dup["jobresult"]["errorcode"] == 530
    assert "tag env already on UserVm" in dup["jobresult"]["errortext"]
    job = await user.run("deleteTags", resourceids=a["id"], resourcetype="UserVm", **{"tags[0].key": "env"})
    assert job["jobstatus"] == 1
    assert {t["key"] for t in (await vm_of(user, a["id"]))["tags"]} == {"team"}
    job = await user.run("deleteTags", resourceids=b["id"], resourcetype="UserVm")
    assert job["jobstatus"] == 1 and "tags" not in await vm_of(user, b["id"]) or \
        (await vm_of(user, b["id"])).get("tags") == []
    nothing = await user.run("deleteTags", resourceids=b["id"], resourcetype="UserVm")
    assert nothing["jobstatus"] == 2 and nothing["jobresult"]["errortext"] == "Failed to delete tags"


async def test_tag_errors(sim):
    user = await sim.user("User")
    other = await sim.user("User")
    vm = await deployed(sim, user)
    bad_type = await user.call("createTags", resourceids=vm["id"], resourcetype="Banana", **_tags(a="b"))
    assert bad_type.status == 431 and bad_type.body["errortext"] == "Invalid resource type Banana"
    unknown = await user.call("createTags", resourceids=MISSING, resourcetype="UserVm", **_tags(a="b"))
    assert unknown.status == 431 and f"Unable to find resource by id {MISSING}" in unknown.body["errortext"]
    empty = await user.call("createTags", resourceids=vm["id"], resourcetype="UserVm",
                            **{"tags[0].key": "a", "tags[0].value": ""})
    assert empty.status == 431 and "either null or empty" in empty.body["errortext"]
    no_tags = await user.call("createTags", resourceids=vm["id"], resourcetype="UserVm")
    assert no_tags.status == 431
    stranger = await other.call("createTags", resourceids=vm["id"], resourcetype="UserVm", **_tags(a="b"))
    assert stranger.status == 531
    # Public template owned by the system: only root admin may tag it.
    template = await user.call("createTags", resourceids=sim.template["id"], resourcetype="Template", **_tags(a="b"))
    assert template.status == 531
    assert (await sim.admin.run("createTags", resourceids=sim.template["id"], resourcetype="Template",
                                **_tags(os="centos")))["jobstatus"] == 1
    await user.run("createTags", resourceids=vm["id"], resourcetype="UserVm", **_tags(mine="yes"))
    assert (await other.ok("listTags")) == {}
    assert (await other.call("deleteTags", resourceids=vm["id"], resourcetype="UserVm")).status == 200
    assert (await vm_of(user, vm["id"]))["tags"][0]["key"] == "mine"


async def test_affinity_groups_and_placement(sim):
    user = await sim.user("User")
    types = {t["type"] for t in (await user.ok("listAffinityGroupTypes"))["affinityGroupType"]}
    assert {"host anti-affinity", "host affinity"} <= types and "ExplicitDedication" not in types
    assert "ExplicitDedication" in {t["type"] for t in
                                    (await sim.admin.ok("listAffinityGroupTypes"))["affinityGroupType"]}

    submitted = await user.ok("createAffinityGroup", name="spread", type="host anti-affinity", description="apart")
    job = await user.wait_job(submitted["jobid"])
    group = job["jobresult"]["affinitygroup"]
    assert group["id"] == submitted["id"] and group["type"] == "host anti-affinity" and group["description"] == "apart"

    vms = [await deployed(sim, user, affinitygroupnames="spread") for _ in range(3)]
    hosts = {(await vm_of(sim.admin, v["id"]))["hostid"] for v in vms}
    assert len(hosts) == 3                       # never two members on one host
    assert all(v["affinitygroup"][0]["name"] == "spread" for v in vms)

    listed = await user.ok("listAffinityGroups", name="spread")
    assert listed["count"] == 1 and sorted(listed["affinitygroup"][0]["virtualmachineIds"]) == sorted(
        v["id"] for v in vms)
    members = await user.ok("listVirtualMachines", affinitygroupid=group["id"])
    assert members["count"] == 3
    assert (await user.ok("listAffinityGroups", virtualmachineid=vms[0]["id"]))["count"] == 1

    together = (await user.run("createAffinityGroup", name="together", type="host affinity"))["jobresult"]
    first = await deployed(sim, user, affinitygroupids=together["affinitygroup"]["id"])
    second = await deployed(sim, user, affinitygroupids=together["affinitygroup"]["id"])
    assert (await vm_of(sim.admin, first["id"]))["hostid"] == (await vm_of(sim.admin, second["id"]))["hostid"]

    # updateVMAffinityGroup needs a stopped VM.
    running = await user.call("updateVMAffinityGroup", id=first["id"], affinitygroupnames="spread")
    assert running.status == 431 and "make sure the virtual machine is stopped" in running.body["errortext"]
    await user.run("stopVirtualMachine", id=first["id"])
    submitted = await user.call("updateVMAffinityGroup", id=first["id"], affinitygroupnames="spread")
    assert submitted.name == "updatevirtualmachineresponse"      # CloudStack's wrapper quirk
    job = await user.wait_job(submitted["jobid"])
    assert [g["name"] for g in job["jobresult"]["virtualmachine"]["affinitygroup"]] == ["spread"]

    deleted = await user.run("deleteAffinityGroup", name="together")
    assert deleted["jobstatus"] == 1
    assert (await user.ok("listAffinityGroups", name="together")) == {}


async def test_affinity_errors(sim):
    user = await sim.user("User")
    other = await sim.user("User")
    bad = await user.call("createAffinityGroup", name="x", type="rack affinity")
    assert bad.status == 431 and "invalid affinity group type: rack affinity" in bad.body["errortext"]
    admin_only = await user.call("createAffinityGroup", name="x", type="ExplicitDedication")
    assert admin_only.status == 531
    await user.run("createAffinityGroup", name="dup", type="host affinity")
    dup = await user.call("createAffinityGroup", name="dup", type="host affinity")
    assert dup.status == 431 and "already exists" in dup.body["errortext"]
    neither = await user.call("deleteAffinityGroup")
    assert neither.status == 431
    gone = await user.call("deleteAffinityGroup", name="nope")
    assert gone.status == 431 and "Unable to find affinity group nope" in gone.body["errortext"]
    group = (await user.ok("listAffinityGroups", name="dup"))["affinitygroup"][0]
    assert (await other.call("deleteAffinityGroup", id=group["id"])).status == 531
    foreign = await other.call("deployVirtualMachine", zoneid=sim.zone["id"], serviceofferingid=sim.small["id"],
                               templateid=sim.template["id"], affinitygroupids=group["id"])
    assert foreign.status == 531
    assert (await user.call("listAffinityGroups", id=MISSING)).status == 431


async def test_security_groups_count_their_vms(sim):
    user = await sim.user("User")
    vms = [await deployed(sim, user) for _ in range(2)]
    [group] = (await user.ok("listSecurityGroups", virtualmachineid=vms[0]["id"]))["securitygroup"]
    assert group["name"] == "default" and group["virtualmachinecount"] == 2
    assert sorted(group["virtualmachineids"]) == sorted(v["id"] for v in vms)
    other = await sim.user("User")
    assert (await other.call("listSecurityGroups", virtualmachineid=vms[0]["id"])).status == 531
    await user.run("createTags", resourceids=group["id"], resourcetype="SecurityGroup",
                   **{"tags[0].key": "role", "tags[0].value": "web"})
    tagged = await user.ok("listSecurityGroups", **{"tags[0].key": "role", "tags[0].value": "web"})
    assert tagged["count"] == 1 and tagged["securitygroup"][0]["tags"][0]["value"] == "web"


async def test_tags_on_templates_and_volumes(sim):
    await sim.admin.run("createTags", resourceids=sim.template["id"], resourcetype="Template",
                        **{"tags[0].key": "distro", "tags[0].value": "centos"})
    found = await sim.admin.ok("listTemplates", templatefilter="featured",
                               **{"tags[0].key": "distro", "tags[0].value": "centos"})
    assert [t["id"] for t in found["template"]] == [sim.template["id"]]
    assert found["template"][0]["tags"][0]["key"] == "distro"
    assert await sim.admin.ok("listTemplates", templatefilter="featured",
                              **{"tags[0].key": "distro", "tags[0].value": "debian"}) == {}
    user = await sim.user("User")
    vm = await deployed(sim, user)
    [root] = (await user.ok("listVolumes", virtualmachineid=vm["id"]))["volume"]
    await user.run("createTags", resourceids=root["id"], resourcetype="Volume",
                   **{"tags[0].key": "backup", "tags[0].value": "daily"})
    tagged = await user.ok("listVolumes", **{"tags[0].key": "backup", "tags[0].value": "daily"})
    assert [v["id"] for v in tagged["volume"]] == [root["id"]] and tagged["volume"][0]["tags"][0]["value"] == "daily"


async def test_tags_render_in_xml(sim):
    user = await sim.user("User")
    vm = await deployed(sim, user)
    await user.run("createTags", resourceids=vm["id"], resourcetype="UserVm",
                   **{"tags[0].key": "env", "tags[0].value": "prod"})
    reply = await user.call("listVirtualMachines", id=vm["id"], response="xml")
    assert reply.status == 200 and reply.xml.tag == "listvirtualmachinesresponse"
    tags = reply.xml.findall("virtualmachine/tags")
    assert [(t.findtext("key"), t.findtext("value"), t.findtext("resourcetype")) for t in tags] == [
        ("env", "prod", "UserVm")]
    listed = await user.call("listTags", response="xml")
    assert [t.findtext("key") for t in listed.xml.findall("tag")] == ["env"]
    ips = await user.call("listPublicIpAddresses", response="xml")
    assert ips.xml.findtext("publicipaddress/ipaddress") == vm["publicip"]
    groups = await user.call("listAffinityGroupTypes", response="xml")
    assert "host anti-affinity" in [t.findtext("type") for t in groups.xml.findall("affinityGroupType")]
