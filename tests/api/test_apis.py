"""listApis (what `cmk sync` reads) and listCapabilities (what clients ask first)."""
from __future__ import annotations

API_ERROR = "Api Discovery plugin was unable to find an api by that name or process any apis"


async def test_list_apis_shape(cloud):
    body = await cloud.admin.ok("listApis", listall="true")        # cmk sync sends listall, which is ignored
    assert body["count"] == len(body["api"]) > 20
    for api in body["api"]:
        assert isinstance(api["name"], str) and isinstance(api["description"], str)
        assert isinstance(api["isasync"], bool)
        assert isinstance(api["params"], list) and isinstance(api["response"], list)
        for param in api["params"]:
            assert isinstance(param["name"], str) and isinstance(param["description"], str)
            assert isinstance(param["type"], str) and isinstance(param["required"], bool)
            assert isinstance(param["length"], int)
        assert api["params"] == [] or all("name" in p for p in api["params"])


async def test_list_apis_by_name(cloud):
    body = await cloud.admin.ok("listApis", name="createAccount")
    assert body["count"] == 1
    api = body["api"][0]
    assert api["name"] == "createAccount" and api["isasync"] is False
    params = {p["name"]: p for p in api["params"]}
    assert params["username"]["required"] is True and params["username"]["type"] == "string"
    assert params["domainid"]["type"] == "uuid" and "listDomains" in params["domainid"]["related"]
    assert params["accountdetails"]["type"] == "map"
    fields = {f["name"]: f for f in api["response"]}
    assert fields["name"]["type"] == "string" and fields["user"]["type"] == "list"
    assert {"jobid", "jobstatus"} <= set(fields)
    assert "listAccounts" in api["related"]


async def test_list_apis_includes_list_base_parameters(cloud):
    api = (await cloud.admin.ok("listApis", name="listEvents"))["api"][0]
    names = {p["name"] for p in api["params"]}
    assert {"keyword", "page", "pagesize", "listall", "domainid", "account", "isrecursive", "projectid"} <= names
    assert not names & {"response", "customjobid", "starteventid"}


async def test_list_apis_unknown_or_forbidden_name(cloud):
    reply = await cloud.admin.call("listApis", name="noSuchApi")
    assert reply.status == 530
    assert reply.body == {"uuidList": [], "errorcode": 530, "cserrorcode": 9999, "errortext": API_ERROR}
    user = await cloud.user()
    reply = await user.call("listApis", name="createAccount")
    assert reply.status == 530 and reply["errortext"] == API_ERROR


async def test_list_apis_in_xml(cloud):
    reply = await cloud.admin.call("listApis", name="listCapabilities", response="xml")
    api = reply.xml.find("api")
    assert api.findtext("name") == "listCapabilities" and api.findtext("isasync") == "false"
    assert api.find("response/name") is not None


async def test_capabilities_for_admin_and_user(cloud):
    admin = (await cloud.admin.ok("listCapabilities"))["capability"]
    assert admin["cloudstackversion"] == "4.20.1.0"
    assert admin["allowuserviewdestroyedvm"] is True and admin["allowuserexpungerecovervm"] is True
    assert admin["customdiskofferingminsize"] == 1 and admin["defaultuipagesize"] == 20
    user = (await (await cloud.user()).ok("listCapabilities"))["capability"]
    assert user["allowuserviewdestroyedvm"] is False and user["allowuserexpungerecovervolume"] is False


async def test_capabilities_show_throttling_when_enabled(cloud):
    await cloud.admin.ok("updateConfiguration", name="api.throttling.enabled", value="true")
    capability = (await cloud.admin.ok("listCapabilities"))["capability"]
    assert capability["apilimitinterval"] == 1 and capability["apilimitmax"] == 25


async def test_capabilities_can_hide_the_version(cloud):
    await cloud.admin.ok("updateConfiguration", name="expose.cloudstack.version.api.list.capabilities",
                         value="false")
    assert "cloudstackversion" not in (await cloud.admin.ok("listCapabilities"))["capability"]
