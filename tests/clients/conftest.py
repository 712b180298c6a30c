"""A real `cloudsim serve` process for client tests.

Real CloudStack clients are synchronous programs (the `cs` CLI, Ansible, cmk), so the server runs
as its own process on a free loopback port, on a fresh database cloned from the test template,
with the test encryption key. `LiveServer` carries what a client needs: the URL, the admin keys
and the environment to run `cloudsim` or a client CLI with.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY, fresh_database

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cloudsim_env(dsn: str, **extra: str) -> dict[str, str]:
    """The environment a cloudsim process (serve, keys, sign) needs to find the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDSIM_", "CLOUDSTACK_"))}
    env.update(CLOUDSIM_DB_DSN=dsn, CLOUDSIM_SECURITY_ENCRYPTION_KEY=TEST_KEY, CLOUDSIM_LOG_LEVEL="WARNING")
    env.update(extra)
    return env


def run_cloudsim(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cloudsim", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


@dataclass
class LiveServer:
    url: str
    port: int
    dsn: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    log: Path
    api_key: str = ""
    secret: str = ""
    integration_url: str | None = None
    extra: dict = field(default_factory=dict)

    def client_env(self, api_key: str | None = None, secret: str | None = None, **extra: str) -> dict[str, str]:
        """Environment for a CloudStack client CLI (cs, cmk …) pointed at this server, HOME isolated."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSTACK_")}
        env.update(HOME=str(self.data_dir), CLOUDSTACK_ENDPOINT=self.url,
                   CLOUDSTACK_KEY=api_key or self.api_key, CLOUDSTACK_SECRET=secret or self.secret)
        env.update(extra)
        return env

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_until_listening(server: LiveServer, ports: list[int]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    pending = list(ports)
    while pending:
        if server.process.poll() is not None:
            raise RuntimeError(f"cloudsim serve exited with {server.process.returncode}:\n{server.log.read_text()}")
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"cloudsim serve did not start:\n{server.log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", pending[0]), timeout=1):
                pending.pop(0)
        except OSError:
            time.sleep(0.1)


def start_live_server(dsn: str, data_dir: Path, integration: bool = False, **env_extra: str) -> LiveServer:
    """Start `python -m cloudsim serve` on free ports; returns once it accepts connections."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = ["serve", "--port", str(port), "--data-dir", str(data_dir), "--no-demo"]
    integration_port = None
    if integration:
        integration_port = free_port()
        args += ["--integration-port", str(integration_port)]
    env = cloudsim_env(dsn, **env_extra)
    log = data_dir / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "cloudsim", *args], env=env, cwd=REPO, stdout=out,
                                   stderr=subprocess.STDOUT)
    server = LiveServer(url=f"http://127.0.0.1:{port}/client/api", port=port, dsn=dsn, data_dir=data_dir, env=env,
                        process=process, log=log)
    if integration_port:
        server.integration_url = f"http://127.0.0.1:{integration_port}/client/api"
    _wait_until_listening(server, [port] + ([integration_port] if integration_port else []))
    keys = run_cloudsim(["keys", "--data-dir", str(data_dir)], env)
    if keys.returncode != 0:
        server.stop()
        raise RuntimeError(f"cloudsim keys failed: {keys.stderr}")
    values = dict(line.split("=", 1) for line in keys.stdout.split())
    server.api_key, server.secret = values["apikey"], values["secretkey"]
    return server


@pytest.fixture
async def live_server(pg_dsn, template_dsn, tmp_path):
    """A `cloudsim serve` process on a fresh database, stopped after the test."""
    dsn = await fresh_database(pg_dsn)
    server = start_live_server(dsn, tmp_path / "live")
    try:
        yield server
    finally:
        server.stop()
