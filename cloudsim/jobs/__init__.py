"""Async jobs: the queue, its runners, server heartbeats and recovery, and singleton duties.

What other modules use:
- declare a command `is_async=True` (with `job_instance`, `precheck_fn`, `creates`): the API
  front door hands it to `app.jobs.submit`, the runners execute it, queryAsyncJobResult shows it;
- `register_recovery(instance_type, async fn(db, instance_id))`: bring an object out of its
  transitional state when the server running a job on it died or stopped;
- `duty(name, interval, async fn(app))`: run fn in exactly one process of the cloud;
- `register_event_type(command, event_type, doing)`: the job's Scheduled/Started/failed events.
"""
from __future__ import annotations

from .. import services
from .duties import Duty, duty
from .events import register_event_type
from .servers import CANCEL_TEXT, register_recovery


@services.service(services.JOBS)
def _job_queue(app):
    from .queue import JobQueue

    app.jobs = JobQueue(app)
    return app.jobs


@services.service(services.JOBS - 1)
def _testing_commands(app):
    if not app.config.get("testing", "commands"):
        return None
    from .testing import TestingCommands

    return TestingCommands(app)


__all__ = ["register_recovery", "duty", "Duty", "register_event_type", "CANCEL_TEXT"]
