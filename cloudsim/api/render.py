"""JSON and XML envelopes (API-PROTOCOL.md section 3).

One response element named `<command>response`; lists with `count` first; empty lists as an
empty element; errors with uuidList/errorcode/cserrorcode/errortext. XML through lxml.
"""
from __future__ import annotations

import json
import re

from lxml import etree

from ..errors import CloudStackError
from .views import Entity, Fields, ListResult, Obj, Success

JSON_TYPE = "application/json; charset=UTF-8"
XML_TYPE = "text/xml; charset=UTF-8"
XML_PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>'

# Characters XML 1.0 cannot carry; values from outside are checked at the door, this is a last guard.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def body_of(result) -> dict:
    """The dict under the response name, for JSON (and the same structure walked for XML)."""
    if isinstance(result, ListResult):
        out: dict = {}
        if result.count:
            out["count"] = result.count
        if result.items:
            out[result.object_name or result.items[0].object_name] = result.items
        return out
    if isinstance(result, Entity):
        return {result.object_name: result}
    if isinstance(result, Success):
        out = {"success": result.success}
        if result.displaytext is not None:
            out["displaytext"] = result.displaytext
        return out
    if isinstance(result, dict):
        # fields directly under the response element (login, jobs, …): nulls are omitted, as everywhere
        return result if None not in result.values() else type(result)((k, v) for k, v in result.items()
                                                                        if v is not None)
    raise TypeError(f"cannot render {type(result).__name__}")


def error_body(err: CloudStackError) -> dict:
    out: dict = {"uuidList": [Obj(uuid=u, uuidProperty=p) for u, p in err.uuids],
                 "errorcode": err.code}
    if err.cserrorcode is not None:
        out["cserrorcode"] = err.cserrorcode
    out["errortext"] = err.text
    return out


def to_json(response_name: str, body: dict) -> bytes:
    return json.dumps({response_name: body}, ensure_ascii=False, separators=(",", ":")).encode()


def _text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    text = str(value)
    return _XML_BAD.sub("", text) if _XML_BAD.search(text) else text


def _map_text(mapping: dict) -> str:
    # Java's Map.toString, which is what CloudStack's XML serializer writes for map fields.
    return "{" + ", ".join(f"{k}={v}" for k, v in mapping.items()) + "}"


def _fill(parent, fields: dict, sub=etree.SubElement, bad=_XML_BAD.search) -> None:
    for key, value in fields.items():
        # Plain strings, booleans and integers first: they are nearly every field of a list page.
        kind = value.__class__
        if kind is str:
            sub(parent, key).text = _XML_BAD.sub("", value) if bad(value) else value
        elif kind is bool:
            sub(parent, key).text = "true" if value else "false"
        elif kind is int:
            sub(parent, key).text = str(value)
        elif value is None:
            continue
        elif isinstance(value, Entity):
            _fill(sub(parent, value.object_name), value)
        elif isinstance(value, Obj):
            _fill(sub(parent, key), value)
        elif isinstance(value, dict):
            sub(parent, key).text = _text(_map_text(value))
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, dict):
                    _fill(sub(parent, key), item)
                elif isinstance(item, str):
                    sub(parent, key).text = _text(item)
                # collections of other scalar types are dropped, as CloudStack's XML writer does
        else:
            sub(parent, key).text = _text(value)


def to_xml(response_name: str, body: dict, version: str | None) -> bytes:
    root = etree.Element(response_name)
    if version:
        root.set("cloud-stack-version", version)
    root.text = ""  # always <x></x>, never <x/>
    _fill(root, body)
    return XML_PROLOG + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def render(response_name: str, body: dict, fmt: str, version: str | None) -> tuple[bytes, str]:
    if fmt == "json":
        return to_json(response_name, body), JSON_TYPE
    return to_xml(response_name, body, version), XML_TYPE


__all__ = ["body_of", "error_body", "render", "to_json", "to_xml", "Fields", "JSON_TYPE", "XML_TYPE"]
