"""Domains, accounts and users: bootstrap, creation, keys, state changes."""
from __future__ import annotations

import logging
import re
import uuid as _uuid

from ..errors import invalid_value, permission_denied
from ..store import accounts as store
from ..store import events
from . import crypto
from .access import DOMAIN_ADMIN, RESOURCE_ADMIN, ROOT_ADMIN, USER, Caller, check_access, domain_in_reach

log = logging.getLogger(__name__)

# Account types (Account.Type ordinals) and the role type each maps to by default.
TYPE_USER, TYPE_ADMIN, TYPE_DOMAIN_ADMIN, TYPE_RESOURCE_DOMAIN_ADMIN, TYPE_READ_ONLY_ADMIN, TYPE_PROJECT = range(6)
ROLE_FOR_TYPE = {TYPE_USER: USER, TYPE_ADMIN: ROOT_ADMIN, TYPE_DOMAIN_ADMIN: DOMAIN_ADMIN,
                 TYPE_RESOURCE_DOMAIN_ADMIN: RESOURCE_ADMIN}
TYPE_FOR_ROLE = {USER: TYPE_USER, ROOT_ADMIN: TYPE_ADMIN, DOMAIN_ADMIN: TYPE_DOMAIN_ADMIN,
                 RESOURCE_ADMIN: TYPE_RESOURCE_DOMAIN_ADMIN}
DEFAULT_ROLES = [(1, "Root Admin", ROOT_ADMIN), (2, "Resource Admin", RESOURCE_ADMIN),
                 (3, "Domain Admin", DOMAIN_ADMIN), (4, "User", USER)]
DEFAULT_ADMIN_PASSWORD = "password"


async def bootstrap(db, box: crypto.SecretBox) -> bool:
    """First start: ROOT domain, default roles, the system and admin accounts. True if it ran."""
    async with db.transaction() as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(4242)")
        if await conn.fetchval("SELECT count(*) FROM domain"):
            return False
        await conn.execute("INSERT INTO domain (id, uuid, parent_id, name, path, level) "
                           "VALUES (1, $1, NULL, 'ROOT', '/', 0)", _uuid.uuid4())
        for rid, name, role_type in DEFAULT_ROLES:
            await conn.execute("INSERT INTO role (id, uuid, name, role_type, description, is_default) "
                               "VALUES ($1, $2, $3, $4, $5, true)", rid, _uuid.uuid4(), name, role_type,
                               f"Default {name.lower()} role")
        await conn.execute("INSERT INTO account (id, uuid, name, type, role_id, domain_id, is_default) "
                           "VALUES (1, $1, 'system', 1, 1, 1, true), (2, $2, 'admin', 1, 1, 1, true)",
                           _uuid.uuid4(), _uuid.uuid4())
        api_key, secret = crypto.new_api_key(), crypto.new_api_key()
        await conn.execute(
            "INSERT INTO users (id, uuid, username, password, account_id, firstname, lastname, is_default, "
            "api_key, secret_key) VALUES "
            "(1, $1, 'system', $2, 1, 'system', 'cloud', true, NULL, NULL), "
            "(2, $3, 'admin', $4, 2, 'Admin', 'User', true, $5, $6)",
            _uuid.uuid4(), crypto.hash_password(crypto.new_api_key()), _uuid.uuid4(),
            crypto.hash_password(DEFAULT_ADMIN_PASSWORD), api_key, box.seal(secret))
        for table in ("domain", "role", "account", "users"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
    return True


async def admin_password_unchanged(db) -> bool:
    row = await db.fetchrow("SELECT password FROM users WHERE id = 2")
    return row is not None and crypto.check_password(DEFAULT_ADMIN_PASSWORD, row["password"])


async def keys_of(db, box: crypto.SecretBox, username: str = "admin", domain_path: str = "/"):
    row = await db.fetchrow(
        "SELECT u.api_key, u.secret_key FROM users u JOIN account a ON a.id = u.account_id "
        "JOIN domain d ON d.id = a.domain_id WHERE lower(u.username) = lower($1) AND lower(d.path) = lower($2) "
        "AND u.removed IS NULL", username, domain_path)
    if row is None or row["api_key"] is None:
        return None
    return row["api_key"], box.open(row["secret_key"])


_NAME_OK = re.compile(r"^[^\"\\/\s]+$")


def _check_account_name(name: str) -> None:
    if not _NAME_OK.match(name):
        raise invalid_value("Invalid account name: " + name + "; names cannot contain white space, "
                            "slashes, backslashes or double quotes")


async def create_account(db, caller: Caller, *, username: str, password: str, email: str, firstname: str,
                         lastname: str, account: str | None, accounttype: int | None, role,
                         domain, timezone: str | None, networkdomain: str | None, details: dict,
                         accountid: str | None, userid: str | None) -> int:
    """Creates an account and its first user; returns the account id."""
    domain = domain or await store.get_domain(db, caller.domain_id)
    if not domain_in_reach(caller, domain["path"]):
        raise permission_denied(f"Account {caller.account_name} does not have permission to create accounts "
                                f"in domain {domain['uuid']}")
    name = account or username
    _check_account_name(name)
    if role is None:
        if accounttype is None:
            accounttype = TYPE_USER
        if accounttype not in ROLE_FOR_TYPE:
            raise invalid_value(f"Invalid account type {accounttype} given; valid types are 0, 1, 2 and 3")
        role = await store.default_role(db, ROLE_FOR_TYPE[accounttype])
    role_type = role["role_type"]
    if accounttype is None or ROLE_FOR_TYPE.get(accounttype) != role_type:
        accounttype = TYPE_FOR_ROLE[role_type]
    if not caller.is_root_admin and role_type in (ROOT_ADMIN, RESOURCE_ADMIN):
        raise permission_denied(f"Account {caller.account_name} cannot create an account with role "
                                f"{role['name']}")
    if role_type == ROOT_ADMIN and domain["id"] != 1:
        raise invalid_value("Root admin accounts can only be created in the ROOT domain")
    if await store.account_by_name(db, name, domain["id"]):
        raise invalid_value(f"The specified account: {name} already exists")
    if await store.username_taken(db, username, domain["id"]):
        raise invalid_value(f"The user {username} already exists in domain {domain['name']}")
    for given in (accountid, userid):
        if given is not None and not _is_uuid(given):
            raise invalid_value(f"Invalid UUID {given}")
    async with db.transaction() as conn:
        account_id = await store.create_account(conn, name=name, type_=accounttype, role_id=role["id"],
                                                domain_id=domain["id"], network_domain=networkdomain,
                                                details=details, uuid=accountid)
        await store.create_user(conn, username=username, password_hash=crypto.hash_password(password),
                                account_id=account_id, firstname=firstname, lastname=lastname, email=email,
                                timezone=timezone, uuid=userid)
        await events.record_event(conn, type="ACCOUNT.CREATE", description=f"Creating Account. Account Name: {name}",
                                  user_id=caller.user_id, account_id=caller.account_id,
                                  domain_id=caller.domain_id, resource_type="Account")
    return account_id


def _is_uuid(text: str) -> bool:
    try:
        _uuid.UUID(text)
        return True
    except ValueError:
        return False


async def create_user(db, caller: Caller, *, account_row, username: str, password: str, email: str,
                      firstname: str, lastname: str, timezone: str | None, userid: str | None) -> int:
    check_access(caller, account_row["id"], account_row["domain_path"], "account " + account_row["name"])
    if await store.username_taken(db, username, account_row["domain_id"]):
        raise invalid_value(f"The user {username} already exists in domain {account_row['domain_name']}")
    async with db.transaction() as conn:
        user_id = await store.create_user(conn, username=username, password_hash=crypto.hash_password(password),
                                          account_id=account_row["id"], firstname=firstname, lastname=lastname,
                                          email=email, timezone=timezone, uuid=userid)
        await events.record_event(conn, type="USER.CREATE", description=f"Creating User. User Name: {username}",
                                  user_id=caller.user_id, account_id=caller.account_id, domain_id=caller.domain_id,
                                  resource_type="User")
    return user_id


async def register_keys(db, box: crypto.SecretBox, caller: Caller, user_row) -> tuple[str, str]:
    """New API key and secret for a user the caller may manage."""
    if user_row["account_id"] == 1:
        raise permission_denied("Keys of the system user cannot be changed")
    check_access(caller, user_row["account_id"], user_row["domain_path"], "user " + user_row["username"])
    if not caller.is_root_admin and user_row["account_type"] == TYPE_ADMIN and caller.user_id != user_row["id"]:
        raise permission_denied("Only a root admin can generate keys for a root admin")
    api_key, secret = crypto.new_api_key(), crypto.new_api_key()
    await store.set_user_keys(db, user_row["id"], api_key, box.seal(secret))
    await events.record_event(db, type="REGISTER.USER.KEY", description=f"Registering user keys of {user_row['username']}",
                              user_id=caller.user_id, account_id=caller.account_id, domain_id=caller.domain_id,
                              resource_id=str(user_row["uuid"]), resource_type="User")
    return api_key, secret
