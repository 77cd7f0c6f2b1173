"""Every error a visitor or an API client can meet, rendered in one place: an HTML page or a
JSON body, as asked; the status code from the kind of error; never a stack trace."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from paperwire.errors import PaperwireError, StorageError
from paperwire.web.security import SECURITY_HEADERS

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Log in first",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Already taken",
    410: "This link has expired",
    413: "Too large",
    429: "Slow down",
    500: "Something went wrong",
    503: "Unavailable",
}


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    path = request.url.path
    return (
        path.startswith("/api/")
        or path == "/mcp"
        or ("application/json" in accept and "text/html" not in accept)
    )


def error_response(request: Request, status: int, message: str) -> Response:
    response = _error_body(request, status, message)
    # A 500 is answered by Starlette's outermost middleware, outside the one that adds these.
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _error_body(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    from paperwire.web.rendering import render

    context: dict[str, object] = {
        "status": status,
        "title": _TITLES.get(status, "Error"),
        "message": message,
    }
    if status == 401:
        # A form posted while logged out (an upvote without JavaScript): offer to log in and
        # come back to the page the form was on.
        context["login_next"] = _local_referer(request)
    return render(request, "error.html", context, status_code=status)


def _local_referer(request: Request) -> str:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/"
    path = referer.path + (f"?{referer.query}" if referer.query else "")
    return path if path.startswith("/") and not path.startswith("//") else "/"


DATABASE_UNAVAILABLE = "the database is unavailable right now; try again in a moment"


async def domain_error(request: Request, exc: PaperwireError) -> Response:
    status = exc.http_status
    if status == 500:
        log.error("unhandled domain error on %s: %r", request.url.path, exc, exc_info=exc)
        return error_response(request, 500, "the server could not do that; it has been logged")
    if type(exc) is StorageError:
        # Its subclasses (a taken name, a store that needs `paperwire init`) speak to the
        # visitor; a plain one is a driver failure (a full disk, a lost connection).
        log.error("database failure on %s: %s", request.url.path, exc, exc_info=exc)
        response = error_response(request, status, DATABASE_UNAVAILABLE)
        response.headers["Retry-After"] = "5"  # a restarting server or lost connections
        return response
    response = error_response(request, status, str(exc))
    if status == 429:
        response.headers["Retry-After"] = "300"  # the limits' windows are minutes long
    return response


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
        for e in exc.errors()
    )
    return error_response(request, 400, problems or "invalid request")


async def http_error(request: Request, exc: HTTPException) -> Response:
    message = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
    if exc.status_code == 404 and message == "Not Found":
        message = "there is no page at this address"
    response = error_response(request, exc.status_code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return error_response(request, 500, "the server could not do that; it has been logged")
