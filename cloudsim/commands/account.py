"""Domains, accounts and users."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import (ADMIN_ROLES, ALL_ROLES, ROOT_ONLY, Param, command, register_entity)
from ..api.views import F, Fields, ListResult, Success, View
from ..core import accounts as core
from ..core.access import SYSTEM_ACCOUNT_ID, check_access, check_domain_access, domain_in_reach, list_scope
from ..errors import invalid_value, permission_denied
from ..store import accounts as store
from ..store import events

register_entity("Domain", store.get_domain)
register_entity("Account", store.get_account)
register_entity("User", store.get_user)
register_entity("Role", store.get_role)

# The resource kinds an account or domain reports limit/total/available for, and the default limit
# (CloudStack's max.account.* settings; root admins are unlimited).
RESOURCES = (("vm", 20), ("ip", 20), ("volume", 20), ("snapshot", 20), ("template", 20), ("project", 10),
             ("network", 20), ("vpc", 20), ("cpu", 40), ("memory", 40960), ("primarystorage", 200),
             ("secondarystorage", 400))


def _limit_fields(kinds=RESOURCES):
    out = []
    for kind, _ in kinds:
        total_type = "float" if kind == "secondarystorage" else "long"
        out += [F(f"{kind}limit", "string", f"the {kind} limit"), F(f"{kind}total", total_type, f"{kind} in use"),
                F(f"{kind}available", "string", f"{kind} still available")]
    return tuple(out)


def _limits(unlimited: bool, usage: dict | None = None) -> dict:
    out = {}
    for kind, default in RESOURCES:
        total = (usage or {}).get(kind, 0)
        out[f"{kind}limit"] = "Unlimited" if unlimited else str(default)
        out[f"{kind}total"] = total
        out[f"{kind}available"] = "Unlimited" if unlimited else str(max(default - total, 0))
    return out


class UserView(View):
    object_name = "user"
    kind = "User"
    fields = (
        F("id", "string", "the user ID"), F("username", "string", "the login name"),
        F("firstname", "string", "first name"), F("lastname", "string", "last name"),
        F("email", "string", "e-mail address"), F("created", "date", "when the user was created"),
        F("state", "string", "enabled, disabled or locked"), F("account", "string", "the account name"),
        F("accounttype", "integer", "the account type"), F("usersource", "string", "where the user authenticates"),
        F("roleid", "string", "the role ID"), F("roletype", "string", "the role type"),
        F("rolename", "string", "the role name"), F("domainid", "string", "the domain ID"),
        F("domain", "string", "the domain name"), F("timezone", "string", "the user's time zone"),
        F("apikey", "string", "the API key"), F("secretkey", "string", "the secret key"),
        F("accountid", "string", "the account ID"), F("iscallerchilddomain", "boolean",
                                                      "true if the user is in a child domain of the caller"),
        F("isdefault", "boolean", "true if created at installation"),
        F("is2faenabled", "boolean", "true if two-factor authentication is on", since="4.18.0.0"),
        F("is2famandated", "boolean", "true if two-factor authentication is required", since="4.18.0.0"),
    )


def user_row(ctx, u, with_secret: bool = False) -> dict:
    return {
        "id": str(u["uuid"]), "username": u["username"], "firstname": u["firstname"], "lastname": u["lastname"],
        "email": u["email"], "created": u["created"], "state": u["state"], "account": u["account_name"],
        "accounttype": u["account_type"], "usersource": u["source"], "roleid": str(u["role_uuid"]),
        "roletype": u["role_type"], "rolename": u["role_name"], "domainid": str(u["domain_uuid"]),
        "domain": u["domain_name"], "timezone": u["timezone"], "apikey": u["api_key"],
        "secretkey": ctx.box.open(u["secret_key"]) if with_secret and u["secret_key"] else None,
        "accountid": str(u["account_uuid"]),
        "iscallerchilddomain": u["domain_path"] != ctx.caller.domain_path
        and u["domain_path"].startswith(ctx.caller.domain_path),
        "isdefault": u["is_default"], "is2faenabled": False, "is2famandated": False,
    }


class AccountView(View):
    object_name = "account"
    kind = "Account"
    fields = (
        F("id", "string", "the account ID"), F("name", "string", "the account name"),
        F("accounttype", "integer", "0 user, 1 root admin, 2 domain admin, 3 resource admin"),
        F("roleid", "string", "the role ID"), F("roletype", "string", "the role type"),
        F("rolename", "string", "the role name"), F("domainid", "string", "the domain ID"),
        F("domain", "string", "the domain name"), F("domainpath", "string", "the domain's path", since="4.13"),
        F("defaultzoneid", "string", "the account's default zone"),
        F("receivedbytes", "long", "bytes received by the account's networks"),
        F("sentbytes", "long", "bytes sent by the account's networks"),
    ) + _limit_fields() + (
        F("vmstopped", "integer", "stopped VMs"), F("vmrunning", "integer", "running VMs"),
        F("state", "string", "enabled, disabled or locked"),
        F("iscleanuprequired", "boolean", "true if the account awaits clean-up"),
        F("created", "date", "when the account was created"),
        F("user", "list", "the users of the account", view=UserView),
        F("networkdomain", "string", "DNS domain of the account's networks"),
        F("accountdetails", "map", "account details"),
        F("isdefault", "boolean", "true if created at installation", since="4.2.0"),
    )


def domain_display_path(path: str) -> str:
    """'/' -> 'ROOT', '/a/b/' -> 'ROOT/a/b' (domainpath fields)."""
    return "ROOT" + path.rstrip("/") if path != "/" else "ROOT"


async def account_entities(ctx, rows) -> list:
    users = await store.users_of_accounts(ctx.db, [r["id"] for r in rows])
    by_account: dict[int, list] = {}
    for u in users:
        by_account.setdefault(u["account_id"], []).append(UserView.entity(user_row(ctx, u), ctx.is_root_admin))
    usage = await account_usage(ctx.db, [r["id"] for r in rows])
    out = []
    for r in rows:
        row = {
            "id": str(r["uuid"]), "name": r["name"], "accounttype": r["type"], "roleid": str(r["role_uuid"]),
            "roletype": r["role_type"], "rolename": r["role_name"], "domainid": str(r["domain_uuid"]),
            "domain": r["domain_name"], "domainpath": domain_display_path(r["domain_path"]),
            "receivedbytes": 0, "sentbytes": 0, "state": r["state"], "iscleanuprequired": r["cleanup_needed"],
            "created": r["created"], "user": by_account.get(r["id"], []), "networkdomain": r["network_domain"],
            "accountdetails": r["details"] or None, "isdefault": r["is_default"],
            "vmstopped": usage.get(r["id"], {}).get("vmstopped", 0),
            "vmrunning": usage.get(r["id"], {}).get("vmrunning", 0),
        }
        row.update(_limits(r["type"] == core.TYPE_ADMIN, usage.get(r["id"])))
        out.append(AccountView.entity(row, ctx.is_root_admin))
    return out


# Areas that own resources register a counter: async (db, account_ids) -> {account_id: {kind: n}}.
USAGE_COUNTERS: list = []


async def account_usage(db, account_ids: list[int]) -> dict[int, dict]:
    usage: dict[int, dict] = {}
    for counter in USAGE_COUNTERS:
        for account_id, counts in (await counter(db, account_ids)).items():
            usage.setdefault(account_id, {}).update(counts)
    return usage


async def _account_entity(ctx, account_id: int):
    return (await account_entities(ctx, [await store.get_account(ctx.db, account_id)]))[0]


# ------------------------------------------------------------------------- accounts
@command("listAccounts", response=AccountView, listing=("L", "D"),
         description="Lists accounts the caller may see.")
async def list_accounts(ctx, *, listing,
                        accounttype: Param(P.INTEGER, "Only accounts of this type") = None,
                        id: Param(P.UUID, "Only the account with this ID", entity="Account") = None,
                        iscleanuprequired: Param(P.BOOLEAN, "Only accounts flagged for clean-up") = None,
                        name: Param(P.STRING, "Only the account with this name") = None,
                        state: Param(P.STRING, "Only accounts in this state: enabled, disabled, locked") = None,
                        details: Param(P.LIST, "Detail groups: all, resource, min") = None,
                        showicon: Param(P.BOOLEAN, "Include resource icons") = False):
    args: list = []
    where = ["a.removed IS NULL", f"a.id <> {SYSTEM_ACCOUNT_ID}", "a.type <> 5"]
    if id is not None:
        check_access(ctx.caller, id["id"], id["domain_path"], "account " + id["name"])
        args.append(id["id"])
        where.append(f"a.id = ${len(args)}")
        if listing.domain is not None:
            args.append(listing.domain["id"])
            where.append(f"a.domain_id = ${len(args)}")
    else:
        all_of_domain = await ctx.settings.get("allow.user.view.all.domain.accounts")
        if all_of_domain and not ctx.is_admin:
            args.append(ctx.caller.domain_id)
            where.append(f"a.domain_id = ${len(args)}")
        else:
            scope = await list_scope(ctx.db, ctx.caller, listing)
            where.append(scope.sql("a.id", "d.path", args))
    if not ctx.is_admin:
        where.append("a.type <> 2")
    for value, clause in ((accounttype, "a.type = ${}::int"), (state, "lower(a.state) = lower(${})"),
                          (name, "lower(a.name) = lower(${})"), (iscleanuprequired, "a.cleanup_needed = ${}")):
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        where.append(f"(a.name ILIKE ${len(args)} OR a.state ILIKE ${len(args)})")
    sql_where = " WHERE " + " AND ".join(where)
    total = await ctx.db.fetchval("SELECT count(*) FROM account a JOIN domain d ON d.id = a.domain_id" + sql_where,
                                  *args)
    args += [listing.limit, listing.offset]
    rows = await ctx.db.fetch(store.ACCOUNT_SELECT + sql_where +
                              f" ORDER BY a.id LIMIT ${len(args) - 1} OFFSET ${len(args)}", *args)
    return ListResult(await account_entities(ctx, rows), total, "account")


@command("createAccount", response=AccountView, roles=ADMIN_ROLES,
         description="Creates an account and its first user.")
async def create_account(ctx, *,
                         email: Param(P.STRING, "E-mail address of the first user"),
                         firstname: Param(P.STRING, "First name of the first user"),
                         lastname: Param(P.STRING, "Last name of the first user"),
                         password: Param(P.STRING, "Password of the first user, in clear text"),
                         username: Param(P.STRING, "Login name of the first user; unique in the domain"),
                         account: Param(P.STRING, "Account name; defaults to the user name") = None,
                         accounttype: Param(P.INTEGER, "0 user, 1 root admin, 2 domain admin; roleid is preferred") = None,
                         roleid: Param(P.UUID, "Role of the new account", entity="Role") = None,
                         domainid: Param(P.UUID, "Domain of the new account; default the caller's", entity="Domain") = None,
                         timezone: Param(P.STRING, "Time zone of the first user") = None,
                         networkdomain: Param(P.STRING, "DNS domain of the account's networks") = None,
                         accountdetails: Param(P.MAP, "Details stored with the account") = None,
                         accountid: Param(P.STRING, "UUID to give the account") = None,
                         userid: Param(P.STRING, "UUID to give the first user") = None):
    account_id = await core.create_account(
        ctx.db, ctx.caller, username=username, password=password, email=email, firstname=firstname,
        lastname=lastname, account=account, accounttype=accounttype, role=roleid, domain=domainid,
        timezone=timezone, networkdomain=networkdomain, details=P.flatten(accountdetails),
        accountid=accountid, userid=userid)
    return await _account_entity(ctx, account_id)


async def _account_by_ref(ctx, id, account, domainid):
    """Commands that take either id or account+domainid."""
    if id is not None:
        target = id
    elif account is not None and domainid is not None:
        target = await store.account_by_name(ctx.db, account, domainid["id"])
        if target is None:
            raise invalid_value(f"Unable to find account by name {account} in domain {domainid['uuid']}")
    else:
        raise invalid_value("Either id or account and domainid must be specified")
    if target["id"] == SYSTEM_ACCOUNT_ID:
        raise permission_denied("The system account cannot be changed")
    check_access(ctx.caller, target["id"], target["domain_path"], "account " + target["name"])
    return target


@command("updateAccount", response=AccountView, roles=ADMIN_ROLES,
         description="Renames an account or changes its role, network domain or details.")
async def update_account(ctx, *,
                         id: Param(P.UUID, "The account to change", entity="Account") = None,
                         account: Param(P.STRING, "Name of the account to change (with domainid)") = None,
                         domainid: Param(P.UUID, "Domain of the account to change", entity="Domain") = None,
                         newname: Param(P.STRING, "New account name") = None,
                         networkdomain: Param(P.STRING, "New DNS domain for the account's networks") = None,
                         accountdetails: Param(P.MAP, "Details to store with the account") = None,
                         roleid: Param(P.UUID, "New role", entity="Role") = None):
    target = await _account_by_ref(ctx, id, account, domainid)
    sets, args = [], [target["id"]]
    if newname is not None:
        core._check_account_name(newname)
        other = await store.account_by_name(ctx.db, newname, target["domain_id"])
        if other is not None and other["id"] != target["id"]:
            raise invalid_value(f"There already exists an account with the name:{newname} in the domain:"
                                f"{target['domain_uuid']} with existing account id:{other['uuid']}")
        args.append(newname)
        sets.append(f"name = ${len(args)}")
    if networkdomain is not None:
        args.append(networkdomain or None)
        sets.append(f"network_domain = ${len(args)}")
    if accountdetails is not None:
        args.append({**(target["details"] or {}), **P.flatten(accountdetails)})
        sets.append(f"details = ${len(args)}")
    if roleid is not None:
        if roleid["role_type"] != target["role_type"]:
            raise invalid_value(f"Role type of the new role ({roleid['role_type']}) must match the account's "
                                f"role type ({target['role_type']})")
        args.append(roleid["id"])
        sets.append(f"role_id = ${len(args)}")
    if sets:
        async with ctx.db.transaction() as conn:
            await conn.execute(f"UPDATE account SET {', '.join(sets)} WHERE id = $1", *args)
            await events.record_event(conn, type="ACCOUNT.UPDATE", description=f"Updating account {target['name']}",
                                      user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                      domain_id=ctx.caller.domain_id, resource_id=str(target["uuid"]),
                                      resource_type="Account", resource_name=target["name"])
    return await _account_entity(ctx, target["id"])


async def _set_account_state(ctx, target, state: str, event: str) -> None:
    async with ctx.db.transaction() as conn:
        await conn.execute("UPDATE account SET state = $2 WHERE id = $1", target["id"], state)
        await events.record_event(conn, type=event, description=f"{event.title()} of account {target['name']}",
                                  user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                  domain_id=ctx.caller.domain_id, resource_id=str(target["uuid"]),
                                  resource_type="Account", resource_name=target["name"])
        if state != "enabled":
            await conn.execute("DELETE FROM user_session WHERE user_id IN (SELECT id FROM users WHERE account_id = $1)",
                               target["id"])


def _not_self(ctx, target) -> None:
    if target["id"] == ctx.caller.account_id:
        raise permission_denied("Cannot disable or delete the caller's own account")


@command("enableAccount", response=AccountView, roles=ADMIN_ROLES, description="Enables a disabled or locked account.")
async def enable_account(ctx, *,
                         id: Param(P.UUID, "The account to enable", entity="Account") = None,
                         account: Param(P.STRING, "Name of the account (with domainid)") = None,
                         domainid: Param(P.UUID, "Domain of the account", entity="Domain") = None):
    target = await _account_by_ref(ctx, id, account, domainid)
    await _set_account_state(ctx, target, "enabled", "ACCOUNT.ENABLE")
    return await _account_entity(ctx, target["id"])


@command("disableAccount", response=AccountView, roles=ADMIN_ROLES, is_async=True, job_instance="Account",
         cmd_class="org.apache.cloudstack.api.command.admin.account.DisableAccountCmd",
         description="Disables (lock=false) or locks (lock=true) an account; its users can no longer log in.")
async def disable_account(ctx, *,
                          lock: Param(P.BOOLEAN, "true: lock the account; false: disable it"),
                          id: Param(P.UUID, "The account to disable", entity="Account") = None,
                          account: Param(P.STRING, "Name of the account (with domainid)") = None,
                          domainid: Param(P.UUID, "Domain of the account", entity="Domain") = None):
    target = await _account_by_ref(ctx, id, account, domainid)
    _not_self(ctx, target)
    await _set_account_state(ctx, target, "locked" if lock else "disabled",
                             "ACCOUNT.DISABLE" if not lock else "ACCOUNT.LOCK")
    return await _account_entity(ctx, target["id"])


@disable_account.precheck_fn
async def _disable_account_check(ctx, *, lock, id=None, account=None, domainid=None):
    target = await _account_by_ref(ctx, id, account, domainid)
    _not_self(ctx, target)
    return target["id"], str(target["uuid"])


@command("deleteAccount", roles=ADMIN_ROLES, is_async=True, job_instance="Account",
         cmd_class="org.apache.cloudstack.api.command.admin.account.DeleteAccountCmd",
         description="Deletes an account with its users and everything it owns (VMs are expunged).")
async def delete_account(ctx, *, id: Param(P.UUID, "The account to delete", entity="Account")):
    target = await _account_by_ref(ctx, id, None, None)
    _not_self(ctx, target)
    if target["is_default"]:
        raise permission_denied("The default accounts cannot be deleted")
    from ..core.account_cleanup import cleanup_account
    await cleanup_account(ctx.app, ctx.caller, target["id"])
    async with ctx.db.transaction() as conn:
        await conn.execute("DELETE FROM user_session WHERE user_id IN (SELECT id FROM users WHERE account_id = $1)",
                           target["id"])
        await conn.execute("UPDATE users SET removed = now(), api_key = NULL, state = 'disabled' "
                           "WHERE account_id = $1 AND removed IS NULL", target["id"])
        await conn.execute("UPDATE account SET removed = now(), state = 'disabled' WHERE id = $1", target["id"])
        await events.record_event(conn, type="ACCOUNT.DELETE", description=f"Deleting account {target['name']}",
                                  user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                  domain_id=ctx.caller.domain_id, resource_id=str(target["uuid"]),
                                  resource_type="Account", resource_name=target["name"])
    return Success()


@delete_account.precheck_fn
async def _delete_account_check(ctx, *, id):
    target = await _account_by_ref(ctx, id, None, None)
    _not_self(ctx, target)
    if target["is_default"]:
        raise permission_denied("The default accounts cannot be deleted")
    from ..core.account_cleanup import check_account_idle
    await check_account_idle(ctx.db, target["id"])
    return target["id"], str(target["uuid"])


# ------------------------------------------------------------------------- users
@command("listUsers", response=UserView, listing=("L", "D", "Acc"), description="Lists users the caller may see.")
async def list_users(ctx, *, listing,
                     accounttype: Param(P.INTEGER, "Only users of accounts of this type") = None,
                     id: Param(P.UUID, "Only the user with this ID", entity="User") = None,
                     state: Param(P.STRING, "Only users in this state") = None,
                     username: Param(P.STRING, "Only the user with this login name") = None,
                     showicon: Param(P.BOOLEAN, "Include resource icons") = False):
    args: list = []
    where = ["u.removed IS NULL", "u.account_id <> 1"]
    if id is not None:
        check_access(ctx.caller, id["account_id"], id["domain_path"], "user " + id["username"])
        args.append(id["id"])
        where.append(f"u.id = ${len(args)}")
    else:
        scope = await list_scope(ctx.db, ctx.caller, listing)
        where.append(scope.sql("u.account_id", "d.path", args))
    for value, clause in ((accounttype, "a.type = ${}::int"), (state, "lower(u.state) = lower(${})"),
                          (username, "lower(u.username) = lower(${})")):
        if value is not None:
            args.append(value)
            where.append(clause.format(len(args)))
    if listing.keyword:
        args.append(f"%{listing.keyword}%")
        n = len(args)
        where.append(f"(u.username ILIKE ${n} OR u.firstname ILIKE ${n} OR u.lastname ILIKE ${n} "
                     f"OR u.email ILIKE ${n} OR a.name ILIKE ${n} OR u.state ILIKE ${n})")
    sql_where = " WHERE " + " AND ".join(where)
    total = await ctx.db.fetchval("SELECT count(*) FROM users u JOIN account a ON a.id = u.account_id "
                                  "JOIN domain d ON d.id = a.domain_id" + sql_where, *args)
    args += [listing.limit, listing.offset]
    rows = await ctx.db.fetch(store.USER_SELECT + sql_where + f" ORDER BY u.id LIMIT ${len(args) - 1} "
                              f"OFFSET ${len(args)}", *args)
    return ListResult([UserView.entity(user_row(ctx, u), ctx.is_root_admin) for u in rows], total, "user")


@command("createUser", response=UserView, roles=ADMIN_ROLES, description="Adds a user to an existing account.")
async def create_user(ctx, *,
                      account: Param(P.STRING, "Account the user joins"),
                      email: Param(P.STRING, "E-mail address"),
                      firstname: Param(P.STRING, "First name"),
                      lastname: Param(P.STRING, "Last name"),
                      password: Param(P.STRING, "Password, in clear text"),
                      username: Param(P.STRING, "Login name; unique in the domain"),
                      domainid: Param(P.UUID, "Domain of the account; default the caller's", entity="Domain") = None,
                      timezone: Param(P.STRING, "Time zone of the user") = None,
                      userid: Param(P.STRING, "UUID to give the user") = None):
    domain_id = domainid["id"] if domainid else ctx.caller.domain_id
    target = await store.account_by_name(ctx.db, account, domain_id)
    if target is None:
        raise invalid_value(f"Unable to find account {account} in domain id={domain_id} to create user")
    user_id = await core.create_user(ctx.db, ctx.caller, account_row=target, username=username, password=password,
                                     email=email, firstname=firstname, lastname=lastname, timezone=timezone,
                                     userid=userid)
    return UserView.entity(user_row(ctx, await store.get_user(ctx.db, user_id)), ctx.is_root_admin)


class UserKeysView(View):
    object_name = "userkeys"
    fields = (F("apikey", "string", "the API key"), F("secretkey", "string", "the secret key"))


@command("registerUserKeys", response=UserKeysView,
         description="Generates a new API key and secret key for a user.")
async def register_user_keys(ctx, *, id: Param(P.UUID, "The user", entity="User")):
    api_key, secret = await core.register_keys(ctx.db, ctx.box, ctx.caller, id)
    return UserKeysView.entity({"apikey": api_key, "secretkey": secret})


@command("getUserKeys", response=UserKeysView, since="4.10.0",
         description="Shows a user's API key and secret key.")
async def get_user_keys(ctx, *, id: Param(P.UUID, "The user", entity="User")):
    check_access(ctx.caller, id["account_id"], id["domain_path"], "user " + id["username"])
    if not ctx.is_root_admin and id["account_type"] == core.TYPE_ADMIN and ctx.caller.user_id != id["id"]:
        raise permission_denied("Only a root admin can see the keys of a root admin")
    secret = ctx.box.open(id["secret_key"]) if id["secret_key"] else None
    return UserKeysView.entity({"apikey": id["api_key"], "secretkey": secret})


@command("getUser", response=UserView, roles=ROOT_ONLY, description="Finds the user an API key belongs to.")
async def get_user(ctx, *, userapikey: Param(P.STRING, "The API key")):
    row = await ctx.db.fetchrow(store.USER_SELECT + " WHERE u.api_key = $1 AND u.removed IS NULL", userapikey)
    if row is None:
        raise invalid_value(f"Unable to find user with the API key {userapikey}")
    return UserView.entity(user_row(ctx, row), ctx.is_root_admin)


# ------------------------------------------------------------------------- domains
class DomainView(View):
    object_name = "domain"
    kind = "Domain"
    fields = (
        F("id", "string", "the domain ID"), F("name", "string", "the domain name"),
        F("level", "integer", "depth below ROOT"), F("parentdomainid", "string", "the parent domain ID"),
        F("parentdomainname", "string", "the parent domain name"), F("haschild", "boolean", "true if it has sub-domains"),
        F("networkdomain", "string", "DNS domain of its networks"), F("path", "string", "the domain path"),
        F("state", "string", "Active or Inactive"), F("created", "date", "when the domain was created"),
    ) + _limit_fields() + (F("hasannotations", "boolean", "true if comments are attached"),)


def domain_entity(ctx, d):
    row = {"id": str(d["uuid"]), "name": d["name"], "level": d["level"],
           "parentdomainid": str(d["parent_uuid"]) if d["parent_uuid"] else None,
           "parentdomainname": d["parent_name"], "haschild": d["haschild"], "networkdomain": d["network_domain"],
           "path": domain_display_path(d["path"]), "state": d["state"], "created": d["created"],
           "hasannotations": False}
    row.update(_limits(d["id"] == 1))
    return DomainView.entity(row, ctx.is_root_admin)


@command("listDomains", response=DomainView, roles=ADMIN_ROLES, listing=("L",),
         description="Lists domains the caller may see.")
async def list_domains(ctx, *, listing,
                       id: Param(P.UUID, "Only the domain with this ID", entity="Domain") = None,
                       level: Param(P.INTEGER, "Only domains at this depth (ROOT is 0)") = None,
                       name: Param(P.STRING, "Only domains with this name") = None,
                       listall: Param(P.BOOLEAN, "Include every sub-domain the caller may see") = False,
                       details: Param(P.LIST, "Detail groups: all, resource, min") = None,
                       showicon: Param(P.BOOLEAN, "Include resource icons") = False):
    if id is not None:
        check_domain_access(ctx.caller, id)
    recursive = listall or id is not None or name is not None or level is not None or bool(listing.keyword)
    rows, total = await store.list_domains(
        ctx.db, under_path=ctx.caller.domain_path, only_id=id["id"] if id else None, name=name, level=level,
        keyword=listing.keyword, recursive=recursive, root_path=ctx.caller.domain_path,
        limit=listing.limit, offset=listing.offset)
    return ListResult([domain_entity(ctx, d) for d in rows], total, "domain")


@command("createDomain", response=DomainView, roles=frozenset({"Admin", "DomainAdmin"}),
         description="Creates a domain below ROOT or below another domain.")
async def create_domain(ctx, *,
                        name: Param(P.STRING, "Name of the new domain"),
                        parentdomainid: Param(P.UUID, "Parent domain; default the caller's", entity="Domain") = None,
                        networkdomain: Param(P.STRING, "DNS domain of its networks") = None,
                        domainid: Param(P.STRING, "UUID to give the domain") = None):
    parent = parentdomainid or await store.get_domain(ctx.db, ctx.caller.domain_id)
    if not domain_in_reach(ctx.caller, parent["path"]):
        raise permission_denied(f"Account {ctx.caller.account_name} does not have permission to create domains "
                                f"in domain {parent['uuid']}")
    if "/" in name or not name.strip():
        raise invalid_value("Domain name must not be blank or contain '/'")
    if await store.domain_by_path(ctx.db, parent["path"] + name + "/"):
        raise invalid_value(f"Domain with name [{name}] already exists for the parent with ID [{parent['id']}].")
    if domainid is not None and not P.is_uuid(domainid):
        raise invalid_value(f"Invalid UUID {domainid}")
    async with ctx.db.transaction() as conn:
        new_id = await store.create_domain(conn, name=name, parent=parent, network_domain=networkdomain,
                                           uuid=domainid)
        await events.record_event(conn, type="DOMAIN.CREATE", description=f"Creating Domain. Domain Name: {name}",
                                  user_id=ctx.caller.user_id, account_id=ctx.caller.account_id,
                                  domain_id=ctx.caller.domain_id, resource_type="Domain", resource_name=name)
    return domain_entity(ctx, await store.get_domain(ctx.db, new_id))


__all__ = ["AccountView", "UserView", "DomainView", "USAGE_COUNTERS", "domain_display_path", "Fields", "ALL_ROLES"]
