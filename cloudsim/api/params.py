"""Request parameters: the raw map (API-PROTOCOL.md 1.3–1.7) and typed conversion (1.5)."""
from __future__ import annotations

import datetime as _dt
import re
import uuid as _uuid
from urllib.parse import unquote_plus

from ..errors import MALFORMED_PARAMETER_ERROR, CloudStackError, param_error

# Types as listApis publishes them.
STRING, BOOLEAN, INTEGER, LONG, SHORT = "string", "boolean", "integer", "long", "short"
FLOAT, DOUBLE, UUID, DATE, MAP, LIST = "float", "double", "uuid", "date", "map", "list"

# Reserved names matched in any case (1.4); the rest of the framework fields are exact.
CREDENTIAL_NAMES = ("apikey", "signature", "signatureversion", "expires")
_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
_JAVA_INTEGER = re.compile(r"[+-]?[0-9]+")     # what Integer/Long/Short.valueOf accept: no spaces, no '_'

INT_RANGES = {INTEGER: (-2**31, 2**31 - 1), SHORT: (-2**15, 2**15 - 1), LONG: (-2**63, 2**63 - 1)}


def parse_query(query: str, first_wins: bool = False) -> dict[str, str]:
    """Split a raw query string as the servlet re-reads it: last duplicate wins (integration port: first)."""
    out: dict[str, str] = {}
    if not query:
        return out
    for piece in query.split("&"):
        name, sep, value = piece.partition("=")
        if not sep:
            continue
        name = unquote_plus(name, errors="replace")
        if first_wins and name in out:
            continue
        out[name] = unquote_plus(value, errors="replace")
    return out


def map_error(key: str) -> CloudStackError:
    return CloudStackError(
        MALFORMED_PARAMETER_ERROR,
        f"Unable to decode parameter {key}; if specifying an object array, please use "
        "parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup")


def normalise(raw: dict[str, str]) -> dict[str, object]:
    """Lower-case parameter names; group `name[i].field` into {name: {i: {field: value}}} (1.5, 1.6)."""
    out: dict[str, object] = {}
    for key, value in raw.items():
        bracket = key.find("[")
        if bracket <= 0:
            out[key.lower()] = value
            continue
        close = key.find("]")
        if key.count("[") > 1 or close < bracket or key.count("]") > 1 or close + 1 >= len(key) \
                or key[close + 1] != ".":
            raise map_error(key)
        try:
            index = int(key[bracket + 1:close])
        except ValueError:
            raise map_error(key) from None
        name = key[:bracket].lower()
        field = key[close + 2:]
        group = out.get(name)
        if not isinstance(group, dict):
            group = out[name] = {}
        group.setdefault(index, {})[field] = value
    return out


def check_control_characters(params: dict[str, object]) -> None:
    """1.7: control characters (TAB included, LF/CR allowed) in any value are refused."""
    for name, value in params.items():
        if name == "activationrule":
            continue
        values = [value] if isinstance(value, str) else \
            [v for entry in value.values() for v in entry.values()] if isinstance(value, dict) else []
        for v in values:
            if _CONTROL.search(v):
                raise param_error(
                    f"Received value containing illegal ASCII non-printable characters for parameter {name}")


# ------------------------------------------------------------------------- dates
_DATE_FORMATS_ZONED = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z")
_DATE_FORMATS_LOCAL = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def parse_zoned_datetime(text: str) -> _dt.datetime | None:
    """The zoned forms CloudStack accepts for `expires` and date parameters; None if none fits."""
    value = text.strip()
    if len(value) > 20 and value[19:20] == "Z" and value[20:21] in "+-":
        value = value[:19] + value[20:]          # the legacy ...ss'Z'Z form, e.g. 2025-01-01T00:00:00Z+0000
    if value.endswith("Z"):
        value = value[:-1] + "+0000"
    for fmt in _DATE_FORMATS_ZONED:
        try:
            return _dt.datetime.strptime(value, fmt)
        except ValueError:
            pass
    try:
        parsed = _dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_date(text: str, end_of_day: bool = False) -> _dt.datetime | None:
    parsed = parse_zoned_datetime(text)
    if parsed is not None:
        return parsed
    for fmt in _DATE_FORMATS_LOCAL:
        try:
            return _dt.datetime.strptime(text.strip(), fmt).replace(tzinfo=_dt.timezone.utc)
        except ValueError:
            pass
    try:
        day = _dt.datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        return None
    return day.replace(hour=23, minute=59, second=59) if end_of_day else day


# ------------------------------------------------------------------------- scalar conversion
def invalid_value_error(command: str, name: str, value: str) -> CloudStackError:
    return param_error(f"Unable to execute API command {command.lower()} due to invalid value {value} "
                       f"for parameter {name}")


def convert_scalar(kind: str, value: str, command: str, name: str):
    """Convert one value; returns None for values CloudStack treats as unset."""
    if kind == STRING:
        return value
    if kind == BOOLEAN:
        return value.strip().lower() == "true"
    if kind in INT_RANGES:
        if value.strip() == "" and kind == INTEGER:
            return None                          # a blank integer is treated as unset
        if not _JAVA_INTEGER.fullmatch(value):
            raise invalid_value_error(command, name, value)
        number = int(value)
        low, high = INT_RANGES[kind]
        if not low <= number <= high:
            raise invalid_value_error(command, name, value)
        return number
    if kind in (FLOAT, DOUBLE):
        if value.strip() == "":
            return None
        try:
            number = float(value.strip())
        except ValueError:
            raise invalid_value_error(command, name, value) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise invalid_value_error(command, name, value)
        return number
    if kind == DATE:
        parsed = parse_date(value, end_of_day=name.lower() == "enddate")
        if parsed is None:
            raise param_error(f"Unable to parse date {value} for command {command.lower()}, please pass "
                              "dates in the format mentioned in the api documentation")
        return parsed
    raise ValueError(f"not a scalar type: {kind}")


def is_uuid(value: str) -> bool:
    try:
        _uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def kv_pairs(mapping: dict | None) -> list[tuple[str, str]]:
    """key/value-style maps: tags[0].key=k&tags[0].value=v -> [(k, v)]."""
    if not mapping:
        return []
    return [(entry.get("key"), entry.get("value")) for _, entry in sorted(mapping.items())]


def flatten(mapping: dict | None) -> dict[str, str]:
    """flatten-style maps: details[0].cpuNumber=2&details[0].memory=1024 -> {cpuNumber: 2, memory: 1024}."""
    out: dict[str, str] = {}
    for _, entry in sorted((mapping or {}).items()):
        out.update(entry)
    return out
