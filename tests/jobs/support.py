"""Helpers for the job tests: an in-process cloud with the test commands, real `cloudsim serve`
subprocesses on a shared database, and direct looks at the test tables."""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import asyncpg

from cloudsim.app import App
from cloudsim.core import accounts
from cloudsim.core.crypto import SecretBox
from cloudsim.store.db import Database
from tests.conftest import TEST_KEY, Api, Cloud, make_config

REPO = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def server_with_test_commands(dsn: str, data_dir: Path, **options):
    """An in-process server with `[testing] commands = true`; options as section_option=value."""
    cfg = make_config(dsn, data_dir)
    cfg.set("testing", "commands", True)
    cfg.set("jobs", "poll_interval", 0.5)
    for key, value in options.items():
        section, option = key.split("_", 1)
        cfg.set(section, option, value)
    app = App(cfg)
    await app.start()
    try:
        port = await app.listen("127.0.0.1", 0)
        keys = await accounts.keys_of(app.db, app.box)
        async with aiohttp.ClientSession() as http:
            yield Cloud(app, f"http://127.0.0.1:{port}/client/api", http, keys)
    finally:
        await app.stop()


async def admin_keys(dsn: str) -> tuple[str, str]:
    db = Database(dsn, 2)
    await db.connect()
    try:
        return await accounts.keys_of(db, SecretBox(TEST_KEY))
    finally:
        await db.close()


class Server:
    """A real `python -m cloudsim serve` process against a shared database."""

    def __init__(self, dsn: str, data_dir: Path, name: str, **env):
        self.dsn, self.data_dir, self.name = dsn, data_dir, name
        self.env = {**os.environ, "CLOUDSIM_DB_DSN": dsn, "CLOUDSIM_DATA_DIR": str(data_dir),
                    "CLOUDSIM_SECURITY_ENCRYPTION_KEY": TEST_KEY, "CLOUDSIM_DEMO_ENABLED": "false",
                    "CLOUDSIM_TESTING_COMMANDS": "true", "CLOUDSIM_SERVER_NAME": name,
                    "CLOUDSIM_DATABASE_POOL_SIZE": "6", "CLOUDSIM_JOBS_POLL_INTERVAL": "0.5",
                    "CLOUDSIM_JOBS_SHUTDOWN_WAIT": "0.5",
                    "CLOUDSIM_LOG_LEVEL": "WARNING", **{k: str(v) for k, v in env.items()}}
        self.proc: asyncio.subprocess.Process | None = None
        self.url: str | None = None
        self.log = data_dir / f"{name}.log"

    async def start(self) -> "Server":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cloudsim", "serve", "--port", "0", cwd=str(REPO), env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=out)
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
            if not line:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            found = re.search(rb"(http://\S+/client/api)", line)
            if found:
                self.url = found.group(1).decode()
                break
        asyncio.get_running_loop().create_task(self._drain())
        return self

    async def _drain(self):
        with contextlib.suppress(Exception):
            while await self.proc.stdout.readline():
                pass

    def api(self, keys, http) -> Api:
        return Api(self.url, *keys, http)

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), 60)
        return self.proc.returncode


async def open_gate(dsn: str, name: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO cloudsim_test_gate (name, open) VALUES ($1, true) "
                           "ON CONFLICT (name) DO UPDATE SET open = true", name)
    finally:
        await conn.close()


async def query(dsn: str, sql: str, *args):
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def until(predicate, timeout: float = 60.0, step: float = 0.05):
    """Poll an async predicate until it returns something truthy; a generous cap, not a threshold."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(step)
