#!/usr/bin/env python3
"""Throughput and latency of the API's hot path: signed `listCapabilities` calls.

Every call goes through the whole front door: parameter parsing, API-key lookup, signature check,
role check, binding, the handler and JSON rendering. The load comes from separate processes (so
the client's own work does not share the server's interpreter), each holding its share of the
concurrent connections for a bounded time.

    tools/bench_api.py                               # starts `cloudsim serve` on an embedded PostgreSQL
    tools/bench_api.py --dsn postgresql://…/db       # … on that database instead
    tools/bench_api.py --url http://h:8080/client/api --apikey K --secretkey S   # an already running server
    options: --connections 32 --duration 10 --processes 1 --command listCapabilities --post --v3
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python -m cloudsim serve` in a temporary data directory."""

    def __init__(self, dsn: str | None):
        self.data_dir = Path(tempfile.mkdtemp(prefix="cloudsim-bench-"))
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSIM_")}
        self.env["CLOUDSIM_LOG_LEVEL"] = "WARNING"
        if dsn:
            self.env["CLOUDSIM_DB_DSN"] = dsn
        self.log = open(self.data_dir / "serve.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cloudsim", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
             "--no-demo"], env=self.env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}/client/api"

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"cloudsim serve exited:\n{(self.data_dir / 'serve.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("cloudsim serve did not start in time")

    def keys(self) -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-m", "cloudsim", "keys", "--data-dir", str(self.data_dir)],
                              env=self.env, cwd=REPO, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"cloudsim keys failed: {done.stderr}")
        values = dict(line.split("=", 1) for line in done.stdout.split())
        return values["apikey"], values["secretkey"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _signed(args, api_key: str, secret: str) -> dict[str, str]:
    from cloudsim.api.signature import sign

    params = {"command": args.command, "response": "json", "apiKey": api_key}
    if args.v3:
        when = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=args.duration + 600)
        params.update(signatureVersion="3", expires=when.strftime("%Y-%m-%dT%H:%M:%S+0000"))
    params["signature"] = sign(params, secret)
    return params


async def _load(url: str, params: dict, connections: int, duration: float, post: bool):
    import aiohttp

    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + duration
    connector = aiohttp.TCPConnector(limit=connections)

    async with aiohttp.ClientSession(connector=connector) as http:
        async def worker():
            nonlocal errors
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                kwargs = {"data": params} if post else {"params": params}
                try:
                    async with http.request("POST" if post else "GET", url, **kwargs) as resp:
                        await resp.read()
                        ok = resp.status == 200
                except aiohttp.ClientError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies, errors


def _load_process(url, params, connections, duration, post, queue):
    queue.put(asyncio.run(_load(url, params, connections, duration, post)))


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(args) -> dict:
    server = None
    url, api_key, secret = args.url, args.apikey, args.secretkey
    if not url:
        server = ServerProcess(args.dsn)
        try:
            server.wait_ready()
            api_key, secret = server.keys()
        except BaseException:
            server.stop()
            raise
        url = server.url
    try:
        params = _signed(args, api_key, secret)
        # one warm-up round so connection set-up and first-call caches are not measured
        asyncio.run(_load(url, params, min(args.connections, 4), 1.0, args.post))
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        shares = [args.connections // args.processes + (i < args.connections % args.processes)
                  for i in range(args.processes)]
        procs = [ctx.Process(target=_load_process, args=(url, params, n, args.duration, args.post, queue))
                 for n in shares if n]
        started = time.perf_counter()
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        elapsed = time.perf_counter() - started
        for p in procs:
            p.join()
    finally:
        if server is not None:
            server.stop()
    latencies = sorted(lat for lats, _ in results for lat in lats)
    errors = sum(e for _, e in results)
    return {"calls": len(latencies), "errors": errors, "seconds": elapsed,
            "calls_per_second": len(latencies) / elapsed if elapsed else 0.0,
            "p50_ms": _percentile(latencies, 0.50) * 1000, "p99_ms": _percentile(latencies, 0.99) * 1000}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an already running server; default: start one")
    parser.add_argument("--apikey")
    parser.add_argument("--secretkey")
    parser.add_argument("--dsn", help="database for the started server (default: embedded PostgreSQL)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    parser.add_argument("--processes", type=int, default=1, help="load-generating processes (default 1)")
    parser.add_argument("--command", default="listCapabilities")
    parser.add_argument("--post", action="store_true", help="send the parameters as a POST form")
    parser.add_argument("--v3", action="store_true", help="signature version 3 (expires)")
    args = parser.parse_args(argv)
    if args.url and not (args.apikey and args.secretkey):
        parser.error("--url needs --apikey and --secretkey")
    result = run(args)
    print(f"{args.command} over {'POST' if args.post else 'GET'}, {args.connections} connections, "
          f"{result['seconds']:.1f} s: {result['calls']} calls, {result['errors']} errors")
    print(f"  {result['calls_per_second']:.0f} calls/s   p50 {result['p50_ms']:.2f} ms   p99 {result['p99_ms']:.2f} ms")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
