"""The driver contract every hypervisor backend implements (simulator, XenAPI, vSphere, libvirt).

Small and async. A driver answers for the hosts it was connected to, identified by the `guid`
its `connect` returned; it knows VMs by their internal instance name (`i-2-17-VM`). Power
states map onto CloudStack's four. A driver never touches cloudsim's core tables: the caller
(core/) records what the driver reports. A blocking SDK (XenAPI, pyvmomi, libvirt) runs behind
one bounded executor per driver (`BlockingDriver.run`), never its own event loop.
"""
from __future__ import annotations

import asyncio
import enum
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field


class PowerState(str, enum.Enum):
    """CloudStack's VirtualMachine.PowerState."""
    ON = "PowerOn"
    OFF = "PowerOff"
    UNKNOWN = "PowerUnknown"
    MISSING = "PowerReportMissing"


class DriverError(Exception):
    """The hypervisor refused or failed a command (an Answer with result=false)."""


class HostUnreachable(DriverError):
    """The host did not answer at all (agent down, network gone)."""


@dataclass(frozen=True)
class VgpuType:
    name: str                       # e.g. "GRID K120Q" or "passthrough"
    video_ram: int | None = None
    max_heads: int | None = None
    max_resolution_x: int | None = None
    max_resolution_y: int | None = None
    max_vgpu_per_pgpu: int | None = None
    remaining_capacity: int = 0
    max_capacity: int = 0


@dataclass(frozen=True)
class GpuGroup:
    name: str                       # e.g. "GRID K1"
    vgpu_types: tuple[VgpuType, ...] = ()


@dataclass(frozen=True)
class HostFacts:
    """What discovery learns about a host (StartupRoutingCommand in CloudStack)."""
    guid: str
    name: str
    private_ip: str | None
    cpus: int                       # cores
    cpu_sockets: int
    speed: int                      # MHz per core
    memory: int                     # bytes
    local_storage: int              # bytes
    hypervisor_version: str | None = None
    arch: str = "x86_64"
    capabilities: str = "hvm"
    gpus: tuple[GpuGroup, ...] = ()


@dataclass(frozen=True)
class HostStats:
    cpu_utilization: float          # percent
    memory_used: int                # bytes
    cpu_load_average: float = 0.0
    network_kbs_read: int = 0
    network_kbs_write: int = 0


@dataclass(frozen=True)
class HostReport:
    """One heartbeat: the host is alive, what it runs, how busy it is."""
    guid: str
    vm_states: dict[str, PowerState]
    stats: HostStats


@dataclass(frozen=True)
class VmSpec:
    name: str                       # internal instance name
    cpus: int
    speed: int                      # MHz
    memory: int                     # bytes
    vgpu: str | None = None         # "<group>:<vgpu type>"
    iso: str | None = None
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Location:
    """Where a host sits, passed at connect so drivers can scope their own configuration."""
    zone_id: int
    pod_id: int
    cluster_id: int
    pod_start_ip: str | None = None
    pod_end_ip: str | None = None


class HypervisorDriver:
    """Subclass and implement every coroutine; `hypervisor` is CloudStack's HypervisorType name."""
    hypervisor: str = ""

    # hosts
    async def connect(self, url: str, username: str | None, password: str | None, where: Location) -> HostFacts:
        raise NotImplementedError

    async def attached(self, guid: str, host_id: int) -> None:
        """The host row exists now; drivers may remember its id (e.g. for scoped faults)."""

    async def disconnect(self, guid: str) -> None:
        raise NotImplementedError

    async def ping(self, guid: str) -> HostReport:
        """A heartbeat with the power report; raises HostUnreachable when the host is silent."""
        raise NotImplementedError

    async def check_health(self, guid: str) -> bool:
        raise NotImplementedError

    # VMs
    async def start(self, guid: str, vm: VmSpec) -> None:
        raise NotImplementedError

    async def stop(self, guid: str, name: str, forced: bool = False) -> None:
        raise NotImplementedError

    async def reboot(self, guid: str, name: str) -> None:
        raise NotImplementedError

    async def migrate(self, guid: str, name: str, target_guid: str) -> None:
        raise NotImplementedError

    async def scale(self, guid: str, name: str, cpus: int, speed: int, memory: int) -> None:
        raise NotImplementedError

    async def check_vm(self, guid: str, name: str) -> PowerState:
        raise NotImplementedError

    async def power_report(self, guid: str) -> dict[str, PowerState]:
        raise NotImplementedError

    # VM snapshots and ISOs
    async def create_snapshot(self, guid: str, name: str, snapshot: str, memory: bool) -> None:
        raise NotImplementedError

    async def revert_snapshot(self, guid: str, name: str, snapshot: str) -> PowerState:
        raise NotImplementedError

    async def delete_snapshot(self, guid: str, name: str, snapshot: str) -> None:
        raise NotImplementedError

    async def attach_iso(self, guid: str, name: str, iso_url: str) -> None:
        raise NotImplementedError

    async def detach_iso(self, guid: str, name: str) -> None:
        raise NotImplementedError


class BlockingDriver(HypervisorDriver):
    """Base for drivers over blocking SDKs: `await self.run(fn, *args)` uses one bounded executor."""
    max_workers = 4

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=self.max_workers,
                                            thread_name_prefix=f"{self.hypervisor or 'driver'}-")

    async def run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=False)
