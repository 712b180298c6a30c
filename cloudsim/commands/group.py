"""Instance groups: an account's named folders for its VMs (a VM is in at most one)."""
from __future__ import annotations

import uuid as _uuid

import asyncpg

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..core.access import check_access, list_scope
from ..core.owner import check_new_resource_owner, finalize_owner
from ..errors import invalid_value
from ..store import events
from ..store import vm as store

register_entity("InstanceGroup", store.get_group)


class InstanceGroupView(View):
    object_name = "instancegroup"
    kind = "InstanceGroup"
    fields = (F("id", "string", "the group ID"), F("name", "string", "its name"),
              F("created", "date", "when it was created"), F("account", "string", "owner account"),
              F("domainid", "string", "owner domain ID"), F("domain", "string", "owner domain"),
              F("domainpath", "string", "owner domain path", since="4.19.2.0"),
              F("projectid", "string", "owner project"), F("project", "string", "owner project's name"),
              F("hasannotations", "boolean", "true if comments are attached"))


def group_entity(g):
    from .account import domain_display_path
    return InstanceGroupView.entity({
        "id": str(g["uuid"]), "name": g["name"], "created": g["created"], "account": g["account_name"],
        "domainid": str(g["domain_uuid"]), "domain": g["domain_name"],
        "domainpath": domain_display_path(g["domain_path"]), "hasannotations": False})


async def _event(conn, caller, g, type_: str, text: str) -> None:
    await events.record_event(conn, type=type_, description=text, user_id=caller.user_id,
                              account_id=g["account_id"], domain_id=g["domain_id"], resource_id=str(g["uuid"]),
                              resource_type="InstanceGroup", resource_name=g["name"])


@command("createInstanceGroup", response=InstanceGroupView, roles=ALL_ROLES,
         description="Creates an instance group for VMs.")
async def create_instance_group(ctx, *,
                                name: Param(P.STRING, "The group name"),
                                account: Param(P.STRING, "Owner account (with domainid)") = None,
                                domainid: Param(P.UUID, "Owner domain", entity="Domain") = None,
                                projectid: Param(P.UUID, "Owner project") = None):
    await check_new_resource_owner(ctx.db, account, domainid, projectid)
    owner = await finalize_owner(ctx.db, ctx.caller, account, domainid, projectid)
    if await store.group_by_name(ctx.db, owner["id"], name) is not None:
        raise invalid_value(f"Unable to create vm group, a group with name {name} already exists for account "
                            f"{owner['uuid']}")
    try:
        async with ctx.db.transaction() as conn:
            group_id = await conn.fetchval("INSERT INTO instance_group (uuid, name, account_id, domain_id) "
                                           "VALUES ($1, $2, $3, $4) RETURNING id", _uuid.uuid4(), name, owner["id"],
                                           owner["domain_id"])
            row = await store.get_group(conn, group_id)
            await _event(conn, ctx.caller, row, "VMGROUP.CREATE", f"Creating vm group {name}")
    except asyncpg.UniqueViolationError:
        raise invalid_value(f"Unable to create vm group, a group with name {name} already exists for account "
                            f"{owner['uuid']}") from None
    return group_entity(await store.get_group(ctx.db, group_id))


@command("listInstanceGroups", response=InstanceGroupView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P"),
         description="Lists instance groups.")
async def list_instance_groups(ctx, *, listing,
                               id: Param(P.UUID, "Only this group", entity="InstanceGroup") = None,
                               name: Param(P.STRING, "Only groups with this name") = None):
    args: list = []
    where = ["g.removed IS NULL", (await list_scope(ctx.db, ctx.caller, listing)).sql("g.account_id", "d.path", args)]
    for value, clause in ((id["id"] if id else None, "g.id = ${}"), (name, "lower(g.name) = lower(${})")):
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        where.append(f"g.name ILIKE ${len(args)}")
    sql_where = " WHERE " + " AND ".join(where)
    total = await ctx.db.fetchval("SELECT count(*) FROM instance_group g JOIN domain d ON d.id = g.domain_id"
                                  + sql_where, *args)
    args += [listing.limit, listing.offset]
    rows = await ctx.db.fetch(store.GROUP_SELECT + sql_where + f" ORDER BY g.id LIMIT ${len(args) - 1} "
                              f"OFFSET ${len(args)}", *args)
    return ListResult([group_entity(g) for g in rows], total, "instancegroup")


@command("updateInstanceGroup", response=InstanceGroupView, roles=ALL_ROLES, description="Renames an instance group.")
async def update_instance_group(ctx, *, id: Param(P.UUID, "The group", entity="InstanceGroup"),
                                name: Param(P.STRING, "The new name") = None):
    check_access(ctx.caller, id["account_id"], id["domain_path"], f"instance group {id['uuid']}")
    if name is not None and name != id["name"]:
        other = await store.group_by_name(ctx.db, id["account_id"], name)
        if other is not None and other["id"] != id["id"]:
            raise invalid_value(f"vm group with name {name} already exists for account {id['account_uuid']}")
        async with ctx.db.transaction() as conn:
            await conn.execute("UPDATE instance_group SET name = $2 WHERE id = $1", id["id"], name)
            await _event(conn, ctx.caller, id, "VMGROUP.UPDATE", f"Updating vm group {name}")
    return group_entity(await store.get_group(ctx.db, id["id"]))


@command("deleteInstanceGroup", roles=ALL_ROLES, description="Deletes an instance group; its VMs leave it.")
async def delete_instance_group(ctx, *, id: Param(P.UUID, "The group", entity="InstanceGroup")):
    check_access(ctx.caller, id["account_id"], id["domain_path"], f"instance group {id['uuid']}")
    async with ctx.db.transaction() as conn:
        await conn.execute("DELETE FROM instance_group_vm WHERE group_id = $1", id["id"])
        await conn.execute("UPDATE instance_group SET removed = now() WHERE id = $1", id["id"])
        await _event(conn, ctx.caller, id, "VMGROUP.DELETE", f"Deleting vm group {id['name']}")
    return Success()
