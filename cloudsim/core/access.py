"""Who may see and touch what: account isolation as CloudStack's AccountManager applies it.

A user reaches its own account's resources; a domain or resource admin everything in its
domain subtree; a root admin everything.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import invalid_value, permission_denied
from ..store import accounts as store

ROOT_ADMIN, RESOURCE_ADMIN, DOMAIN_ADMIN, USER = "Admin", "ResourceAdmin", "DomainAdmin", "User"
SYSTEM_ACCOUNT_ID = 1


@dataclass(frozen=True)
class Caller:
    user_id: int
    user_uuid: str
    username: str
    account_id: int
    account_uuid: str
    account_name: str
    account_type: int
    role_type: str
    domain_id: int
    domain_uuid: str
    domain_name: str
    domain_path: str

    @classmethod
    def of(cls, row) -> "Caller":
        return cls(row["user_id"], str(row["user_uuid"]), row["username"], row["account_id"],
                   str(row["account_uuid"]), row["account_name"], row["account_type"], row["role_type"],
                   row["domain_id"], str(row["domain_uuid"]), row["domain_name"], row["domain_path"])

    @property
    def is_root_admin(self) -> bool:
        return self.role_type == ROOT_ADMIN

    @property
    def is_admin(self) -> bool:
        return self.role_type != USER


def domain_in_reach(caller: Caller, domain_path: str) -> bool:
    return caller.is_root_admin or (caller.is_admin and domain_path.lower().startswith(caller.domain_path.lower()))


def check_domain_access(caller: Caller, domain) -> None:
    if not domain_in_reach(caller, domain["path"]) and not (caller.domain_id == domain["id"]):
        raise permission_denied(f"Account {caller.account_name} does not have permission to access domain "
                                f"{domain['uuid']}")
    if not caller.is_admin and caller.domain_id != domain["id"]:
        raise permission_denied(f"Account {caller.account_name} does not have permission to access domain "
                                f"{domain['uuid']}")


def can_access(caller: Caller, account_id: int, domain_path: str) -> bool:
    if caller.is_root_admin or caller.account_id == account_id:
        return True
    return caller.is_admin and domain_path.lower().startswith(caller.domain_path.lower())


def check_access(caller: Caller, account_id: int, domain_path: str, what: str = "resource") -> None:
    """531 unless the caller may act on something owned by account_id (in domain_path)."""
    if not can_access(caller, account_id, domain_path):
        raise permission_denied(f"Account {caller.account_name} does not have permission to operate on {what}")


@dataclass
class Scope:
    """What a list command may return: one account, or a domain (sub)tree."""
    account_id: int | None = None
    domain_path: str | None = None
    recursive: bool = False

    def sql(self, account_col: str, domain_path_col: str, args: list) -> str:
        """A WHERE fragment; appends its values to args."""
        if self.account_id is not None:
            args.append(self.account_id)
            return f"{account_col} = ${len(args)}"
        if self.domain_path is None:
            return "true"
        if self.recursive:
            args.append(self.domain_path + "%")
            return f"{domain_path_col} LIKE ${len(args)}"
        args.append(self.domain_path)
        return f"{domain_path_col} = ${len(args)}"


async def list_scope(db, caller: Caller, listing) -> Scope:
    """CloudStack's rules for listall / domainid / isrecursive / account on list commands."""
    domain = listing.domain
    if domain is not None:
        check_domain_access(caller, domain)
    if listing.account:
        if domain is None:
            domain = {"id": caller.domain_id, "path": caller.domain_path, "uuid": caller.domain_uuid}
        account = await store.account_by_name(db, listing.account, domain["id"])
        if account is None:
            raise invalid_value(f"Unable to find account {listing.account} in domain {domain['uuid']}")
        check_access(caller, account["id"], account["domain_path"], "account " + account["name"])
        return Scope(account_id=account["id"])
    if not caller.is_admin:
        return Scope(account_id=caller.account_id)
    if domain is not None:
        return Scope(domain_path=domain["path"], recursive=listing.isrecursive or listing.listall)
    if listing.listall:
        if caller.is_root_admin:
            return Scope()
        return Scope(domain_path=caller.domain_path, recursive=True)
    return Scope(account_id=caller.account_id)
