"""Parameters (API-PROTOCOL.md 1.3–1.7 and 6): how the map is built, typed conversion and CloudStack's
error texts, map syntax, control characters, page/pagesize.
"""
from __future__ import annotations

import uuid

import pytest

from cloudsim.api import params as P
from cloudsim.api.registry import COMMANDS, Param, command
from cloudsim.api.views import Fields

NEW_ACCOUNT = dict(email="a@example.com", firstname="A", lastname="B", password="pw")


def invalid(cmd: str, name: str, value: str) -> str:
    return f"Unable to execute API command {cmd} due to invalid value {value} for parameter {name}"


def unknown_id(cmd: str, name: str, value: str) -> str:
    return (f"Unable to execute API command {cmd} due to invalid value. Invalid parameter {name} value={value} "
            "due to incorrect long value format, or entity does not exist or due to incorrect parameter "
            "annotation for the field in api cmd class.")


def assert_431(reply, text: str, cserrorcode: int = 9999):
    assert reply.status == 431, reply
    assert reply.body == {"uuidList": [], "errorcode": 431, "cserrorcode": cserrorcode, "errortext": text}


@pytest.fixture
def probe():
    """A command with the parameter types no shipped command uses yet; removed after the test."""

    @command("probeParameterTypes", description="test probe", roles=frozenset({"Admin"}))
    async def probe_parameter_types(ctx, *,
                                    size: Param(P.LONG, "a long") = None,
                                    small: Param(P.SHORT, "a short") = None,
                                    ratio: Param(P.FLOAT, "a float") = None,
                                    numbers: Param(P.LIST, "integers", item_type=P.INTEGER) = None,
                                    domains: Param(P.LIST, "domain ids", item_type=P.UUID, entity="Domain") = None,
                                    newer: Param(P.UUID, "a uuid with since", entity="Domain", since="4.18") = None):
        return Fields(size=size, small=small, ratio=ratio, numbers=numbers,
                      domains=[d["name"] for d in domains] if domains else None,
                      newer=newer["name"] if newer is not None else None)

    yield
    COMMANDS.pop("probeParameterTypes")


# ------------------------------------------------------------------------- integers
@pytest.mark.parametrize("value", ["abc", "1.5", "2147483648", "-2147483649", " 1", "1_0", "0x10"])
async def test_integer_garbage_and_out_of_range(cloud, value):
    reply = await cloud.admin.call("listAccounts", accounttype=value)
    assert_431(reply, invalid("listaccounts", "accounttype", value))


@pytest.mark.parametrize("value", ["", "  "])
async def test_blank_integer_is_unset(cloud, value):
    reply = await cloud.admin.call("listAccounts", accounttype=value)
    assert reply.status == 200
    assert reply["count"] == 1


async def test_integer_limits_are_accepted(cloud):
    for value in ("2147483647", "-2147483648", "+1"):
        assert (await cloud.admin.call("listAccounts", accounttype=value)).status == 200


@pytest.mark.parametrize("name, value", [
    ("size", "x"), ("size", "9223372036854775808"), ("size", ""), ("small", "32768"), ("small", "-32769"),
    ("small", ""), ("small", "1.0"), ("ratio", "fast"), ("numbers", "1,x"), ("numbers", "1,99999999999"),
])
async def test_long_short_float_and_list_errors(cloud, probe, name, value):
    reply = await cloud.admin.call("probeParameterTypes", **{name: value})
    shown = value if name != "numbers" else value.split(",")[1]
    assert_431(reply, invalid("probeparametertypes", name, shown))


async def test_long_short_float_and_list_values(cloud, probe):
    reply = await cloud.admin.call("probeParameterTypes", size="9223372036854775807", small="-32768",
                                   ratio="0.5", numbers="1,,2,3")
    assert reply.status == 200
    assert reply.body == {"size": 9223372036854775807, "small": -32768, "ratio": 0.5, "numbers": [1, 2, 3]}


# ------------------------------------------------------------------------- uuids
async def test_uuid_garbage_and_unknown(cloud):
    for value in ("garbage", str(uuid.uuid4()), "12345"):
        reply = await cloud.admin.call("listAccounts", id=value)
        assert_431(reply, unknown_id("listaccounts", "id", value))


async def test_uuid_parameter_accepts_the_internal_id_when_it_has_no_since(cloud):
    reply = await cloud.admin.call("listAccounts", id="2")
    assert reply.status == 200
    assert reply["account"][0]["name"] == "admin"


async def test_uuid_parameter_with_since_turns_garbage_into_unset(cloud, probe):
    reply = await cloud.admin.call("probeParameterTypes", newer="not-a-uuid")
    assert reply.status == 200
    assert reply.body == {}
    root = (await cloud.admin.ok("listDomains"))["domain"][0]
    reply = await cloud.admin.call("probeParameterTypes", newer=root["id"].upper())
    assert reply.body == {"newer": "ROOT"}
    reply = await cloud.admin.call("probeParameterTypes", newer=str(uuid.uuid4()))
    assert reply.status == 431


async def test_uuid_lists(cloud, probe):
    root = (await cloud.admin.ok("listDomains"))["domain"][0]
    reply = await cloud.admin.call("probeParameterTypes", domains=f"{root['id']},,{root['id']}")
    assert reply.body == {"domains": ["ROOT", "ROOT"]}
    missing = str(uuid.uuid4())
    reply = await cloud.admin.call("probeParameterTypes", domains=f"{root['id']},{missing}")
    assert_431(reply, unknown_id("probeparametertypes", "domains", missing))


# ------------------------------------------------------------------------- dates
@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "2025-01-01T25:00:00+0000", "01/02/2025"])
async def test_date_garbage(cloud, value):
    reply = await cloud.admin.call("listEvents", startdate=value)
    assert_431(reply, f"Unable to parse date {value} for command listevents, please pass dates in the format "
                      "mentioned in the api documentation")


@pytest.mark.parametrize("value", ["2020-01-01", "2020-01-01 10:00:00", "2020-01-01T10:00:00+0100",
                                   "2020-01-01T10:00:00Z", "2020-01-01T10:00:00+01:00",
                                   "2020-01-01T10:00:00.123456+0000", "2020-01-01T10:00:00Z+0000"])
async def test_date_forms(cloud, value):
    reply = await cloud.admin.call("listEvents", startdate=value)
    assert reply.status == 200, reply


async def test_end_date_covers_the_whole_day(cloud):
    await cloud.user()
    today = cloud.app.clock.now().strftime("%Y-%m-%d")
    reply = await cloud.admin.call("listEvents", startdate=today, enddate=today, type="ACCOUNT.CREATE")
    assert reply["count"] == 1


# ------------------------------------------------------------------------- strings, booleans, names
async def test_string_over_its_length(cloud):
    reply = await cloud.admin.call("createAccount", username="u" * 256, **NEW_ACCOUNT)
    assert_431(reply, "Unable to execute API command createaccount due to invalid value. Value greater than max "
                      "allowed length 255 for param: username")
    assert (await cloud.admin.call("createAccount", username="u" * 255, **NEW_ACCOUNT)).status == 200


async def test_longer_strings_where_the_parameter_allows(cloud):
    reply = await cloud.admin.call("updateConfiguration", name="vm.instancename.flag", value="x" * 4097)
    assert_431(reply, "Unable to execute API command updateconfiguration due to invalid value. Value greater "
                      "than max allowed length 4096 for param: value")


async def test_boolean_accepts_only_true(cloud):
    for value in ("TRUE", "True", "true"):
        reply = await cloud.admin.call("listDomains", listall=value)
        assert reply.status == 200
    await cloud.admin.ok("createDomain", name="child")
    assert (await cloud.admin.ok("listDomains", listall="yes"))["count"] == 1
    assert (await cloud.admin.ok("listDomains", listall="TrUe"))["count"] == 2


async def test_parameter_names_are_case_insensitive_and_unknown_ones_ignored(cloud):
    reply = await cloud.admin.call("listAccounts", NAME="admin", ListAll="true", nosuchthing="1")
    assert reply.status == 200
    assert reply["count"] == 1 and reply["account"][0]["name"] == "admin"


async def test_api_names_are_case_sensitive_but_reserved_credentials_are_not(cloud):
    params = {"command": "listCapabilities", "response": "json", "APIKEY": cloud.admin.api_key}
    from cloudsim.api.signature import sign
    params["Signature"] = sign(params, cloud.admin.secret)
    assert (await cloud.admin.raw(params)).status == 200


# ------------------------------------------------------------------------- required parameters
async def test_missing_required_parameter(cloud):
    reply = await cloud.admin.call("createAccount", username="x", firstname="A", lastname="B", password="pw")
    assert_431(reply, "Unable to execute API command createaccount due to missing parameter email")


async def test_first_missing_parameter_in_definition_order_is_reported(cloud):
    reply = await cloud.admin.call("createUser")
    assert_431(reply, "Unable to execute API command createuser due to missing parameter account")


async def test_required_but_empty(cloud):
    reply = await cloud.admin.call("createAccount", username="x", **dict(NEW_ACCOUNT, email=""))
    assert_431(reply, "Invalid value provided for API arg: email", 4350)


# ------------------------------------------------------------------------- maps
@pytest.mark.parametrize("key", ["accountdetails[x].a", "accountdetails[0]a", "accountdetails[0.a",
                                 "accountdetails[0][1].a", "accountdetails]0[.a", "accountdetails[0]",
                                 "accountdetails[0]].a"])
async def test_malformed_map_parameter_is_430(cloud, key):
    reply = await cloud.admin.call("createAccount", username="m", **NEW_ACCOUNT, **{key: "1"})
    assert reply.status == 430, reply
    assert reply.name == "createaccountresponse"
    assert reply.body == {"uuidList": [], "errorcode": 430, "cserrorcode": 9999, "errortext":
                          f"Unable to decode parameter {key}; if specifying an object array, please use "
                          "parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup"}


async def test_map_parameter_keeps_field_case_and_any_index(cloud):
    reply = await cloud.admin.call("createAccount", username="m", **NEW_ACCOUNT,
                                   **{"AccountDetails[7].Team": "ops", "accountdetails[2].cost": "x"})
    assert reply.status == 200, reply
    assert reply["account"]["accountdetails"] == {"cost": "x", "Team": "ops"}


async def test_name_starting_with_a_bracket_is_an_ordinary_name(cloud):
    assert (await cloud.admin.call("listCapabilities", **{"[odd].x": "1"})).status == 200


# ------------------------------------------------------------------------- control characters
@pytest.mark.parametrize("char", ["\x00", "\t", "\x1b", "\x7f", "\x0b"])
async def test_control_characters_are_refused(cloud, char):
    reply = await cloud.admin.call("listAccounts", name=f"ad{char}min")
    assert_431(reply, "Received value containing illegal ASCII non-printable characters for parameter name")


async def test_newlines_are_allowed_and_activationrule_is_exempt(cloud):
    assert (await cloud.admin.call("listAccounts", name="a\r\nb")).status == 200
    assert (await cloud.admin.call("listAccounts", activationrule="a\tb")).status == 200


async def test_control_characters_in_map_values(cloud):
    reply = await cloud.admin.call("createAccount", username="c", **NEW_ACCOUNT, **{"accountdetails[0].k": "a\tb"})
    assert_431(reply, "Received value containing illegal ASCII non-printable characters for parameter "
                      "accountdetails")


# ------------------------------------------------------------------------- query string and body
async def test_query_string_wins_over_the_body(cloud):
    signed = cloud.admin.signed("listAccounts", {"name": "admin"})
    url = cloud.url + "?name=admin"
    body = dict(signed, name="nobody")
    # the signature covers the merged map: query values replace body values
    reply = await cloud.admin.raw(body, "POST", url=url)
    assert reply.status == 200, reply
    assert reply["account"][0]["name"] == "admin"


async def test_duplicates_last_wins_in_the_query_first_in_the_body(cloud):
    signed = cloud.admin.signed("listAccounts", {"name": "admin"})
    query = "&".join(f"{k}={P_quote(v)}" for k, v in signed.items()) + "&name=nobody&name=admin"
    async with cloud.http.get(f"{cloud.url}?{query}") as resp:
        assert resp.status == 200
        assert (await resp.json())["listaccountsresponse"]["count"] == 1
    body = "&".join(f"{k}={P_quote(v)}" for k, v in signed.items()) + "&name=nobody"
    async with cloud.http.post(cloud.url, data=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"}) as resp:
        assert resp.status == 200
        assert (await resp.json())["listaccountsresponse"]["account"][0]["name"] == "admin"


def P_quote(value: str) -> str:
    from urllib.parse import quote
    return quote(value, safe="")


async def test_empty_value_is_kept_and_signed(cloud):
    reply = await cloud.admin.call("listAccounts", keyword="")
    assert reply.status == 200
    assert reply["count"] == 1


# ------------------------------------------------------------------------- page and pagesize
async def _accounts(cloud, n: int):
    for i in range(n):
        await cloud.admin.ok("createAccount", username=f"pager{i}", **NEW_ACCOUNT)


async def test_paging(cloud):
    await _accounts(cloud, 4)          # plus admin: 5 accounts
    page1 = await cloud.admin.ok("listAccounts", listall="true", page=1, pagesize=2)
    page3 = await cloud.admin.ok("listAccounts", listall="true", page=3, pagesize=2)
    assert page1["count"] == 5 and len(page1["account"]) == 2
    assert page3["count"] == 5 and len(page3["account"]) == 1
    assert (await cloud.admin.ok("listAccounts", listall="true", page=0, pagesize=2))["account"] == page1["account"]
    past = await cloud.admin.call("listAccounts", listall="true", page=9, pagesize=2)
    assert past.body == {"count": 5}
    names = set()
    for page in (1, 2, 3):
        names |= {a["name"] for a in (await cloud.admin.ok("listAccounts", listall="true", page=page, pagesize=2))["account"]}
    assert len(names) == 5
    assert len((await cloud.admin.ok("listAccounts", listall="true", pagesize=-1))["account"]) == 5


async def test_page_rules(cloud):
    assert_431(await cloud.admin.call("listAccounts", pagesize=2),
               '"page" parameter is required when "pagesize" is specified')
    assert_431(await cloud.admin.call("listAccounts", page=1),
               '"pagesize" parameter is required when "page" is specified')
    assert_431(await cloud.admin.call("listAccounts", page=1, pagesize=-1),
               "Can't specify page parameter when pagesize is -1 (Unlimited)", 4350)
    assert_431(await cloud.admin.call("listAccounts", page=1, pagesize=501),
               "Page size can't exceed max allowed page size value: 500", 4350)
    assert_431(await cloud.admin.call("listAccounts", page=1, pagesize="many"),
               invalid("listaccounts", "pagesize", "many"))
    assert (await cloud.admin.call("listAccounts", page=1, pagesize=500)).status == 200


async def test_default_page_size_setting(cloud):
    await _accounts(cloud, 3)
    await cloud.admin.ok("updateConfiguration", name="default.page.size", value="2")
    body = await cloud.admin.ok("listAccounts", listall="true")
    assert body["count"] == 4 and len(body["account"]) == 2
    assert_431(await cloud.admin.call("listAccounts", page=1, pagesize=3),
               "Page size can't exceed max allowed page size value: 2", 4350)
    await cloud.admin.ok("updateConfiguration", name="default.page.size", value="-1")
    assert len((await cloud.admin.ok("listAccounts", listall="true"))["account"]) == 4
    assert (await cloud.admin.call("listAccounts", page=1, pagesize=1000)).status == 200


async def test_pagesize_zero_gives_an_empty_page_with_the_count(cloud):
    await cloud.user()
    body = await cloud.admin.ok("listAccounts", listall="true", page=1, pagesize=0)
    assert body == {"count": 2}
