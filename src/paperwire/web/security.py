"""Cookies, CSRF protection, security headers and rate limits: the web's defences in one place.

CSRF uses the double-submit pattern with a keyed hash: every visitor gets a random, HttpOnly
``pw_csrf`` cookie; every form carries ``HMAC(secret, cookie)``; a POST whose form value does not
match is refused. Nothing an attacker's page can read or set produces a valid pair.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Mapping, Sequence

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperwire.secret_key import load_secret as load_secret  # the one loader, for the app
from paperwire.settings import Network

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
# Only when the site is served over https (base_url): browsers then refuse plain http to it
# for a year, so a network attacker cannot strip TLS from a later visit.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


class Defences:
    """ASGI middleware: the security headers on every response, a CSRF cookie for every
    visitor (kept in ``request.state.csrf_cookie`` for the forms), and a bound on every
    request body. Plain ASGI rather than ``@app.middleware``: Starlette's BaseHTTPMiddleware
    adds a task and a stream per request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        https: bool,
        max_body_bytes: int,
        upload_bytes: Mapping[str, int] | None = None,
    ) -> None:
        """``https``: the site's public address is https (behind a TLS proxy, say): cookies
        are Secure and responses carry HSTS. ``upload_bytes``: the bound for the paths that
        take a file (the library upload) instead of ``max_body_bytes``."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.upload_bytes = dict(upload_bytes or {})
        self.headers = dict(SECURITY_HEADERS)
        self.cookie_attributes = (
            f"; HttpOnly; Max-Age={60 * 60 * 24 * 365}; Path=/; SameSite=strict"
        )
        if https:
            self.cookie_attributes += "; Secure"
            self.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = None
        declared = 0
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookie = cookie_parser(value.decode("latin-1")).get(CSRF_COOKIE) or cookie
            elif name == b"content-length" and value.isdigit():
                declared = int(value)
        state = scope.setdefault("state", {})
        state["csrf_cookie"] = cookie or new_csrf_cookie()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if cookie is None:
                    headers.append(
                        "set-cookie",
                        f"{CSRF_COOKIE}={state['csrf_cookie']}{self.cookie_attributes}",
                    )
            await send(message)

        limit = self.upload_bytes.get(scope["path"], self.max_body_bytes)
        await self.app(scope, self._bounded(receive, declared, limit), send_with_headers)

    def _bounded(self, receive: Receive, declared: int, limit: int) -> Receive:
        """``receive`` that refuses a body over the bound: one that says it is (by
        Content-Length, before a byte is read) or turns out to be (chunked, or lying), chunk
        by chunk. The refusal is an HTTPException raised where the route reads its body, so
        the app's error handlers render the 413 as HTML or JSON like any other error."""
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            if declared > limit:
                raise _too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        return bounded_receive


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is over the limit of {limit:,} bytes")


def csrf_token(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie), submitted)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str:
    """The address a request came from, as the rate limits key it.

    ``X-Forwarded-For`` is believed only as far as trusted proxies wrote it: starting from the
    socket's peer, while the hop in hand is a trusted proxy, step to the address it says it
    received the request from (the header's entries read right to left). The first untrusted
    hop is the client; anything left of it was written by the client and may be made up.
    Without trusted proxies the peer is the client, whatever the header says."""
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    current = peer or "unknown"
    while hops and _is_trusted(current, trusted):
        current = hops.pop()
    return current


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # "unknown", or junk a proxy passed on: never a proxy of ours
        return False
    return any(ip in network for network in trusted)
