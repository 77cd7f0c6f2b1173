"""The MCP server (paperwire.assistant) at ``/mcp`` in ``paperwire serve``: the SDK's
streamable-HTTP transport, stateless (each POST is answered on its own, so any worker answers
any request and nothing is held between calls) with JSON responses, behind a gate that
checks the bearer token and spends the caller's rate limit before the SDK sees the request.

- No ``Authorization`` header: the public read tools (the tools decide, per call).
- A bearer token that is not valid (revoked, mistyped, expired): 401 at once, as the JSON API
  answers; never silently the anonymous view.
- Every request counts against the ``mcp`` limit of its token's owner, or of its address
  without one: 429 with ``Retry-After`` when spent (service/limits.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from paperwire.assistant.server import build_server
from paperwire.service import Service
from paperwire.web.forms import client_key

PATH = "/mcp"
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]


def transport_security(base_url: str) -> TransportSecuritySettings:
    """DNS-rebinding protection for the site's own name (its ``base_url``) and loopback: a web
    page elsewhere cannot make a visitor's browser talk to this server's MCP endpoint."""
    parts = urlsplit(base_url)
    hosts = [parts.netloc, *LOOPBACK_HOSTS] if parts.netloc else list(LOOPBACK_HOSTS)
    origins = [f"{parts.scheme}://{parts.netloc}"] if parts.netloc else []
    origins += ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


@asynccontextmanager
async def running(service: Service, base_url: str, max_body_bytes: int) -> AsyncIterator[ASGIApp]:
    """The MCP app for this service, its session manager running (the web app's lifespan
    holds it open)."""
    server = build_server(service, base_url=base_url)
    app = server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        max_request_body_size=max_body_bytes,
        transport_security=transport_security(base_url),
    )
    async with server.session_manager.run():
        yield app


class McpGate:
    """The route's ASGI endpoint: token and rate limit first, then the SDK's app (built in
    the lifespan, found on the app's state)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        state = request.app.state
        service: Service = state.service
        # One trip to the threadpool for both store reads (each trip costs a thread handoff).
        if not await run_in_threadpool(self._allowed, request, service):
            raise HTTPException(
                429,
                "too many MCP requests; wait a few minutes and try again",
                headers={"Retry-After": "60"},
            )
        await state.mcp_app(scope, receive, send)

    @classmethod
    def _allowed(cls, request: Request, service: Service) -> bool:
        return service.limits.allow("mcp", cls._caller_key(request, service))

    @staticmethod
    def _caller_key(request: Request, service: Service) -> str:
        header = request.headers.get("authorization")
        if header is None:
            return f"address:{client_key(request)}"
        scheme, _, secret = header.partition(" ")
        found = service.tokens.holder(secret) if scheme.lower() == "bearer" else None
        if found is None:
            raise HTTPException(
                401,
                "the bearer token is not a valid paperwire access token (revoked or "
                "mistyped); make one on your account page or with `paperwire token create`",
                headers={"WWW-Authenticate": 'Bearer realm="paperwire"'},
            )
        return f"user:{found[0].id}"


def route() -> Route:
    # POST carries the calls; GET (a server-sent event stream) and DELETE (ending a session)
    # are answered by the SDK (405 in stateless mode) after the same gate.
    return Route(PATH, McpGate(), methods=["GET", "POST", "DELETE"], include_in_schema=False)
