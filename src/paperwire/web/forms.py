"""Reading requests: forms with their CSRF check and rate limit, the logged-in user, safe
redirects, and query parameters that must be dates or numbers."""

from __future__ import annotations

import re
from datetime import date

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse

from paperwire.models import User
from paperwire.service import Service
from paperwire.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    client_address,
    csrf_valid,
)

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def client_key(request: Request) -> str:
    """The client's address: the socket's peer, or what trusted proxies say it was."""
    peer = request.client.host if request.client else None
    trusted = request.app.state.settings.trusted_networks
    return client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)


def user_sync(request: Request) -> User | None:
    """The logged-in user (cached on the request); for handlers that run in the threadpool."""
    if not hasattr(request.state, "user"):
        request.state.user = service_of(request).accounts.session_user(
            request.cookies.get(SESSION_COOKIE)
        )
    user: User | None = request.state.user
    return user


async def current_user(request: Request) -> User | None:
    return await run_in_threadpool(user_sync, request)


async def require_user(request: Request) -> User:
    user = await current_user(request)
    if user is None:
        raise HTTPException(401, "log in to do that")
    return user


async def read_form(request: Request, action: str | None = None) -> dict[str, str]:
    """The posted form, after checking its CSRF token and the action's rate limit."""
    form = await _checked_form(request, action)
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def read_upload(
    request: Request, name: str, action: str
) -> tuple[dict[str, str], UploadFile | None]:
    """A posted multipart form's text fields and its file field ``name`` (None when no file
    was chosen), after the same checks as ``read_form``."""
    form = await _checked_form(request, action)
    upload = form.get(name)
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if isinstance(upload, UploadFile) and upload.filename:
        return fields, upload
    return fields, None


async def _checked_form(request: Request, action: str | None) -> FormData:
    form = await request.form()
    submitted = form.get(CSRF_FIELD)
    if not csrf_valid(
        request.app.state.secret,
        request.cookies.get(CSRF_COOKIE),
        submitted if isinstance(submitted, str) else None,
    ):
        await form.close()  # an uploaded file's spool, unread
        raise HTTPException(
            403, "this form expired or came from another site; reload the page and try again"
        )
    if action is not None and not request.app.state.limiter.allow(action, client_key(request)):
        await form.close()
        raise HTTPException(
            429,
            "too many attempts; wait a few minutes and try again",
            headers={"Retry-After": "300"},
        )
    return form


def safe_next(value: str | None, default: str) -> str:
    """Only local paths: an open redirect would let another site borrow our name."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)  # POST, then redirect, then GET


def date_param(value: str | None, name: str) -> date | None:
    return _date(value, name) if value else None


def day_param(day: str) -> date:
    """The day of a ``/papers/date/{day}`` page. This and the next two are FastAPI
    dependencies: their parameter is the path parameter of the same name."""
    return _date(day, "date")


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(
            400, f"{name}: expected a date as YYYY-MM-DD, got {value[:40]!r}"
        ) from None


# A feed period's bounds and its neighbours must be dates: the last full year leaves room for a
# month's end and the day after a week (date.max is 9999-12-31; 0000 is no year).
_LAST_YEAR = 9998


def week_param(week: str) -> date:
    """The Monday of an ISO week ``YYYY-Www``."""
    match = _WEEK_RE.match(week)
    try:
        if match and 1 <= int(match.group(1)) <= _LAST_YEAR:
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        pass
    raise HTTPException(400, f"week: expected YYYY-Www such as 2025-W09, got {week[:20]!r}")


def month_param(month: str) -> date:
    """The first day of a month ``YYYY-MM``."""
    match = _MONTH_RE.match(month)
    if match and 1 <= int(match.group(1)) <= _LAST_YEAR and 1 <= int(match.group(2)) <= 12:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise HTTPException(400, f"month: expected YYYY-MM such as 2025-02, got {month[:20]!r}")


def int_param(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise HTTPException(400, f"{name}: expected a whole number, got {value[:40]!r}") from None
    if not low <= number <= high:
        raise HTTPException(400, f"{name}: must be between {low} and {high}")
    return number


def page_number(p: str | None = None) -> int:
    """The ``p`` query parameter of a paged list, counted from 0 (a FastAPI dependency: a
    malformed one is a 400 with this module's wording, not FastAPI's 422)."""
    return int_param(p, "p", 0, 0, 10_000)
