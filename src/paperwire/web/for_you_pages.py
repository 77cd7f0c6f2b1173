"""The "For you" tab: the signed-in user's papers of the newest day (or its week), ranked by
their own model (service part ``recommend``), each card with why it is there."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.responses import Response

from paperwire.errors import PaperwireError
from paperwire.models import User
from paperwire.recommend.model import MIN_POSITIVES
from paperwire.service import Service
from paperwire.service.views import PaperCard
from paperwire.web.forms import redirect, service_of, user_sync
from paperwire.web.rendering import render

PATH = "/for-you"


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
        },
    )


def _hidden(service: Service, user: User, paper_id: str | None) -> PaperCard | None:
    if not paper_id or len(paper_id) > 100:
        return None
    try:
        (card,) = service.cards([service.papers.get(paper_id)], user)
    except PaperwireError:  # a malformed or unknown id in a hand-made URL: no notice
        return None
    return card if card.not_interested else None
