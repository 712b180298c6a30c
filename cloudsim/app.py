"""Builds the running server: database, settings, services, HTTP listeners."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid as _uuid

from aiohttp import web

from . import commands  # noqa: F401  (registers every command)
from .api.server import routes
from .clock import Clock
from .config import Config
from .core import accounts, crypto
from .core.access import Caller
from .core.settings import CHANNEL, Settings
from .core.throttle import ApiLimiter
from .store import accounts as account_store
from .store.db import Database, EmbeddedPostgres

log = logging.getLogger(__name__)


class App:
    """The services one `cloudsim serve` process runs; handlers reach them through CallContext.app."""

    def __init__(self, config: Config, clock: Clock | None = None):
        self.config = config
        self.clock = clock or Clock()
        self.embedded: EmbeddedPostgres | None = None
        self.db: Database | None = None
        self.settings: Settings | None = None
        self.box: crypto.SecretBox | None = None
        self.system_caller: Caller | None = None
        self.limiter: ApiLimiter | None = None
        self.api_base: str | None = None
        self.ms_id: int | None = None
        self.ms_uuid: str | None = None
        self.jobs = None
        self.services: list = []        # objects with async start()/stop(), started in order
        self._listener = None
        self._runners: list[web.AppRunner] = []
        self.bootstrapped = False

    # ----------------------------------------------------------------- lifecycle
    async def start_storage(self) -> None:
        dsn = self.config.dsn
        if not dsn:
            self.embedded = EmbeddedPostgres(self.config.data_dir)
            dsn = await asyncio.get_running_loop().run_in_executor(None, self.embedded.start)
        self.db = Database(dsn, int(self.config.get("database", "pool_size")))
        await self.db.connect()
        await self.db.apply_schema()
        self.box = crypto.SecretBox(crypto.load_or_create_key(self.config.data_dir,
                                                              str(self.config.get("security", "encryption_key"))))
        self.bootstrapped = await accounts.bootstrap(self.db, self.box)
        self.settings = Settings(self.db)
        await self.settings.load()
        self._listener = await self.db.pool.acquire()
        await self._listener.add_listener(CHANNEL, self.settings.on_notify)
        self.system_caller = Caller.of(await account_store.caller_by_user_id(self.db, 1))
        self.limiter = ApiLimiter.from_settings(self.clock, self.settings)

    async def start_services(self) -> None:
        """Register this process as a management server and start its background services."""
        from . import jobs, services  # noqa: F401  (jobs registers its services on import)
        from .core import agents, demo, download  # noqa: F401  (heartbeats, demo zone, ISO downloads)
        self.ms_uuid = str(_uuid.uuid4())
        self.ms_id = await self.db.fetchval(
            "INSERT INTO management_server (uuid, name, host, pid) VALUES ($1, $2, $3, $4) RETURNING id",
            _uuid.UUID(self.ms_uuid), self.config.server_name, socket.gethostname(), os.getpid())
        for service in services.build(self):
            await service.start()
            self.services.append(service)

    async def start(self) -> None:
        await self.start_storage()
        await self.start_services()

    async def stop(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        for service in reversed(self.services):
            try:
                await service.stop()
            except Exception:
                log.exception("stopping %s failed", service)
        self.services.clear()
        if self.db is not None and self.db.pool is not None:
            if self._listener is not None:
                await self._listener.remove_listener(CHANNEL, self.settings.on_notify)
                await self.db.pool.release(self._listener)
                self._listener = None
            if self.ms_id is not None:
                await self.db.execute("UPDATE management_server SET state = 'Down' WHERE id = $1", self.ms_id)
            await self.db.close()
        if self.embedded is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.embedded.stop)
            self.embedded = None

    # ----------------------------------------------------------------- HTTP
    def web_app(self, integration: bool = False) -> web.Application:
        return routes(self, integration)

    async def listen(self, host: str, port: int, integration: bool = False) -> int:
        runner = web.AppRunner(self.web_app(integration), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        await site.start()
        self._runners.append(runner)
        bound = runner.addresses[0][1]
        if not integration and self.api_base is None:
            self.api_base = f"http://{host}:{bound}"      # where extract URLs point
        return bound

    def integration_port(self) -> int:
        configured = int(self.config.get("server", "integration_port"))
        if configured > 0:
            return configured
        return int(self.settings.get_cached("integration.api.port") or 0)
