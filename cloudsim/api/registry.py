"""The command registry: each command declared once.

A command is a decorated `async def` whose keyword-only parameters are the API parameters:
the name is the API name, the annotation a `Param` carrying the CloudStack type, the default
says it is optional. The decorator adds what a signature cannot (async, roles, response view,
list bases). Validation, role checks, listApis and docs/api-reference.md all read from here.
"""
from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ..core.access import DOMAIN_ADMIN, RESOURCE_ADMIN, ROOT_ADMIN, USER
from . import params as P
from ..errors import CloudStackError, invalid_value, param_error, unknown_id
from .views import SuccessView, View

# The usual grants, over CloudStack's role types.
ALL_ROLES = frozenset({ROOT_ADMIN, RESOURCE_ADMIN, DOMAIN_ADMIN, USER})
ADMIN_ROLES = frozenset({ROOT_ADMIN, RESOURCE_ADMIN, DOMAIN_ADMIN})
ROOT_AND_RESOURCE = frozenset({ROOT_ADMIN, RESOURCE_ADMIN})
ROOT_ONLY = frozenset({ROOT_ADMIN})
ROOT_AND_DOMAIN = frozenset({ROOT_ADMIN, DOMAIN_ADMIN})


@dataclass(frozen=True)
class Param:
    type: str
    description: str = ""
    required: bool = False
    length: int = 255
    since: str | None = None
    entity: str | None = None          # UUID params: the entity the value is resolved to
    item_type: str = P.STRING          # LIST params: type of each item
    roles: frozenset[str] | None = None  # others: treated as absent
    minus_one: bool = False            # UUID params: "-1" means "all" (zones of registerIso …)
    name: str = ""                     # filled from the signature
    default: Any = None


# Entity loaders: name -> async (db, key) -> row dict or None; key is a UUID string or an int id.
EntityLoader = Callable[[Any, "str | int"], Awaitable[dict | None]]
ENTITY_LOADERS: dict[str, EntityLoader] = {}


def register_entity(name: str, loader: EntityLoader) -> None:
    ENTITY_LOADERS[name] = loader


# ------------------------------------------------------------------------- list bases (BaseListCmd & co.)
LIST_BASES = {
    "L": [Param(P.STRING, "List by keyword", name="keyword"),
          Param(P.INTEGER, "The page to return, starting at 1", name="page"),
          Param(P.INTEGER, "Rows per page; -1 for all", name="pagesize")],
    "D": [Param(P.BOOLEAN, "true: everything the caller may see; false: only the caller's own", name="listall"),
          Param(P.UUID, "Only resources of this domain", entity="Domain", name="domainid"),
          Param(P.BOOLEAN, "With domainid: include the sub-domains", name="isrecursive")],
    "Acc": [Param(P.STRING, "Only resources of this account; use with domainid", name="account")],
    "P": [Param(P.UUID, "Only resources of this project; -1 for all projects", name="projectid")],
    "T": [Param(P.MAP, "Resource tags to match (tags[0].key=k&tags[0].value=v)", name="tags")],
}


@dataclass
class Listing:
    keyword: str | None = None
    page: int | None = None
    pagesize: int | None = None
    listall: bool = False
    domain: dict | None = None
    isrecursive: bool = False
    account: str | None = None
    projectid: str | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)
    limit: int | None = 500            # None = unlimited
    offset: int = 0


@dataclass
class Command:
    name: str
    handler: Callable
    description: str
    response: type[View]
    roles: frozenset[str]
    params: list[Param]
    is_async: bool = False
    since: str | None = None
    response_name: str = ""
    listing: tuple[str, ...] = ()
    job_instance: str | None = None    # jobinstancetype of its async job
    create: bool = False               # create-style async: answers id + jobid
    cmd_class: str = ""                # CloudStack's command class, shown as `cmd` in jobs
    admin_cmd_class: str = ""          # its ...ByAdmin variant, for admin callers
    authenticated: bool = True
    http_post_only: bool = False
    precheck: Callable | None = None   # async commands: runs at submission, before the job exists
    create_hook: Callable | None = None  # create-style: makes the entity, returns (id, uuid)
    kwargs_names: tuple[str, ...] = ()

    def precheck_fn(self, fn):
        self.precheck = fn
        return fn

    def creates(self, fn):
        self.create_hook = fn
        return fn


COMMANDS: dict[str, Command] = {}


def command(name: str, *, description: str, response: type[View] | None = None, roles=ALL_ROLES,
            is_async: bool = False, since: str | None = None, response_name: str | None = None,
            listing: tuple[str, ...] = (), job_instance: str | None = None, create: bool = False,
            cmd_class: str = "", admin_cmd_class: str = "", authenticated: bool = True,
            http_post_only: bool = False):
    """Declare an API command; see the module docstring."""

    def wrap(fn):
        annotations = inspect.get_annotations(fn, eval_str=True)
        declared: list[Param] = []
        names = []
        for pname, p in inspect.signature(fn).parameters.items():
            if p.kind is not inspect.Parameter.KEYWORD_ONLY or pname == "listing":
                continue
            ann = annotations.get(pname)
            if not isinstance(ann, Param):
                raise TypeError(f"{name}: parameter {pname} needs a Param annotation")
            required = ann.required or p.default is inspect.Parameter.empty
            default = None if p.default is inspect.Parameter.empty else p.default
            declared.append(dataclasses.replace(ann, name=pname, required=required, default=default))
            names.append(pname)
        base: list[Param] = [bp for b in listing for bp in LIST_BASES[b]]
        cmd = Command(
            name=name, handler=fn, description=description, response=response or SuccessView,
            roles=frozenset(roles), params=declared + base, is_async=is_async, since=since,
            response_name=response_name or name.lower() + "response", listing=tuple(listing),
            job_instance=job_instance, create=create, cmd_class=cmd_class,
            admin_cmd_class=admin_cmd_class, authenticated=authenticated,
            http_post_only=http_post_only, kwargs_names=tuple(names))
        if name in COMMANDS:
            raise ValueError(f"command {name} declared twice")
        COMMANDS[name] = cmd
        fn.command = cmd
        return cmd

    return wrap


# ------------------------------------------------------------------------- binding
class NoSuchEntity(dict):
    """What id -1 resolves to in a list filter: internal id -1, which matches no row. Anything else
    read from it is an unknown-id error, never a KeyError."""

    def __init__(self, command: str, name: str):
        super().__init__(id=-1, uuid="-1")
        self._where = (command, name)

    def __missing__(self, key):
        raise unknown_id(*self._where, "-1")


async def _resolve(ctx, cmd: Command, prm: Param, value: str, kind_name: str):
    """A UUID (or, for parameters without `since`, a numeric id) to the entity it names."""
    if value == "-1":
        # CloudStack turns "-1" into the internal id -1: a meaning where the command gives it one
        # ("every zone"); for a list filter an id no row has (an empty list); elsewhere an unknown id.
        if prm.minus_one or prm.entity is None:
            return "-1"
        if cmd.listing or cmd.name.startswith("list"):
            return NoSuchEntity(cmd.name, kind_name)
        raise unknown_id(cmd.name, kind_name, value)
    if P.is_uuid(value):
        key: str | int = value.lower()
    elif value.isdigit() and prm.since is None:
        key = int(value)
    elif prm.since is not None:
        return None
    else:
        raise unknown_id(cmd.name, kind_name, value)
    if prm.entity is None:
        return value
    loader = ENTITY_LOADERS.get(prm.entity)
    row = await loader(ctx.db, key) if loader is not None else None
    if row is None:
        raise unknown_id(cmd.name, kind_name, value)
    return row


async def _convert(ctx, cmd: Command, prm: Param, raw):
    name = prm.name
    if prm.type == P.MAP:
        if not isinstance(raw, dict):
            # A flat `details=x` where a map is expected carries nothing CloudStack can use.
            return None
        return dict(sorted(raw.items()))
    if isinstance(raw, dict):
        raise P.map_error(f"{name}[..]")
    if prm.type == P.STRING:
        if len(raw) > prm.length:
            raise param_error(f"Unable to execute API command {cmd.name.lower()} due to invalid value. "
                              f"Value greater than max allowed length {prm.length} for param: {name}")
        return raw
    if prm.type == P.UUID:
        return await _resolve(ctx, cmd, prm, raw.strip(), name)
    if prm.type == P.LIST:
        items = [item for item in raw.split(",") if item != ""]
        if prm.item_type == P.UUID:
            out = []
            for item in items:
                resolved = await _resolve(ctx, cmd, prm, item.strip(), name)
                if resolved is not None:
                    out.append(resolved)
            return out
        if prm.item_type == P.STRING:
            return items
        return [P.convert_scalar(prm.item_type, item, cmd.name, name) for item in items]
    return P.convert_scalar(prm.type, raw, cmd.name, name)


def visible(prm: Param, role: str) -> bool:
    return prm.roles is None or role in prm.roles


async def bind(ctx, cmd: Command, params: dict[str, object]) -> dict[str, Any]:
    """Check and convert every declared parameter, in declaration order; first failure wins."""
    values: dict[str, Any] = {}
    for prm in cmd.params:
        raw = params.get(prm.name) if visible(prm, ctx.role) else None
        if raw is None:
            if prm.required:
                raise param_error(f"Unable to execute API command {cmd.name.lower()} due to missing "
                                  f"parameter {prm.name}")
            values[prm.name] = prm.default
            continue
        if prm.required and isinstance(raw, str) and raw.strip() == "":
            raise invalid_value(f"Invalid value provided for API arg: {prm.name}")
        converted = await _convert(ctx, cmd, prm, raw)
        values[prm.name] = prm.default if converted is None else converted
    kwargs = {n: values[n] for n in cmd.kwargs_names}
    if cmd.listing:
        kwargs["listing"] = await _listing(ctx, values)
    return kwargs


async def _listing(ctx, values: dict[str, Any]) -> Listing:
    page, pagesize = values.get("page"), values.get("pagesize")
    listing = Listing(keyword=values.get("keyword"), page=page, pagesize=pagesize,
                      listall=bool(values.get("listall")), domain=values.get("domainid"),
                      isrecursive=bool(values.get("isrecursive")), account=values.get("account"),
                      projectid=values.get("projectid"), tags=P.kv_pairs(values.get("tags")))
    for key, value in listing.tags:
        if value is None:
            raise invalid_value(f"No value is passed in for key {key}")
    max_size = int(await ctx.settings.get("default.page.size"))
    if pagesize is not None and pagesize != -1 and page is None:
        raise param_error('"page" parameter is required when "pagesize" is specified')
    if page is not None and pagesize is None:
        raise param_error('"pagesize" parameter is required when "page" is specified')
    if pagesize == -1:
        if page is not None:
            raise invalid_value("Can't specify page parameter when pagesize is -1 (Unlimited)")
        listing.limit = None
    elif pagesize is not None:
        if pagesize < 0:                 # 0 is allowed: an empty page that still reports the count
            raise invalid_value(f"Page size can't be less than 1; received {pagesize}")
        if max_size != -1 and pagesize > max_size:
            raise invalid_value(f"Page size can't exceed max allowed page size value: {max_size}")
        listing.limit = pagesize
        listing.offset = pagesize * (max(page, 1) - 1)
    else:
        listing.limit = None if max_size == -1 else max_size
    return listing


def related_commands(cmd: Command) -> str | None:
    """Other commands answering with the same response object (listApis `related`)."""
    if cmd.response is SuccessView:
        return None
    names = [c.name for c in COMMANDS.values() if c.response is cmd.response and c is not cmd]
    return ",".join(sorted(names)) if names else None


def commands_for_entity(entity: str) -> str | None:
    names = [c.name for c in COMMANDS.values() if getattr(c.response, "kind", None) == entity]
    return ",".join(sorted(names)) if names else None


def allowed(cmd: Command, role: str) -> bool:
    return role in cmd.roles


__all__ = ["Param", "command", "bind", "COMMANDS", "Command", "Listing", "register_entity",
           "ROOT_ADMIN", "RESOURCE_ADMIN", "DOMAIN_ADMIN", "USER", "ALL_ROLES", "ADMIN_ROLES",
           "ROOT_AND_RESOURCE", "ROOT_ONLY", "ROOT_AND_DOMAIN", "CloudStackError"]
