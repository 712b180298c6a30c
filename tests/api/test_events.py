"""Events and alerts: what was done, by whom, newest first."""
from __future__ import annotations

import datetime as _dt
import uuid

NEW = dict(password="pw", email="x@example.com", firstname="First", lastname="Last")


async def test_account_creation_is_recorded(cloud):
    await cloud.admin.ok("createAccount", username="recorded", **NEW)
    body = await cloud.admin.ok("listEvents", type="ACCOUNT.CREATE")
    assert body["count"] == 1
    event = body["event"][0]
    assert event["type"] == "ACCOUNT.CREATE" and event["level"] == "INFO" and event["state"] == "Completed"
    assert "recorded" in event["description"]
    assert event["account"] == "admin" and event["username"] == "admin" and event["domain"] == "ROOT"
    assert event["domainpath"] == "ROOT" and event["resourcetype"] == "Account"
    assert event["created"].endswith("+0000") and len(event["id"]) == 36
    assert event["archived"] is False


async def test_events_are_newest_first_and_filterable(cloud):
    await cloud.admin.ok("createAccount", username="first", **NEW)
    await cloud.admin.ok("createDomain", name="second")
    events = (await cloud.admin.ok("listEvents"))["event"]
    assert [e["type"] for e in events[:2]] == ["DOMAIN.CREATE", "ACCOUNT.CREATE"]
    assert (await cloud.admin.ok("listEvents", type="domain.create"))["count"] == 1
    assert (await cloud.admin.ok("listEvents", keyword="second"))["event"][0]["type"] == "DOMAIN.CREATE"
    assert (await cloud.admin.ok("listEvents", level="INFO"))["count"] == len(events)
    assert (await cloud.admin.call("listEvents", level="ERROR")).body == {}
    one = await cloud.admin.ok("listEvents", id=events[1]["id"])
    assert one["count"] == 1 and one["event"][0]["type"] == "ACCOUNT.CREATE"
    missing = str(uuid.uuid4())
    assert (await cloud.admin.call("listEvents", id=missing)).status == 431


async def test_events_by_date(cloud):
    await cloud.admin.ok("createAccount", username="dated", **NEW)
    now = cloud.app.clock.now()
    tomorrow = (now + _dt.timedelta(days=1)).strftime("%Y-%m-%d")
    yesterday = (now - _dt.timedelta(days=1)).strftime("%Y-%m-%d")
    assert (await cloud.admin.ok("listEvents", startdate=yesterday, type="ACCOUNT.CREATE"))["count"] == 1
    assert (await cloud.admin.call("listEvents", startdate=tomorrow)).body == {}
    assert (await cloud.admin.call("listEvents", enddate=yesterday)).body == {}


async def test_events_of_other_accounts_need_listall(cloud):
    domain = (await cloud.admin.ok("createDomain", name="events"))["domain"]
    admin = await cloud.user("DomainAdmin", domainid=domain["id"])
    await admin.ok("createAccount", username="made-by-domain-admin", **NEW)
    assert (await cloud.admin.call("listEvents", type="ACCOUNT.CREATE")).body["count"] == 1   # its own only
    everything = await cloud.admin.ok("listEvents", type="ACCOUNT.CREATE", listall="true")
    assert {e["account"] for e in everything["event"]} == {"admin", admin.account["name"]}
    mine = await admin.ok("listEvents", listall="true")
    assert {e["account"] for e in mine["event"]} == {admin.account["name"]}


async def test_events_in_xml(cloud):
    await cloud.admin.ok("createDomain", name="xmlevents")
    reply = await cloud.admin.call("listEvents", response="xml")
    assert reply.xml.findtext("count") == "1"
    assert reply.xml.findtext("event/type") == "DOMAIN.CREATE"


async def test_paging_events(cloud):
    for i in range(3):
        await cloud.admin.ok("createDomain", name=f"d{i}")
    page = await cloud.admin.ok("listEvents", page=2, pagesize=2)
    assert page["count"] == 3 and len(page["event"]) == 1
    assert "d0" in page["event"][0]["description"]


async def test_no_alerts_yet(cloud):
    reply = await cloud.admin.call("listAlerts")
    assert reply.status == 200
    assert reply.text == '{"listalertsresponse":{}}'
    reply = await cloud.admin.call("listAlerts", response="xml")
    assert reply.xml.tag == "listalertsresponse" and len(reply.xml) == 0
