"""Domains, accounts, users and API keys, as an administrator and its users see them."""
from __future__ import annotations

import uuid

NEW = dict(password="pw", email="x@example.com", firstname="First", lastname="Last")


def assert_431(reply, text: str | None = None, cserrorcode: int = 4350):
    assert reply.status == 431, reply
    assert reply["cserrorcode"] == cserrorcode
    if text is not None:
        assert reply["errortext"] == text


# ------------------------------------------------------------------------- domains
async def test_create_and_list_domains(cloud):
    acme = (await cloud.admin.ok("createDomain", name="acme", networkdomain="acme.example"))["domain"]
    assert acme["path"] == "ROOT/acme" and acme["level"] == 1 and acme["parentdomainname"] == "ROOT"
    assert acme["networkdomain"] == "acme.example" and acme["haschild"] is False
    dev = (await cloud.admin.ok("createDomain", name="dev", parentdomainid=acme["id"]))["domain"]
    assert dev["path"] == "ROOT/acme/dev" and dev["level"] == 2 and dev["parentdomainid"] == acme["id"]
    assert [d["name"] for d in (await cloud.admin.ok("listDomains"))["domain"]] == ["ROOT"]
    everything = await cloud.admin.ok("listDomains", listall="true")
    assert [d["path"] for d in everything["domain"]] == ["ROOT", "ROOT/acme", "ROOT/acme/dev"]
    assert everything["domain"][1]["haschild"] is True
    assert (await cloud.admin.ok("listDomains", id=dev["id"]))["domain"][0]["name"] == "dev"
    assert (await cloud.admin.ok("listDomains", name="acme"))["count"] == 1
    assert (await cloud.admin.ok("listDomains", level=2))["domain"][0]["name"] == "dev"
    assert (await cloud.admin.ok("listDomains", keyword="de"))["domain"][0]["name"] == "dev"


async def test_duplicate_domain_name_under_one_parent(cloud):
    await cloud.admin.ok("createDomain", name="dup")
    assert_431(await cloud.admin.call("createDomain", name="dup"),
               "Domain with name [dup] already exists for the parent with ID [1].")
    other = (await cloud.admin.ok("createDomain", name="other"))["domain"]
    assert (await cloud.admin.call("createDomain", name="dup", parentdomainid=other["id"])).status == 200


async def test_domain_with_a_chosen_uuid(cloud):
    chosen = str(uuid.uuid4())
    assert (await cloud.admin.ok("createDomain", name="fixed", domainid=chosen))["domain"]["id"] == chosen


# ------------------------------------------------------------------------- accounts
async def test_create_account(cloud):
    body = await cloud.admin.ok("createAccount", username="jdoe", **NEW)
    account = body["account"]
    assert account["name"] == "jdoe" and account["accounttype"] == 0 and account["roletype"] == "User"
    assert account["state"] == "enabled" and account["domain"] == "ROOT" and account["domainpath"] == "ROOT"
    assert account["vmlimit"] == "20" and account["vmtotal"] == 0 and account["vmavailable"] == "20"
    user = account["user"][0]
    assert user["username"] == "jdoe" and user["email"] == "x@example.com" and user["state"] == "enabled"
    assert user["account"] == "jdoe" and "apikey" not in user
    listed = await cloud.admin.ok("listAccounts", name="jdoe", listall="true")
    assert listed["account"][0]["id"] == account["id"]


async def test_account_name_defaults_to_user_name_and_may_differ(cloud):
    body = await cloud.admin.ok("createAccount", username="u1", account="team1", **NEW)
    assert body["account"]["name"] == "team1"
    assert body["account"]["user"][0]["username"] == "u1"


async def test_duplicate_account_and_user_names(cloud):
    await cloud.admin.ok("createAccount", username="twice", **NEW)
    assert_431(await cloud.admin.call("createAccount", username="twice", **NEW),
               "The specified account: twice already exists")
    assert_431(await cloud.admin.call("createAccount", username="twice", account="another", **NEW))
    domain = (await cloud.admin.ok("createDomain", name="elsewhere"))["domain"]
    assert (await cloud.admin.call("createAccount", username="twice", domainid=domain["id"], **NEW)).status == 200


async def test_role_and_account_type(cloud):
    roles = {}
    for accounttype in (0, 2, 3, 1):
        body = await cloud.admin.ok("createAccount", username=f"t{accounttype}", accounttype=accounttype, **NEW)
        roles[accounttype] = (body["account"]["roleid"], body["account"]["roletype"])
    assert [roles[t][1] for t in (0, 1, 2, 3)] == ["User", "Admin", "DomainAdmin", "ResourceAdmin"]
    # roleid decides the type when both are given
    body = await cloud.admin.ok("createAccount", username="byrole", roleid=roles[2][0], accounttype=0, **NEW)
    assert body["account"]["accounttype"] == 2 and body["account"]["roletype"] == "DomainAdmin"
    assert_431(await cloud.admin.call("createAccount", username="bad", accounttype=7, **NEW))


async def test_root_admin_accounts_only_in_root(cloud):
    domain = (await cloud.admin.ok("createDomain", name="sub"))["domain"]
    assert_431(await cloud.admin.call("createAccount", username="subroot", accounttype=1, domainid=domain["id"],
                                      **NEW))


async def test_update_account(cloud):
    account = (await cloud.admin.ok("createAccount", username="ren", **NEW))["account"]
    body = await cloud.admin.ok("updateAccount", id=account["id"], newname="renamed", networkdomain="r.example",
                                **{"accountdetails[0].team": "blue"})
    assert body["account"]["name"] == "renamed" and body["account"]["networkdomain"] == "r.example"
    assert body["account"]["accountdetails"] == {"team": "blue"}
    root = (await cloud.admin.ok("listDomains"))["domain"][0]
    body = await cloud.admin.ok("updateAccount", account="renamed", domainid=root["id"], newname="again")
    assert body["account"]["name"] == "again"
    await cloud.admin.ok("createAccount", username="taken", **NEW)
    assert_431(await cloud.admin.call("updateAccount", id=account["id"], newname="taken"))
    assert_431(await cloud.admin.call("updateAccount", newname="x"),
               "Either id or account and domainid must be specified")


async def test_enable_account(cloud):
    user = await cloud.user()
    await cloud.app.db.execute("UPDATE account SET state = 'disabled' WHERE uuid = $1::uuid", user.account["id"])
    assert (await user.call("listCapabilities")).status == 401
    body = await cloud.admin.ok("enableAccount", id=user.account["id"])
    assert body["account"]["state"] == "enabled"
    assert (await user.call("listCapabilities")).status == 200


async def test_the_system_account_is_never_listed_or_changed(cloud):
    names = {a["name"] for a in (await cloud.admin.ok("listAccounts", listall="true"))["account"]}
    assert "system" not in names
    reply = await cloud.admin.call("updateAccount", id="1", newname="hacked")
    assert reply.status == 531


# ------------------------------------------------------------------------- users
async def test_create_user_in_an_account(cloud):
    await cloud.admin.ok("createAccount", username="owner", account="shared", **NEW)
    body = await cloud.admin.ok("createUser", account="shared", username="second", timezone="Europe/Paris", **NEW)
    user = body["user"]
    assert user["username"] == "second" and user["account"] == "shared" and user["timezone"] == "Europe/Paris"
    listed = await cloud.admin.ok("listUsers", account="shared", domainid=user["domainid"])
    assert {u["username"] for u in listed["user"]} == {"owner", "second"}
    assert (await cloud.admin.ok("listUsers", username="second", listall="true"))["count"] == 1
    assert_431(await cloud.admin.call("createUser", account="shared", username="second", **NEW))
    assert_431(await cloud.admin.call("createUser", account="nosuch", username="x", **NEW))


async def test_new_user_can_log_in(cloud):
    await cloud.admin.ok("createAccount", username="first", account="team", **NEW)
    await cloud.admin.ok("createUser", account="team", username="newcomer", **dict(NEW, password="s3cret"))
    reply = await cloud.anonymous.raw({"command": "login", "username": "newcomer", "password": "s3cret",
                                       "response": "json"}, "POST")
    assert reply.status == 200
    assert reply["account"] == "team"


# ------------------------------------------------------------------------- keys
async def test_register_and_get_user_keys(cloud):
    account = (await cloud.admin.ok("createAccount", username="keyed", **NEW))["account"]
    user_id = account["user"][0]["id"]
    keys = (await cloud.admin.ok("registerUserKeys", id=user_id))["userkeys"]
    assert len(keys["apikey"]) > 20 and len(keys["secretkey"]) > 20
    assert (await cloud.admin.ok("getUserKeys", id=user_id))["userkeys"] == keys
    found = (await cloud.admin.ok("getUser", userapikey=keys["apikey"]))["user"]
    assert found["id"] == user_id and found["apikey"] == keys["apikey"]
    listed = (await cloud.admin.ok("listUsers", id=user_id))["user"][0]
    assert listed["apikey"] == keys["apikey"] and "secretkey" not in listed
    assert_431(await cloud.admin.call("getUser", userapikey="no-such-key"))


async def test_secret_keys_are_encrypted_at_rest(cloud):
    user = await cloud.user()
    stored = await cloud.app.db.fetchval("SELECT secret_key FROM users WHERE api_key = $1", user.api_key)
    assert stored and user.secret not in stored


async def test_user_keys_of_unknown_user(cloud):
    missing = str(uuid.uuid4())
    reply = await cloud.admin.call("registerUserKeys", id=missing)
    assert reply.status == 431 and reply["cserrorcode"] == 9999
    assert reply["errortext"].startswith(f"Unable to execute API command registeruserkeys due to invalid value. "
                                         f"Invalid parameter id value={missing}")


# ------------------------------------------------------------------------- disable and delete (async)
async def test_disable_and_enable_account(cloud):
    user = await cloud.user()
    job = await cloud.admin.run("disableAccount", id=user.account["id"], lock="false")
    assert job["jobstatus"] == 1 and job["jobresultcode"] == 0
    assert job["jobinstancetype"] == "Account" and job["jobinstanceid"] == user.account["id"]
    assert job["jobresult"]["account"]["state"] == "disabled"
    assert (await user.call("listCapabilities")).status == 401
    reply = await cloud.anonymous.raw({"command": "login", "username": user.account["user"][0]["username"],
                                       "password": "secret", "response": "json"}, "POST")
    assert reply.status == 531
    await cloud.admin.ok("enableAccount", id=user.account["id"])
    assert (await user.call("listCapabilities")).status == 200


async def test_lock_account(cloud):
    user = await cloud.user()
    job = await cloud.admin.run("disableAccount", id=user.account["id"], lock="true")
    assert job["jobresult"]["account"]["state"] == "locked"
    assert (await user.call("listCapabilities")).status == 401


async def test_disable_account_is_checked_before_it_is_queued(cloud):
    admin_id = (await cloud.admin.ok("listAccounts"))["account"][0]["id"]
    reply = await cloud.admin.call("disableAccount", id=admin_id, lock="false")
    assert reply.status == 531 and "jobid" not in reply.body
    reply = await cloud.admin.call("disableAccount", id=str(uuid.uuid4()), lock="false")
    assert reply.status == 431
    reply = await cloud.admin.call("disableAccount", id=admin_id)
    assert reply.status == 431
    assert reply["errortext"] == "Unable to execute API command disableaccount due to missing parameter lock"


async def test_delete_account(cloud):
    user = await cloud.user()
    job = await cloud.admin.run("deleteAccount", id=user.account["id"])
    assert job["jobstatus"] == 1 and job["jobresult"] == {"success": True}
    names = {a["name"] for a in (await cloud.admin.ok("listAccounts", listall="true"))["account"]}
    assert user.account["name"] not in names
    assert (await user.call("listCapabilities")).status == 401
    events = (await cloud.admin.ok("listEvents", type="ACCOUNT.DELETE"))["event"]
    assert any(e["state"] == "Completed" and user.account["name"] in e["description"] for e in events)


async def test_default_accounts_cannot_be_deleted(cloud):
    domain_admin = await cloud.user("DomainAdmin")
    admin_id = (await cloud.admin.ok("listAccounts", name="admin"))["account"][0]["id"]
    reply = await domain_admin.call("deleteAccount", id=admin_id)
    assert reply.status == 531
    assert (await cloud.admin.call("deleteAccount", id=admin_id)).status == 531
