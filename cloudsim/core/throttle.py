"""API rate limiting per account (CloudStack's api.throttling.* plugin).

A fixed window per account: the first checked call opens a window of `api.throttling.interval`
seconds, each checked call counts, and a call that takes the count past `api.throttling.max`
is refused with 429 until the window closes. Root admin accounts are never limited. Like
CloudStack, counters live in each management server's memory and the settings are read once,
when the server starts.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import API_LIMIT_EXCEED, CloudStackError


@dataclass
class Window:
    opened: float
    count: int = 0


class ApiLimiter:
    def __init__(self, clock, enabled: bool, interval: int, max_calls: int, cache_size: int):
        self.clock, self.enabled = clock, enabled
        self.interval, self.max_calls, self.cache_size = max(1, interval), max_calls, cache_size
        self._windows: dict[int, Window] = {}

    @classmethod
    def from_settings(cls, clock, settings) -> "ApiLimiter":
        get = settings.get_cached
        return cls(clock, bool(get("api.throttling.enabled")), int(get("api.throttling.interval")),
                   int(get("api.throttling.max")), int(get("api.throttling.cachesize")))

    def _live(self, account_id: int) -> Window | None:
        window = self._windows.get(account_id)
        if window is not None and self.clock.time() - window.opened >= self.interval:
            del self._windows[account_id]
            return None
        return window

    def _open(self, account_id: int) -> Window:
        if len(self._windows) >= self.cache_size:
            now = self.clock.time()
            self._windows = {k: w for k, w in self._windows.items() if now - w.opened < self.interval}
        window = self._windows[account_id] = Window(self.clock.time())
        return window

    def remaining_ms(self, window: Window) -> int:
        return max(0, int((window.opened + self.interval - self.clock.time()) * 1000))

    def check(self, account_id: int, root_admin: bool) -> None:
        """Count one call; 429 once the account is past its allowance for this window."""
        if not self.enabled or root_admin:
            return
        window = self._live(account_id) or self._open(account_id)
        window.count += 1
        if window.count > self.max_calls:
            raise CloudStackError(API_LIMIT_EXCEED, "The given user has reached his/her account api limit, "
                                  f"please retry after [{self.remaining_ms(window)}] ms.")

    def status(self, account_id: int) -> tuple[int, int, int]:
        """(issued, allowed, expireAfter) as getApiLimit reports them."""
        window = self._live(account_id)
        if window is None:
            self._open(account_id)
            # CloudStack reports the configured interval, in seconds, for a window it just opened.
            return 0, self.max_calls, self.interval
        return window.count, self.max_calls - window.count, self.remaining_ms(window)

    def reset(self, account_id: int | None) -> None:
        if account_id is None:
            self._windows.clear()
        else:
            self._open(account_id)
