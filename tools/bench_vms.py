#!/usr/bin/env python
"""Benchmark of guest VMs at scale (not a test).

(a) listVirtualMachines, a page of 500 out of 10,000 and 100,000 VMs. The VMs are made by bulk SQL
    (generate_series), not through the API, but each looks like a deployed one: a ROOT volume, a
    NIC holding an address of a guest range, the owner's default security group, some in an
    instance group and, when Running, a host, the simulator's record of it and a system public
    address statically NATed to the NIC (host capacity is not charged). One VM deployed through
    the API first is compared with a bulk one: both must render the same fields. Owners: a user
    of domain `bench` holds a quarter, the root admin and eight accounts in two domains the rest;
    78 % Running, 20 % Stopped, 2 % Destroyed. Sequential calls on one connection, p50/p99 ms of
    the whole answer, JSON and XML, as the root admin (listall=true) and as that user: the first
    page, a middle page, state=Running, and two keywords: `web-1` (names only) and `db` (could be
    part of an IPv6 address, so the addresses are searched too).
(b) VMs deployed per minute through the job queue on the simulator: the demo zone plus large
    simulator hosts (addHost) and address ranges for every VM (createVlanIpRange); C clients
    each deploy a Small Instance, poll queryAsyncJobResult until the job ends, and deploy the next.

    .venv/bin/python tools/bench_vms.py [--vms 10000,100000] [--samples 20] [--deploy 500]
                                        [--concurrency 50] [--workers 8] [--dsn DSN]
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import sys
import tempfile
import time
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
PAGE = 500
RANGE = 65000          # addresses per bulk-made IP range (createVlanIpRange allows 65,536)
GIB = 1024 ** 3


def dsn_for(base: str, dbname: str) -> str:
    head, _, query = base.partition("?")
    return head.rsplit("/", 1)[0] + "/" + dbname + ("?" + query if query else "")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Client:
    """Signed calls over one HTTP session; `ok` insists on HTTP 200 and returns the unwrapped body."""

    def __init__(self, http: aiohttp.ClientSession, url: str, api_key: str, secret: str):
        self.http, self.url, self.api_key, self.secret = http, url, api_key, secret

    def params(self, command: str, **params) -> dict:
        out = {"command": command, "response": "json", **{k: str(v) for k, v in params.items()},
               "apiKey": self.api_key}
        out["signature"] = sign(out, self.secret)
        return out

    async def raw(self, command: str, **params) -> tuple[int, bytes]:
        async with self.http.get(self.url, params=self.params(command, **params)) as resp:
            return resp.status, await resp.read()

    async def ok(self, command: str, **params) -> dict:
        async with self.http.get(self.url, params=self.params(command, **params)) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200:
                raise RuntimeError(f"{command} {params}: {resp.status} {body}")
            return next(iter(body.values()))

    async def job(self, jobid: str, poll: float = 0.25) -> dict:
        while True:
            body = await self.ok("queryAsyncJobResult", jobid=jobid)
            if body["jobstatus"] != 0:
                return body
            await asyncio.sleep(poll)


# ------------------------------------------------------------------------- servers
async def fresh(base: str, name: str, data_dir: Path) -> tuple[str, tuple[str, str]]:
    """A new database with the schema and the admin's keys."""
    admin = await asyncpg.connect(base)
    await admin.execute(f"DROP DATABASE IF EXISTS {name}")
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    cfg = config_mod.load(None, env={})
    dsn = dsn_for(base, name)
    cfg.set("database", "dsn", dsn)
    cfg.set("server", "data_dir", str(data_dir))
    cfg.set("security", "encryption_key", KEY)
    cfg.set("demo", "enabled", False)
    app = App(cfg)
    await app.start_storage()
    keys = await accounts.keys_of(app.db, app.box)
    await app.stop()
    return dsn, keys


async def drop(base: str, name: str) -> None:
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
    finally:
        await admin.close()


async def serve(dsn: str, data_dir: Path, workers: int):
    """`cloudsim serve` with the demo zone; returns (process, url) once it listens."""
    env = {**os.environ, "CLOUDSIM_DB_DSN": dsn, "CLOUDSIM_DATA_DIR": str(data_dir),
           "CLOUDSIM_SECURITY_ENCRYPTION_KEY": KEY, "CLOUDSIM_DEMO_ENABLED": "true", "CLOUDSIM_LOG_LEVEL": "WARNING",
           "CLOUDSIM_JOBS_WORKERS": str(workers), "CLOUDSIM_DATABASE_POOL_SIZE": str(workers + 4)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "cloudsim", "serve", "--port", "0",
                                                cwd=str(REPO), env=env, stdout=asyncio.subprocess.PIPE)
    while True:
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError("cloudsim serve did not start")
        found = re.search(rb"(http://\S+/client/api)", line)
        if found:
            proc.drain = asyncio.get_running_loop().create_task(_drain(proc.stdout))   # keep a reference
            return proc, found.group(1).decode()


async def _drain(stream) -> None:
    while await stream.readline():
        pass


async def demo_zone(admin: Client) -> dict:
    """The demo zone once the server has built it (it does so just after it starts listening)."""
    for _ in range(600):
        zones = (await admin.ok("listZones", name="Sandbox-simulator")).get("zone")
        templates = (await admin.ok("listTemplates", templatefilter="featured")).get("template")
        if zones and templates:
            return zones[0]
        await asyncio.sleep(0.1)
    raise RuntimeError("the demo zone did not appear")


async def user_keys(admin: Client, **account) -> tuple[str, str]:
    body = await admin.ok("createAccount", password="secret", email=f"{account['username']}@example.com",
                          firstname="Bench", lastname="User", accounttype=0, **account)
    keys = (await admin.ok("registerUserKeys", id=body["account"]["user"][0]["id"]))["userkeys"]
    return keys["apikey"], keys["secretkey"]


# ------------------------------------------------------------------------- (a) bulk VMs and listing
# One row per VM to come: its id, NIC, addresses, owner (1-based index into the owner arrays: a
# quarter to the bench user), host, offering, state (78 % Running, 20 % Stopped, 2 % Destroyed) and
# address range r / offset k.
PLAN = """CREATE TEMP TABLE bench AS
   SELECT g, $2::bigint + g AS vm_id, $3::bigint + g AS nic_id, $4::bigint + g - 1 AS guest_ip_id,
          CASE WHEN g % 4 = 0 THEN 1 ELSE 2 + g % 9 END AS o, 1 + g % $6::int AS h, 1 + g % 3 AS s,
          CASE WHEN g % 50 = 0 THEN 'Destroyed' WHEN g % 5 = 1 THEN 'Stopped' ELSE 'Running' END AS state,
          (g - 1) / $5::bigint AS r
     FROM generate_series(1, $1::bigint) g"""


async def populate(dsn: str, n: int, owners: list[dict]) -> None:
    """n VMs by SQL; owners: dicts of account_id, domain_id, user_id (owner 1 is the bench user)."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await _populate(conn, n, owners)
        await conn.execute("VACUUM ANALYZE")   # what autovacuum would have done by the time anyone lists
    finally:
        await conn.close()


async def _reserve(conn, table: str, count: int) -> int:
    """Takes `count` ids of the table's sequence in a block; returns the one before the first."""
    seq = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table) if table != "vm_instance" \
        else "vm_instance_seq"
    first = await conn.fetchval("SELECT nextval($1::regclass)", seq)
    await conn.execute("SELECT setval($1::regclass, $2)", seq, first + count)
    return first


async def _populate(conn, n: int, owners: list[dict]) -> None:
    zone = await conn.fetchrow("SELECT id FROM zone WHERE name = 'Sandbox-simulator'")
    network = await conn.fetchrow("SELECT * FROM network WHERE zone_id = $1 AND traffic_type = 'Guest' "
                                  "AND removed IS NULL ORDER BY id LIMIT 1", zone["id"])
    pod_id = await conn.fetchval("SELECT id FROM pod WHERE zone_id = $1 ORDER BY id LIMIT 1", zone["id"])
    hosts = await conn.fetch("SELECT h.id, h.pod_id, h.cluster_id, s.id AS sim_id FROM host h "
                             "JOIN sim_host s ON s.guid = h.guid WHERE h.zone_id = $1 AND h.removed IS NULL "
                             "ORDER BY h.id", zone["id"])
    offerings = await conn.fetch("SELECT * FROM service_offering WHERE name LIKE '% Instance%' AND removed IS NULL "
                                 "ORDER BY sort_key LIMIT 3")
    template = await conn.fetchrow("SELECT * FROM vm_template WHERE format <> 'ISO' AND name LIKE 'CentOS%' "
                                   "ORDER BY id LIMIT 1")
    ranges = math.ceil(n / RANGE)
    vm_base = await _reserve(conn, "vm_instance", n)
    nic_base = await _reserve(conn, "nic", n)
    ip_base = await _reserve(conn, "ip_address", 2 * ranges * RANGE)
    for o in owners:   # the default security group, as a first deploy makes it
        o["sg_id"] = await conn.fetchval(
            "INSERT INTO security_group (uuid, name, description, account_id, domain_id) "
            "VALUES (gen_random_uuid(), 'default', 'Default Security Group', $1, $2) "
            "ON CONFLICT (account_id, lower(name)) DO UPDATE SET name = EXCLUDED.name RETURNING id",
            o["account_id"], o["domain_id"])
        o["group_id"] = await conn.fetchval(
            "INSERT INTO instance_group (uuid, name, account_id, domain_id) "
            "VALUES (gen_random_uuid(), 'bench', $1, $2) RETURNING id", o["account_id"], o["domain_id"])
    await conn.execute(PLAN, n, vm_base, nic_base, ip_base, RANGE, len(hosts))
    await conn.execute("CREATE INDEX ON bench (g)")
    arr = {key: [o[key] for o in owners] for key in ("account_id", "domain_id", "user_id", "sg_id", "group_id")}
    # Address ranges: guest 10.(100+r).0.0/16 on the guest network, public 100.(64+r).0.0/16.
    guest_vlans, public_vlans = [], []
    for r in range(ranges):
        for kind, vlans, net, gateway, virtual in (("guest", guest_vlans, network["id"], f"10.{100 + r}.0.1", False),
                                                   ("public", public_vlans, None, f"100.{64 + r}.0.1", True)):
            start = gateway[:-1] + "10"
            vlans.append(await conn.fetchval(
                "INSERT INTO vlan_ip_range (uuid, zone_id, pod_id, network_id, gateway, netmask, start_ip, end_ip, "
                "for_virtual_network) VALUES (gen_random_uuid(), $1, $2, $3, $4, '255.255.0.0', $5::inet, "
                "$5::inet + $6::bigint, $7) RETURNING id", zone["id"], None if virtual else pod_id, net, gateway,
                start, RANGE - 1, virtual))
    # Every address of those ranges. A VM holds its guest address on its NIC and, while Running, a
    # system public address statically NATed to that NIC (elastic IP, as starting it gives one).
    for vlans, prefix, offset, nat in ((guest_vlans, "10.", 100, False), (public_vlans, "100.", 64, True)):
        await conn.execute(
            f"""INSERT INTO ip_address (id, uuid, vlan_id, zone_id, network_id, address, state, account_id, domain_id,
                                        vm_id, nic_id, allocated, one_to_one_nat, is_system)
                SELECT $1::bigint + i, gen_random_uuid(), ($2::bigint[])[1 + i / $4::bigint], $3,
                       CASE WHEN $7::bool AND b.g IS NULL THEN NULL ELSE $5::bigint END,
                       ('{prefix}' || ({offset} + i / $4::bigint) || '.0.10')::inet + i % $4::bigint,
                       CASE WHEN b.g IS NULL THEN 'Free' ELSE 'Allocated' END, ($8::bigint[])[b.o], ($9::bigint[])[b.o],
                       b.vm_id, b.nic_id, CASE WHEN b.g IS NOT NULL THEN now() END, $7::bool AND b.g IS NOT NULL,
                       $7::bool AND b.g IS NOT NULL
                  FROM generate_series(0, $6::bigint - 1) i
                  LEFT JOIN bench b ON b.g = i + 1 AND (NOT $7::bool OR b.state = 'Running')""",
            ip_base + (ranges * RANGE if nat else 0), vlans, zone["id"], RANGE, network["id"], ranges * RANGE, nat,
            arr["account_id"], arr["domain_id"])
    await conn.execute(
        """INSERT INTO vm_instance (id, uuid, name, display_name, instance_name, state, power_state,
                                    power_state_updated,
                                    state_updated, host_id, last_host_id, zone_id, pod_id, cluster_id, hypervisor,
                                    service_offering_id, cpus, speed, memory, template_id, guest_os_id, account_id,
                                    domain_id, user_id, ha_enabled, is_dynamically_scalable, started_once, created)
           SELECT b.vm_id, gen_random_uuid(), 'vm-' || b.g,
                  (ARRAY['web', 'db', 'app', 'cache'])[1 + b.g / 4 % 4] || '-' || b.g,
                  'i-' || ($4::bigint[])[b.o] || '-' || b.vm_id || '-VM', b.state,
                  CASE WHEN b.state = 'Running' THEN 'PowerOn' ELSE 'PowerOff' END, now(), now(),
                  CASE WHEN b.state = 'Running' THEN ($1::bigint[])[b.h] END, ($1::bigint[])[b.h], $9,
                  ($2::bigint[])[b.h], ($3::bigint[])[b.h], 'Simulator', ($7::bigint[])[b.s], ($8::int[])[b.s],
                  ($10::int[])[b.s], ($11::int[])[b.s], $12, $13, ($4::bigint[])[b.o], ($5::bigint[])[b.o],
                  ($6::bigint[])[b.o], ($14::bool[])[b.s], $15, true, now() - b.g * interval '1 second'
             FROM bench b""",
        [h["id"] for h in hosts], [h["pod_id"] for h in hosts], [h["cluster_id"] for h in hosts], arr["account_id"],
        arr["domain_id"], arr["user_id"], [o["id"] for o in offerings], [o["cpus"] for o in offerings], zone["id"],
        [o["speed"] for o in offerings], [o["memory"] for o in offerings], template["id"], template["guest_os_id"],
        [o["ha_enabled"] for o in offerings], bool(template["dynamically_scalable"]))
    await conn.execute(
        """INSERT INTO volume (uuid, name, vm_id, account_id, domain_id, zone_id, pod_id, cluster_id, type, device_id,
                               size, state, disk_offering_id, template_id, path, attached)
           SELECT b.u, 'ROOT-' || b.vm_id, b.vm_id, ($1::bigint[])[b.o], ($2::bigint[])[b.o], $3, ($4::bigint[])[b.h],
                  ($5::bigint[])[b.h], 'ROOT', 0, $6, CASE WHEN b.state = 'Destroyed' THEN 'Destroy' ELSE 'Ready' END,
                  ($7::bigint[])[b.s], $8, b.u::text, now()
             FROM (SELECT gen_random_uuid() AS u, * FROM bench) b""",
        arr["account_id"], arr["domain_id"], zone["id"], [h["pod_id"] for h in hosts],
        [h["cluster_id"] for h in hosts], template["size"], [o["disk_offering_id"] for o in offerings], template["id"])
    await conn.execute(
        """INSERT INTO nic (id, uuid, vm_id, network_id, ip_address, ip_id, netmask, gateway, mac_address,
                            broadcast_uri, isolation_uri, device_id, is_default)
           SELECT b.nic_id, gen_random_uuid(), b.vm_id, $1, host(a.address), a.id, '255.255.0.0',
                  '10.' || (100 + b.r) || '.0.1',
                  '1e:00:' || lpad(to_hex((b.nic_id >> 24) & 255), 2, '0') || ':'
                  || lpad(to_hex((b.nic_id >> 16) & 255), 2, '0') || ':'
                  || lpad(to_hex((b.nic_id >> 8) & 255), 2, '0') || ':' || lpad(to_hex(b.nic_id & 255), 2, '0'),
                  $2, $2, 0, true
             FROM bench b JOIN ip_address a ON a.id = b.guest_ip_id""",
        network["id"], network["broadcast_uri"] or "vlan://untagged")
    await conn.execute("INSERT INTO vm_security_group (vm_id, security_group_id) "
                       "SELECT b.vm_id, ($1::bigint[])[b.o] FROM bench b", arr["sg_id"])
    await conn.execute("INSERT INTO instance_group_vm (vm_id, group_id) "
                       "SELECT b.vm_id, ($1::bigint[])[b.o] FROM bench b WHERE b.g % 10 = 2", arr["group_id"])
    await conn.execute(
        "INSERT INTO sim_vm (name, sim_host_id, power_state, cpus, speed, memory) "
        "SELECT v.instance_name, ($1::bigint[])[b.h], 'PowerOn', v.cpus, v.speed, v.memory::bigint * 1048576 "
        "FROM bench b JOIN vm_instance v ON v.id = b.vm_id WHERE b.state = 'Running'", [h["sim_id"] for h in hosts])
    await conn.execute("DROP TABLE bench")


def _shape(vm: dict) -> dict:
    """Field names of a virtualmachine object and of its nested objects (values differ, names must not)."""
    out = {"": sorted(vm)}
    for key in ("nic", "securitygroup"):
        for item in vm.get(key) or []:
            out[key] = sorted(item)
    return out


async def list_bench(base: str, tmp: Path, n: int, samples: int, workers: int) -> None:
    name = f"bench_vms_{n}"
    dsn, admin_keys = await fresh(base, name, tmp / f"boot{n}")
    proc, url = await serve(dsn, tmp / f"s{n}", workers)
    try:
        async with aiohttp.ClientSession() as http:
            admin = Client(http, url, *admin_keys)
            zone = await demo_zone(admin)
            owners_made = []
            domains = {}
            for dname in ("bench", "other1", "other2"):
                domains[dname] = (await admin.ok("createDomain", name=dname))["domain"]["id"]
            user = Client(http, url, *await user_keys(admin, username="benchuser", domainid=domains["bench"]))
            for i in range(8):
                await user_keys(admin, username=f"other{i}", domainid=domains[f"other{1 + i % 2}"])
                owners_made.append(f"other{i}")
            # One VM through the API, to hold the bulk rows to its shape.
            offering = (await admin.ok("listServiceOfferings", name="Small Instance"))["serviceoffering"][0]
            template = (await admin.ok("listTemplates", templatefilter="featured"))["template"][0]
            real = await admin.ok("deployVirtualMachine", zoneid=zone["id"], serviceofferingid=offering["id"],
                                  templateid=template["id"], group="real")
            done = await admin.job(real["jobid"], 0.05)
            assert done["jobstatus"] == 1, done
            real_vm = (await admin.ok("listVirtualMachines", id=real["id"]))["virtualmachine"][0]
            owners = await owner_rows(dsn, ["benchuser", "admin"] + owners_made)
            started = time.perf_counter()
            await populate(dsn, n, owners)
            made = time.perf_counter() - started
            bulk_vm = (await admin.ok("listVirtualMachines", listall="true", name="vm-12"))["virtualmachine"][0]
            if _shape(bulk_vm) != _shape(real_vm):
                print(f"  WARNING: a bulk VM renders differently from a deployed one: {_shape(bulk_vm)} "
                      f"vs {_shape(real_vm)}", flush=True)
            counts = {}
            for who, api in (("admin", admin), ("user", user)):
                counts[who] = (await api.ok("listVirtualMachines", listall="true", page=1, pagesize=1))["count"]
            print(f"listVirtualMachines, pages of {PAGE} out of {n + 1:,} VMs (made in {made:.1f} s): the root admin "
                  f"sees {counts['admin']:,}, the domain user {counts['user']:,}; p50 / p99 ms over {samples} calls")
            print(f"  {'caller':6} {'query':26} {'json':>17} {'xml':>17}   rows", flush=True)
            for who, api in (("admin", admin), ("user", user)):
                middle = max(1, math.ceil(counts[who] / PAGE) // 2)
                for label, params in (("first page", {"page": 1}), (f"middle page ({middle})", {"page": middle}),
                                      ("state=Running", {"page": 1, "state": "Running"}),
                                      ("keyword=web-1", {"page": 1, "keyword": "web-1"}),
                                      ("keyword=db", {"page": 1, "keyword": "db"})):
                    row = [f"  {who:6} {label:26}"]
                    rows = None
                    for fmt in ("json", "xml"):
                        times, rows = await measure(api, samples, fmt, listall="true", pagesize=PAGE, **params)
                        row.append(f"{pct(times, 50):7.1f} / {pct(times, 99):7.1f}")
                    print(" ".join(row) + f"   {rows}", flush=True)
    finally:
        proc.terminate()
        await proc.wait()
        await drop(base, name)


async def owner_rows(dsn: str, names: list[str]) -> list[dict]:
    conn = await asyncpg.connect(dsn)
    try:
        out = []
        for account in names:
            row = await conn.fetchrow(
                "SELECT a.id AS account_id, a.domain_id, min(u.id) AS user_id FROM account a JOIN users u "
                "ON u.account_id = a.id WHERE a.name = $1 AND a.removed IS NULL GROUP BY a.id", account)
            out.append(dict(row))
        return out
    finally:
        await conn.close()


async def measure(api: Client, samples: int, fmt: str, **params) -> tuple[list[float], int]:
    """Latencies (ms) of `samples` sequential calls after two warm-ups; also the rows on the page."""
    params = {**params, "response": fmt}
    times = []
    body = b""
    for i in range(samples + 2):
        started = time.perf_counter()
        status, body = await api.raw("listVirtualMachines", **params)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"listVirtualMachines {params}: {status} {body[:300]!r}")
        if i >= 2:
            times.append(elapsed)
    rows = body.count(b'"instancename"') if fmt == "json" else body.count(b"<instancename>")
    if not rows:   # users do not see instancename
        rows = body.count(b'"hypervisor"') if fmt == "json" else body.count(b"<hypervisor>")
    return times, rows


# ------------------------------------------------------------------------- (b) deployments per minute
async def deploy_bench(base: str, tmp: Path, count: int, concurrency: int, workers: int) -> str:
    name = "bench_vms_deploy"
    dsn, admin_keys = await fresh(base, name, tmp / "boot-deploy")
    proc, url = await serve(dsn, tmp / "s-deploy", workers)
    try:
        async with aiohttp.ClientSession() as http:
            admin = Client(http, url, *admin_keys)
            zone = await demo_zone(admin)
            pod = (await admin.ok("listPods", zoneid=zone["id"]))["pod"][0]
            cluster = (await admin.ok("listClusters", zoneid=zone["id"]))["cluster"][0]
            # Room for `count` more Small Instances: big simulated hosts, addresses for every VM.
            per_host = 64 * 8000 // 500
            for i in range(max(1, math.ceil(count / per_host))):
                await admin.ok("addHost", zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                               hypervisor="Simulator", username="root", password="password",
                               url=f"http://sim/bench/h{i}?cpucore=64&cpuspeed=8000&memory={512 * GIB}")
            network = (await admin.ok("listNetworks", zoneid=zone["id"]))["network"][0]
            last = f"10.2.{(count + 10) // 256}.{(count + 10) % 256}"
            await admin.ok("createVlanIpRange", zoneid=zone["id"], podid=pod["id"], networkid=network["id"],
                           gateway="10.2.0.1", netmask="255.255.0.0", startip="10.2.0.10", endip=last,
                           forvirtualnetwork="false")
            await admin.ok("createVlanIpRange", zoneid=zone["id"], gateway="100.65.0.1", netmask="255.255.0.0",
                           startip="100.65.0.10", endip=last.replace("10.2.", "100.65.", 1), forvirtualnetwork="true")
            offering = (await admin.ok("listServiceOfferings", name="Small Instance"))["serviceoffering"][0]
            template = (await admin.ok("listTemplates", templatefilter="featured"))["template"][0]
            user = Client(http, url, *await user_keys(admin, username="deployer"))
            todo = list(range(count))
            durations: list[float] = []
            failures: list[str] = []

            async def client() -> None:
                while todo:
                    n = todo.pop()
                    started = time.perf_counter()
                    submitted = await user.ok("deployVirtualMachine", zoneid=zone["id"], name=f"d-{n}",
                                              serviceofferingid=offering["id"], templateid=template["id"])
                    done = await user.job(submitted["jobid"])
                    durations.append(time.perf_counter() - started)
                    if done["jobstatus"] != 1:
                        failures.append(done["jobresult"].get("errortext", str(done["jobresult"])))

            started = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
            running = (await user.ok("listVirtualMachines", state="Running", page=1, pagesize=1)).get("count", 0)
    finally:
        proc.terminate()
        await proc.wait()
        await drop(base, name)
    line = (f"deployVirtualMachine: {count} VMs, {concurrency} clients, {workers} job runners: "
            f"{count / elapsed * 60:.0f} VMs/min ({elapsed:.1f} s); deploy-to-Running per VM p50/p99 "
            f"{pct(durations, 50):.2f}/{pct(durations, 99):.2f} s; {running} Running, {len(failures)} failed")
    if failures:
        line += f" (first: {failures[0]})"
    return line


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vms", default="10000,100000", help="comma-separated VM counts to list from (0: skip)")
    parser.add_argument("--samples", type=int, default=20, help="calls per measured query")
    parser.add_argument("--deploy", type=int, default=500, help="VMs to deploy through the job queue (0: skip)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent deploying clients")
    parser.add_argument("--workers", type=int, default=8, help="[jobs] workers of the server")
    parser.add_argument("--dsn", help="PostgreSQL DSN with CREATE DATABASE rights (default: embedded)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cloudsim-bench-vms-"))
    embedded = None
    base = args.dsn
    if not base:
        embedded = EmbeddedPostgres(tmp / "pg")
        base = embedded.start()
    try:
        print(f"{os.cpu_count()} CPUs", flush=True)
        for n in (int(v) for v in args.vms.split(",") if v.strip()):
            if n > 0:
                await list_bench(base, tmp, n, args.samples, args.workers)
        if args.deploy > 0:
            print(await deploy_bench(base, tmp, args.deploy, args.concurrency, args.workers), flush=True)
    finally:
        if embedded is not None:
            embedded.stop()
        shutil.rmtree(tmp, ignore_errors=True)   # the embedded database of 100,000 VMs is gigabytes


if __name__ == "__main__":
    asyncio.run(main())
