"""Response objects, declared once.

A View names its object (`virtualmachine`, `account` …) and lists its fields in CloudStack's
order, each with its published type. The same declaration shapes JSON and XML output and the
`response` part of listApis. Handlers build rows as plain dicts; `View.entity` keeps only the
declared fields, drops nulls and fields the caller may not see, and formats dates.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable


class Obj(dict):
    """A nested object rendered as an element with children (XML) / an object (JSON)."""
    __slots__ = ()


class Entity(Obj):
    """A response object that carries its CloudStack object name."""
    __slots__ = ("object_name",)

    def __init__(self, object_name: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.object_name = object_name


@dataclass
class ListResult:
    """A list reply: `count` is the total across pages."""
    items: list[Entity]
    count: int
    object_name: str | None = None


@dataclass
class Success:
    success: bool = True
    displaytext: str | None = None


class Fields(dict):
    """Fields placed directly under the response element (login, async submissions, job results)."""


def format_date(value: _dt.datetime) -> str:
    """CloudStack's yyyy-MM-dd'T'HH:mm:ssZ, in UTC: 2025-05-01T10:11:12+0000."""
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass(frozen=True)
class Field:
    name: str
    type: str                      # listApis type: string, integer, long, boolean, date, map, list, set …
    description: str = ""
    admin_only: bool = False       # dropped for callers that are not root admins
    since: str | None = None
    view: type["View"] | None = None   # nested object(s) of this view


def F(name: str, type: str = "string", description: str = "", *, admin_only: bool = False,
      since: str | None = None, view: type["View"] | None = None) -> Field:
    return Field(name, type, description, admin_only, since, view)


class View:
    """Subclass with `object_name` and `fields`; call `entity(row, ctx)`."""
    object_name: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]]
    name: ClassVar[str] = ""       # class-style name used for `related` in listApis

    _all: ClassVar[tuple[Field, ...]]
    _public: ClassVar[tuple[Field, ...]]

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "fields" in cls.__dict__:
            cls._all = tuple(cls.fields)
            cls._public = tuple(f for f in cls.fields if not f.admin_only)
            cls.name = cls.__name__

    @classmethod
    def entity(cls, row: dict[str, Any], root_admin: bool = True) -> Entity:
        out = Entity(cls.object_name)
        for f in (cls._all if root_admin else cls._public):
            value = row.get(f.name)
            if value is None:
                continue
            if isinstance(value, _dt.datetime):
                value = format_date(value)
            out[f.name] = value
        return out

    @classmethod
    def entities(cls, rows: Iterable[dict[str, Any]], root_admin: bool = True) -> list[Entity]:
        return [cls.entity(r, root_admin) for r in rows]

    @classmethod
    def describe(cls, root_admin: bool = True, nested: bool = False) -> list[dict]:
        """The `response` array of listApis."""
        out = []
        for f in (cls._all if root_admin else cls._public):
            item = {"name": f.name, "description": f.description, "type": f.type}
            if f.view is not None:
                item["response"] = f.view.describe(root_admin, nested=True)
            out.append(item)
        if nested:
            return out
        out.append({"name": "jobid", "description": "the UUID of the latest async job acting on this object", "type": "string"})
        out.append({"name": "jobstatus", "description": "the current status of the latest async job acting on this object", "type": "integer"})
        return out


class SuccessView(View):
    object_name = "success"
    fields = (F("success", "boolean", "true if the operation was carried out"),
              F("displaytext", "string", "any text the command adds to its result"))
