"""The async-job queue (placeholder until the job machinery lands)."""
from __future__ import annotations

from ..errors import internal_error


class JobQueue:
    def __init__(self, app):
        self.app = app

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def submit(self, ctx, cmd, params, kwargs):
        raise internal_error(f"Async command {cmd.name} cannot run: the job queue is not available")
