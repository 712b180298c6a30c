"""Every command answers garbage with a CloudStack error, never an internal failure.

For each declared command a root admin and a user each send (a) nothing, (b) every parameter set
to a value of the wrong kind, and the root admin (c) "-1" for every id (CloudStack's "all" value,
which most ids cannot take). The answer must be a proper envelope with a client-error code (or success where the
garbage happens to be acceptable), and never the generic 530 an unexpected exception produces.
"""
import pytest

import cloudsim.commands  # noqa: F401
from cloudsim.api.registry import COMMANDS

GENERIC = "Internal error executing API command"
SKIP = {"login", "logout"}
NAMES = sorted(n for n, c in COMMANDS.items() if c.authenticated and n not in SKIP and not n.startswith("cloudsimTest"))
GARBAGE = {"string": "x'; DROP TABLE account; --", "boolean": "maybe", "integer": "12abc", "long": "9" * 30,
           "short": "-99999", "float": "NaNx", "double": "1e9999x", "uuid": "not-a-uuid",
           "date": "yesterday", "list": ",,not-a-uuid,,", "map": "flat"}


def _assert_clean(reply, name):
    assert reply.body is not None, f"{name}: no JSON envelope: {reply.text[:200]}"
    if reply.status == 200:
        return
    assert reply.status in (401, 430, 431, 432, 530, 531, 533, 534, 536, 537), f"{name}: {reply.status} {reply.text[:300]}"
    assert not reply["errortext"].startswith(GENERIC), f"{name}: {reply.text[:300]}"


@pytest.mark.parametrize("name", NAMES)
async def test_garbage_and_missing_parameters(cloud, name):
    params = {p.name: GARBAGE.get(p.type, "garbage") for p in COMMANDS[name].params}
    params.pop("page", None)
    params.pop("pagesize", None)
    _assert_clean(await cloud.admin.call(name, **params), name)
    _assert_clean(await cloud.admin.call(name), name)
    minus_one = {p.name: "-1" for p in COMMANDS[name].params if p.type in ("uuid", "list")}
    _assert_clean(await cloud.admin.call(name, **minus_one), name)
    user = await cloud.user()
    _assert_clean(await user.call(name, **params), name)
    _assert_clean(await user.call(name), name)


async def test_id_minus_one(cloud):
    # A list filter with id -1 matches nothing; an action on id -1 names an unknown entity.
    assert await cloud.admin.ok("listVirtualMachines", id="-1") == {}
    assert await cloud.admin.ok("listZones", id="-1") == {}
    refused = await cloud.admin.call("startVirtualMachine", id="-1")
    assert refused.status == 431 and "id value=-1" in refused["errortext"]
