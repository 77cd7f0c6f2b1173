"""RSS 2.0 and Atom 1.0 feeds: the daily papers, trending, a search, a category, an author and
a public collection, each at ``.xml`` (RSS) and ``.atom``.

The XML is built with ElementTree, which escapes ``&``, ``<`` and quotes; characters that XML
1.0 forbids outright (control characters in a title, lone surrogates) are dropped first, since
no escaping makes them legal and one would make the whole feed unreadable. Text is text: Atom
says so (``type="text"``); an RSS ``description`` is read as HTML by every reader, so the
abstract is HTML-escaped there before the XML escaping, and TeX such as ``$a<b$`` shows as
written instead of becoming markup.

Feeds are the same for everyone (no viewer: a feed URL gets shared, so a private collection
never has one) and cacheable: ``Cache-Control`` for five minutes and an ``ETag`` over the body,
answered with 304 when a reader sends it back in ``If-None-Match``.

No ``from __future__ import annotations`` here, on purpose: FastAPI reads a handler's
parameters from its annotations, and the ``Depends(describe)`` of a handler made by ``feed``
names a local variable that a string annotation could not be resolved against later.
"""

import datetime as dt
import hashlib
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from paperwire import __version__
from paperwire.models import Paper
from paperwire.service.views import Feed
from paperwire.web.forms import service_of
from paperwire.web.rendering import path_quote
from paperwire.web.routing import Route, paper_url

FEED_SIZE = 50
MAX_AGE = 300
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # "updated" of a feed that has no entries yet

# Everything outside XML 1.0's Char production, and the C1 controls it asks authors to avoid.
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


@dataclass(slots=True)
class Channel:
    """What one feed says: its title and description, the HTML page it mirrors (a path),
    and its papers, newest or best first."""

    title: str
    description: str
    page: str
    papers: Sequence[Paper]


# -- rendering (pure) ------------------------------------------------------------------------
def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _aware(value: dt.datetime) -> dt.datetime:
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def listed_at(paper: Paper) -> dt.datetime:
    """When the paper appeared on a feed (its feed day, midnight UTC), else when published."""
    day = paper.submitted_on or paper.first_seen
    if day is not None:
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    if paper.published is not None:
        return _aware(paper.published)
    return EPOCH


def _updated(channel: Channel) -> dt.datetime:
    return max((listed_at(p) for p in channel.papers), default=EPOCH)


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rss(channel: Channel, base_url: str, self_url: str) -> bytes:
    # Namespace declarations written as attributes and prefixed tag names: registering
    # prefixes with ElementTree would change every other user of it in the process.
    root = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS, "xmlns:dc": DC_NS})
    head = _add(root, "channel")
    _add(head, "title", channel.title)
    _add(head, "link", base_url + channel.page)
    _add(head, "description", channel.description)
    _add(head, "atom:link", href=self_url, rel="self", type="application/rss+xml")
    _add(head, "lastBuildDate", format_datetime(_updated(channel), usegmt=True))
    _add(head, "generator", f"paperwire {__version__}")
    for paper in channel.papers:
        url = base_url + paper_url(paper.id)
        item = _add(head, "item")
        _add(item, "title", paper.title)
        _add(item, "link", url)
        _add(item, "guid", url, isPermaLink="true")
        _add(item, "pubDate", format_datetime(listed_at(paper), usegmt=True))
        _add(item, "description", html.escape(xml_text(paper.abstract), quote=False))
        for name in paper.authors:
            _add(item, "dc:creator", name)
        for category in paper.categories:
            _add(item, "category", category)
    return _serialise(root)


def atom(channel: Channel, base_url: str, self_url: str) -> bytes:
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _add(root, "id", self_url)
    _add(root, "title", channel.title, type="text")
    _add(root, "subtitle", channel.description, type="text")
    _add(root, "updated", _rfc3339(_updated(channel)))
    _add(root, "link", rel="self", href=self_url, type="application/atom+xml")
    _add(root, "link", rel="alternate", href=base_url + channel.page, type="text/html")
    # Atom wants an author for every entry; entries without one inherit the feed's.
    _add(_add(root, "author"), "name", "paperwire")
    _add(root, "generator", "paperwire", version=__version__)
    for paper in channel.papers:
        url = base_url + paper_url(paper.id)
        entry = _add(root, "entry")
        _add(entry, "id", url)
        _add(entry, "title", paper.title, type="text")
        _add(entry, "link", rel="alternate", href=url, type="text/html")
        if paper.abs_url:
            _add(entry, "link", rel="related", href=paper.abs_url, title="arXiv")
        updated = listed_at(paper)
        if paper.published is not None:
            published = _aware(paper.published)
            _add(entry, "published", _rfc3339(published))
            updated = max(updated, published)  # never before it was published
        _add(entry, "updated", _rfc3339(updated))
        for name in paper.authors:
            _add(_add(entry, "author"), "name", name)
        for category in paper.categories:
            _add(entry, "category", term=category)
        _add(entry, "summary", paper.abstract, type="text")
    return _serialise(root)


def _serialise(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


RENDERERS = {"xml": (rss, RSS_TYPE), "atom": (atom, ATOM_TYPE)}


# -- responses -------------------------------------------------------------------------------
def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _respond(request: Request, fmt: str, channel: Channel) -> Response:
    render, media_type = RENDERERS[fmt]
    base_url = request.app.state.settings.public_url
    # The path as the reader asked for it (still percent-encoded) so the self link round-trips.
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(request.url.path)
    self_url = base_url + path + (f"?{request.url.query}" if request.url.query else "")
    body = render(channel, base_url, self_url)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}"}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _format(fmt: str) -> str:
    if fmt not in RENDERERS:
        raise HTTPException(404, f"no feed format .{fmt[:20]}; use .xml (RSS) or .atom (Atom)")
    return fmt


def feed(describe: Callable[..., Channel]) -> Callable[..., Response]:
    """The handler of one feed, in RSS or Atom as its ``.{fmt}`` says. ``describe`` is a
    FastAPI dependency (its parameters come from the path and query) that calls the service
    and says what the feed holds; it runs only once the format is known to be good."""

    def handler(
        request: Request,
        fmt: Annotated[str, Depends(_format)],
        channel: Annotated[Channel, Depends(describe)],
    ) -> Response:
        return _respond(request, fmt, channel)

    return handler


# -- what each feed holds --------------------------------------------------------------------
def _papers(feed: Feed) -> list[Paper]:
    return [card.paper for card in feed.cards]


def _daily(request: Request) -> Channel:
    feed = service_of(request).feeds.daily(None, limit=FEED_SIZE)
    title = f"paperwire: daily papers, {feed.title}"
    return Channel(title, "The latest day's papers, most upvoted first.", "/", _papers(feed))


def _trending(request: Request) -> Channel:
    feed = service_of(request).feeds.trending(limit=FEED_SIZE)
    about = "The latest papers ranked by votes, newer ones favoured."
    return Channel("paperwire: trending papers", about, "/papers/trending", _papers(feed))


def _search(
    request: Request,
    q: Annotated[str, Query(max_length=500, description="The search query.")] = "",
) -> Channel:
    """New papers matching a query, newest first. Keyword matching only: nearest-in-meaning
    results always exist, so a feed of them would never stop growing with unrelated papers."""
    text = q.strip()
    if not text:
        raise HTTPException(400, "q: give a search query, as in /feeds/search.xml?q=diffusion")
    response = service_of(request).search.search(q, mode="lexical", limit=FEED_SIZE, sort="date")
    page = "/search?" + urlencode({"q": text})
    papers = [result.paper for result in response.results]
    return Channel(f"paperwire: search {text}", f"New papers matching {text}", page, papers)


def _category(request: Request, category: str) -> Channel:
    feed = service_of(request).feeds.category(category, limit=FEED_SIZE)
    page = f"/categories/{path_quote(category)}"
    return Channel(f"paperwire: {category}", f"New papers in {category}", page, _papers(feed))


def _author(request: Request, name: str) -> Channel:
    feed = service_of(request).feeds.author(name, limit=FEED_SIZE)
    page = f"/authors/{path_quote(name)}"
    return Channel(f"paperwire: papers by {name}", f"New papers by {name}", page, _papers(feed))


def _collection(request: Request, username: str, slug: str) -> Channel:
    # No viewer, even a logged-in owner: a private collection has no feed (404).
    view = service_of(request).community.collection_page(username, slug, None)
    found = view.collection
    return Channel(
        f"paperwire: {found.name} (collected by {found.owner})",
        found.description or f"A collection by {found.owner}",
        f"/u/{path_quote(found.owner)}/c/{path_quote(found.slug)}",
        [card.paper for card in view.cards],
    )


# "{name}.{fmt}" splits at the last dot, so "cs.CV.atom" is category cs.CV, format atom.
ROUTES: list[Route] = [
    Route("/feeds/daily.{fmt}", feed(_daily), name="feed_daily"),
    Route("/feeds/trending.{fmt}", feed(_trending), name="feed_trending"),
    Route("/feeds/search.{fmt}", feed(_search), name="feed_search"),
    Route("/feeds/category/{category}.{fmt}", feed(_category), name="feed_category"),
    Route("/feeds/author/{name}.{fmt}", feed(_author), name="feed_author"),
    Route("/u/{username}/c/{slug}.{fmt}", feed(_collection), name="feed_collection"),
]
