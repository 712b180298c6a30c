"""Response envelopes (API-PROTOCOL.md 3, 4.3, 9): list, empty list, single object, errors, headers."""
from __future__ import annotations

import json

import pytest

from cloudsim.api import render
from cloudsim.api.registry import COMMANDS, command
from cloudsim.errors import CloudStackError, internal_error

VERSION = "4.20.1.0"
PROLOG = '<?xml version="1.0" encoding="UTF-8"?>'


# ------------------------------------------------------------------------- lists
async def test_list_in_json(cloud):
    reply = await cloud.admin.call("listAccounts")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json; charset=UTF-8"
    doc = json.loads(reply.text)
    assert list(doc) == ["listaccountsresponse"]
    assert list(doc["listaccountsresponse"]) == ["count", "account"]          # count first
    account = doc["listaccountsresponse"]["account"][0]
    assert account["name"] == "admin"
    assert account["accounttype"] == 1 and account["isdefault"] is True      # typed, not strings
    assert account["vmlimit"] == "Unlimited"
    assert account["created"].endswith("+0000") and "T" in account["created"]
    assert isinstance(account["user"], list) and account["user"][0]["username"] == "admin"


async def test_list_in_xml(cloud):
    reply = await cloud.admin.call("listAccounts", response="xml")
    assert reply.headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert reply.text.startswith(PROLOG + f'<listaccountsresponse cloud-stack-version="{VERSION}"><count>1</count>'
                                 "<account><id>")
    assert "\n" not in reply.text
    account = reply.xml.find("account")
    assert account.findtext("isdefault") == "true"
    assert account.findtext("user/username") == "admin"       # collections repeat under the field name


async def test_empty_list(cloud):
    reply = await cloud.admin.call("listEvents", type="NO.SUCH.EVENT")
    assert reply.text == '{"listeventsresponse":{}}'
    reply = await cloud.admin.call("listEvents", type="NO.SUCH.EVENT", response="xml")
    assert reply.text == PROLOG + f'<listeventsresponse cloud-stack-version="{VERSION}"></listeventsresponse>'


async def test_page_past_the_end_keeps_the_count(cloud):
    reply = await cloud.admin.call("listAccounts", page=5, pagesize=10)
    assert reply.text == '{"listaccountsresponse":{"count":1}}'
    reply = await cloud.admin.call("listAccounts", page=5, pagesize=10, response="xml")
    assert reply.text == PROLOG + f'<listaccountsresponse cloud-stack-version="{VERSION}"><count>1</count>' \
                                  "</listaccountsresponse>"


async def test_empty_alert_list(cloud):
    reply = await cloud.admin.call("listAlerts")
    assert reply.status == 200
    assert reply.text == '{"listalertsresponse":{}}'


# ------------------------------------------------------------------------- single objects
async def test_single_object(cloud):
    reply = await cloud.admin.call("listCapabilities")
    assert list(reply.body) == ["capability"]
    capability = reply["capability"]
    assert capability["supportELB"] == "false"                # camel-case key, string value
    assert capability["customdiskofferingmaxsize"] == 1024
    assert capability["dynamicrolesenabled"] in (True, False)
    assert "apilimitmax" not in capability                    # null fields are omitted
    xml = await cloud.admin.call("listCapabilities", response="xml")
    assert xml.xml.tag == "listcapabilitiesresponse"
    assert [child.tag for child in xml.xml] == ["capability"]
    assert xml.xml.findtext("capability/supportELB") == "false"


async def test_created_object(cloud):
    reply = await cloud.admin.call("createDomain", name="single")
    assert list(reply.body) == ["domain"]
    assert reply["domain"]["name"] == "single" and reply["domain"]["path"] == "ROOT/single"
    xml = await cloud.admin.call("createDomain", name="other", response="xml")
    assert xml.xml.findtext("domain/path") == "ROOT/other"


async def test_special_characters_are_literal_in_json_and_escaped_in_xml(cloud):
    name = "a<b>&c='d'é"
    reply = await cloud.admin.call("createDomain", name=name)
    assert reply.status == 200, reply
    assert f'"name":"{name}"' in reply.text
    xml = await cloud.admin.call("listDomains", name=name, response="xml")
    assert "a&lt;b&gt;&amp;c=" in xml.text
    assert xml.xml.findtext("domain/name") == name


async def test_response_format_is_case_insensitive_and_defaults_to_xml(cloud):
    assert (await cloud.admin.call("listCapabilities", response="JSON")).text.startswith('{"listcapabilitiesresponse"')
    assert (await cloud.admin.call("listCapabilities", response="yaml")).text.startswith(PROLOG)
    params = cloud.admin.signed("listCapabilities", {})
    del params["response"]
    from cloudsim.api.signature import sign
    params["signature"] = sign({k: v for k, v in params.items() if k != "signature"}, cloud.admin.secret)
    assert (await cloud.admin.raw(params)).text.startswith(PROLOG)


# ------------------------------------------------------------------------- errors
async def test_error_in_json(cloud):
    reply = await cloud.admin.call("listAccounts", id="nope")
    assert reply.status == 431
    text = ("Unable to execute API command listaccounts due to invalid value. Invalid parameter id value=nope due "
            "to incorrect long value format, or entity does not exist or due to incorrect parameter annotation "
            "for the field in api cmd class.")
    assert reply.text == json.dumps({"listaccountsresponse": {"uuidList": [], "errorcode": 431, "cserrorcode": 9999,
                                                              "errortext": text}}, separators=(",", ":"))
    assert reply.headers["X-Description"] == text


async def test_error_in_xml(cloud):
    reply = await cloud.admin.call("createAccount", response="xml")
    assert reply.status == 431
    assert reply.text == (PROLOG + f'<createaccountresponse cloud-stack-version="{VERSION}"><errorcode>431'
                          "</errorcode><cserrorcode>9999</cserrorcode><errortext>Unable to execute API command "
                          "createaccount due to missing parameter email</errortext></createaccountresponse>")


def test_uuid_list_rendering():
    err = CloudStackError(531, "no", 4365, uuids=[("11111111-2222-3333-4444-555555555555", "vmId")])
    body = render.error_body(err)
    assert json.loads(render.to_json("xresponse", body)) == {"xresponse": {
        "uuidList": [{"uuid": "11111111-2222-3333-4444-555555555555", "uuidProperty": "vmId"}],
        "errorcode": 531, "cserrorcode": 4365, "errortext": "no"}}
    assert render.to_xml("xresponse", body, None).decode() == (
        PROLOG + "<xresponse><uuidList><uuid>11111111-2222-3333-4444-555555555555</uuid><uuidProperty>vmId"
        "</uuidProperty></uuidList><errorcode>531</errorcode><cserrorcode>4365</cserrorcode><errortext>no"
        "</errortext></xresponse>")


async def test_error_names(cloud):
    # no parameters at all
    reply = await cloud.anonymous.raw({})
    assert reply.status == 401 and reply.name == "errorresponse"
    # parameters but no command: CloudStack's literal "null"
    reply = await cloud.anonymous.raw({"response": "json"})
    assert reply.status == 401 and reply.name == "null"
    reply = await cloud.anonymous.raw({"response": "xml", "x": "1"})
    assert reply.xml.tag == "null"


@pytest.fixture
def failing():
    @command("probeInternalError", description="test probe")
    async def probe_internal_error(ctx):
        raise internal_error("disk on fire at host 10.0.0.7")

    @command("probeCrash", description="test probe")
    async def probe_crash(ctx):
        raise RuntimeError("boom")

    yield
    COMMANDS.pop("probeInternalError")
    COMMANDS.pop("probeCrash")


async def test_internal_errors_are_masked_for_non_root_callers(cloud, failing):
    reply = await cloud.admin.call("probeInternalError")
    assert reply.status == 530
    assert reply.body == {"uuidList": [], "errorcode": 530, "cserrorcode": 4250,
                          "errortext": "disk on fire at host 10.0.0.7"}
    user = await cloud.user()
    reply = await user.call("probeInternalError")
    assert reply.status == 530
    assert reply["errortext"] == "Internal error executing command, please contact your system administrator"
    reply = await cloud.admin.call("probeCrash")
    assert reply.status == 530
    assert reply["errortext"] == "Internal error executing API command probeCrash"


# ------------------------------------------------------------------------- headers and routes
async def test_security_headers(cloud):
    for reply in (await cloud.admin.call("listCapabilities"), await cloud.admin.call("listAccounts", id="x")):
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["X-XSS-Protection"] == "1;mode=block"
        assert "default-src=none" in reply.headers["Content-Security-Policy"]


async def test_path_after_api_is_ignored(cloud):
    params = cloud.admin.signed("listCapabilities", {})
    reply = await cloud.admin.raw(params, url=cloud.url + "/anything/here")
    assert reply.status == 200


async def test_root_redirects_to_client(cloud):
    base = cloud.url.rsplit("/client/api", 1)[0]
    async with cloud.http.get(base + "/", allow_redirects=False) as resp:
        assert resp.status == 301
        assert resp.headers["Location"] == "/client"


async def test_other_methods_get_the_containers_405(cloud):
    async with cloud.http.put(cloud.url, params={"command": "listCapabilities"}) as resp:
        assert resp.status == 405
        assert resp.headers["Content-Type"].startswith("text/html")


async def test_head_behaves_like_get_without_a_body(cloud):
    async with cloud.http.head(cloud.url, params=cloud.admin.signed("listCapabilities", {})) as resp:
        assert resp.status == 200
        assert await resp.read() == b""
