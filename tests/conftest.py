"""Shared fixtures: one embedded PostgreSQL per test run, a fresh database per test, the real
server listening on a loopback port, and a signing client that speaks to it over HTTP.
"""
from __future__ import annotations

import asyncio
import itertools
import shutil
import json
import os
import tempfile
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from lxml import etree

from cloudsim import config as config_mod
from cloudsim.api.signature import sign
from cloudsim.app import App
from cloudsim.store.db import EmbeddedPostgres

TEST_KEY = "r0tbyIKlXO_Z8Jw5Dl9QkGYP2nlgXIjdqdz9KQe0KLk="   # Fernet key shared by every test server
TEMPLATE = "cloudsim_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_dsn():
    """The base DSN: CLOUDSIM_TEST_DSN if set, else an embedded PostgreSQL for the whole run."""
    given = os.environ.get("CLOUDSIM_TEST_DSN")
    if given:
        yield given
        return
    tmp = Path(tempfile.mkdtemp(prefix="cloudsim-test-pg-"))
    embedded = EmbeddedPostgres(tmp)
    try:
        yield embedded.start()
    finally:
        embedded.stop()
        shutil.rmtree(tmp, ignore_errors=True)   # every test database lived here: gigabytes per run


def dsn_for(base: str, dbname: str) -> str:
    head, _, query = base.partition("?")
    head = head.rsplit("/", 1)[0] + "/" + dbname
    return head + ("?" + query if query else "")


def make_config(dsn: str, data_dir: Path, overrides: dict | None = None) -> config_mod.Config:
    """Test configuration; overrides maps (section, option) to a value."""
    cfg = config_mod.load(None, env={})
    cfg.set("database", "dsn", dsn)
    cfg.set("server", "data_dir", str(data_dir))
    cfg.set("security", "encryption_key", TEST_KEY)
    cfg.set("database", "pool_size", 5)
    cfg.set("demo", "enabled", False)
    for (section, option), value in (overrides or {}).items():
        cfg.set(section, option, value)
    return cfg


@pytest.fixture(scope="session")
async def template_dsn(pg_dsn, tmp_path_factory):
    """A database with the schema and bootstrap applied, cloned for every test."""
    admin = await asyncpg.connect(pg_dsn)
    await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
    await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    await admin.close()
    app = App(make_config(dsn_for(pg_dsn, TEMPLATE), tmp_path_factory.mktemp("template")))
    await app.start_storage()
    await app.stop()
    return dsn_for(pg_dsn, TEMPLATE)


async def fresh_database(pg_dsn: str) -> str:
    name = f"t_{os.getpid()}_{next(_counter)}"
    admin = await asyncpg.connect(pg_dsn)
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    finally:
        await admin.close()
    return dsn_for(pg_dsn, name)


class Reply:
    """One HTTP answer, unwrapped: `.body` is what sits under the single response key."""

    def __init__(self, status: int, headers, text: str, fmt: str):
        self.status, self.headers, self.text, self.fmt = status, headers, text, fmt
        self.name = None
        self.body = None
        self.xml = None
        if fmt == "json":
            try:
                doc = json.loads(text)
            except ValueError:
                return
            if isinstance(doc, dict) and len(doc) == 1:
                self.name, self.body = next(iter(doc.items()))
        else:
            try:
                self.xml = etree.fromstring(text.encode())
                self.name = self.xml.tag
            except etree.XMLSyntaxError:
                pass

    def __getitem__(self, key):
        return self.body[key]

    def get(self, key, default=None):
        return self.body.get(key, default)

    @property
    def errorcode(self):
        if self.body is not None:
            return self.body.get("errorcode")
        if self.xml is not None:
            node = self.xml.find("errorcode")
            return int(node.text) if node is not None else None
        return None

    def __repr__(self):
        return f"<Reply {self.status} {self.text[:300]}>"


class Api:
    """A CloudStack API client over real HTTP, signing as the server's own canonical form does."""

    def __init__(self, url: str, api_key: str | None, secret: str | None, http: aiohttp.ClientSession):
        self.url, self.api_key, self.secret, self.http = url, api_key, secret, http

    def signed(self, command: str, params: dict) -> dict:
        out = {"command": command, **{k: str(v) for k, v in params.items()}}
        out.setdefault("response", "json")
        if self.api_key is not None:
            out["apiKey"] = self.api_key
            out["signature"] = sign(out, self.secret)
        return out

    async def raw(self, params: dict, method: str = "GET", cookies=None, url: str | None = None) -> Reply:
        fmt = "json" if str(params.get("response", "")).lower() == "json" else "xml"
        kwargs = {"params": params} if method == "GET" else {"data": params}
        async with self.http.request(method, url or self.url, cookies=cookies, **kwargs) as resp:
            text = await resp.text()
            return Reply(resp.status, resp.headers, text, fmt)

    async def call(self, command: str, method: str = "GET", **params) -> Reply:
        return await self.raw(self.signed(command, params), method)

    async def ok(self, command: str, **params):
        """Call and insist on success; returns the body."""
        reply = await self.call(command, **params)
        assert reply.status == 200, reply
        return reply.body

    async def wait_job(self, jobid: str, timeout: float = 30.0) -> dict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            body = await self.ok("queryAsyncJobResult", jobid=jobid)
            if body["jobstatus"] != 0:
                return body
            assert loop.time() < deadline, f"job {jobid} still pending"
            await asyncio.sleep(0.05)

    async def run(self, command: str, **params) -> dict:
        """An async command to completion; returns the finished job."""
        body = await self.ok(command, **params)
        return await self.wait_job(body["jobid"])


class Cloud:
    """A running cloudsim: the app, its URL, and clients for the admin and new users."""

    def __init__(self, app: App, url: str, http: aiohttp.ClientSession, admin_keys):
        self.app, self.url, self.http = app, url, http
        self.admin = Api(url, *admin_keys, http)
        self.anonymous = Api(url, None, None, http)

    async def user(self, role: str = "User", domainid: str | None = None, name: str | None = None) -> Api:
        """A new account of the given role type (User, DomainAdmin, ResourceAdmin, Admin) with API keys."""
        accounttype = {"User": 0, "Admin": 1, "DomainAdmin": 2, "ResourceAdmin": 3}[role]
        name = name or f"{role.lower()}{uuid.uuid4().hex[:8]}"
        params = dict(username=name, password="secret", email=f"{name}@example.com", firstname="Test",
                      lastname=role, accounttype=accounttype)
        if domainid:
            params["domainid"] = domainid
        body = await self.admin.ok("createAccount", **params)
        user_id = body["account"]["user"][0]["id"]
        keys = (await self.admin.ok("registerUserKeys", id=user_id))["userkeys"]
        api = Api(self.url, keys["apikey"], keys["secretkey"], self.http)
        api.account = body["account"]
        return api


async def start_cloud(dsn: str, data_dir: Path, overrides: dict | None = None):
    from cloudsim.core import accounts
    app = App(make_config(dsn, data_dir, overrides))
    await app.start()
    port = await app.listen("127.0.0.1", 0)
    keys = await accounts.keys_of(app.db, app.box)
    return app, f"http://127.0.0.1:{port}/client/api", keys


@pytest.fixture
async def cloud(pg_dsn, template_dsn, tmp_path):
    dsn = await fresh_database(pg_dsn)
    app, url, keys = await start_cloud(dsn, tmp_path)
    async with aiohttp.ClientSession() as http:
        yield Cloud(app, url, http, keys)
    await app.stop()
