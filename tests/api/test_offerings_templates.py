"""Compute and disk offerings, OS types, and templates with their filters and ownership."""
import pytest

from tests.api.test_infra_zones import build


async def test_service_offering_lifecycle(cloud):
    created = (await cloud.admin.ok("createServiceOffering", name="big", displaytext="Big one", cpunumber=4,
                                    cpuspeed=2000, memory=8192, offerha="true", hosttags="ssd",
                                    **{"serviceofferingdetails[0].pciDevice": "Group of NVIDIA GRID K1 GPUs",
                                       "serviceofferingdetails[0].vgpuType": "GRID K120Q"}))["serviceoffering"]
    assert (created["cpunumber"], created["cpuspeed"], created["memory"]) == (4, 2000, 8192)
    assert created["offerha"] is True and created["hosttags"] == "ssd" and created["iscustomized"] is False
    assert created["serviceofferingdetails"] == {"pciDevice": "Group of NVIDIA GRID K1 GPUs", "vgpuType": "GRID K120Q"}
    user = await cloud.user()
    seen = (await user.ok("listServiceOfferings", name="big"))["serviceoffering"]
    assert [o["id"] for o in seen] == [created["id"]]
    updated = await cloud.admin.ok("updateServiceOffering", id=created["id"], name="bigger", hosttags="nvme")
    assert updated["serviceoffering"]["name"] == "bigger" and updated["serviceoffering"]["hosttags"] == "nvme"
    assert (await user.call("createServiceOffering", name="x", displaytext="x", cpunumber=1, cpuspeed=100,
                            memory=128)).status == 432
    assert (await cloud.admin.ok("deleteServiceOffering", id=created["id"]))["success"] is True
    assert await user.ok("listServiceOfferings", name="bigger") == {}


async def test_custom_offering_and_bad_values(cloud):
    custom = (await cloud.admin.ok("createServiceOffering", name="custom", displaytext="Custom",
                                   customized="true", mincpunumber=1, maxcpunumber=8, minmemory=512,
                                   maxmemory=16384))["serviceoffering"]
    assert custom["iscustomized"] is True and "cpunumber" not in custom
    fits = (await cloud.admin.ok("listServiceOfferings", cpunumber=4, memory=2048))["serviceoffering"]
    assert [o["name"] for o in fits] == ["custom"]
    half = await cloud.admin.call("createServiceOffering", name="half", displaytext="h", cpunumber=1)
    assert half.status == 431 and half["cserrorcode"] == 4350
    small = await cloud.admin.call("createServiceOffering", name="tiny", displaytext="t", cpunumber=1, cpuspeed=100,
                                   memory=16)
    assert small.status == 431 and "memory" in small["errortext"]


async def test_disk_offerings(cloud):
    made = (await cloud.admin.ok("createDiskOffering", name="d20", displaytext="20 GB", disksize=20))["diskoffering"]
    assert made["disksize"] == 20 and made["iscustomized"] is False
    custom = (await cloud.admin.ok("createDiskOffering", name="dc", displaytext="any", customized="true"))
    assert custom["diskoffering"]["iscustomized"] is True
    missing = await cloud.admin.call("createDiskOffering", name="none", displaytext="none")
    assert missing.status == 431
    assert (await cloud.admin.ok("listDiskOfferings"))["count"] == 2
    await cloud.admin.ok("deleteDiskOffering", id=made["id"])
    assert (await cloud.admin.ok("listDiskOfferings"))["count"] == 1


async def test_os_types_and_categories(cloud):
    categories = (await cloud.admin.ok("listOsCategories", name="CentOS"))["oscategory"]
    assert len(categories) == 1
    types = (await cloud.admin.ok("listOsTypes", oscategoryid=categories[0]["id"]))["ostype"]
    assert "CentOS 5.6 (64-bit)" in [t["description"] for t in types]
    assert all(t["oscategoryid"] == categories[0]["id"] for t in types)


async def os_type(api, name="CentOS 5.6 (64-bit)"):
    return (await api.ok("listOsTypes", description=name))["ostype"][0]["id"]


async def test_register_and_filter_templates(cloud):
    zone, _, _ = await build(cloud)
    user, other = await cloud.user(), await cloud.user()
    ostype = await os_type(user)
    mine = (await user.ok("registerTemplate", name="mine", displaytext="my image", format="QCOW2",
                          hypervisor="Simulator", url="http://images.example/mine.qcow2", ostypeid=ostype,
                          zoneid=zone["id"], passwordenabled="true"))["template"][0]
    assert mine["isready"] is True and mine["status"] == "Download Complete" and mine["ispublic"] is False
    assert mine["zoneid"] == zone["id"] and mine["passwordenabled"] is True and mine["templatetype"] == "USER"
    public = (await cloud.admin.ok("registerTemplate", name="golden", displaytext="g", format="VHD",
                                   hypervisor="Simulator", url="http://images.example/g.vhd", ostypeid=ostype,
                                   zoneid="-1", ispublic="true", isfeatured="true"))["template"][0]
    assert public["isfeatured"] is True and public["crossZones"] is True

    def ids(body):
        return sorted(t["id"] for t in body.get("template", []))
    assert ids(await user.ok("listTemplates", templatefilter="self")) == [mine["id"]]
    assert ids(await user.ok("listTemplates", templatefilter="executable")) == sorted([mine["id"], public["id"]])
    assert ids(await user.ok("listTemplates", templatefilter="featured")) == [public["id"]]
    assert ids(await other.ok("listTemplates", templatefilter="executable")) == [public["id"]]
    assert ids(await other.ok("listTemplates", templatefilter="community")) == []
    assert (await other.call("listTemplates", templatefilter="all")).status == 431
    assert ids(await cloud.admin.ok("listTemplates", templatefilter="all")) == sorted([mine["id"], public["id"]])
    bad = await user.call("listTemplates", templatefilter="nonsense")
    assert bad.status == 431

    # Sharing with another account makes it visible to that account as sharedexecutable.
    await user.ok("updateTemplatePermissions", id=mine["id"], accounts=other.account["name"], op="add")
    assert ids(await other.ok("listTemplates", templatefilter="sharedexecutable")) == [mine["id"]]
    denied = await other.call("updateTemplate", id=mine["id"], name="stolen")
    assert denied.status == 531
    renamed = await user.ok("updateTemplate", id=mine["id"], name="renamed", isdynamicallyscalable="true")
    assert renamed["template"]["name"] == "renamed" and renamed["template"]["isdynamicallyscalable"] is True

    job = await user.run("deleteTemplate", id=mine["id"])
    assert job["jobstatus"] == 1 and job["jobresult"]["success"] is True
    assert await user.ok("listTemplates", templatefilter="self") == {}


@pytest.mark.parametrize("params,code", [
    ({"format": "EXE"}, 431), ({"hypervisor": "Nope"}, 431), ({"url": "ftp://x/y"}, 431),
    ({"isfeatured": "true"}, 531),
])
async def test_register_template_errors(cloud, params, code):
    zone, _, _ = await build(cloud)
    user = await cloud.user()
    base = dict(name="t", displaytext="t", format="QCOW2", hypervisor="Simulator", url="http://x/t.qcow2",
                ostypeid=await os_type(user), zoneid=zone["id"])
    reply = await user.call("registerTemplate", **{**base, **params})
    assert reply.status == code, reply
    assert await user.ok("listTemplates", templatefilter="self") == {}


async def test_offerings_limited_to_zones_and_domains(cloud):
    zone, _, _ = await build(cloud)
    domain = (await cloud.admin.ok("createDomain", name="limited"))["domain"]
    service = (await cloud.admin.ok("createServiceOffering", name="zoned", displaytext="Zoned", cpunumber=1,
                                    cpuspeed=500, memory=512, zoneid=zone["id"],
                                    domainid=domain["id"]))["serviceoffering"]
    assert service["zoneid"] == zone["id"] and service["domainid"] == domain["id"]
    disk = (await cloud.admin.ok("createDiskOffering", name="zoned-disk", displaytext="Zoned disk", disksize=5,
                                 zoneid=zone["id"]))["diskoffering"]
    assert disk["zoneid"] == zone["id"]
    # A user outside the domain does not see the limited offering.
    user = await cloud.user()
    assert await user.ok("listServiceOfferings", name="zoned") == {}
