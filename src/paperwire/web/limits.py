"""One size limit for every request body, forms and JSON alike (``max_request_bytes``).

A body that says it is too big (Content-Length) is refused before a byte of it is read; one
sent chunked, or with a Content-Length that understates it, is read here up to the limit and
refused the moment it passes it, then handed to the app as it came. Answered here, not by the
handlers: FastAPI turns any failure while it reads a body into its own 400."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperwire.errors import RequestTooLargeError
from paperwire.web.errors import error_response

TOO_LARGE = RequestTooLargeError("the request body is larger than this server accepts")


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: let the app see it
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(Request(scope, receive), TOO_LARGE.http_status, str(TOO_LARGE))
        response.headers["Connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)
