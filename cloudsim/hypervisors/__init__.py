"""Hypervisor drivers: one per backend behind the small async contract in base.py.

`driver_for(app, "Simulator")` returns the process's driver instance for that hypervisor type;
drivers are created on first use and live as long as the App.
"""
from __future__ import annotations

import importlib

from .base import (DriverError, GpuGroup, HostFacts, HostReport, HostStats, HostUnreachable,  # noqa: F401
                   HypervisorDriver, Location, PowerState, VgpuType, VmSpec)

# CloudStack's Hypervisor.HypervisorType names; clients may spell them in any case.
HYPERVISOR_TYPES = ("XenServer", "KVM", "VMware", "Hyperv", "VirtualBox", "Parralels", "BareMetal", "Simulator",
                    "Ovm", "Ovm3", "LXC", "Custom", "External")

# Backends with a driver: type -> "module:Class".
DRIVERS = {"Simulator": "cloudsim.hypervisors.simulator:SimulatorDriver"}


def canonical(name: str | None) -> str | None:
    """CloudStack's spelling of a hypervisor type name, or None if it is not one."""
    if not name:
        return None
    for known in HYPERVISOR_TYPES:
        if known.lower() == name.strip().lower():
            return known
    return None


def has_driver(hypervisor: str) -> bool:
    return hypervisor in DRIVERS


def driver_for(app, hypervisor: str) -> HypervisorDriver:
    """The App's driver for this hypervisor type (KeyError when none is available)."""
    drivers = app.__dict__.setdefault("_hypervisor_drivers", {})
    if hypervisor not in drivers:
        module, _, cls = DRIVERS[hypervisor].partition(":")
        drivers[hypervisor] = getattr(importlib.import_module(module), cls)(app.db, app.clock)
    return drivers[hypervisor]
