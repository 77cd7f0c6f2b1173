"""The "For you" tab: the signed-in user's papers of the newest day (or its week), ranked by
their own model (service part ``recommend``), each card with why it is there; its private RSS
feed (a signed URL: the URL is the secret) and its exports (BibTeX, RIS, CSL-JSON)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from paperwire.errors import NotFoundError, PaperwireError, TokenError
from paperwire.models import User
from paperwire.recommend.model import MIN_POSITIVES
from paperwire.service import Service
from paperwire.service.views import PaperCard
from paperwire.web.forms import redirect, service_of, user_sync
from paperwire.web.library_pages import export_format, library_file
from paperwire.web.rendering import render
from paperwire.web.syndication import RSS_TYPE, Channel, rss

PATH = "/for-you"
FEED_PATH = "/for-you/feed/{token}.xml"
EXPORT_PATH = "/for-you/export.{ext}"


def for_you(request: Request) -> Response:
    week = request.query_params.get("period") == "week"
    here = PATH + ("?period=week" if week else "")
    user = user_sync(request)
    if user is None:
        return redirect("/login?next=" + quote(here, safe="/"))
    service = service_of(request)
    found = service.recommend.for_user(user.username, week=week)
    cards = service.cards([pick.paper for pick in found.picks], user)
    # Just marked "not interested" (the card's form came back here): say so, with an undo.
    hidden = _hidden(service, user, request.query_params.get("hidden"))
    token = service.recommend.feed_token(user)
    return render(
        request,
        "for_you.html",
        {
            "found": found,
            "week": week,
            "here": here,
            "entries": list(zip(cards, [pick.why for pick in found.picks], strict=True)),
            "needed": MIN_POSITIVES,
            "hidden": hidden,
            "feed_url": FEED_PATH.format(token=token) + ("?period=week" if week else ""),
            "period_query": "?period=week" if week else "",
        },
    )


def feed(request: Request, token: str) -> Response:
    """The private RSS feed of an account's For you (its URL is the secret): 404 for a
    token that is not ours, was altered, or names an account that no longer exists."""
    week = request.query_params.get("period") == "week"
    try:
        found = service_of(request).recommend.feed(token, week=week)
    except (TokenError, NotFoundError):
        raise HTTPException(404, "there is no feed at this address") from None
    base = request.app.state.settings.public_url
    what = "this week" if week else found.end.isoformat()
    channel = Channel(
        title=f"paperwire: for {found.username}",
        description=(
            f"Papers of {what} ranked for {found.username}"
            if not found.cold
            else f"The most upvoted papers of {what} (For you needs {MIN_POSITIVES} signals)"
        ),
        page=PATH,
        papers=[pick.paper for pick in found.picks],
    )
    body = rss(channel, base, base + FEED_PATH.format(token=token))
    return Response(
        body,
        media_type=RSS_TYPE,
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )


def export(request: Request, ext: str) -> Response:
    """The For-you list as a library file, for the signed-in user only."""
    fmt = export_format(ext)
    week = request.query_params.get("period") == "week"
    user = user_sync(request)
    if user is None:
        return redirect("/login?next=" + quote(PATH, safe="/"))
    return library_file(service_of(request).recommend.export(user.username, fmt, week=week))


def _hidden(service: Service, user: User, paper_id: str | None) -> PaperCard | None:
    if not paper_id or len(paper_id) > 100:
        return None
    try:
        (card,) = service.cards([service.papers.get(paper_id)], user)
    except PaperwireError:  # a malformed or unknown id in a hand-made URL: no notice
        return None
    return card if card.not_interested else None
