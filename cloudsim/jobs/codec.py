"""What a job keeps in PostgreSQL: its parameters and its result, in JSON that round-trips.

Parameters are the normalised request map; map parameters (`tags[0].key=…`) arrive with int
indexes, which JSON turns into strings, so they are restored on the way back. Results keep
the response classes (Entity with its object name, Obj, plain maps) through a small tag, so a
job's answer renders in XML exactly as the synchronous command would.
"""
from __future__ import annotations

import datetime as _dt
import decimal

from ..api.views import Entity, Fields, ListResult, Obj, Success, format_date

_TAG = "$cs"      # {"$cs": "e", "n": <object name>, "v": [[k, v], ...]}; "o" an Obj, "d" a plain map


# ------------------------------------------------------------------------- parameters
def store_params(cmd, normalised: dict) -> dict:
    """Only the command's declared parameters: never credentials, signatures or session keys."""
    names = {p.name for p in cmd.params}
    return {k: v for k, v in normalised.items() if k in names}


def load_params(stored: dict) -> dict:
    out: dict = {}
    for key, value in stored.items():
        if isinstance(value, dict):
            out[key] = {int(index): dict(fields) for index, fields in value.items()}
        else:
            out[key] = value
    return out


# ------------------------------------------------------------------------- results
def job_result(result) -> Obj:
    """The `jobresult` object of a finished job from what the handler returned."""
    if isinstance(result, Entity):
        return Obj({result.object_name: result})
    if isinstance(result, Success):
        out = Obj(success=result.success)
        if result.displaytext is not None:
            out["details"] = result.displaytext    # a job result says `details`, not `displaytext`
        return out
    if isinstance(result, ListResult):
        out = Obj()
        if result.count:
            out["count"] = result.count
        if result.items:
            out[result.object_name or result.items[0].object_name] = result.items
        return out
    if isinstance(result, dict):
        return Obj((k, v) for k, v in result.items() if v is not None)
    if result is None:
        return Obj(success=True)
    raise TypeError(f"a job cannot return {type(result).__name__}")


def error_result(code: int, text: str) -> Obj:
    return Obj(errorcode=code, errortext=text)


def encode(value):
    """Response objects to JSON-able data that `decode` turns back into the same classes.

    Members are kept as [key, value] pairs: jsonb reorders object keys, and field order is part
    of CloudStack's answer.
    """
    if isinstance(value, Entity):
        return {_TAG: "e", "n": value.object_name, "v": _pairs(value)}
    if isinstance(value, (Obj, Fields)):
        return {_TAG: "o", "v": _pairs(value)}
    if isinstance(value, dict):
        return {_TAG: "d", "v": _pairs(value)}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, _dt.datetime):
        return format_date(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _pairs(mapping: dict) -> list:
    return [[str(k), encode(v)] for k, v in mapping.items()]


def decode(value):
    if isinstance(value, dict):
        kind = value.get(_TAG)
        if kind is None:
            return {k: decode(v) for k, v in value.items()}
        inner = {k: decode(v) for k, v in value["v"]}
        if kind == "e":
            return Entity(value["n"], inner)
        if kind == "o":
            return Obj(inner)
        return inner
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value
