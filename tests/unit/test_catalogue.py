"""Every command we declare matches CloudStack 4.18's published contract (its listApis answer):
the same async flag, and every parameter CloudStack lists, with its type and required flag.
tests/data/cloudstack-4.18-apis.json holds those facts (names, types, flags; no descriptions).
"""
import json
from pathlib import Path

import pytest

import cloudsim.commands  # noqa: F401
from cloudsim.api.registry import COMMANDS

REFERENCE = json.loads((Path(__file__).parents[1] / "data" / "cloudstack-4.18-apis.json").read_text())
# Commands that postdate 4.18 or are cloudsim's own have no reference entry.
def version(text: str) -> tuple:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


CHECKED = sorted(name for name in COMMANDS if name in REFERENCE)


def test_most_commands_are_cloudstack_commands():
    assert len(CHECKED) >= len(COMMANDS) - 5


@pytest.mark.parametrize("name", CHECKED)
def test_async_flag_matches(name):
    assert COMMANDS[name].is_async == REFERENCE[name]["isasync"]


@pytest.mark.parametrize("name", CHECKED)
def test_parameters_match(name):
    ours = {p.name: p for p in COMMANDS[name].params}
    theirs = REFERENCE[name]["params"]
    missing = sorted(set(theirs) - set(ours))
    assert not missing, f"{name} lacks parameters {missing}"
    for pname, ref in theirs.items():
        mine = ours[pname]
        assert mine.type == ref["type"], f"{name}.{pname}: {mine.type} != {ref['type']}"
        assert mine.required == ref["required"], f"{name}.{pname}: required {mine.required} != {ref['required']}"


@pytest.mark.parametrize("name", CHECKED)
def test_response_fields_are_cloudstack_fields(name):
    """No invented response fields: each field we declare exists in CloudStack's response (4.18 or later)."""
    fields = COMMANDS[name].response.fields
    newer = {f.name for f in fields if f.since and version(f.since) >= (4, 19)}
    unknown = {f.name for f in fields} - set(REFERENCE[name]["response"]) - newer
    assert not unknown, f"{name} answers with fields CloudStack does not have: {sorted(unknown)}"
