"""Request signatures (API-PROTOCOL.md 2.2–2.5): the worked examples, every client's way of signing,
v3 expiry, and what a caller sees when a signature is not accepted.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
from urllib.parse import quote, quote_plus

import pytest

from cloudsim.api.signature import canonical, sign, verify

CREDENTIALS = "unable to verify user credentials and/or request signature"


# ------------------------------------------------------------------------- the published vectors
def test_worked_example_v2():
    params = dict(command="listZones", available="true", response="json", apiKey="EXAMPLE-API-KEY")
    assert canonical(params) == "apikey=example-api-key&available=true&command=listzones&response=json"
    assert sign(params, "EXAMPLE-SECRET-KEY") == "neSCnxyNUK7VxlzRGHA8Y5giwJA="


def test_worked_example_v3():
    params = dict(command="listZones", available="true", response="json", apiKey="EXAMPLE-API-KEY",
                  signatureVersion="3", expires="2030-01-01T00:00:00+0000")
    assert canonical(params) == ("apikey=example-api-key&available=true&command=listzones&expires="
                                 "2030-01-01t00%3a00%3a00%2b0000&response=json&signatureversion=3")
    assert sign(params, "EXAMPLE-SECRET-KEY") == "iBxw3x5tkP83rGMPHL94SD1lkgE="


def test_worked_example_with_map_and_java_encoding():
    params = {"command": "deployVirtualMachine", "apiKey": "EXAMPLE-API-KEY", "response": "json", "zoneid": "z1",
              "serviceofferingid": "s1", "templateid": "t1", "displayname": "my vm*~+/",
              "details[0].cpuNumber": "2", "details[0].memory": "1024"}
    assert canonical(params) == (
        "apikey=example-api-key&command=deployvirtualmachine&details[0].cpunumber=2&details[0].memory=1024"
        "&displayname=my%20vm*%7e%2b%2f&response=json&serviceofferingid=s1&templateid=t1&zoneid=z1")
    assert sign(params, "EXAMPLE-SECRET-KEY") == "9BqyJXtC2wMtwmfEfV8tX3EcDDQ="


def test_cloudmonkey_published_vector_sha1_and_sha512():
    params = {"apikey": "abc", "command": "listzones", "response": "json"}
    assert canonical(params) == "apikey=abc&command=listzones&response=json"
    assert sign(params, "secret") == "tcMI1Kpm20pLhrrVYtCCcualuBU="
    sha512 = "/JUUf9SPvNd0sjdbfIxsCxYItNUlGauI+T71cOhHd5fYffHuVAXIba9RzFBK+empezGCzlhw4+R9LFri3CG+oQ=="
    assert sign(params, "secret", hashlib.sha512) == sha512
    assert verify(params, "secret", "tcMI1Kpm20pLhrrVYtCCcualuBU=")
    assert verify(params, "secret", sha512)
    assert not verify(params, "wrong", sha512)


# ------------------------------------------------------------------------- how each client signs (2.5)
def _hmac(text: str, secret: str, digest=hashlib.sha1) -> str:
    return base64.b64encode(hmac.new(secret.encode(), text.lower().encode(), digest).digest()).decode()


def sign_cs(params, secret):
    """exoscale/cs: sorted() on names as given, quote(v, safe="*")."""
    return _hmac("&".join(f"{k}={quote(v, safe='*')}" for k, v in sorted(params.items())), secret)


def sign_libcloud(params, secret):
    """Libcloud: sorted by lower-cased name, names lower-cased, `[` `]` `~` left raw."""
    items = sorted((k.lower(), v) for k, v in params.items())
    return _hmac("&".join(f"{quote(k, safe='[]')}={quote(v, safe='[]*')}" for k, v in items), secret)


def _go_query_escape(value: str) -> str:
    return quote_plus(value, safe="-_.~")


def sign_cmk(params, secret, digest=hashlib.sha1):
    """cloudmonkey / cloudstack-go: sort.Strings, url.QueryEscape, then + -> %20 and %2A -> *."""
    parts = [f"{k}={_go_query_escape(params[k]).replace('+', '%20').replace('%2A', '*')}" for k in sorted(params)]
    return _hmac("&".join(parts), secret, digest)


def sign_marvin(params, secret):
    """Marvin: sorted by lower-cased name, names lower-cased, quote_plus(v, safe="*") then + -> %20."""
    items = sorted((k.lower(), v) for k, v in params.items())
    return _hmac("&".join(f"{k}={quote_plus(v, safe='*').replace('+', '%20')}" for k, v in items), secret)


SIGNERS = {"cs": sign_cs, "libcloud": sign_libcloud, "cmk": sign_cmk, "marvin": sign_marvin,
           "cmk-sha512": lambda p, s: sign_cmk(p, s, hashlib.sha512)}


async def send(cloud, params: dict, signer, method: str = "GET", secret: str | None = None):
    params = dict(params)
    params["signature"] = signer(params, secret or cloud.admin.secret)
    return await cloud.admin.raw(params, method)


@pytest.mark.parametrize("client", sorted(SIGNERS))
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_each_client_signature_is_accepted(cloud, client, method):
    # keyword carries ~ [ ] * / + and a space: the characters the clients encode differently
    params = {"command": "listAccounts", "response": "json", "apiKey": cloud.admin.api_key,
              "keyword": "ad", "name": "admin", "listall": "true"}
    reply = await send(cloud, params, SIGNERS[client], method)
    assert reply.status == 200, reply
    assert reply["account"][0]["name"] == "admin"
    awkward = dict(params, keyword="a~b [x]*/+ c", name="Nobody")
    reply = await send(cloud, awkward, SIGNERS[client], method)
    assert reply.status == 200, reply
    assert reply.body == {}


@pytest.mark.parametrize("client", sorted(SIGNERS))
async def test_each_client_signature_with_map_parameters(cloud, client):
    params = {"command": "updateAccount", "response": "json", "apiKey": cloud.admin.api_key,
              "id": await _admin_account_id(cloud), "accountdetails[0].Team": "ops~1",
              "accountdetails[0].cost": "a b"}
    reply = await send(cloud, params, SIGNERS[client], "POST")
    assert reply.status == 200, reply
    assert reply["account"]["accountdetails"] == {"Team": "ops~1", "cost": "a b"}


async def _admin_account_id(cloud) -> str:
    return (await cloud.admin.ok("listAccounts", name="admin"))["account"][0]["id"]


async def test_v3_signatures_from_cs_and_go_clients(cloud):
    future = cloud.app.clock.now() + _dt.timedelta(minutes=10)
    for expires in (future.strftime("%Y-%m-%dT%H:%M:%S+0000"), future.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    future.strftime("%Y-%m-%dT%H:%M:%SZ+0000"), future.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")):
        params = {"command": "listCapabilities", "response": "json", "apiKey": cloud.admin.api_key,
                  "signatureVersion": "3", "expires": expires}
        reply = await send(cloud, params, sign_cs)
        assert reply.status == 200, (expires, reply)


async def test_letter_case_of_values_is_not_signed(cloud):
    params = {"command": "listAccounts", "response": "json", "apiKey": cloud.admin.api_key, "name": "admin"}
    params["signature"] = sign(params, cloud.admin.secret)
    params["name"] = "ADMIN"
    reply = await cloud.admin.raw(params)
    assert reply.status == 200
    assert reply["count"] == 1


async def test_parameter_order_on_the_wire_does_not_matter(cloud):
    params = cloud.admin.signed("listAccounts", {"name": "admin"})
    reply = await cloud.admin.raw(dict(reversed(list(params.items()))))
    assert reply.status == 200


# ------------------------------------------------------------------------- refusals
def _assert_refused(reply, name="listcapabilitiesresponse"):
    assert reply.status == 401, reply
    assert reply.name == name
    assert reply.body == {"uuidList": [], "errorcode": 401, "errortext": CREDENTIALS}
    assert "cserrorcode" not in reply.body


async def test_wrong_signature_is_refused(cloud):
    params = cloud.admin.signed("listCapabilities", {})
    params["signature"] = sign(params, "not-the-secret")
    _assert_refused(await cloud.admin.raw(params))


async def test_tampered_parameter_is_refused(cloud):
    params = cloud.admin.signed("listAccounts", {"name": "admin"})
    params["name"] = "someoneelse"
    _assert_refused(await cloud.admin.raw(params), "listaccountsresponse")


async def test_missing_signature_or_key_is_refused(cloud):
    params = cloud.admin.signed("listCapabilities", {})
    del params["signature"]
    _assert_refused(await cloud.admin.raw(params))
    params = cloud.admin.signed("listCapabilities", {})
    del params["apiKey"]
    _assert_refused(await cloud.admin.raw(params))


async def test_unknown_api_key_is_refused(cloud):
    params = {"command": "listCapabilities", "response": "json", "apiKey": "no-such-key"}
    params["signature"] = sign(params, cloud.admin.secret)
    _assert_refused(await cloud.admin.raw(params))


async def test_expired_v3_signature_is_refused(cloud):
    past = cloud.app.clock.now() - _dt.timedelta(seconds=5)
    reply = await cloud.admin.call("listCapabilities", signatureVersion="3",
                                   expires=past.strftime("%Y-%m-%dT%H:%M:%S+0000"))
    _assert_refused(reply)


async def test_v3_signature_expires_when_the_clock_moves_on(cloud):
    expires = (cloud.app.clock.now() + _dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    params = cloud.admin.signed("listCapabilities", {"signatureVersion": "3", "expires": expires})
    assert (await cloud.admin.raw(params)).status == 200
    cloud.app.clock.advance(11 * 60)
    _assert_refused(await cloud.admin.raw(params))


@pytest.mark.parametrize("expires", [None, "", "tomorrow", "2030-13-45T00:00:00+0000"])
async def test_v3_without_a_usable_expiry_is_refused(cloud, expires):
    params = {"signatureVersion": "3"}
    if expires is not None:
        params["expires"] = expires
    _assert_refused(await cloud.admin.call("listCapabilities", **params))


async def test_expires_is_ignored_without_signature_version_3(cloud):
    reply = await cloud.admin.call("listCapabilities", expires="2000-01-01T00:00:00+0000")
    assert reply.status == 200
    reply = await cloud.admin.call("listCapabilities", signatureVersion="2", expires="garbage")
    assert reply.status == 200


async def test_unknown_command_over_api_key_is_401_errorresponse(cloud):
    for command in ("listZonez", "listcapabilities"):
        reply = await cloud.admin.call(command)
        assert reply.status == 401
        assert reply.name == "errorresponse"
        assert reply.body == {"uuidList": [], "errorcode": 401, "errortext": CREDENTIALS}


async def test_refusal_in_xml_has_no_version_attribute(cloud):
    params = cloud.admin.signed("listCapabilities", {"response": "xml"})
    params["signature"] = sign(params, "nope")
    reply = await cloud.admin.raw(params)
    assert reply.status == 401
    assert reply.xml.tag == "listcapabilitiesresponse"
    assert reply.xml.get("cloud-stack-version") is None
    assert [child.tag for child in reply.xml] == ["errorcode", "errortext"]
    assert reply.xml.findtext("errortext") == CREDENTIALS


async def test_disabled_account_keys_are_refused(cloud):
    user = await cloud.user()
    assert (await user.call("listCapabilities")).status == 200
    await cloud.app.db.execute("UPDATE account SET state = 'disabled' WHERE uuid = $1::uuid", user.account["id"])
    _assert_refused(await user.call("listCapabilities"))


async def test_regenerated_keys_replace_the_old_ones(cloud):
    user = await cloud.user()
    user_id = user.account["user"][0]["id"]
    keys = (await cloud.admin.ok("registerUserKeys", id=user_id))["userkeys"]
    _assert_refused(await user.call("listCapabilities"))
    user.api_key, user.secret = keys["apikey"], keys["secretkey"]
    assert (await user.call("listCapabilities")).status == 200


async def test_enforced_post_and_timestamps(cloud):
    await cloud.admin.ok("updateConfiguration", name="enforce.post.requests.and.timestamps", value="true")
    # read-only commands may still be GET, but need signature version 3
    _assert_refused(await cloud.admin.call("listCapabilities"))
    soon = (cloud.app.clock.now() + _dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    assert (await cloud.admin.call("listCapabilities", signatureVersion="3", expires=soon)).status == 200
    late = (cloud.app.clock.now() + _dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    _assert_refused(await cloud.admin.call("listCapabilities", signatureVersion="3", expires=late))
    reply = await cloud.admin.call("createDomain", name="viaget", signatureVersion="3", expires=soon)
    assert reply.status == 400
    assert reply["errortext"] == "State changing command createDomain needs to be sent using POST request"
    assert "cserrorcode" not in reply.body
    reply = await cloud.admin.call("createDomain", "POST", name="viapost", signatureVersion="3", expires=soon)
    assert reply.status == 200, reply
    reply = await cloud.admin.call("updateConfiguration", name="vmsnapshot.max", value="3",
                                   signatureVersion="3", expires=soon)
    assert reply.status == 400
    assert reply["errortext"] == "Changes for configuration vmsnapshot.max needs to be sent using POST request"
    reply = await cloud.admin.call("updateConfiguration", name="enforce.post.requests.and.timestamps",
                                   value="false", signatureVersion="3", expires=soon)
    assert reply.status == 200, reply
