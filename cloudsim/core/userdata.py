"""User data: validating base64 blobs as CloudStack does, and registered (stored) user data.

CloudStack accepts user data only as base64. A value sent by GET may be at most 4096 characters
of base64, one sent by POST at most 1 MiB, and either at most `vm.userdata.max.length`
(default 32768). The limits apply to the encoded text; the decoded bytes must not be empty.
What is stored (and handed to a VM) is the re-encoded base64 with padding.
"""
from __future__ import annotations

import base64
import binascii
import re
from typing import Awaitable, Callable
from urllib.parse import unquote

from ..errors import internal_error, invalid_value
from ..store import events
from ..store import userdata as store
from .access import Caller, can_access
from .owner import check_new_resource_owner, finalize_owner

MAX_GET_LENGTH = 4096            # 2 x 2 KiB blocks
MAX_POST_LENGTH = 1048576        # 512 x 2 KiB blocks
# Names the virtual router serves as metadata files: not allowed as user-data variables.
VR_METADATA_FILES = ("service-offering", "availability-zone", "local-hostname", "local-ipv4", "public-hostname",
                     "public-ipv4", "instance-id", "vm-id", "public-keys", "cloud-identifier", "cloud-name",
                     "hypervisor-host-name")
_BASE64_CHARS = re.compile(r"^[A-Za-z0-9+/=\-_\s]*$")


# ------------------------------------------------------------------------- validation (pure)
def _lenient_decode(text: str) -> bytes:
    """Decode like Apache commons-codec: whitespace ignored, URL-safe letters accepted, stop at
    padding, a dangling final character dropped."""
    body = re.sub(r"\s", "", text).replace("-", "+").replace("_", "/")
    body = body.split("=", 1)[0]
    if len(body) % 4 == 1:
        body = body[:-1]
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return b""


def validate_userdata(userdata: str | None, http_method: str, max_length: int) -> str | None:
    """Checked, normalised base64 user data; None when nothing was given. Raises 431 like CloudStack."""
    if userdata is None or not userdata.strip():
        return None
    if "%" in userdata:
        try:
            userdata = unquote(userdata, errors="strict")
        except UnicodeDecodeError:
            raise invalid_value("Url decoding of user data failed.") from None
    if not _BASE64_CHARS.match(userdata):
        raise invalid_value("User data is not base64 encoded.")
    method = http_method.upper()
    limit = MAX_POST_LENGTH if method == "POST" else MAX_GET_LENGTH
    decoded = _lenient_decode(userdata)
    if not decoded:
        raise invalid_value("User data is too short.")
    if len(userdata) > limit:
        raise invalid_value(f"User data is too long for http {'POST' if method == 'POST' else 'GET'} request")
    if len(userdata) > max_length:
        raise invalid_value(f"User data has exceeded configurable max length: {max_length}")
    return base64.b64encode(decoded).decode()


async def validate(settings, userdata: str | None, http_method: str) -> str | None:
    """validate_userdata with the configured `vm.userdata.max.length`; what deploy/update/reset call."""
    return validate_userdata(userdata, http_method, int(await settings.get("vm.userdata.max.length")))


def decode(userdata: str) -> bytes:
    """The bytes of stored (normalised) user data, e.g. for a config drive or the metadata service."""
    return base64.b64decode(userdata)


def finalize(userdata: str | None, stored=None) -> str | None:
    """The user data a VM gets from `userdata` or `userdataid` (already resolved to a row); not both.
    Template-linked user data and its override policy come with templates."""
    if stored is not None and userdata:
        raise invalid_value("Both userdata and userdata ID inputs are not allowed, please provide only one")
    if stored is not None:
        return stored["user_data"]
    return userdata or None


def check_params(params: str | None) -> None:
    if not params:
        return
    clashes = [p for p in params.split(",") if p in VR_METADATA_FILES]
    if clashes:
        raise invalid_value(f"Params passed here have a few virtual router metadata file names [{', '.join(clashes)}]")


# ------------------------------------------------------------------------- who uses registered user data
# Areas that refer to stored user data register a check: async (db, userdata_id) -> bool (in use).
# "vm": VMs deployed or updated with userdataid; "template": templates linked to it.
InUseCheck = Callable[[object, int], Awaitable[bool]]
IN_USE_CHECKS: list[tuple[str, InUseCheck]] = []
_IN_USE_TEXT = {"template": "Userdata {} cannot be removed as it is linked to active template/templates",
                "vm": "Userdata {} cannot be removed as it is being used by some VMs"}


def register_in_use_check(kind: str, check: InUseCheck) -> None:
    if kind not in _IN_USE_TEXT:
        raise ValueError(f"unknown user-data user kind {kind!r}")
    IN_USE_CHECKS.append((kind, check))


# ------------------------------------------------------------------------- registered user data
async def register_userdata(db, settings, caller: Caller, *, name: str, userdata: str, params: str | None,
                            account, domain, project, http_method: str):
    await check_new_resource_owner(db, account, domain, project)
    event = dict(type="REGISTER.USER.DATA", user_id=caller.user_id, account_id=caller.account_id,
                 domain_id=caller.domain_id)
    await events.record_event(db, state="Started", description="Registering userdata", **event)
    try:
        owner = await finalize_owner(db, caller, account, domain, project)
        event.update(account_id=owner["id"], domain_id=owner["domain_id"])
        if await store.by_name(db, owner["id"], name) is not None:
            raise invalid_value(f"A userdata with name {name} already exists for this account.")
        same = await store.by_content(db, owner["id"], [userdata])
        if same is not None:
            raise invalid_value(f"Userdata {same['name']} with same content already exists for this account.")
        check_params(params)
        normalised = await validate(settings, userdata, http_method)
        if normalised is None:
            raise invalid_value("User data is too short.")
        same = await store.by_content(db, owner["id"], [normalised])
        if same is not None:
            raise invalid_value(f"Userdata {same['name']} with same content already exists for this account.")
        new_id = await store.insert(db, account_id=owner["id"], domain_id=owner["domain_id"], name=name,
                                    user_data=normalised, params=params or None)
        if new_id is None:
            raise invalid_value(f"A userdata with name {name} already exists for this account.")
    except Exception:
        await events.record_event(db, level="ERROR", description="Error while registering userdata", **event)
        raise
    row = await store.get_userdata(db, new_id)
    await events.record_event(db, description="Successfully completed registering userdata",
                              resource_id=str(row["uuid"]), resource_type="UserData", resource_name=name, **event)
    return row


async def delete_userdata(db, caller: Caller, row, *, account, domain, project) -> None:
    owner = await finalize_owner(db, caller, account, domain, project, include_removed=True)
    if not can_access(caller, row["account_id"], row["domain_path"]):
        err = invalid_value(f"A UserData with id '{row['uuid']}' does not exist for account {owner['name']} "
                            "in specified domain id")
        err.uuids.append((str(owner["domain_uuid"]), "domainId"))
        raise err
    for kind in ("template", "vm"):
        for check_kind, check in IN_USE_CHECKS:
            if check_kind == kind and await check(db, row["id"]):
                raise internal_error(_IN_USE_TEXT[kind].format(row["name"]))
    await store.delete(db, row["id"])
