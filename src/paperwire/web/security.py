"""Cookies, CSRF protection, security headers and rate limits: the web's defences in one place.

CSRF uses the double-submit pattern with a keyed hash: every visitor gets a random, HttpOnly
``pw_csrf`` cookie; every form carries ``HMAC(secret, cookie)``; a POST whose form value does not
match is refused. Nothing an attacker's page can read or set produces a valid pair.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from pathlib import Path

SESSION_COOKIE = "pw_session"
CSRF_COOKIE = "pw_csrf"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The configured secret, else one generated once and kept (mode 0600) in the data dir."""
    if configured:
        return configured.encode()
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie), submitted)


class RateLimiter:
    """Sliding-window limits per (action, key), in this process's memory. With several worker
    processes each enforces its own share (documented); that still stops floods."""

    def __init__(self, limits: dict[str, tuple[int, float]]) -> None:
        self.limits = limits  # action -> (max events, window seconds)
        self._events: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, action: str, key: str) -> bool:
        count, window = self.limits[action]
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault((action, key), deque())
            while events and now - events[0] > window:
                events.popleft()
            if len(events) >= count:
                return False
            events.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._events.clear()


DEFAULT_LIMITS = {
    "signup": (5, 3600.0),
    "login": (20, 600.0),
    "comment": (30, 600.0),
    "submit": (20, 3600.0),
    "subscribe": (10, 3600.0),
}
