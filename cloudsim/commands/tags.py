"""Resource tags: createTags, deleteTags, listTags (the rules are core/tags.py's)."""
from __future__ import annotations

import uuid as _uuid

import asyncpg

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command
from ..api.views import F, ListResult, Success, View
from ..core import tags as core
from ..core.access import can_access, list_scope
from ..errors import internal_error, invalid_value, permission_denied
from ..jobs.events import register_event_type
from ..store import events
from .zone import _filter, _page

register_event_type("createTags", "CREATE_TAGS", "creating resource tags")
register_event_type("deleteTags", "DELETE_TAGS", "deleting resource tags")


class ResourceTagView(View):
    object_name = "tag"
    kind = "ResourceTag"
    fields = (F("key", "string", "tag key"), F("value", "string", "tag value"),
              F("resourcetype", "string", "type of the tagged resource"),
              F("resourceid", "string", "ID of the tagged resource"), F("account", "string", "owner account"),
              F("projectid", "string", "owner project"), F("project", "string", "owner project's name"),
              F("domainid", "string", "owner domain ID"), F("domain", "string", "owner domain"),
              F("domainpath", "string", "owner domain path", since="4.19.2.0"),
              F("customer", "string", "customer the tag is for"))


def _pairs(tags: dict | None) -> dict[str, str | None]:
    """tags[0].key=k&tags[0].value=v, as parsed into {index: {key, value}}, to {k: v}."""
    out: dict[str, str | None] = {}
    for item in (tags or {}).values():
        if isinstance(item, dict) and item.get("key"):
            out[item["key"]] = item.get("value")
    return out


async def _resources(ctx, resourcetype: str, resourceids: list[str]):
    type_ = core.resource_type(resourcetype)
    return type_, [await core.find_resource(ctx.db, type_, key.strip()) for key in resourceids]


def _may_tag(ctx, resource) -> bool:
    if resource["account_id"] is None:
        return ctx.is_root_admin
    return ctx.is_root_admin or can_access(ctx.caller, resource["account_id"], resource["domain_path"])


async def _check_create(ctx, resourceids, resourcetype, tags):
    pairs = _pairs(tags)
    if not pairs:
        raise invalid_value("Please specify at least one tag: tags[0].key and tags[0].value")
    type_, resources = await _resources(ctx, resourcetype, resourceids)
    for key, value in pairs.items():
        if not value:
            raise invalid_value(f"Value for the key {key} is either null or empty")
        for r in resources:
            if not _may_tag(ctx, r):
                raise permission_denied(f"Account '{ctx.caller.account_name}' doesn't have permissions to create "
                                        f"tags for resource [id: {r['id']}, uuid: {r['uuid']}] ({key}).")
    return type_, resources, pairs


@command("createTags", roles=ALL_ROLES, is_async=True,
         cmd_class="org.apache.cloudstack.api.command.user.tag.CreateTagsCmd",
         description="Creates resource tag(s).")
async def create_tags(ctx, *,
                      resourceids: Param(P.LIST, "The resources to tag"),
                      resourcetype: Param(P.STRING, "Their type: UserVm, Template, ISO, Volume, PublicIpAddress, ..."),
                      tags: Param(P.MAP, "The tags: tags[0].key=k&tags[0].value=v"),
                      customer: Param(P.STRING, "The customer the tags are for") = None):
    type_, resources, pairs = await _check_create(ctx, resourceids, resourcetype, tags)
    try:
        async with ctx.db.transaction() as conn:
            for key, value in pairs.items():
                for r in resources:
                    current = (r["uuid"], key)
                    await conn.execute(
                        "INSERT INTO resource_tag (uuid, key, value, resource_id, resource_uuid, resource_type, "
                        "customer, account_id, domain_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                        _uuid.uuid4(), key, value, r["id"], r["uuid"], type_, customer,
                        r["account_id"] if r["account_id"] is not None else 1,
                        r["domain_id"] if r["domain_id"] is not None else 1)
            await events.record_event(conn, type="CREATE_TAGS", description="creating resource tags",
                                      user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                      domain_id=ctx.caller.domain_id)
    except asyncpg.UniqueViolationError:
        raise internal_error(f"tag {current[1]} already on {type_} with id {current[0]}") from None
    return Success()


@create_tags.precheck_fn
async def _create_check(ctx, *, resourceids, resourcetype, tags, customer=None):
    await _check_create(ctx, resourceids, resourcetype, tags)
    return None


@command("deleteTags", roles=ALL_ROLES, is_async=True,
         cmd_class="org.apache.cloudstack.api.command.user.tag.DeleteTagsCmd",
         description="Deletes resource tag(s): all of them, or those whose key (and value) match.")
async def delete_tags(ctx, *,
                      resourceids: Param(P.LIST, "The tagged resources"),
                      resourcetype: Param(P.STRING, "Their type"),
                      tags: Param(P.MAP, "Only these tags (tags[0].key=k, optional tags[0].value=v)") = None):
    type_, resources = await _resources(ctx, resourcetype, resourceids)
    pairs = _pairs(tags)
    rows = await ctx.db.fetch(core.TAG_SELECT + " WHERE t.resource_type = $1 AND t.resource_id = ANY($2::bigint[]) "
                              "ORDER BY t.id", type_, [r["id"] for r in resources])
    doomed = []
    for t in rows:
        if not pairs or any(t["key"].lower() == k.lower() and (v is None or t["value"].lower() == v.lower())
                            for k, v in pairs.items()):
            doomed.append(t)
    if not doomed:
        raise internal_error("Failed to delete tags")
    for t in doomed:
        if t["account_id"] != ctx.caller.account_id and not can_access(ctx.caller, t["account_id"], t["domain_path"]):
            raise permission_denied(f"Account {ctx.caller.account_name} does not have permission to operate "
                                    f"within domain id={t['domain_uuid']}")
    async with ctx.db.transaction() as conn:
        await conn.execute("DELETE FROM resource_tag WHERE id = ANY($1::bigint[])", [t["id"] for t in doomed])
        await events.record_event(conn, type="DELETE_TAGS", description="deleting resource tags",
                                  user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                  domain_id=ctx.caller.domain_id)
    return Success()


@delete_tags.precheck_fn
async def _delete_check(ctx, *, resourceids, resourcetype, tags=None):
    await _resources(ctx, resourcetype, resourceids)
    return None


@command("listTags", response=ResourceTagView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P"),
         cmd_class="org.apache.cloudstack.api.command.user.tag.ListTagsCmd",
         description="Lists resource tags.")
async def list_tags(ctx, *, listing,
                    customer: Param(P.STRING, "Only tags for this customer") = None,
                    key: Param(P.STRING, "Only tags with this key") = None,
                    resourceid: Param(P.STRING, "Only tags of this resource (UUID)") = None,
                    resourcetype: Param(P.STRING, "Only tags of this resource type") = None,
                    value: Param(P.STRING, "Only tags with this value") = None):
    args: list = []
    where = [(await list_scope(ctx.db, ctx.caller, listing)).sql("t.account_id", "d.path", args)]
    type_ = core.resource_type(resourcetype) if resourcetype else None
    for val, clause in ((type_, "t.resource_type = ${}"), (key, "t.key = ${}"), (value, "t.value = ${}"),
                        (customer, "t.customer = ${}"), (resourceid, "t.resource_uuid = ${}")):
        _filter(where, args, val, clause)
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "(t.key ILIKE ${0} OR t.value ILIKE ${0})")
    rows, total = await _page(ctx, core.TAG_SELECT, "t", where, args, listing, "t.id")
    return ListResult([ResourceTagView.entity(dict(core.tag_object(t))) for t in rows], total, "tag")
