"""The asyncpg pool, the embedded PostgreSQL and schema application.

The only module that decides where the database is; everything else asks for a pool.
"""
from __future__ import annotations

import contextlib
import json
import logging
import sys
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_SCHEMA_LOCK = 0x636C6F7564  # advisory lock id held while the schema is applied


def schema_path() -> Path:
    """schema.sql sits at the top of the source tree, or under share/cloudsim when installed."""
    here = Path(__file__).resolve().parents[2] / "schema.sql"
    if here.exists():
        return here
    installed = Path(sys.prefix) / "share" / "cloudsim" / "schema.sql"
    if installed.exists():
        return installed
    raise FileNotFoundError("schema.sql not found next to the package or under share/cloudsim")


class EmbeddedPostgres:
    """A PostgreSQL server from the pgserver wheel, living in DATA_DIR/pgdata."""

    def __init__(self, data_dir: Path):
        self.pgdata = data_dir / "pgdata"
        self._server = None

    def start(self) -> str:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")    # platformdirs complains when XDG_RUNTIME_DIR is unset
            import pgserver  # imported lazily: a DSN-configured server never needs it
        logging.getLogger("pgserver").setLevel(logging.WARNING)

        self.pgdata.mkdir(parents=True, exist_ok=True)
        # cleanup_mode='stop' stops the server when the last process using it lets go.
        self._server = pgserver.get_server(str(self.pgdata), cleanup_mode="stop")
        return self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _init_connection_codecs():
    async def init(conn: asyncpg.Connection) -> None:
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    return init


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool reset that skips asyncpg's default reset query (UNLISTEN, unlock, RESET ALL) on release.

    asyncpg still rolls back an open transaction first. cloudsim never LISTENs, takes session-level
    advisory locks or SETs anything on a pooled connection it gives back (listeners and duty locks
    live on dedicated connections), so the default query only cost a round trip per request.
    """


class Database:
    def __init__(self, dsn: str, pool_size: int = 10):
        self.dsn = dsn
        self.pool_size = pool_size
        self.pool: asyncpg.Pool | None = None

    async def connect(self) -> None:
        self.pool = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=self.pool_size, init=_init_connection_codecs(), reset=_keep_session,
            server_settings={"timezone": "UTC", "application_name": "cloudsim"})

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    async def apply_schema(self) -> None:
        sql = schema_path().read_text()
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _SCHEMA_LOCK)
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_version (version) VALUES ($1) "
                    "ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, applied = now() "
                    "WHERE schema_version.version < EXCLUDED.version", SCHEMA_VERSION)

    # Thin helpers so callers read like SQL, not like pool plumbing.
    async def fetch(self, sql: str, *args):
        return await self.pool.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args):
        return await self.pool.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args):
        return await self.pool.fetchval(sql, *args)

    async def execute(self, sql: str, *args):
        return await self.pool.execute(sql, *args)

    @contextlib.asynccontextmanager
    async def transaction(self):
        """A connection inside a transaction; the whole block commits or rolls back."""
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                yield conn
