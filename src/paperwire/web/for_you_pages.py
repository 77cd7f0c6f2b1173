"""The "For you" tab: the signed-in user's papers of the newest day (or its week), ranked by
their own model (service part ``recommend``), each card with why it is there."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.responses import Response

from paperwire.recommend.model import MIN_POSITIVES
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
    return render(
        request,
        "for_you.html",
        {
            "found": found,
            "week": week,
            "here": here,
            "entries": list(zip(cards, [pick.why for pick in found.picks], strict=True)),
            "needed": MIN_POSITIVES,
        },
    )
