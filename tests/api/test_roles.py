"""Roles and account isolation: who may call what, and who sees whose data."""
from __future__ import annotations

import pytest


def denied_text(command: str, user) -> str:
    return (f"The API [{command}] does not exist or is not available for the account for user id "
            f"[{user.account['user'][0]['id']}].")


def assert_531(reply):
    assert reply.status == 531, reply
    assert reply["errorcode"] == 531 and reply["cserrorcode"] == 4365


@pytest.fixture
async def tenants(cloud):
    """ROOT/acme with a domain admin, a user and ROOT/acme/dev with a user; ROOT/globex with a user."""
    acme = (await cloud.admin.ok("createDomain", name="acme"))["domain"]
    dev = (await cloud.admin.ok("createDomain", name="dev", parentdomainid=acme["id"]))["domain"]
    globex = (await cloud.admin.ok("createDomain", name="globex"))["domain"]
    return {
        "acme": acme, "dev": dev, "globex": globex,
        "acme_admin": await cloud.user("DomainAdmin", domainid=acme["id"], name="acmeadmin"),
        "alice": await cloud.user(domainid=acme["id"], name="alice"),
        "dave": await cloud.user(domainid=dev["id"], name="dave"),
        "gina": await cloud.user(domainid=globex["id"], name="gina"),
    }


# ------------------------------------------------------------------------- command roles
@pytest.mark.parametrize("command", ["createAccount", "createDomain", "listDomains", "updateConfiguration",
                                     "listConfigurations", "getUser", "listAlerts", "createUser"])
async def test_user_may_not_call_admin_commands(cloud, command):
    user = await cloud.user()
    reply = await user.call(command)
    assert reply.status == 432
    assert reply.name == "errorresponse"
    assert reply.body == {"uuidList": [], "errorcode": 432, "cserrorcode": 9999, "errortext": denied_text(command, user)}


async def test_role_denial_comes_before_the_signature_check(cloud):
    user = await cloud.user()
    user.secret = "wrong"
    reply = await user.call("createAccount")
    assert reply.status == 432


async def test_domain_admin_may_not_call_root_only_commands(cloud, tenants):
    admin = tenants["acme_admin"]
    for command in ("getUser", "listAlerts"):
        reply = await admin.call(command, userapikey="x")
        assert reply.status == 432
        assert reply["errortext"] == denied_text(command, admin)
    assert (await admin.call("listDomains")).status == 200


async def test_list_apis_follows_the_role(cloud):
    user = await cloud.user()
    names = {api["name"] for api in (await user.ok("listApis"))["api"]}
    assert {"listCapabilities", "listAccounts", "listEvents", "registerUserKeys", "listApis"} <= names
    assert not names & {"createAccount", "createDomain", "updateConfiguration", "getUser", "listAlerts"}
    admin_names = {api["name"] for api in (await cloud.admin.ok("listApis"))["api"]}
    assert names < admin_names


# ------------------------------------------------------------------------- a user sees its own account only
async def test_user_sees_only_its_own_account(cloud, tenants):
    alice = tenants["alice"]
    for params in ({}, {"listall": "true"}):
        body = await alice.ok("listAccounts", **params)
        assert [a["name"] for a in body["account"]] == ["alice"], params
    assert_531(await alice.call("listAccounts", id=tenants["gina"].account["id"]))
    assert_531(await alice.call("listAccounts", domainid=tenants["globex"]["id"]))


async def test_user_sees_only_its_own_users(cloud, tenants):
    alice = tenants["alice"]
    body = await alice.ok("listUsers", listall="true")
    assert [u["username"] for u in body["user"]] == ["alice"]
    assert_531(await alice.call("listUsers", id=tenants["gina"].account["user"][0]["id"]))
    assert_531(await alice.call("listUsers", account="gina", domainid=tenants["globex"]["id"]))


async def test_user_sees_only_its_own_events(cloud, tenants):
    alice, gina = tenants["alice"], tenants["gina"]
    for user in (alice, gina):
        keys = (await user.ok("registerUserKeys", id=user.account["user"][0]["id"]))["userkeys"]
        user.api_key, user.secret = keys["apikey"], keys["secretkey"]     # the old pair stops working
    body = await alice.ok("listEvents", listall="true")
    assert body["count"] == 1
    assert body["event"][0]["account"] == "alice" and body["event"][0]["type"] == "REGISTER.USER.KEY"
    admin_view = await cloud.admin.ok("listEvents", listall="true", type="REGISTER.USER.KEY")
    assert {e["account"] for e in admin_view["event"]} >= {"alice", "gina"}


async def test_user_cannot_touch_another_users_keys(cloud, tenants):
    alice, gina = tenants["alice"], tenants["gina"]
    assert_531(await alice.call("registerUserKeys", id=gina.account["user"][0]["id"]))
    assert_531(await alice.call("getUserKeys", id=gina.account["user"][0]["id"]))
    keys = (await alice.ok("getUserKeys", id=alice.account["user"][0]["id"]))["userkeys"]
    assert keys["apikey"] == alice.api_key and keys["secretkey"] == alice.secret


async def test_secret_keys_are_not_listed(cloud, tenants):
    users = (await cloud.admin.ok("listUsers", listall="true"))["user"]
    assert users and all("secretkey" not in u for u in users)


# ------------------------------------------------------------------------- a domain admin sees its subtree
async def test_domain_admin_sees_its_subtree(cloud, tenants):
    admin = tenants["acme_admin"]
    names = {a["name"] for a in (await admin.ok("listAccounts", listall="true"))["account"]}
    assert names == {"acmeadmin", "alice", "dave"}
    own = await admin.ok("listAccounts")
    assert [a["name"] for a in own["account"]] == ["acmeadmin"]
    only_dev = await admin.ok("listAccounts", domainid=tenants["dev"]["id"])
    assert [a["name"] for a in only_dev["account"]] == ["dave"]
    users = {u["username"] for u in (await admin.ok("listUsers", listall="true"))["user"]}
    assert users == {"acmeadmin", "alice", "dave"}
    assert (await admin.ok("listAccounts", id=tenants["dave"].account["id"]))["count"] == 1


async def test_domain_admin_cannot_reach_outside_its_subtree(cloud, tenants):
    admin = tenants["acme_admin"]
    assert_531(await admin.call("listAccounts", id=tenants["gina"].account["id"]))
    assert_531(await admin.call("listAccounts", domainid=tenants["globex"]["id"]))
    assert_531(await admin.call("listDomains", id=tenants["globex"]["id"]))
    assert_531(await admin.call("createAccount", username="intruder", password="p", email="e@x", firstname="f",
                                lastname="l", domainid=tenants["globex"]["id"]))
    assert_531(await admin.call("registerUserKeys", id=tenants["gina"].account["user"][0]["id"]))


async def test_domain_admin_lists_its_domains(cloud, tenants):
    admin = tenants["acme_admin"]
    assert [d["path"] for d in (await admin.ok("listDomains"))["domain"]] == ["ROOT/acme"]
    paths = [d["path"] for d in (await admin.ok("listDomains", listall="true"))["domain"]]
    assert paths == ["ROOT/acme", "ROOT/acme/dev"]


async def test_domain_admin_creates_accounts_in_its_subtree_but_no_admins(cloud, tenants):
    admin = tenants["acme_admin"]
    reply = await admin.call("createAccount", username="newbie", password="p", email="e@x", firstname="f",
                             lastname="l", domainid=tenants["dev"]["id"])
    assert reply.status == 200, reply
    assert reply["account"]["domain"] == "dev"
    reply = await admin.call("createAccount", username="boss", password="p", email="e@x", firstname="f",
                             lastname="l", accounttype=1)
    assert_531(reply)


async def test_admin_sees_everything_with_listall(cloud, tenants):
    names = {a["name"] for a in (await cloud.admin.ok("listAccounts", listall="true"))["account"]}
    assert names == {"admin", "acmeadmin", "alice", "dave", "gina"}
    recursive = await cloud.admin.ok("listAccounts", domainid=tenants["acme"]["id"], isrecursive="true")
    assert {a["name"] for a in recursive["account"]} == {"acmeadmin", "alice", "dave"}
    flat = await cloud.admin.ok("listAccounts", domainid=tenants["acme"]["id"])
    assert {a["name"] for a in flat["account"]} == {"acmeadmin", "alice"}
