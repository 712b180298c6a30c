"""Events and alerts."""
from __future__ import annotations

import uuid

from ..api import params as P
from ..api.registry import ROOT_AND_RESOURCE, Param, command, register_entity
from ..api.views import F, ListResult, View
from ..core.access import list_scope
from ..store import events as store
from .account import domain_display_path


async def _event_by_key(db, key):
    column = "e.id" if isinstance(key, int) else "e.uuid"
    return await db.fetchrow(store.EVENT_SELECT + f" WHERE {column} = $1", key if isinstance(key, int) else
                             uuid.UUID(key))


register_entity("Event", _event_by_key)


class EventView(View):
    object_name = "event"
    kind = "Event"
    fields = (
        F("id", "string", "the event ID"), F("username", "string", "the user who caused it"),
        F("type", "string", "the event type, e.g. VM.START"), F("level", "string", "INFO, WARN or ERROR"),
        F("description", "string", "what happened"), F("account", "string", "the account it belongs to"),
        F("projectid", "string", "the project it belongs to"), F("project", "string", "the project name"),
        F("domainid", "string", "the domain ID"), F("domain", "string", "the domain name"),
        F("domainpath", "string", "the domain path", since="4.19.2.0"),
        F("resourceid", "string", "the resource it is about", since="4.17.0"),
        F("resourcetype", "string", "the type of that resource", since="4.17.0"),
        F("resourcename", "string", "the name of that resource", since="4.17.0"),
        F("created", "date", "when it happened"), F("state", "string", "Created, Scheduled, Started or Completed"),
        F("parentid", "string", "the event that started this one"), F("archived", "boolean", "true if archived", since="4.19.0"),
    )


def event_entity(e) -> object:
    return EventView.entity({
        "id": str(e["uuid"]), "username": e["username"], "type": e["type"], "level": e["level"],
        "description": e["description"], "account": e["account_name"],
        "domainid": str(e["domain_uuid"]) if e["domain_uuid"] else None, "domain": e["domain_name"],
        "domainpath": domain_display_path(e["domain_path"]) if e["domain_path"] else None,
        "resourceid": e["resource_id"], "resourcetype": e["resource_type"], "resourcename": e["resource_name"],
        "created": e["created"], "state": e["state"],
        "parentid": str(e["parent_uuid"]) if e["parent_uuid"] else None, "archived": e["archived"],
    })


@command("listEvents", response=EventView, listing=("L", "D", "Acc", "P"),
         description="Lists events, newest first.")
async def list_events(ctx, *, listing,
                      id: Param(P.UUID, "Only the event with this ID", entity="Event") = None,
                      duration: Param(P.INTEGER, "With entrytime: age window in seconds") = None,
                      enddate: Param(P.DATE, "Events up to this time") = None,
                      entrytime: Param(P.INTEGER, "With duration: find Started events older than this") = None,
                      level: Param(P.STRING, "INFO, WARN or ERROR") = None,
                      startdate: Param(P.DATE, "Events from this time") = None,
                      type: Param(P.STRING, "Only events of this type, e.g. VM.START") = None,
                      startid: Param(P.UUID, "Events started by this event (it included)", entity="Event") = None,
                      resourceid: Param(P.STRING, "Only events about this resource", since="4.17.0") = None,
                      resourcetype: Param(P.STRING, "Type of resourceid, e.g. VirtualMachine", since="4.17.0") = None,
                      archived: Param(P.BOOLEAN, "List archived events", since="4.19.0") = False):
    args: list = []
    where = [(await list_scope(ctx.db, ctx.caller, listing)).sql("e.account_id", "d.path", args)]
    args.append(bool(archived))
    where.append(f"e.archived = ${len(args)}")
    conditions = ((id["id"] if id else None, "e.id = ${}"), (level, "upper(e.level) = upper(${})"),
                  (type, "upper(e.type) = upper(${})"), (startdate, "e.created >= ${}"),
                  (enddate, "e.created <= ${}"), (resourceid, "e.resource_id = ${}"),
                  (resourcetype, "lower(e.resource_type) = lower(${})"))
    for value, clause in conditions:
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    if startid is not None:
        args.append(startid["id"])
        where.append(f"(e.id = ${len(args)} OR e.start_id = ${len(args)})")
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        n = len(args)
        where.append(f"(e.type ILIKE ${n} OR e.state ILIKE ${n} OR e.description ILIKE ${n} OR e.level ILIKE ${n})")
    sql_where = " WHERE " + " AND ".join(where)
    total = await ctx.db.fetchval("SELECT count(*) FROM event e LEFT JOIN domain d ON d.id = e.domain_id" + sql_where,
                                  *args)
    args += [listing.limit, listing.offset]
    rows = await ctx.db.fetch(store.EVENT_SELECT + sql_where +
                              f" ORDER BY e.created DESC, e.id DESC LIMIT ${len(args) - 1} OFFSET ${len(args)}", *args)
    return ListResult([event_entity(e) for e in rows], total, "event")


class AlertView(View):
    object_name = "alert"
    kind = "Alert"
    fields = (F("id", "string", "the alert ID"), F("type", "short", "the alert type number"),
              F("name", "string", "the alert type name"), F("description", "string", "what happened"),
              F("sent", "date", "when it was raised"))


async def _alert_by_key(db, key):
    if isinstance(key, int):
        return await db.fetchrow("SELECT * FROM alert WHERE id = $1", key)
    return await db.fetchrow("SELECT * FROM alert WHERE uuid = $1", uuid.UUID(key))


register_entity("Alert", _alert_by_key)


@command("listAlerts", response=AlertView, roles=ROOT_AND_RESOURCE, listing=("L",),
         description="Lists alerts raised by the cloud, newest first.")
async def list_alerts(ctx, *, listing,
                      id: Param(P.UUID, "Only the alert with this ID", entity="Alert") = None,
                      type: Param(P.STRING, "Only alerts of this type number") = None,
                      name: Param(P.STRING, "Only alerts with this name", since="4.3") = None):
    args: list = []
    where = ["NOT archived"]
    if id is not None:
        args.append(id["id"])
        where.append(f"id = ${len(args)}")
    if type is not None:
        try:
            args.append(int(type))
        except ValueError:
            args.append(-1)
        where.append(f"type = ${len(args)}")
    if name is not None:
        args.append(name)
        where.append(f"name = ${len(args)}")
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        where.append(f"subject ILIKE ${len(args)}")
    sql_where = " WHERE " + " AND ".join(where)
    total = await ctx.db.fetchval("SELECT count(*) FROM alert" + sql_where, *args)
    args += [listing.limit, listing.offset]
    rows = await ctx.db.fetch("SELECT * FROM alert" + sql_where +
                              f" ORDER BY sent DESC, id DESC LIMIT ${len(args) - 1} OFFSET ${len(args)}", *args)
    return ListResult([AlertView.entity({"id": str(r["uuid"]), "type": r["type"], "name": r["name"],
                                         "description": r["subject"], "sent": r["sent"]}) for r in rows],
                      total, "alert")
