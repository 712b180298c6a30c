"""What a command handler is given: the caller, the services, the request's facts."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.access import Caller


@dataclass
class CallContext:
    app: Any                      # cloudsim.app.App: db, settings, box, clock, jobs, config
    caller: Caller
    command: Any = None           # the registry Command being run
    http_method: str = "GET"
    authenticated: bool = True    # False for the integration port's SYSTEM caller
    job: Any = None               # the job row when running inside an async job
    extra: dict = field(default_factory=dict)

    @property
    def db(self):
        return self.app.db

    @property
    def settings(self):
        return self.app.settings

    @property
    def clock(self):
        return self.app.clock

    @property
    def box(self):
        return self.app.box

    @property
    def role(self) -> str:
        return self.caller.role_type

    @property
    def is_root_admin(self) -> bool:
        return self.caller.is_root_admin

    @property
    def is_admin(self) -> bool:
        return self.caller.is_admin
