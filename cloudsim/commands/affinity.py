"""Affinity groups: an account's named sets of VMs with a placement type.

The groups, their types and VM membership (deploy's affinitygroupids/names, updateVMAffinityGroup)
are kept as CloudStack keeps them; listVirtualMachines shows them and filters on them. Placement
honours them in core/placement.py (host anti-affinity: never two members on one host; host
affinity: all members on one host; the non-strict kinds prefer, but do not insist).
"""
from __future__ import annotations

import uuid as _uuid

import asyncpg

from ..api import params as P
from ..api.registry import ALL_ROLES, Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..core.access import check_access, list_scope
from ..core.owner import check_new_resource_owner, finalize_owner
from ..errors import invalid_value, permission_denied
from ..store import events
from ..store.keys import one
from .vm_list import VirtualMachineView, vm_entity
from .zone import _filter, _page

# CloudStack's processors: type -> admin controlled
TYPES = {"host anti-affinity": False, "host affinity": False, "non-strict host anti-affinity": False,
         "non-strict host affinity": False, "ExplicitDedication": True}

SELECT = """
SELECT g.*, a.name AS account_name, a.uuid AS account_uuid, d.uuid AS domain_uuid, d.name AS domain_name,
       d.path AS domain_path
  FROM affinity_group g JOIN account a ON a.id = g.account_id JOIN domain d ON d.id = g.domain_id
"""


async def get_group(db, key):
    return await one(db, SELECT, "g", key, live=False)


register_entity("AffinityGroup", get_group)


class AffinityGroupView(View):
    object_name = "affinitygroup"
    kind = "AffinityGroup"
    fields = (F("id", "string", "the group ID"), F("name", "string", "its name"),
              F("description", "string", "its description"), F("account", "string", "owner account"),
              F("domainid", "string", "owner domain ID"), F("domain", "string", "owner domain"),
              F("domainpath", "string", "owner domain path", since="4.19.2.0"),
              F("projectid", "string", "owner project"), F("project", "string", "owner project's name"),
              F("type", "string", "its type"),
              F("virtualmachineIds", "list", "UUIDs of its VMs"),
              F("dedicatedresources", "list", "resources dedicated through it", since="4.19.0"))


class AffinityGroupTypeView(View):
    object_name = "affinityGroupType"
    kind = "AffinityGroupType"
    fields = (F("type", "string", "the type"),)


def _entity(g, vm_uuids: list[str]):
    from .account import domain_display_path
    return AffinityGroupView.entity({
        "id": str(g["uuid"]), "name": g["name"], "description": g["description"], "account": g["account_name"],
        "domainid": str(g["domain_uuid"]), "domain": g["domain_name"],
        "domainpath": domain_display_path(g["domain_path"]), "type": g["type"],
        "virtualmachineIds": vm_uuids or None})


async def _entities(db, groups) -> list:
    """Groups with the UUIDs of their live member VMs (one query for the whole page)."""
    members: dict[int, list[str]] = {}
    for m in await db.fetch("SELECT m.affinity_group_id, v.uuid FROM vm_affinity_group m JOIN vm_instance v "
                            "ON v.id = m.vm_id WHERE m.affinity_group_id = ANY($1::bigint[]) AND v.removed IS NULL "
                            "ORDER BY v.id", [g["id"] for g in groups]):
        members.setdefault(m["affinity_group_id"], []).append(str(m["uuid"]))
    return [_entity(g, members.get(g["id"], [])) for g in groups]


async def _event(conn, caller, g, type_: str, text: str) -> None:
    await events.record_event(conn, type=type_, description=text, user_id=caller.user_id,
                              account_id=g["account_id"], domain_id=g["domain_id"], resource_id=str(g["uuid"]),
                              resource_type="AffinityGroup", resource_name=g["name"])


# ------------------------------------------------------------------------- create
async def _prepare_create(ctx, kw):
    type_ = kw["type"]
    if type_ not in TYPES:
        raise invalid_value(f"Unable to create affinity group, invalid affinity group type: {type_}. Valid values "
                            f"are {','.join(TYPES)}")
    if TYPES[type_] and not ctx.is_root_admin:
        raise permission_denied("Cannot create the affinity group")
    if kw["domainid"] is not None and kw["account"] is None and kw["projectid"] is None:
        raise invalid_value(f"Unable to create affinity group, account name is needed. Affinity group type {type_} "
                            "cannot be shared domain wide")
    await check_new_resource_owner(ctx.db, kw["account"], kw["domainid"], kw["projectid"])
    owner = await finalize_owner(ctx.db, ctx.caller, kw["account"], kw["domainid"], kw["projectid"])
    if await ctx.db.fetchval("SELECT 1 FROM affinity_group WHERE account_id = $1 AND lower(name) = lower($2)",
                             owner["id"], kw["name"]):
        raise invalid_value(f"Unable to create affinity group, a group with name {kw['name']} already exists.")
    return owner


@command("createAffinityGroup", response=AffinityGroupView, roles=ALL_ROLES, is_async=True, create=True,
         job_instance="AffinityGroup",
         cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.CreateAffinityGroupCmd",
         description="Creates an affinity or anti-affinity group.")
async def create_affinity_group(ctx, *,
                                name: Param(P.STRING, "The group name"),
                                type: Param(P.STRING, "Its type; see listAffinityGroupTypes"),
                                account: Param(P.STRING, "Owner account (with domainid)") = None,
                                description: Param(P.STRING, "Its description") = None,
                                domainid: Param(P.UUID, "Owner domain", entity="Domain") = None,
                                projectid: Param(P.UUID, "Owner project") = None):
    return (await _entities(ctx.db, [await get_group(ctx.db, ctx.job["instance_id"])]))[0]


@create_affinity_group.precheck_fn
async def _create_check(ctx, **kw):
    ctx.extra["affinity"] = await _prepare_create(ctx, kw)
    return None


@create_affinity_group.creates
async def _create(ctx, **kw):
    owner = ctx.extra.pop("affinity", None) or await _prepare_create(ctx, kw)
    try:
        async with ctx.db.transaction() as conn:
            group_id, group_uuid = await conn.fetchrow(
                "INSERT INTO affinity_group (uuid, name, type, description, account_id, domain_id) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, uuid", _uuid.uuid4(), kw["name"], kw["type"],
                kw["description"], owner["id"], owner["domain_id"])
            await _event(conn, ctx.caller, await get_group(conn, group_id), "AG.CREATE",
                         f"Successfully created Affinity Group: {kw['name']}")
    except asyncpg.UniqueViolationError:
        raise invalid_value(f"Unable to create affinity group, a group with name {kw['name']} already exists.") \
            from None
    return group_id, str(group_uuid)


# ------------------------------------------------------------------------- delete
async def _find(ctx, id, name, account, domainid, projectid):
    if id is None and name is None:
        raise invalid_value("Either the affinity group Id or group name must be specified to delete the group")
    if id is not None and name is not None:
        raise invalid_value("Either the affinity group Id or group name must be specified to delete the group, "
                            "not both")
    if id is not None:
        group = id
    else:
        owner = await finalize_owner(ctx.db, ctx.caller, account, domainid, projectid) \
            if account is not None or projectid is not None else None
        account_id = owner["id"] if owner else ctx.caller.account_id
        group = await ctx.db.fetchrow(SELECT + " WHERE g.account_id = $1 AND lower(g.name) = lower($2)",
                                      account_id, name)
        if group is None:
            raise invalid_value(f"Unable to find affinity group {name}")
    check_access(ctx.caller, group["account_id"], group["domain_path"], f"affinity group {group['uuid']}")
    return group


@command("deleteAffinityGroup", roles=ALL_ROLES, is_async=True, job_instance="AffinityGroup",
         cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.DeleteAffinityGroupCmd",
         description="Deletes an affinity group; its VMs leave it.")
async def delete_affinity_group(ctx, *,
                                account: Param(P.STRING, "Owner account (with domainid), with name") = None,
                                domainid: Param(P.UUID, "Owner domain", entity="Domain") = None,
                                id: Param(P.UUID, "The group", entity="AffinityGroup") = None,
                                name: Param(P.STRING, "The group, by name") = None,
                                projectid: Param(P.UUID, "Owner project") = None):
    group = await _find(ctx, id, name, account, domainid, projectid)
    async with ctx.db.transaction() as conn:
        await conn.execute("DELETE FROM vm_affinity_group WHERE affinity_group_id = $1", group["id"])
        await conn.execute("DELETE FROM affinity_group WHERE id = $1", group["id"])
        await _event(conn, ctx.caller, group, "AG.DELETE", f"Deleted Affinity Group: {group['name']}")
    return Success()


@delete_affinity_group.precheck_fn
async def _delete_check(ctx, *, id=None, name=None, account=None, domainid=None, projectid=None):
    group = await _find(ctx, id, name, account, domainid, projectid)
    return group["id"], str(group["uuid"])


# ------------------------------------------------------------------------- list
@command("listAffinityGroups", response=AffinityGroupView, roles=ALL_ROLES, listing=("L", "D", "Acc", "P"),
         cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.ListAffinityGroupsCmd",
         description="Lists affinity groups.")
async def list_affinity_groups(ctx, *, listing,
                               id: Param(P.UUID, "Only this group", entity="AffinityGroup") = None,
                               name: Param(P.STRING, "Only groups with this name") = None,
                               type: Param(P.STRING, "Only groups of this type") = None,
                               virtualmachineid: Param(P.UUID, "Only groups of this VM", entity="VirtualMachine") = None):
    args: list = []
    scope = await list_scope(ctx.db, ctx.caller, listing)
    if virtualmachineid is not None:
        # A VM's groups are listed for whoever may see the VM.
        check_access(ctx.caller, virtualmachineid["account_id"], virtualmachineid["domain_path"],
                     f"VM instance {virtualmachineid['uuid']}")
        where = ["true"]
    else:
        where = [scope.sql("g.account_id", "d.path", args)]
    _filter(where, args, id["id"] if id else None, "g.id = ${}")
    _filter(where, args, name, "lower(g.name) = lower(${})")
    _filter(where, args, type, "g.type = ${}")
    _filter(where, args, virtualmachineid["id"] if virtualmachineid else None,
            "EXISTS (SELECT 1 FROM vm_affinity_group m WHERE m.affinity_group_id = g.id AND m.vm_id = ${})")
    if listing.keyword:
        _filter(where, args, f"%{listing.keyword}%", "g.name ILIKE ${}")
    rows, total = await _page(ctx, SELECT, "g", where, args, listing, "g.id")
    return ListResult(await _entities(ctx.db, rows), total, "affinitygroup")


@command("listAffinityGroupTypes", response=AffinityGroupTypeView, roles=ALL_ROLES, listing=("L",),
         cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.ListAffinityGroupTypesCmd",
         description="Lists the affinity group types.")
async def list_affinity_group_types(ctx, *, listing):
    types = [t for t, admin in TYPES.items() if ctx.is_root_admin or not admin]
    if listing.keyword:
        types = [t for t in types if listing.keyword.lower() in t.lower()]
    page = types[listing.offset:listing.offset + listing.limit] if listing.limit is not None else types
    return ListResult([AffinityGroupTypeView.entity({"type": t}) for t in page], len(types), "affinityGroupType")


# ------------------------------------------------------------------------- a VM's groups
async def _groups_for_vm(ctx, vm, ids, names) -> list[int]:
    if ids and names:
        raise invalid_value("affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter")
    out = []
    for g in ids or []:
        if g["domain_id"] != vm["domain_id"] and not ctx.is_root_admin:
            raise permission_denied(f"Affinity Group {g['name']} does not belong to the VM's domain")
        if g["account_id"] != vm["account_id"]:
            raise permission_denied(f"Affinity Group {g['name']} does not belong to the VM's account")
        out.append(g["id"])
    for name in names or []:
        gid = await ctx.db.fetchval("SELECT id FROM affinity_group WHERE account_id = $1 AND lower(name) = lower($2)",
                                    vm["account_id"], name)
        if gid is None:
            raise invalid_value(f"Unable to find affinity group by name {name}")
        out.append(gid)
    return out


async def _check_update(ctx, vm, ids, names):
    check_access(ctx.caller, vm["account_id"], vm["domain_path"], f"VM instance {vm['uuid']}")
    if vm["state"] != "Stopped":
        raise invalid_value(f"Unable update affinity groups of the virtual machine VM instance {{id: \"{vm['id']}\", "
                            f"name: \"{vm['instance_name']}\", uuid: \"{vm['uuid']}\", type=\"User\"}} in state "
                            f"{vm['state']}; make sure the virtual machine is stopped and not in an error state "
                            "before updating.")
    return await _groups_for_vm(ctx, vm, ids, names)


@command("updateVMAffinityGroup", response=VirtualMachineView, roles=ALL_ROLES, is_async=True,
         job_instance="AffinityGroup", response_name="updatevirtualmachineresponse",
         cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.UpdateVMAffinityGroupCmd",
         description="Replaces the affinity groups of a stopped VM (an empty list leaves them all).")
async def update_vm_affinity_group(ctx, *,
                                   id: Param(P.UUID, "The VM", entity="VirtualMachine"),
                                   affinitygroupids: Param(P.LIST, "Its new groups", item_type=P.UUID,
                                                           entity="AffinityGroup") = None,
                                   affinitygroupnames: Param(P.LIST, "Its new groups, by name") = None):
    group_ids = await _check_update(ctx, id, affinitygroupids, affinitygroupnames)
    async with ctx.db.transaction() as conn:
        await conn.execute("DELETE FROM vm_affinity_group WHERE vm_id = $1", id["id"])
        await conn.executemany("INSERT INTO vm_affinity_group (vm_id, affinity_group_id) VALUES ($1, $2) "
                               "ON CONFLICT DO NOTHING", [(id["id"], g) for g in group_ids])
    return await vm_entity(ctx, id["id"])


@update_vm_affinity_group.precheck_fn
async def _update_check(ctx, *, id, affinitygroupids=None, affinitygroupnames=None):
    await _check_update(ctx, id, affinitygroupids, affinitygroupnames)
    return id["id"], str(id["uuid"])
