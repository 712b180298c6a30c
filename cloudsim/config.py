"""Configuration: the INI file plus CLOUDSIM_* environment variables.

Nothing else in cloudsim reads the environment.
"""
from __future__ import annotations

import configparser
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

# section -> option -> (type, default). conf/cloudsim.conf documents each one.
OPTIONS: dict[str, dict[str, tuple[type, object]]] = {
    "server": {
        "host": (str, "127.0.0.1"),
        "port": (int, 8080),
        "integration_port": (int, 0),
        "integration_host": (str, "127.0.0.1"),
        "data_dir": (str, "./.cloudsim"),
        "name": (str, ""),
        "session_timeout": (int, 30),
    },
    "database": {"dsn": (str, ""), "pool_size": (int, 10)},
    "security": {"encryption_key": (str, ""), "download_ca_file": (str, "")},
    "jobs": {"workers": (int, 8), "poll_interval": (float, 2.0), "server_timeout": (float, 30.0),
             "shutdown_wait": (float, 10.0), "purge_interval": (float, 60.0)},
    "testing": {"commands": (bool, False)},
    "demo": {"enabled": (bool, True)},
    "log": {"level": (str, "INFO")},
}

# Short environment names the README promises.
ALIASES = {"CLOUDSIM_DATA_DIR": ("server", "data_dir"), "CLOUDSIM_DB_DSN": ("database", "dsn")}


def _convert(kind: type, raw: str, where: str):
    if kind is bool:
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{where}: expected a boolean, got {raw!r}")
    try:
        return kind(raw.strip()) if kind is not str else raw.strip()
    except ValueError:
        raise ValueError(f"{where}: expected {kind.__name__}, got {raw!r}") from None


@dataclass
class Config:
    values: dict[str, dict[str, object]] = field(default_factory=dict)

    def get(self, section: str, option: str):
        return self.values[section][option]

    def set(self, section: str, option: str, value) -> None:
        self.values[section][option] = value

    @property
    def data_dir(self) -> Path:
        return Path(str(self.get("server", "data_dir"))).expanduser().resolve()

    @property
    def dsn(self) -> str:
        return str(self.get("database", "dsn"))

    @property
    def server_name(self) -> str:
        return str(self.get("server", "name")) or socket.gethostname()


def load(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Config:
    """Defaults, then the file (if any), then the environment."""
    env = os.environ if env is None else env
    values = {s: {o: d for o, (_, d) in opts.items()} for s, opts in OPTIONS.items()}
    if path is None and env.get("CLOUDSIM_CONFIG"):
        path = env["CLOUDSIM_CONFIG"]
    if path is not None:
        parser = configparser.ConfigParser()
        if not parser.read(path):
            raise FileNotFoundError(f"configuration file {path} not found")
        for section in parser.sections():
            if section not in OPTIONS:
                raise ValueError(f"{path}: unknown section [{section}]")
            for option, raw in parser.items(section):
                if option not in OPTIONS[section]:
                    raise ValueError(f"{path}: unknown option {option} in [{section}]")
                kind = OPTIONS[section][option][0]
                values[section][option] = _convert(kind, raw, f"{path} [{section}] {option}")
    for name, raw in env.items():
        if not name.startswith("CLOUDSIM_") or name == "CLOUDSIM_CONFIG":
            continue
        if name in ALIASES:
            section, option = ALIASES[name]
        else:
            rest = name[len("CLOUDSIM_"):].lower()
            section, _, option = rest.partition("_")
            if section not in OPTIONS or option not in OPTIONS[section]:
                continue
        values[section][option] = _convert(OPTIONS[section][option][0], raw, name)
    return Config(values)
