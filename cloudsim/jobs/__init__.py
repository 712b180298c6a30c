"""Async jobs: the queue, its runners and the background duties of a server process."""
from __future__ import annotations

from .. import services


@services.service(services.JOBS)
def _job_queue(app):
    from .queue import JobQueue

    app.jobs = JobQueue(app)
    return app.jobs
