"""Rate limits: how many times an action may happen per key (an address, an account) in a
window. The web keys its per-address limits by the client address (web/forms.py); the service
keys its per-account ones by username (failed log-ins, votes, collection changes)."""

from __future__ import annotations

import threading
import time
from collections import deque

Limits = dict[str, tuple[int, float]]  # action -> (max events, window seconds)

DEFAULT_LIMITS: Limits = {
    # per client address
    "signup": (5, 3600.0),
    "login": (20, 600.0),
    "comment": (30, 600.0),
    "submit": (20, 3600.0),
    "subscribe": (10, 3600.0),
    # per account
    "login-failures": (10, 900.0),  # guessing one account's password from many addresses
}


class RateLimiter:
    """Sliding-window limits per (action, key), in this process's memory."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._events: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, action: str, key: str) -> bool:
        """Count one event; False (and not counted) when the window is full already."""
        with self._lock:
            events = self._window(action, key)
            if len(events) >= self.limits[action][0]:
                return False
            events.append(time.monotonic())
            return True

    def exhausted(self, action: str, key: str) -> bool:
        """Whether the next event would be refused, without counting one."""
        with self._lock:
            return len(self._window(action, key)) >= self.limits[action][0]

    def _window(self, action: str, key: str) -> deque[float]:
        window = self.limits[action][1]
        now = time.monotonic()
        events = self._events.setdefault((action, key), deque())
        while events and now - events[0] > window:
            events.popleft()
        return events

    def reset(self) -> None:
        with self._lock:
            self._events.clear()
