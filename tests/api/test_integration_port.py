"""The integration port (API-PROTOCOL.md 2.7): no authentication, SYSTEM runs everything, only the
query string counts, the first duplicate wins, one request per connection.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest


@pytest.fixture
async def integration(cloud):
    port = await cloud.app.listen("127.0.0.1", 0, integration=True)
    return f"http://127.0.0.1:{port}/client/api"


async def get(cloud, url: str, query: str, method: str = "GET", data=None):
    async with cloud.http.request(method, f"{url}?{query}", data=data) as resp:
        return resp.status, resp.reason, resp.headers, await resp.text()


async def test_no_credentials_needed(cloud, integration):
    status, _, headers, text = await get(cloud, integration, "command=listCapabilities&response=json")
    assert status == 200
    assert text.startswith('{"listcapabilitiesresponse":{"capability":')
    assert headers["Connection"] == "close"
    assert headers["Server"] == "HttpComponents/1.1"


async def test_commands_run_as_system(cloud, integration):
    status, _, _, text = await get(cloud, integration, "command=createDomain&name=fromintegration&response=json")
    assert status == 200, text
    events = await cloud.admin.ok("listEvents", type="DOMAIN.CREATE", listall="true")
    assert events["event"][0]["account"] == "system"
    assert events["event"][0]["username"] == "system"


async def test_any_path_works(cloud, integration):
    base = integration.rsplit("/client/api", 1)[0]
    status, _, _, _ = await get(cloud, base + "/whatever", "command=listCapabilities&response=json")
    assert status == 200


async def test_first_duplicate_wins(cloud, integration):
    status, _, _, text = await get(cloud, integration,
                                   "command=listAccounts&listall=true&name=admin&name=nobody&response=json")
    assert status == 200
    assert '"name":"admin"' in text


async def test_response_format_must_be_lowercase_json(cloud, integration):
    _, _, headers, text = await get(cloud, integration, "command=listCapabilities&response=JSON")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><listcapabilitiesresponse>')
    assert headers["Content-Type"].startswith("text/xml")
    _, _, _, text = await get(cloud, integration, "command=listCapabilities&RESPONSE=json")
    assert text.startswith("{")


async def test_xml_has_no_version_attribute(cloud, integration):
    _, _, _, text = await get(cloud, integration, "command=listAccounts&listall=true")
    assert "<listaccountsresponse><count>1</count>" in text


async def test_post_body_is_ignored(cloud, integration):
    status, _, _, text = await get(cloud, integration, "response=json", "POST",
                                   data={"command": "listCapabilities"})
    assert status == 432
    assert '"errortext":"Invalid request, no command sent"' in text


async def test_errors_carry_the_code_as_status_and_the_text_as_reason(cloud, integration):
    status, reason, _, text = await get(cloud, integration, "command=listAccounts&id=bogus&response=json")
    assert status == 431
    assert reason.startswith("Unable to execute API command listaccounts due to invalid value.")
    assert '"errorcode":431' in text
    status, _, _, text = await get(cloud, integration, "command=listZonez&response=json")
    assert status == 432
    assert text == ('{"errorresponse":{"uuidList":[],"errorcode":432,"cserrorcode":9999,'
                    '"errortext":"Unknown API command: listZonez"}}')


async def test_login_there_gives_internal_server_error(cloud, integration):
    status, _, _, text = await get(cloud, integration, "command=login&username=admin&password=password&response=json")
    assert status == 200
    assert text == '{ "error" : { "description" : "Internal Server Error" } }'
    _, _, _, text = await get(cloud, integration, "command=login&username=admin&password=password")
    assert text == "<error>Internal Server Error</error>"


async def test_values_are_url_decoded(cloud, integration):
    name = "with space+plus"
    status, _, _, text = await get(cloud, integration, f"command=createDomain&name={quote(name)}&response=json")
    assert status == 200, text
    assert '"name":"with space+plus"' in text
