"""Registered user data over HTTP: register (GET and POST limits), list, delete, isolation."""
from __future__ import annotations

import base64

CLOUD_CONFIG = b"#cloud-config\npackages:\n  - nginx\n"
ENCODED = base64.b64encode(CLOUD_CONFIG).decode()


def b64_of_length(n: int) -> str:
    """Base64 text of exactly n characters (n a multiple of 4)."""
    return base64.b64encode(b"x" * (n // 4 * 3)).decode()


async def test_register_list_delete(cloud):
    reply = await cloud.admin.call("registerUserData", name="web", userdata=ENCODED, params="zone,role")
    assert reply.status == 200, reply
    assert reply.name == "registeruserdataresponse"
    stored = reply["userdata"]
    assert list(stored) == ["id", "name", "accountid", "account", "domainid", "domain", "domainpath", "userdata",
                            "params", "hasannotations"]
    assert (stored["name"], stored["account"], stored["domain"], stored["domainpath"]) == ("web", "admin", "ROOT",
                                                                                            "ROOT")
    assert base64.b64decode(stored["userdata"]) == CLOUD_CONFIG
    assert stored["params"] == "zone,role"

    listed = await cloud.admin.ok("listUserData")
    assert listed["count"] == 1
    assert listed["userdata"][0] == stored
    assert (await cloud.admin.ok("listUserData", id=stored["id"]))["count"] == 1
    assert (await cloud.admin.ok("listUserData", name="WEB"))["count"] == 1
    assert (await cloud.admin.ok("listUserData", keyword="e"))["count"] == 1
    assert await cloud.admin.ok("listUserData", name="other") == {}

    assert await cloud.admin.ok("deleteUserData", id=stored["id"]) == {"success": True}
    assert await cloud.admin.ok("listUserData") == {}
    again = await cloud.admin.call("deleteUserData", id=stored["id"])
    assert again.status == 431
    assert f"Invalid parameter id value={stored['id']}" in again["errortext"]


async def test_padding_is_restored(cloud):
    unpadded = base64.b64encode(b"hello!!").decode().rstrip("=")
    stored = (await cloud.admin.ok("registerUserData", name="pad", userdata=unpadded))["userdata"]
    assert stored["userdata"] == base64.b64encode(b"hello!!").decode()


async def test_register_rejects_what_is_not_base64(cloud):
    reply = await cloud.admin.call("registerUserData", name="bad", userdata="#cloud-config: {}")
    assert reply.status == 431
    assert reply["cserrorcode"] == 4350
    assert reply["errortext"] == "User data is not base64 encoded."
    short = await cloud.admin.call("registerUserData", name="bad", userdata="====")
    assert short["errortext"] == "User data is too short."


async def test_get_is_limited_to_4096_characters_post_is_not(cloud):
    big = b64_of_length(4100)
    by_get = await cloud.admin.call("registerUserData", name="big", userdata=big)
    assert by_get.status == 431
    assert by_get["errortext"] == "User data is too long for http GET request"
    by_post = await cloud.admin.call("registerUserData", method="POST", name="big", userdata=big)
    assert by_post.status == 200, by_post
    assert by_post["userdata"]["userdata"] == big


async def test_configured_maximum(cloud):
    over = b64_of_length(32772)
    reply = await cloud.admin.call("registerUserData", method="POST", name="huge", userdata=over)
    assert reply.status == 431
    assert reply["errortext"] == "User data has exceeded configurable max length: 32768"
    await cloud.admin.ok("updateConfiguration", name="vm.userdata.max.length", value="65536")
    assert (await cloud.admin.call("registerUserData", method="POST", name="huge", userdata=over)).status == 200
    await cloud.admin.ok("updateConfiguration", name="vm.userdata.max.length", value="8")
    small = await cloud.admin.call("registerUserData", name="small", userdata=b64_of_length(12))
    assert small["errortext"] == "User data has exceeded configurable max length: 8"


async def test_duplicates_and_reserved_params(cloud):
    await cloud.admin.ok("registerUserData", name="one", userdata=ENCODED)
    same_name = await cloud.admin.call("registerUserData", name="one", userdata=b64_of_length(8))
    assert same_name.status == 431
    assert same_name["errortext"] == "A userdata with name one already exists for this account."
    same_content = await cloud.admin.call("registerUserData", name="two", userdata=ENCODED)
    assert same_content["errortext"] == "Userdata one with same content already exists for this account."
    reserved = await cloud.admin.call("registerUserData", name="three", userdata=b64_of_length(8),
                                      params="role,public-keys,instance-id")
    assert reserved.status == 431
    assert reserved["errortext"] == ("Params passed here have a few virtual router metadata file names "
                                     "[public-keys, instance-id]")


async def test_register_records_events(cloud):
    await cloud.admin.ok("registerUserData", name="ev", userdata=ENCODED)
    events = (await cloud.admin.ok("listEvents", type="REGISTER.USER.DATA"))["event"]
    assert sorted(e["description"] for e in events) == ["Registering userdata",
                                                        "Successfully completed registering userdata"]


async def test_isolation_and_acting_for_an_account(cloud):
    alice, bob = await cloud.user(), await cloud.user()
    mine = (await alice.ok("registerUserData", name="mine", userdata=ENCODED))["userdata"]
    assert mine["account"] == alice.account["name"]
    assert (await bob.ok("registerUserData", name="mine", userdata=ENCODED))["userdata"]["name"] == "mine"
    assert [u["account"] for u in (await bob.ok("listUserData"))["userdata"]] == [bob.account["name"]]
    assert await bob.ok("listUserData", id=mine["id"]) == {}
    stolen = await bob.call("deleteUserData", id=mine["id"])
    assert stolen.status == 431
    assert stolen["errortext"] == (f"A UserData with id '{mine['id']}' does not exist for account "
                                   f"{bob.account['name']} in specified domain id")
    assert (await alice.ok("listUserData"))["count"] == 1

    owner = dict(account=alice.account["name"], domainid=alice.account["domainid"])
    given = (await cloud.admin.ok("registerUserData", name="given", userdata=b64_of_length(16), **owner))["userdata"]
    assert given["account"] == alice.account["name"]
    assert (await cloud.admin.ok("listUserData", **owner))["count"] == 2
    assert (await cloud.admin.ok("listUserData", listall="true"))["count"] == 3
    assert await cloud.admin.ok("deleteUserData", id=given["id"], **owner) == {"success": True}
    assert [u["name"] for u in (await alice.ok("listUserData"))["userdata"]] == ["mine"]
