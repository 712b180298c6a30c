"""Whose resource is it: the owner rules of CloudStack's `account`/`domainid`/`projectid` parameters.

Commands that create or act on a per-account resource (key pairs, user data, later VMs) take an
optional account+domainid so an admin can act for someone else. CloudStack applies two checks:
one while the command's parameters are processed (the account must exist and be enabled) and one
inside the service (who may act for whom). Both are here so every such command words its errors
the same way.
"""
from __future__ import annotations

import json

from ..errors import invalid_value, permission_denied
from ..store import accounts as store
from .access import SYSTEM_ACCOUNT_ID, Caller, domain_in_reach

TYPE_ADMIN = 1       # Account.Type.ADMIN
TYPE_PROJECT = 5     # Account.Type.PROJECT


def _account_text(row) -> str:
    # How CloudStack prints an account object in messages.
    return "Account [" + json.dumps({"uuid": str(row["uuid"]), "accountName": row["name"], "id": row["id"]},
                                    separators=(",", ":")) + "]"


def _domain_text(domain) -> str:
    return "Domain " + json.dumps({"id": domain["id"], "uuid": str(domain["uuid"]), "name": domain["name"],
                                   "path": domain["path"]}, separators=(",", ":"))


async def check_new_resource_owner(db, account: str | None, domain, project) -> None:
    """The parameter-time check of create-style commands: a named owner must exist and be enabled."""
    if account is None:
        return
    if domain is None:
        raise invalid_value("Account must be specified with domainId parameter")
    row = await store.account_by_name(db, account, domain["id"])
    if row is None or row["type"] == TYPE_PROJECT:
        raise invalid_value(f"Unable to find account by name {account} in domain with specified id")
    if row["state"] != "enabled":
        raise permission_denied(f"Can't add resources to the account {_account_text(row)} in state={row['state']} "
                                "as it's no longer active")


async def finalize_owner(db, caller: Caller, account: str | None, domain, project,
                         include_removed: bool = False):
    """The account a resource belongs to (an account row with its domain), or an error.

    include_removed: a root admin naming account+domainid may reach an account already deleted
    (clean-up of what it left behind)."""
    if caller.account_id == SYSTEM_ACCOUNT_ID and (account is None or domain is None) and project is None:
        raise invalid_value("Account and domainId are needed for resource creation")
    if account is not None and domain is not None and project is not None:
        raise invalid_value("ProjectId and account/domainId can't be specified together")
    if project is not None:
        # Projects are not implemented yet; the parameter never resolves to one.
        raise invalid_value(f"Unable to find project by id={project}")
    if caller.is_admin and account is not None and domain is not None:
        owner = await store.account_by_name(db, account, domain["id"])
        if owner is None and include_removed and caller.account_type == TYPE_ADMIN:
            owner = await db.fetchrow(store.ACCOUNT_SELECT + " WHERE lower(a.name) = lower($1) AND a.domain_id = $2 "
                                      "ORDER BY a.removed DESC NULLS FIRST LIMIT 1", account, domain["id"])
        if owner is None:
            raise invalid_value(f"Unable to find account {account} in domain {_domain_text(domain)}")
        if not domain_in_reach(caller, domain["path"]):
            raise permission_denied(f"Account {caller.account_name} does not have permission to access domain "
                                    f"{domain['uuid']}")
        return owner
    if not caller.is_admin and account is not None and domain is not None:
        if account != caller.account_name or domain["id"] != caller.domain_id:
            raise permission_denied(f"Can't create/list resources for account {account} in domain {domain['id']}, "
                                    "permission denied")
    elif account is not None and domain is None:
        raise invalid_value("AccountName and domainId must be specified together")
    return await store.get_account(db, caller.account_id)
