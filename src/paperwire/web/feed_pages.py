"""The feed pages (the home page, a day, a week, a month, trending, an author, a category),
each built by ``feed_page`` from what differs between them: which part of the path names the
feed, and which service method lists it.

No ``from __future__ import annotations`` here, on purpose: FastAPI reads a handler's
parameters from its annotations, and the ``Depends(key)`` of a handler made in a factory names
a local variable that a string annotation could not be resolved against later.
"""

from collections.abc import Callable
from datetime import date
from typing import Annotated, TypedDict, TypeVar

from fastapi import Depends, Request
from starlette.responses import HTMLResponse, Response

from paperwire.models import User
from paperwire.service import Service
from paperwire.service.views import Feed
from paperwire.web.forms import (
    day_param,
    month_param,
    page_number,
    redirect,
    service_of,
    user_sync,
    week_param,
)
from paperwire.web.rendering import PageCache, render
from paperwire.web.security import csrf_token

PAGE_SIZE = 30
K = TypeVar("K")


class Window(TypedDict):
    """Whose view of which slice of a feed: the keyword arguments of every feed method."""

    viewer: User | None
    limit: int
    offset: int


def page_cache(request: Request) -> PageCache:
    """This app's cache of anonymous feed pages (made on first use)."""
    state = request.app.state
    cache: PageCache | None = getattr(state, "page_cache", None)
    if cache is None:
        cache = state.page_cache = PageCache()
    return cache


def changed(request: Request) -> None:
    """Something feeds show (votes, comments, submissions) changed: drop kept pages."""
    page_cache(request).clear()


def feed_page(
    key: Callable[..., K],
    load: Callable[[Service, K, Window], Feed],
) -> Callable[..., Response]:
    """A handler for one kind of feed page. ``key`` is a FastAPI dependency that reads the
    feed's key (a day, a name) from the path and answers 400 for a malformed one; ``load``
    calls the service method that lists the feed. Anonymous visitors get the page from the
    page cache when it has it."""

    def handler(
        request: Request,
        shown: Annotated[K, Depends(key)],
        page: Annotated[int, Depends(page_number)],
    ) -> Response:
        viewer = user_sync(request)
        cache = page_cache(request) if viewer is None else None
        cache_key = f"{request.url.path}?{request.url.query}"
        kept = cache.get(cache_key) if cache is not None else None
        if kept is None:
            window = Window(viewer=viewer, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
            feed = load(service_of(request), shown, window)
            context = {
                "feed": feed,
                "page": page,
                "pages": max(1, -(-feed.total // PAGE_SIZE)),
            }
            if cache is None:
                return render(request, "feed.html", context)
            response = render(request, "feed.html", context, csrf=PageCache.SLOT)
            kept = (response.status_code, bytes(response.body).decode())
            cache.put(cache_key, *kept)
        status, body = kept
        token = csrf_token(request.app.state.secret, request.state.csrf_cookie)
        return HTMLResponse(body.replace(PageCache.SLOT, token), status_code=status)

    return handler


def _no_key() -> None:
    return None


def _author(name: str) -> str:
    return name


def _category(category: str) -> str:
    return category


home = feed_page(_no_key, lambda s, _, w: s.feeds.daily(None, **w))
day = feed_page(day_param, lambda s, day, w: s.feeds.daily(day, **w))
week = feed_page(week_param, lambda s, monday, w: s.feeds.weekly(monday, **w))
month = feed_page(month_param, lambda s, first, w: s.feeds.monthly(first, **w))
trending = feed_page(_no_key, lambda s, _, w: s.feeds.trending(**w))
author = feed_page(_author, lambda s, name, w: s.feeds.author(name, **w))
category = feed_page(_category, lambda s, category, w: s.feeds.category(category, **w))


def latest_week(request: Request) -> Response:
    newest = service_of(request).feeds.newest_day() or date.today()
    iso = newest.isocalendar()
    return redirect(f"/papers/week/{iso.year}-W{iso.week:02d}")


def latest_month(request: Request) -> Response:
    newest = service_of(request).feeds.newest_day() or date.today()
    return redirect(f"/papers/month/{newest:%Y-%m}")
