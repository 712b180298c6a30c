"""The one clock: heartbeat timeouts, expunge delays, session and job ages read it.

Tests move it forward instead of sleeping (`Clock.advance`).
"""
from __future__ import annotations

import datetime as _dt
import time


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def now(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(self.time(), _dt.timezone.utc)

    def advance(self, seconds: float) -> None:
        self.offset += seconds
