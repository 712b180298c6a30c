#!/usr/bin/env python
"""Benchmark of the async-job machinery (not a test).

Starts one and then two real `cloudsim serve` processes on one PostgreSQL database (an embedded
one unless --dsn is given), submits N no-op test jobs (cloudsimTestJob, sleep 0) over signed
HTTP from C concurrent clients spread over the servers, and prints, per configuration:
  - jobs/s: jobs completed per second, from the first submission to the last completion;
  - pick-up delay p50/p99: from a job's submission (created) to a runner claiming it (started),
    in the burst (mostly time spent waiting behind the backlog) and for jobs submitted one at a
    time afterwards (the NOTIFY wake-up path).

    .venv/bin/python tools/bench_jobs.py [--jobs 1000] [--clients 32] [--workers 8] [--dsn DSN]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import asyncpg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cloudsim import config as config_mod  # noqa: E402
from cloudsim.api.signature import sign  # noqa: E402
from cloudsim.app import App  # noqa: E402
from cloudsim.core import accounts  # noqa: E402
from cloudsim.store.db import EmbeddedPostgres  # noqa: E402

KEY = "r0tbyIKlXO_Z8Jw5Dl9QkGYP2nlgXIjdqdz9KQe0KLk="


def dsn_for(base: str, dbname: str) -> str:
    head, _, query = base.partition("?")
    return head.rsplit("/", 1)[0] + "/" + dbname + ("?" + query if query else "")


async def fresh(base: str, name: str, data_dir: Path) -> tuple[str, tuple[str, str]]:
    admin = await asyncpg.connect(base)
    await admin.execute(f"DROP DATABASE IF EXISTS {name}")
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    cfg = config_mod.load(None, env={})
    dsn = dsn_for(base, name)
    cfg.set("database", "dsn", dsn)
    cfg.set("server", "data_dir", str(data_dir))
    cfg.set("security", "encryption_key", KEY)
    app = App(cfg)
    await app.start_storage()
    keys = await accounts.keys_of(app.db, app.box)
    await app.stop()
    return dsn, keys


async def serve(dsn: str, data_dir: Path, name: str, workers: int):
    env = {**os.environ, "CLOUDSIM_DB_DSN": dsn, "CLOUDSIM_DATA_DIR": str(data_dir),
           "CLOUDSIM_SECURITY_ENCRYPTION_KEY": KEY, "CLOUDSIM_DEMO_ENABLED": "false",
           "CLOUDSIM_TESTING_COMMANDS": "true", "CLOUDSIM_SERVER_NAME": name, "CLOUDSIM_LOG_LEVEL": "WARNING",
           "CLOUDSIM_JOBS_WORKERS": str(workers), "CLOUDSIM_DATABASE_POOL_SIZE": str(workers + 4)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "cloudsim", "serve", "--port", "0",
                                                cwd=str(REPO), env=env, stdout=asyncio.subprocess.PIPE)
    while True:
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{name} did not start")
        found = re.search(rb"(http://\S+/client/api)", line)
        if found:
            return proc, found.group(1).decode()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run(base: str, tmp: Path, n_servers: int, jobs: int, clients: int, workers: int,
              trickle: int) -> dict:
    dsn, (api_key, secret) = await fresh(base, f"bench_jobs_{n_servers}", tmp / f"boot{n_servers}")
    servers = [await serve(dsn, tmp / f"s{n_servers}-{i}", f"ms{i}", workers) for i in range(n_servers)]
    try:
        async with aiohttp.ClientSession() as http:
            async def submit(url: str) -> None:
                params = {"command": "cloudsimTestJob", "response": "json", "apiKey": api_key}
                params["signature"] = sign(params, secret)
                async with http.get(url, params=params) as resp:
                    assert resp.status == 200, await resp.text()
                    await resp.read()

            # Burst: every client submits as fast as it can; the queue backs up, runners drain it.
            queue: asyncio.Queue[int] = asyncio.Queue()
            for n in range(jobs):
                queue.put_nowait(n)

            async def client(c: int) -> None:
                while True:
                    try:
                        queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    await submit(servers[c % n_servers][1])

            await asyncio.gather(*(client(c) for c in range(clients)))
            burst = await finished(dsn)
            # Trickle: one job at a time with idle runners, so pick-up is the wake-up path alone.
            for n in range(trickle):
                await submit(servers[n % n_servers][1])
                await asyncio.sleep(0.02)
            rows = await finished(dsn)
            trickled = [r for r in rows if r["id"] > max(b["id"] for b in burst)]
    finally:
        for proc, _ in servers:
            proc.terminate()
            await proc.wait()
    span = (max(r["completed"] for r in burst) - min(r["created"] for r in burst)).total_seconds()
    return {"servers": n_servers, "jobs": len(burst), "failed": sum(r["status"] != 1 for r in rows),
            "per_server": sorted(Counter(r["complete_msid"] for r in burst).values()),
            "jobs_per_s": len(burst) / span, "burst": pickups(burst), "trickle": pickups(trickled)}


async def finished(dsn: str) -> list:
    conn = await asyncpg.connect(dsn)
    try:
        while await conn.fetchval("SELECT count(*) FROM async_job WHERE status = 0"):
            await asyncio.sleep(0.05)
        return await conn.fetch("SELECT id, status, created, started, completed, complete_msid FROM async_job")
    finally:
        await conn.close()


def pickups(rows) -> tuple[float, float]:
    delays = [(r["started"] - r["created"]).total_seconds() * 1000 for r in rows]
    return pct(delays, 50), pct(delays, 99)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--trickle", type=int, default=200, help="jobs submitted one by one afterwards")
    parser.add_argument("--workers", type=int, default=8, help="[jobs] workers of each server")
    parser.add_argument("--dsn", help="PostgreSQL DSN with CREATE DATABASE rights (default: embedded)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cloudsim-bench-jobs-"))
    embedded = None
    base = args.dsn
    if not base:
        embedded = EmbeddedPostgres(tmp / "pg")
        base = embedded.start()
    try:
        print(f"{args.jobs} no-op jobs, {args.clients} concurrent clients, {args.workers} runners per server, "
              f"{os.cpu_count()} CPUs")
        for n in (1, 2):
            r = await run(base, tmp, n, args.jobs, args.clients, args.workers, args.trickle)
            print(f"{n} server(s): {r['jobs_per_s']:6.1f} jobs/s completed; pick-up delay p50/p99 "
                  f"{r['burst'][0]:.0f}/{r['burst'][1]:.0f} ms in the burst (queue backlog), "
                  f"{r['trickle'][0]:.1f}/{r['trickle'][1]:.1f} ms one at a time; jobs per server "
                  f"{r['per_server']}; failed {r['failed']}", flush=True)
    finally:
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    asyncio.run(main())
