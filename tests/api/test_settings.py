"""Global settings through listConfigurations and updateConfiguration."""
from __future__ import annotations

import pytest


def assert_431(reply, text: str):
    assert reply.status == 431, reply
    assert reply.body == {"uuidList": [], "errorcode": 431, "cserrorcode": 4350, "errortext": text}


async def test_list_configurations_by_name_substring(cloud):
    body = await cloud.admin.ok("listConfigurations", name="vmsnapshot")
    names = [c["name"] for c in body["configuration"]]
    assert "vmsnapshot.max" in names and all("vmsnapshot" in n for n in names)
    assert body["count"] == len(names)
    setting = next(c for c in body["configuration"] if c["name"] == "vmsnapshot.max")
    assert setting["value"] == "10" and setting["defaultvalue"] == "10"
    assert setting["type"] == "Integer" and setting["scope"] == "Global" and setting["isdynamic"] in (True, False)
    assert setting["category"] and setting["description"]


async def test_list_configurations_by_category_and_keyword(cloud):
    body = await cloud.admin.ok("listConfigurations", category="Snapshots")
    assert body["count"] >= 1 and {c["category"] for c in body["configuration"]} == {"Snapshots"}
    assert (await cloud.admin.ok("listConfigurations", category="snapshots"))["count"] == body["count"]
    keyword = await cloud.admin.ok("listConfigurations", keyword="page.size")
    assert {c["name"] for c in keyword["configuration"]} >= {"default.page.size", "default.ui.page.size"}
    assert (await cloud.admin.call("listConfigurations", name="no.such.setting.anywhere")).body == {}


async def test_list_configurations_paging(cloud):
    everything = await cloud.admin.ok("listConfigurations", pagesize=-1)
    total = everything["count"]
    assert total == len(everything["configuration"]) > 100
    first = await cloud.admin.ok("listConfigurations", page=1, pagesize=10)
    second = await cloud.admin.ok("listConfigurations", page=2, pagesize=10)
    assert first["count"] == second["count"] == total
    assert [c["name"] for c in first["configuration"] + second["configuration"]] == \
        [c["name"] for c in everything["configuration"][:20]]


async def test_update_configuration(cloud):
    body = await cloud.admin.ok("updateConfiguration", name="vmsnapshot.max", value="3")
    assert body["configuration"]["name"] == "vmsnapshot.max" and body["configuration"]["value"] == "3"
    listed = await cloud.admin.ok("listConfigurations", name="vmsnapshot.max")
    assert listed["configuration"][0]["value"] == "3"
    # an empty value resets to the default
    body = await cloud.admin.ok("updateConfiguration", name="vmsnapshot.max", value="")
    assert body["configuration"]["value"] == "10"
    events = await cloud.admin.ok("listEvents", type="CONFIGURATION.VALUE.EDIT")
    assert events["count"] == 2


async def test_update_takes_effect(cloud):
    await cloud.admin.ok("updateConfiguration", name="default.ui.page.size", value="50")
    assert (await cloud.admin.ok("listCapabilities"))["capability"]["defaultuipagesize"] == 50


@pytest.mark.parametrize("name, value, text", [
    ("vmsnapshot.max", "many", "Value [many] is not a valid [class java.lang.Integer]."),
    ("vmsnapshot.max", "1.5", "Value [1.5] is not a valid [class java.lang.Integer]."),
    ("vmsnapshot.max", "99999999999", "Value [99999999999] is not a valid [class java.lang.Integer]."),
    ("default.page.size", "lots", "Value [lots] is not a valid [class java.lang.Long]."),
    ("vm.instancename.flag", "yes", "Value [yes] is not a valid [class java.lang.Boolean]."),
    ("cpu.overprovisioning.factor", "fast", "Value [fast] is not a valid [class java.lang.Float]."),
    ("cpu.overprovisioning.factor", "0", "Value for configuration [cpu.overprovisioning.factor] should be greater "
                                         "than 0."),
])
async def test_update_configuration_type_errors(cloud, name, value, text):
    assert_431(await cloud.admin.call("updateConfiguration", name=name, value=value), text)


async def test_update_unknown_setting(cloud):
    assert_431(await cloud.admin.call("updateConfiguration", name="no.such.setting", value="1"),
               "Config parameter with name no.such.setting doesn't exist")


async def test_account_scope(cloud):
    user = await cloud.user()
    account_id = user.account["id"]
    body = await cloud.admin.ok("updateConfiguration", name="allow.user.expunge.recover.vm", value="true",
                                accountid=account_id)
    assert body["configuration"]["value"] == "true" and body["configuration"]["scope"] == "account"
    scoped = await cloud.admin.ok("listConfigurations", name="allow.user.expunge.recover.vm", accountid=account_id)
    assert scoped["configuration"][0]["value"] == "true"
    unscoped = await cloud.admin.ok("listConfigurations", name="allow.user.expunge.recover.vm")
    assert unscoped["configuration"][0]["value"] == "false"
    # in an account's scope only account-scoped settings are listed
    in_scope = await cloud.admin.ok("listConfigurations", accountid=account_id, pagesize=-1)
    assert "vmsnapshot.max" not in {c["name"] for c in in_scope["configuration"]}


async def test_scope_rules(cloud):
    user = await cloud.user()
    root = (await cloud.admin.ok("listDomains"))["domain"][0]
    assert_431(await cloud.admin.call("updateConfiguration", name="vmsnapshot.max", value="2",
                                      accountid=user.account["id"]),
               "Invalid scope id provided for the parameter vmsnapshot.max")
    assert_431(await cloud.admin.call("updateConfiguration", name="allow.user.expunge.recover.vm", value="true",
                                      accountid=user.account["id"], domainid=root["id"]),
               "cannot handle multiple IDs, provide only one ID corresponding to the scope")


async def test_domain_admin_changes_its_domain_only(cloud):
    domain = (await cloud.admin.ok("createDomain", name="tenant"))["domain"]
    admin = await cloud.user("DomainAdmin", domainid=domain["id"])
    other = (await cloud.admin.ok("createDomain", name="neighbour"))["domain"]
    assert (await admin.call("updateConfiguration", name="vmsnapshot.max", value="1")).status == 431
    listed = await admin.ok("listConfigurations", pagesize=-1)
    assert "vmsnapshot.max" not in {c["name"] for c in listed["configuration"]}
    reply = await admin.call("updateConfiguration", name="allow.user.expunge.recover.vm", value="true",
                             domainid=other["id"])
    assert reply.status == 531
    assert (await cloud.admin.ok("listConfigurations", name="vmsnapshot.max"))["configuration"][0]["value"] == "10"


async def test_settings_survive_in_the_database(cloud):
    await cloud.admin.ok("updateConfiguration", name="vmsnapshot.max", value="7")
    stored = await cloud.app.db.fetchval("SELECT value FROM configuration WHERE name = 'vmsnapshot.max'")
    assert stored == "7"
