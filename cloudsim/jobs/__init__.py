"""Async jobs: the queue, its runners and the background duties of a server process."""
from __future__ import annotations


def build_services(app) -> list:
    """The background services one `cloudsim serve` process runs, in start order."""
    from .queue import JobQueue

    app.jobs = JobQueue(app)
    return [app.jobs]
