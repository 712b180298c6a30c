"""The simulator hypervisor: CloudStack's simulator, kept in PostgreSQL.

Hosts are added with `http://sim/<anything>` URLs whose last path segment (or query) may carry
`cpuspeed=..&cpucore=..&memory=..&localstorage=..&arch=..` and, a cloudsim extension,
`gpu=k1` / `gpu=k2` (NVIDIA GRID K1/K2 cards) or `gpu=<group>:<type>*<n>,<type>*<n>|<group>:…`.
What runs where lives in the sim_* tables, so simulated VMs keep running across a restart of
the management server. Faults are injected as in CloudStack (configureSimulator mocks, matched
by agent command name and zone/pod/cluster/host scope) plus two of cloudsim's own: a host that
stops answering and a guest that shuts itself down.
"""
from __future__ import annotations

import asyncio
import ipaddress
import json
import uuid as _uuid
from urllib.parse import parse_qsl, unquote, urlparse

from .base import (DriverError, GpuGroup, HostFacts, HostReport, HostStats, HostUnreachable, HypervisorDriver,
                   Location, PowerState, VgpuType, VmSpec)

GIB = 1024 ** 3
# CloudStack's simulated host (MockAgentManagerImpl): 4 cores x 8000 MHz, 8 GiB, 1 TiB local storage.
DEFAULT_CPUS, DEFAULT_SPEED, DEFAULT_MEMORY, DEFAULT_LOCAL = 4, 8000, 8 * GIB, 1024 * GIB
VERSION = "4.18.0.0-sim"
# A running simulated VM keeps 10 % of its CPU busy (GetVmStatsCommand answers 10 %).
VM_CPU_LOAD = 0.10

# NVIDIA GRID cards as XenServer reports them: (type, video RAM, heads, max x, max y, vGPUs per pGPU); pGPUs.
_K1 = (("GRID K100", 268435456, 2, 1920, 1200, 8), ("GRID K120Q", 536870912, 2, 2560, 1600, 8),
       ("GRID K140Q", 1073741824, 2, 2560, 1600, 4), ("passthrough", 0, 0, 0, 0, 1))
_K2 = (("GRID K200", 268435456, 2, 1920, 1200, 8), ("GRID K220Q", 536870912, 2, 2560, 1600, 8),
       ("GRID K240Q", 1073741824, 2, 2560, 1600, 4), ("GRID K260Q", 2147483648, 4, 2560, 1600, 2),
       ("passthrough", 0, 0, 0, 0, 1))
GPU_PRESETS = {"k1": ("GRID K1", _K1, 4), "k2": ("GRID K2", _K2, 2)}


def _gpu_groups(spec: str) -> tuple[GpuGroup, ...]:
    groups = []
    for part in filter(None, spec.split("|")):
        preset = GPU_PRESETS.get(part.strip().lower())
        if preset is not None:
            name, types, pgpus = preset
            groups.append(GpuGroup(name, tuple(VgpuType(t, ram, heads, x, y, per, per * pgpus, per * pgpus)
                                               for t, ram, heads, x, y, per in types)))
            continue
        name, _, types = part.partition(":")
        vgpus = []
        for item in filter(None, types.split(",")):
            tname, _, count = item.partition("*")
            n = int(count) if count.strip().isdigit() else 1
            vgpus.append(VgpuType(tname.strip(), max_vgpu_per_pgpu=n, remaining_capacity=n, max_capacity=n))
        groups.append(GpuGroup(name.strip(), tuple(vgpus)))
    return tuple(groups)


def parse_url(url: str) -> dict:
    """The host's simulated capacity from its URL (CloudStack's simulator rules + the gpu extension)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise DriverError(f"Invalid simulator host URL {url}")
    values: dict[str, str] = {}
    last = unquote(parsed.path.rstrip("/").rsplit("/", 1)[-1]) if parsed.path else ""
    if "=" in last:
        values.update(parse_qsl(last, keep_blank_values=True))
    values.update(parse_qsl(parsed.query, keep_blank_values=True))

    def number(key: str, default: int) -> int:
        raw = values.get(key)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise DriverError(f"Invalid value {raw} for {key} in simulator host URL") from None
        if value <= 0:
            raise DriverError(f"Invalid value {raw} for {key} in simulator host URL")
        return value

    return {"cpus": number("cpucore", DEFAULT_CPUS), "speed": number("cpuspeed", DEFAULT_SPEED),
            "memory": number("memory", DEFAULT_MEMORY), "local_storage": number("localstorage", DEFAULT_LOCAL),
            "arch": values.get("arch") or "x86_64", "gpus": _gpu_groups(values.get("gpu", ""))}


def _gpus_json(groups: tuple[GpuGroup, ...]) -> list:
    return [{"name": g.name, "vgpus": [v.__dict__ for v in g.vgpu_types]} for g in groups]


def _gpus_of(raw) -> tuple[GpuGroup, ...]:
    return tuple(GpuGroup(g["name"], tuple(VgpuType(**v) for v in g["vgpus"])) for g in raw or [])


class SimulatorDriver(HypervisorDriver):
    hypervisor = "Simulator"

    def __init__(self, db, clock):
        self.db = db
        self.clock = clock

    # ----------------------------------------------------------------- fault injection
    async def _mock(self, command: str, host) -> None:
        """Apply the first active mock for this agent command in the host's scope (CloudStack's order)."""
        async with self.db.transaction() as conn:
            mock = await conn.fetchrow(
                "SELECT * FROM sim_mock WHERE NOT removed AND lower(name) = lower($1) AND (count IS NULL OR count > 0) "
                "AND (host_id IS NULL OR host_id = $2) AND (cluster_id IS NULL OR cluster_id = $3) "
                "AND (pod_id IS NULL OR pod_id = $4) AND (zone_id IS NULL OR zone_id = $5) "
                "ORDER BY (host_id IS NULL), (cluster_id IS NULL), (pod_id IS NULL), (zone_id IS NULL), id "
                "LIMIT 1 FOR UPDATE", command, host["host_id"], host["cluster_id"], host["pod_id"], host["zone_id"])
            if mock is None:
                return
            options = parse_mock_value(mock["value"])
            if options.get("enabled", "true").lower() == "false":
                return
            if mock["count"] is not None:
                await conn.execute("UPDATE sim_mock SET count = count - 1 WHERE id = $1", mock["id"])
        wait = options.get("wait")
        if wait and wait.isdigit():
            await asyncio.sleep(int(wait) / 1000)
        result = options.get("result", "").lower()
        if result == "fail":
            raise DriverError("Simulated failure")
        if result == "fault":
            raise DriverError(f"Simulated fault in {command}")
        if mock["json_response"]:
            try:
                answer = json.loads(mock["json_response"])
            except ValueError:
                return
            body = next(iter(answer.values())) if isinstance(answer, dict) and len(answer) == 1 else answer
            if isinstance(body, dict) and body.get("result") is False:
                raise DriverError(str(body.get("details") or "Simulated failure"))

    async def _host(self, guid: str):
        host = await self.db.fetchrow("SELECT * FROM sim_host WHERE guid = $1 AND removed IS NULL", guid)
        if host is None:
            raise HostUnreachable(f"Simulated host {guid} is not known to the simulator")
        return host

    async def _answering(self, guid: str, command: str):
        host = await self._host(guid)
        if not host["responsive"]:
            raise HostUnreachable(f"Simulated host {guid} does not answer")
        await self._mock(command, host)
        return host

    # ----------------------------------------------------------------- hosts
    async def connect(self, url: str, username: str | None, password: str | None, where: Location) -> HostFacts:
        spec = parse_url(url)
        guid = str(_uuid.uuid5(_uuid.NAMESPACE_URL, f"{url}#{where.cluster_id}"))
        async with self.db.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('sim_host_ip'))")
            if await conn.fetchval("SELECT 1 FROM sim_host WHERE guid = $1 AND removed IS NULL", guid):
                raise DriverError(f"Skipping host {url} because {guid} is already in the database")
            used = {r["private_ip"] for r in await conn.fetch("SELECT private_ip FROM sim_host WHERE removed IS NULL")}
            ip = _next_ip(where, used)
            await conn.execute(
                "INSERT INTO sim_host (guid, url, zone_id, pod_id, cluster_id, private_ip, cpus, speed, memory, "
                "local_storage, arch, gpus) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
                guid, url, where.zone_id, where.pod_id, where.cluster_id, ip, spec["cpus"], spec["speed"],
                spec["memory"], spec["local_storage"], spec["arch"], _gpus_json(spec["gpus"]))
        return HostFacts(guid=guid, name=f"SimulatedAgent.{guid}", private_ip=ip, cpus=spec["cpus"], cpu_sockets=1,
                         speed=spec["speed"], memory=spec["memory"], local_storage=spec["local_storage"],
                         hypervisor_version=VERSION, arch=spec["arch"], capabilities="hvm", gpus=spec["gpus"])

    async def attached(self, guid: str, host_id: int) -> None:
        await self.db.execute("UPDATE sim_host SET host_id = $2 WHERE guid = $1 AND removed IS NULL", guid, host_id)

    async def disconnect(self, guid: str) -> None:
        async with self.db.transaction() as conn:
            host_id = await conn.fetchval("SELECT id FROM sim_host WHERE guid = $1", guid)
            if host_id is not None:
                await conn.execute("DELETE FROM sim_vm WHERE sim_host_id = $1", host_id)
                await conn.execute("DELETE FROM sim_host WHERE id = $1", host_id)

    async def ping(self, guid: str) -> HostReport:
        host = await self._answering(guid, "PingCommand")
        vms = await self.db.fetch("SELECT * FROM sim_vm WHERE sim_host_id = $1", host["id"])
        return HostReport(guid, {v["name"]: PowerState(v["power_state"]) for v in vms}, self._stats(host, vms))

    @staticmethod
    def _stats(host, vms) -> HostStats:
        running = [v for v in vms if v["power_state"] == PowerState.ON.value]
        busy = sum(v["cpus"] * v["speed"] * VM_CPU_LOAD for v in running)
        total = host["cpus"] * host["speed"]
        return HostStats(cpu_utilization=round(min(100.0, 100.0 * busy / total), 2) if total else 0.0,
                         memory_used=sum(v["memory"] for v in running),
                         cpu_load_average=round(busy / (host["speed"] or 1), 2),
                         network_kbs_read=32768 * len(running), network_kbs_write=16384 * len(running))

    async def check_health(self, guid: str) -> bool:
        try:
            await self._answering(guid, "CheckHealthCommand")
        except DriverError:
            return False
        return True

    async def facts(self, guid: str) -> HostFacts:
        host = await self._host(guid)
        return HostFacts(guid=guid, name=f"SimulatedAgent.{guid}", private_ip=host["private_ip"], cpus=host["cpus"],
                         cpu_sockets=1, speed=host["speed"], memory=host["memory"],
                         local_storage=host["local_storage"], hypervisor_version=VERSION, arch=host["arch"],
                         gpus=_gpus_of(host["gpus"]))

    # ----------------------------------------------------------------- VMs
    async def _vm(self, host, name: str):
        vm = await self.db.fetchrow("SELECT * FROM sim_vm WHERE name = $1 AND sim_host_id = $2", name, host["id"])
        if vm is None:
            raise DriverError(f"VM {name} is not on host {host['guid']}")
        return vm

    async def start(self, guid: str, vm: VmSpec) -> None:
        host = await self._answering(guid, "StartCommand")
        async with self.db.transaction() as conn:
            await conn.execute("SELECT id FROM sim_host WHERE id = $1 FOR UPDATE", host["id"])
            in_use = await conn.fetchval(
                "SELECT coalesce(sum(memory), 0) FROM sim_vm WHERE sim_host_id = $1 AND power_state = 'PowerOn' "
                "AND name <> $2", host["id"], vm.name)
            if in_use + vm.memory > host["memory"]:
                raise DriverError(f"Not enough memory on simulated host {guid} to start {vm.name}")
            await conn.execute(
                "INSERT INTO sim_vm (name, sim_host_id, power_state, cpus, speed, memory, vgpu, iso, updated) "
                "VALUES ($1, $2, 'PowerOn', $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO UPDATE SET "
                "sim_host_id = EXCLUDED.sim_host_id, power_state = 'PowerOn', cpus = EXCLUDED.cpus, "
                "speed = EXCLUDED.speed, memory = EXCLUDED.memory, vgpu = EXCLUDED.vgpu, iso = EXCLUDED.iso, "
                "boots = sim_vm.boots + 1, updated = EXCLUDED.updated",
                vm.name, host["id"], vm.cpus, vm.speed, vm.memory, vm.vgpu, vm.iso, self.clock.now())

    async def stop(self, guid: str, name: str, forced: bool = False) -> None:
        host = await self._answering(guid, "StopCommand")
        # A stopped VM no longer exists on the hypervisor (as with XenServer); stopping an absent VM is fine.
        await self.db.execute("DELETE FROM sim_vm WHERE name = $1 AND sim_host_id = $2", name, host["id"])

    async def reboot(self, guid: str, name: str) -> None:
        host = await self._answering(guid, "RebootCommand")
        vm = await self._vm(host, name)
        await self.db.execute("UPDATE sim_vm SET power_state = 'PowerOn', boots = boots + 1, updated = $2 "
                              "WHERE id = $1", vm["id"], self.clock.now())

    async def migrate(self, guid: str, name: str, target_guid: str) -> None:
        target = await self._answering(target_guid, "PrepareForMigrationCommand")
        host = await self._answering(guid, "MigrateCommand")
        vm = await self._vm(host, name)
        await self.db.execute("UPDATE sim_vm SET sim_host_id = $2, updated = $3 WHERE id = $1",
                              vm["id"], target["id"], self.clock.now())

    async def scale(self, guid: str, name: str, cpus: int, speed: int, memory: int) -> None:
        host = await self._answering(guid, "ScaleVmCommand")
        vm = await self._vm(host, name)
        await self.db.execute("UPDATE sim_vm SET cpus = $2, speed = $3, memory = $4, updated = $5 WHERE id = $1",
                              vm["id"], cpus, speed, memory, self.clock.now())

    async def check_vm(self, guid: str, name: str) -> PowerState:
        host = await self._answering(guid, "CheckVirtualMachineCommand")
        state = await self.db.fetchval("SELECT power_state FROM sim_vm WHERE name = $1 AND sim_host_id = $2",
                                       name, host["id"])
        return PowerState(state) if state else PowerState.OFF

    async def power_report(self, guid: str) -> dict[str, PowerState]:
        return (await self.ping(guid)).vm_states

    async def create_snapshot(self, guid: str, name: str, snapshot: str, memory: bool) -> None:
        host = await self._answering(guid, "CreateVMSnapshotCommand")
        # A stopped VM is on no host (its disks are on storage): only its disks can be saved.
        vm = await self.db.fetchrow("SELECT * FROM sim_vm WHERE name = $1 AND sim_host_id = $2", name, host["id"]) \
            if not memory else await self._vm(host, name)
        await self.db.execute(
            "INSERT INTO sim_vm_snapshot (vm_name, name, power_state, cpus, speed, memory) VALUES ($1,$2,$3,$4,$5,$6) "
            "ON CONFLICT (vm_name, name) DO NOTHING",
            name, snapshot, vm["power_state"] if memory else PowerState.OFF.value,
            vm["cpus"] if vm else 0, vm["speed"] if vm else 0, vm["memory"] if vm else 0)

    async def revert_snapshot(self, guid: str, name: str, snapshot: str) -> PowerState:
        host = await self._answering(guid, "RevertToVMSnapshotCommand")
        snap = await self.db.fetchrow("SELECT * FROM sim_vm_snapshot WHERE vm_name = $1 AND name = $2", name, snapshot)
        if snap is None:
            raise DriverError(f"VM snapshot {snapshot} of {name} does not exist")
        if snap["power_state"] == PowerState.ON.value:
            await self.db.execute(
                "INSERT INTO sim_vm (name, sim_host_id, power_state, cpus, speed, memory, updated) "
                "VALUES ($1,$2,'PowerOn',$3,$4,$5,$6) ON CONFLICT (name) DO UPDATE SET sim_host_id = EXCLUDED.sim_host_id, "
                "power_state = 'PowerOn', cpus = EXCLUDED.cpus, speed = EXCLUDED.speed, memory = EXCLUDED.memory, "
                "updated = EXCLUDED.updated", name, host["id"], snap["cpus"], snap["speed"], snap["memory"],
                self.clock.now())
        else:
            await self.db.execute("DELETE FROM sim_vm WHERE name = $1", name)
        return PowerState(snap["power_state"])

    async def delete_snapshot(self, guid: str, name: str, snapshot: str) -> None:
        await self._answering(guid, "DeleteVMSnapshotCommand")
        await self.db.execute("DELETE FROM sim_vm_snapshot WHERE vm_name = $1 AND name = $2", name, snapshot)

    async def attach_iso(self, guid: str, name: str, iso_url: str) -> None:
        host = await self._answering(guid, "AttachIsoCommand")
        vm = await self._vm(host, name)
        await self.db.execute("UPDATE sim_vm SET iso = $2 WHERE id = $1", vm["id"], iso_url)

    async def detach_iso(self, guid: str, name: str) -> None:
        host = await self._answering(guid, "AttachIsoCommand")
        vm = await self._vm(host, name)
        await self.db.execute("UPDATE sim_vm SET iso = NULL WHERE id = $1", vm["id"])

    # ----------------------------------------------------------------- cloudsim's own faults
    async def set_host_responsive(self, guid: str, responsive: bool) -> None:
        """A host whose agent stops (False) or resumes (True) answering pings and commands."""
        await self._host(guid)
        await self.db.execute("UPDATE sim_host SET responsive = $2 WHERE guid = $1 AND removed IS NULL",
                              guid, responsive)

    async def guest_shutdown(self, name: str) -> bool:
        """The guest OS powers itself off: the VM stays on its host, reported PowerOff."""
        status = await self.db.execute("UPDATE sim_vm SET power_state = 'PowerOff', updated = $2 "
                                       "WHERE name = $1 AND power_state = 'PowerOn'", name, self.clock.now())
        return status.endswith(" 1")

    async def vm(self, name: str):
        """The simulator's record of a VM (tests and docs): host guid, power state, shape."""
        return await self.db.fetchrow("SELECT v.*, h.guid AS host_guid FROM sim_vm v JOIN sim_host h "
                                      "ON h.id = v.sim_host_id WHERE v.name = $1", name)


def parse_mock_value(value: str) -> dict[str, str]:
    """`result:fail|wait:100` (the code's separator) or `result:fail;wait:100` (the docs')."""
    out = {}
    for part in value.replace(";", "|").split("|"):
        key, sep, val = part.partition(":")
        if sep:
            out[key.strip().lower()] = val.strip()
    return out


def _next_ip(where: Location, used: set) -> str:
    """The first free address of the pod's management range, else a 172.16.x address."""
    if where.pod_start_ip and where.pod_end_ip:
        try:
            start = int(ipaddress.IPv4Address(where.pod_start_ip))
            end = int(ipaddress.IPv4Address(where.pod_end_ip))
            for n in range(start, end + 1):
                candidate = str(ipaddress.IPv4Address(n))
                if candidate not in used:
                    return candidate
        except ValueError:
            pass
    n = 1
    while True:
        candidate = f"172.16.{(n // 250) % 250}.{n % 250 + 2}"
        if candidate not in used:
            return candidate
        n += 1
