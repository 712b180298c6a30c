"""Background services of a `cloudsim serve` process, registered by the modules that own them.

A service is any object with `async start()` and `async stop()`. Modules register a factory
`factory(app) -> service | None` with a priority; App starts them in priority order (lower
first) and stops them in reverse. Registering here keeps app.py free of per-feature wiring.
"""
from __future__ import annotations

from typing import Callable

FACTORIES: list[tuple[int, str, Callable]] = []

# Conventional priorities.
JOBS = 10          # the job queue: other services may submit jobs
AGENTS = 20        # hypervisor agents / heartbeats
DUTIES = 30        # singleton duties (tracker, expunger)
DEMO = 40          # first-start content (demo zone)


def service(priority: int):
    def register(factory: Callable) -> Callable:
        FACTORIES.append((priority, f"{factory.__module__}.{factory.__qualname__}", factory))
        return factory
    return register


def build(app) -> list:
    out = []
    for _, _, factory in sorted(FACTORIES, key=lambda f: (f[0], f[1])):
        svc = factory(app)
        if svc is not None:
            out.append(svc)
    return out
