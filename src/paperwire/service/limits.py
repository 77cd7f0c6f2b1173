"""Rate limits: how many times an action may happen per key (an address, an account) in a
window. The web keys its per-address limits by the client address (web/forms.py); the service
keys its per-account ones by username (failed log-ins, votes, collection changes).

The counters live in the store (``store.limits``), so every worker and every machine serving
the site spends one budget, and a restart resets nothing. Windows are fixed (they start at
multiples of their length, on each process's clock: machines a few seconds apart disagree
only at a window's edge); counting is one statement per request."""

from __future__ import annotations

import hashlib

from paperwire.service.views import Clock
from paperwire.store import Store

Limits = dict[str, tuple[int, float]]  # action -> (max events, window seconds)

DEFAULT_LIMITS: Limits = {
    # per client address
    "signup": (5, 3600.0),
    "login": (20, 600.0),
    "comment": (30, 600.0),
    "submit": (20, 3600.0),
    "library": (20, 3600.0),  # library uploads: each may be megabytes to parse
    "subscribe": (10, 3600.0),
    # per account
    "login-failures": (10, 900.0),  # guessing one account's password from many addresses
    "vote": (60, 600.0),
    "collection": (60, 600.0),
    "signal": (120, 600.0),  # "not interested", mutes and own names (issue 12)
    # per token owner, or per address without a token: MCP requests (an assistant's tool
    # calls come in bursts: a survey reads a few dozen papers)
    "mcp": (600, 600.0),
}


class RateLimiter:
    def __init__(self, store: Store, clock: Clock, limits: Limits) -> None:
        self.store = store
        self.clock = clock
        self.limits = limits

    def allow(self, action: str, key: str) -> bool:
        """Count one event; False when it is over the action's limit for this window."""
        count = self.store.limits.count(*self._bucket(action, key))
        return count <= self.limits[action][0]

    def exhausted(self, action: str, key: str) -> bool:
        """Whether the next event would be refused, without counting one."""
        return self.spent(action, key) >= self.limits[action][0]

    def spent(self, action: str, key: str) -> int:
        """Events counted for (action, key) in the current window."""
        return self.store.limits.peek(*self._bucket(action, key))

    def clean(self) -> int:
        """Forget the windows that have ended for every action; how many were forgotten."""
        longest = max(window for _, window in self.limits.values())
        return self.store.limits.delete_before(int(self.clock().timestamp() - longest))

    def reset(self) -> None:
        self.store.limits.clear()

    def _bucket(self, action: str, key: str) -> tuple[str, int]:
        window = self.limits[action][1]
        start = int(self.clock().timestamp() // window * window)
        # Keys come from visitors (a username, an address): hashed, so any text (a NUL, which
        # PostgreSQL refuses; 10,000 characters) makes a bucket of its own, and the table
        # keeps no names or addresses.
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{action}:{digest}", start
