"""CloudStack's global settings: the catalogue, typed reads, validated writes.

Values changed with updateConfiguration live in PostgreSQL; every server process keeps a copy
and refreshes it when another process announces a change (NOTIFY cloudsim_settings).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

from ..errors import invalid_value

CHANNEL = "cloudsim_settings"
SCOPES = ("Zone", "Cluster", "StoragePool", "Account", "Domain", "ImageStore")
_JAVA_TYPE = {"Integer": "java.lang.Integer", "Long": "java.lang.Long", "Short": "java.lang.Short",
              "Float": "java.lang.Float", "Double": "java.lang.Double", "Boolean": "java.lang.Boolean"}
_INT_BITS = {"Integer": 31, "Long": 63, "Short": 15}
# Settings whose value must be a ratio or a positive multiplier (CloudStack checks the same).
_RATIOS = {"cluster.cpu.allocated.capacity.disablethreshold", "cluster.memory.allocated.capacity.disablethreshold",
           "cluster.cpu.allocated.capacity.notificationthreshold",
           "cluster.memory.allocated.capacity.notificationthreshold",
           "host.capacityType.to.order.clusters.cputomemoryweight", "vm.user.dispersion.weight"}
_POSITIVE = {"cpu.overprovisioning.factor", "mem.overprovisioning.factor"}
_CHOICES = {
    "vm.allocation.algorithm": ("random", "firstfit", "userdispersing", "userconcentratedpod_random",
                                "userconcentratedpod_firstfit", "firstfitleastconsumed"),
    "host.capacityType.to.order.clusters": ("CPU", "RAM", "COMBINED"),
    "api.sessionkey.check.locations": ("CookieOrParameter", "ParameterOnly", "CookieAndParameter"),
    "api.sessionkey.cookie.samesite": ("Lax", "Strict", "NoneAndSecure", "Null"),
}


@dataclass(frozen=True)
class SettingDef:
    name: str
    category: str
    type: str
    default: str
    scope: str
    dynamic: bool
    description: str

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.scope.split(",") if s.strip())


def _load_catalogue() -> dict[str, SettingDef]:
    raw = json.loads(resources.files("cloudsim.data").joinpath("settings.json").read_text())
    return {s["name"]: SettingDef(**s) for s in raw}


CATALOGUE: dict[str, SettingDef] = _load_catalogue()


def typed(defn: SettingDef, value: str | None):
    """The setting's value as Python sees it (None stays None for empty strings)."""
    if value is None:
        return None
    if defn.type == "Boolean":
        return value.strip().lower() == "true"
    if defn.type in _INT_BITS:
        try:
            return int(value.strip())
        except ValueError:
            return int(float(value.strip()))
    if defn.type in ("Float", "Double"):
        return float(value.strip())
    return value


def validate(defn: SettingDef, value: str) -> None:
    """CloudStack's type and range checks; raises 431 with its wording."""
    kind = defn.type
    ok = True
    if kind == "Boolean":
        ok = value in ("true", "false")
    elif kind in _INT_BITS:
        try:
            number = int(value)
            ok = -(2 ** _INT_BITS[kind]) <= number < 2 ** _INT_BITS[kind]
        except ValueError:
            ok = False
    elif kind in ("Float", "Double"):
        try:
            ok = not math.isinf(float(value)) and not math.isnan(float(value))
        except ValueError:
            ok = False
    if not ok:
        raise invalid_value(f"Value [{value}] is not a valid [class {_JAVA_TYPE[kind]}].")
    if defn.name in _RATIOS and not 0 <= float(value) <= 1:
        raise invalid_value(f"Please enter a value between 0 and 1 for the configuration parameter: [{defn.name}].")
    if defn.name in _POSITIVE and float(value) <= 0:
        raise invalid_value(f"Value for configuration [{defn.name}] should be greater than 0.")
    choices = _CHOICES.get(defn.name)
    if choices and value not in choices:
        raise invalid_value(f"Invalid value for configuration [{defn.name}]: {value}; "
                            f"valid values are {', '.join(choices)}")


class Settings:
    """Reads and writes settings; global values are cached per process."""

    def __init__(self, db):
        self.db = db
        self._global: dict[str, str | None] = {}

    async def load(self) -> None:
        rows = await self.db.fetch("SELECT name, value FROM configuration")
        self._global = {r["name"]: r["value"] for r in rows}

    def on_notify(self, *_args) -> None:
        """NOTIFY handler: another process changed a setting; reload on the next loop turn."""
        import asyncio
        asyncio.get_running_loop().create_task(self.load())

    def raw(self, name: str, scope: tuple[str, int] | None = None) -> str | None:
        defn = CATALOGUE[name]
        value = self._global.get(name)
        return defn.default if value is None else value

    async def get(self, name: str, scope: tuple[str, int] | None = None):
        """Typed value; with scope=("Zone", zone_id) etc. a scoped override wins over the global one."""
        defn = CATALOGUE[name]
        if scope is not None:
            scoped = await self.db.fetchval(
                "SELECT value FROM configuration_scoped WHERE scope=$1 AND scope_id=$2 AND name=$3",
                scope[0].lower(), scope[1], name)
            if scoped is not None:
                return typed(defn, scoped)
        return typed(defn, self.raw(name))

    def get_cached(self, name: str):
        """Global value without a database round trip (hot paths)."""
        return typed(CATALOGUE[name], self.raw(name))

    async def set(self, name: str, value: str | None, scope: tuple[str, int] | None = None) -> None:
        async with self.db.transaction() as conn:
            if scope is None:
                await conn.execute(
                    "INSERT INTO configuration (name, value, updated) VALUES ($1, $2, now()) "
                    "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated = now()", name, value)
                self._global[name] = value
            else:
                await conn.execute(
                    "INSERT INTO configuration_scoped (scope, scope_id, name, value) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (scope, scope_id, name) DO UPDATE SET value = EXCLUDED.value",
                    scope[0].lower(), scope[1], name, value)
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, name)

    async def scoped_value(self, name: str, scope: tuple[str, int]) -> str | None:
        value = await self.db.fetchval(
            "SELECT value FROM configuration_scoped WHERE scope=$1 AND scope_id=$2 AND name=$3",
            scope[0].lower(), scope[1], name)
        return self.raw(name) if value is None else value
