"""The JSON API. The Hugging Face Papers routes answer in Hugging Face's shapes and field names,
so clients written for huggingface.co (``huggingface_hub.HfApi(endpoint=...)`` among them) work
unchanged against a paperwire server; our extras (related papers, collections, log-in, votes)
sit beside them. docs/api.md describes every route and field.

Handlers are plain functions (FastAPI runs them in its threadpool: the service is synchronous)
that read typed query parameters, call the service and shape its answer. Reading needs no
account; writing needs a bearer token from ``POST /api/login``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

import orjson
from fastapi import Query, Request
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse as StarletteJSONResponse

from paperwire.errors import AuthError
from paperwire.models import Paper, User
from paperwire.service.views import Feed, PaperCard
from paperwire.web.forms import client_key, date_param, month_param, service_of, week_param
from paperwire.web.routing import Route

MAX_LIMIT = 100
POST_ONLY_SUFFIXES = ("/vote",)  # sub-resources of a paper that only POST reaches
DEFAULT_LIMIT = 50  # Hugging Face's default page size

Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"How many papers to return (1–{MAX_LIMIT}).")
]
Page = Annotated[int, Query(ge=0, le=10_000, description="Page number, counted from 0.")]


class JSONResponse(StarletteJSONResponse):
    """Rendered by orjson: a listing of 50 papers encodes several times faster than with
    ``json.dumps``, the same bytes otherwise (UTF-8, no NaN)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# -- shapes ----------------------------------------------------------------------------------
def timestamp(value: dt.datetime | dt.date | None) -> str | None:
    """Hugging Face's time format, UTC with milliseconds and a ``Z``: huggingface_hub's
    ``parse_datetime`` accepts nothing else (``+00:00`` makes it raise)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):  # a day: its midnight, UTC
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def _object_id(*parts: str) -> str:
    """Hugging Face gives authors and users 24-hex-digit ids. We have no such records, so the
    id is derived from what names the entry: stable across requests and servers."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def user_json(name: str) -> dict[str, Any]:
    # A submitter is only a name here (ours or the curated source's). huggingface_hub's User
    # reads the handle from "user"; the site's own pages read "name" and "fullname".
    return {
        "_id": _object_id("user", name),
        "user": name,
        "name": name,
        "fullname": name,
        "type": "user",
    }


def paper_json(card: PaperCard) -> dict[str, Any]:
    """A paper as Hugging Face's ``paper`` object. Optional fields are left out when we have
    no value, as Hugging Face does (older days lack githubRepo, ai_summary ...)."""
    paper = card.paper
    day = paper.submitted_on or paper.first_seen  # the day it was on the daily feed
    out: dict[str, Any] = {
        "id": paper.id,
        "authors": [
            {"_id": _object_id(paper.id, str(i), name), "name": name, "hidden": False}
            for i, name in enumerate(paper.authors)
        ],
        "publishedAt": timestamp(paper.published or day),
        "submittedOnDailyAt": timestamp(day),
        "title": paper.title,
        "submittedOnDailyBy": user_json(paper.submitted_by) if paper.submitted_by else None,
        "summary": paper.abstract,
        "upvotes": card.upvotes,  # the source's upvotes plus this site's votes
        "projectPage": paper.project_page,
        "githubRepo": paper.github_repo,
        "githubStars": paper.github_stars,
        "ai_summary": paper.ai_summary,
        "ai_keywords": paper.ai_keywords or None,
    }
    return {key: value for key, value in out.items() if value is not None}


def flat_paper_json(card: PaperCard) -> dict[str, Any]:
    """``GET /api/papers/{id}``'s shape: the paper object on its own, with the comment count
    (huggingface_hub reads it into ``PaperInfo.comments``)."""
    return {**paper_json(card), "numComments": card.comments}


def daily_item_json(card: PaperCard) -> dict[str, Any]:
    """One entry of ``/api/daily_papers`` and ``/api/papers/search``: the paper wrapped with
    its listing. The outer ``publishedAt`` is when it was listed (huggingface_hub reads it into
    ``PaperInfo.submitted_at``)."""
    paper = paper_json(card)
    item: dict[str, Any] = {
        "paper": paper,
        "publishedAt": paper.get("submittedOnDailyAt") or paper.get("publishedAt"),
        "title": paper["title"],
        "summary": paper["summary"],
        "numComments": card.comments,
        "isAuthorParticipating": False,  # authors cannot claim papers here
    }
    if "submittedOnDailyBy" in paper:
        item["submittedBy"] = paper["submittedOnDailyBy"]
    return {key: value for key, value in item.items() if value is not None}


def _listing(cards: list[PaperCard], total: int | None = None) -> JSONResponse:
    response = JSONResponse([daily_item_json(card) for card in cards])
    if total is not None:
        response.headers["X-Total-Count"] = str(total)
    return response


# -- parameters ------------------------------------------------------------------------------
def bearer_user(request: Request) -> User | None:
    """The user whose session token came in ``Authorization: Bearer``; None without the
    header. A token that is sent but not valid is refused even where none is needed, so a
    client learns that it expired instead of silently seeing less."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    user = (
        service_of(request).accounts.session_user(token.strip())
        if scheme.lower() == "bearer" and token.strip()
        else None
    )
    if user is None:
        raise _unauthorized("the bearer token is not valid (expired or logged out); log in again")
    return user


def require_bearer_user(request: Request) -> User:
    user = bearer_user(request)
    if user is None:
        raise _unauthorized("send Authorization: Bearer <token> (POST /api/login gives one)")
    return user


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="paperwire"'})


# -- Hugging Face Papers routes -------------------------------------------------------------
def daily_papers(
    request: Request,
    p: Page = 0,
    limit: Limit = DEFAULT_LIMIT,
    date: Annotated[
        str | None,
        Query(description="The papers of one day, YYYY-MM-DD. Default: the latest day."),
    ] = None,
    week: Annotated[
        str | None, Query(description="The papers of an ISO week, YYYY-Www (2025-W09).")
    ] = None,
    month: Annotated[
        str | None, Query(description="The papers of a month, YYYY-MM (2025-02).")
    ] = None,
    submitter: Annotated[
        str | None, Query(max_length=100, description="Papers submitted by this user.")
    ] = None,
    sort: Annotated[
        Literal["publishedAt", "trending"],
        Query(
            description="publishedAt: the chosen period's papers, most upvoted first (as "
            "Hugging Face lists a day); trending: the latest papers by time-decayed votes."
        ),
    ] = "publishedAt",
) -> JSONResponse:
    """Daily papers, as Hugging Face's ``GET /api/daily_papers``."""
    periods = {"date": date, "week": week, "month": month, "submitter": submitter}
    chosen = [name for name, value in periods.items() if value]
    if len(chosen) > 1:
        raise HTTPException(400, f"{', '.join(chosen)}: give only one of these")
    if sort == "trending" and chosen:
        raise HTTPException(
            400, f"sort: trending ranks the latest papers and does not combine with {chosen[0]}"
        )
    service = service_of(request)
    offset = p * limit
    feed: Feed
    if sort == "trending":
        feed = service.feeds.trending(limit=limit, offset=offset)
    elif week:
        feed = service.feeds.weekly(week_param(week), limit=limit, offset=offset)
    elif month:
        feed = service.feeds.monthly(month_param(month), limit=limit, offset=offset)
    elif submitter:
        feed = service.feeds.submitted_by(submitter, limit=limit, offset=offset)
    else:
        feed = service.feeds.daily(date_param(date, "date"), limit=limit, offset=offset)
    return _listing(feed.cards, None if submitter else feed.total)


def search_papers(
    request: Request,
    q: Annotated[
        str,
        Query(
            max_length=500,
            description='Search query, in the search page\'s language ("a phrase", author:, '
            "cat:, since:, until:). Empty: no results.",
        ),
    ] = "",
    limit: Limit = DEFAULT_LIMIT,
    p: Page = 0,
    mode: Annotated[
        Literal["hybrid", "lexical", "semantic"],
        Query(description="hybrid fuses keyword and meaning; lexical is keywords only."),
    ] = "hybrid",
) -> JSONResponse:
    """Search, as Hugging Face's ``GET /api/papers/search`` (``p`` and ``mode`` are ours)."""
    if not q.strip():
        return _listing([])
    service = service_of(request)
    response = service.search.search(q, mode=mode, limit=limit, offset=p * limit)
    listing = _listing(service.cards([r.paper for r in response.results]), response.total)
    if response.keyword_matches is not None:
        listing.headers["X-Keyword-Matches"] = str(response.keyword_matches)
        # As Elasticsearch says it: "gte" when counting stopped there and more match.
        relation = "gte" if response.matches_at_least else "eq"
        listing.headers["X-Keyword-Matches-Relation"] = relation
    if response.corrected:
        listing.headers["X-Searched-For"] = quote(response.corrected)
    return listing


def list_papers(
    request: Request,
    cursor: Annotated[
        str,
        Query(
            max_length=100,
            description="Continue after this paper id (the next page's link carries it). "
            "Empty: from the first paper.",
        ),
    ] = "",
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    """Every paper in id order, a page at a time; a ``Link: <...>; rel="next"`` header points
    at the next page, the way Hugging Face paginates (huggingface_hub's ``paginate`` follows
    it). Keyset pagination: pages stay consistent while papers are added."""
    service = service_of(request)
    # One more than asked tells whether there is a next page without counting.
    papers: list[Paper] = service.papers.after(cursor, limit + 1)
    shown = papers[:limit]
    response = JSONResponse([flat_paper_json(card) for card in service.cards(shown)])
    if len(papers) > limit:
        # From the configured address, not the request's Host header (which any client
        # sets, and which a proxy may have rewritten).
        query = urlencode({"cursor": shown[-1].id, "limit": limit})
        base = request.app.state.settings.public_url
        response.headers["Link"] = f'<{base}{request.url.path}?{query}>; rel="next"'
    return response


def paper(request: Request, paper_id: str) -> JSONResponse:
    """One paper, as Hugging Face's ``GET /api/papers/{id}``; 404 when we do not have it."""
    if paper_id.endswith(POST_ONLY_SUFFIXES):
        # The catch-all path (ids may hold a slash) would take ".../vote" for an id and
        # answer 400; it is the vote route, asked with the wrong method.
        raise HTTPException(405, "use POST here", headers={"Allow": "POST"})
    service = service_of(request)
    return JSONResponse(flat_paper_json(service.cards([service.papers.get(paper_id)])[0]))


# -- our extras --------------------------------------------------------------------------------
def related(
    request: Request,
    paper_id: str,
    limit: Annotated[int, Query(ge=1, le=50, description="How many (1–50).")] = 10,
) -> JSONResponse:
    """Papers nearest in meaning (or, without embeddings, in words) to this one."""
    service = service_of(request)
    results = service.feeds.related(paper_id, limit)
    return JSONResponse([flat_paper_json(c) for c in service.cards([r.paper for r in results])])


def collection(request: Request, username: str, slug: str) -> JSONResponse:
    """A public collection, or a private one to its owner's bearer token; 404 otherwise
    (a private collection looks exactly like a missing one)."""
    viewer = bearer_user(request)
    view = service_of(request).community.collection_page(username, slug, viewer)
    found = view.collection
    return JSONResponse(
        {
            "owner": found.owner,
            "slug": found.slug,
            "name": found.name,
            "description": found.description,
            "public": found.public,
            "createdAt": timestamp(found.created_at),
            "updatedAt": timestamp(found.updated_at),
            "numPapers": len(view.cards),
            "papers": [flat_paper_json(card) for card in view.cards],
        }
    )


class Credentials(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=1000)


def login(request: Request, credentials: Credentials) -> JSONResponse:
    """A session token for ``Authorization: Bearer``, valid as long as a site log-in."""
    if not request.app.state.limiter.allow("login", client_key(request)):
        raise HTTPException(
            429, "too many log-in attempts; wait a few minutes", headers={"Retry-After": "300"}
        )
    try:
        user, token = service_of(request).accounts.log_in(
            credentials.username, credentials.password
        )
    except AuthError as exc:
        raise _unauthorized(str(exc)) from None
    return JSONResponse({"token": token, "username": user.username})


def vote(request: Request, paper_id: str) -> JSONResponse:
    """Toggle the token owner's upvote. No CSRF token is asked for, unlike the site's forms:
    a browser attaches cookies to a forged cross-site request, never an Authorization header,
    and this route ignores the session cookie."""
    user = require_bearer_user(request)
    card = service_of(request).community.toggle_vote(user, paper_id)
    return JSONResponse({"id": card.paper.id, "upvotes": card.upvotes, "voted": card.voted})


def recommendations(
    request: Request,
    period: Annotated[
        Literal["day", "week"], Query(description="The newest feed day, or its week.")
    ] = "day",
    limit: Annotated[int, Query(ge=1, le=50, description="How many (1–50).")] = 20,
) -> JSONResponse:
    """The token owner's "For you" papers: the period's listing ranked from their upvotes and
    collections, each with ``why``. ``coldStart`` true: fewer than 3 such papers, so the
    period's most upvoted papers, unranked by the model."""
    user = require_bearer_user(request)
    service = service_of(request)
    found = service.recommend.for_user(user.username, week=period == "week", limit=limit)
    cards = service.cards([p.paper for p in found.picks], user)
    return JSONResponse(
        {
            "start": found.start.isoformat(),
            "end": found.end.isoformat(),
            "coldStart": found.cold,
            "papers": [
                {**flat_paper_json(card), "why": list(pick.why)}
                for card, pick in zip(cards, found.picks, strict=True)
            ],
        }
    )


# Specific paths before the paper path, which takes ids with a slash (hep-th/9901001).
ROUTES: list[Route] = [
    Route("/api/daily_papers", daily_papers, name="api_daily_papers", api=True),
    Route("/api/papers", list_papers, name="api_list_papers", api=True),
    Route("/api/papers/search", search_papers, name="api_search_papers", api=True),
    Route(
        "/api/papers/{paper_id:path}/related", related, name="api_related", api=True, errors=(404,)
    ),
    # 413: every body is size-limited; 429: votes are rate-limited like the site's forms.
    Route(
        "/api/papers/{paper_id:path}/vote",
        vote,
        ("POST",),
        name="api_vote",
        api=True,
        errors=(401, 404, 413, 429),
    ),
    Route("/api/papers/{paper_id:path}", paper, name="api_paper", api=True, errors=(404, 405)),
    Route(
        "/api/collections/{username}/{slug}",
        collection,
        name="api_collection",
        api=True,
        errors=(404,),
    ),
    Route(
        "/api/recommendations",
        recommendations,
        name="api_recommendations",
        api=True,
        errors=(401,),
    ),
    Route("/api/login", login, ("POST",), name="api_login", api=True, errors=(401, 413, 429)),
]
