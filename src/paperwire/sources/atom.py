"""arXiv API responses (Atom), in both the 2016 and the 2026 namespace styles.

Also reads the recorded ``{"url", "status_code", "body"}`` wrappers (a test suite's fixtures):
the body is the feed, and a status of 400 or more makes the whole response one Problem.

What Atom says about versions: the entry id carries the latest version number and ``updated``
is when it was posted; ``published`` is when v1 was. Those two are all we record.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from paperwire.models import Item, Paper, Problem, Version, set_text
from paperwire.sources.common import RecordError, guarded, json_loads
from paperwire.sources.fields import arxiv_id, first_doi, iso_datetime, required_text, text
from paperwire.sources.names import join_name
from paperwire.sources.streams import peek
from paperwire.sources.xmlutil import child, child_text, children, iter_elements, local

FORMAT = "arxiv-atom"
_PAGING = {  # opensearch element -> AtomFeed field
    "totalResults": "total_results",
    "startIndex": "start_index",
    "itemsPerPage": "items_per_page",
}
_WANTED = frozenset({"entry", *_PAGING})
_BLANK = b"\xef\xbb\xbf \t\r\n"  # a BOM and whitespace before the first character


@dataclass(slots=True)
class AtomFeed:
    """One API response page: its items and the paging numbers a harvester needs."""

    items: list[Item] = field(default_factory=list)
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None
    # The API's own error message (an error entry, e.g. "incorrect id format for abc"), or
    # "HTTP <status>" for a failed recorded response.
    error: str | None = None


def parse_atom(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The ``arxiv-atom`` Parser: entries streamed one by one; a JSON wrapper is read whole."""
    head, stream = peek(stream, 256)
    if head.lstrip(_BLANK).startswith(b"{"):
        yield from parse_atom_feed(stream.read(), name).items
    else:
        yield from _iter_feed(stream, name, AtomFeed())


def parse_atom_feed(data: bytes, name: str) -> AtomFeed:
    """Parse one whole response body (or recorded wrapper) for the API harvester."""
    if data.lstrip(_BLANK).startswith(b"{"):
        return _parse_recorded(data, name)
    feed = AtomFeed()
    feed.items.extend(_iter_feed(io.BytesIO(data), name, feed))
    return feed


def _parse_recorded(data: bytes, name: str) -> AtomFeed:
    try:
        wrapper = json_loads(data)
    except ValueError as exc:
        return AtomFeed(items=[Problem(name, f"invalid JSON: {exc}")], error="invalid JSON")
    body = wrapper.get("body") if isinstance(wrapper, dict) else None
    status = wrapper.get("status_code") if isinstance(wrapper, dict) else None
    if not isinstance(body, str) or not isinstance(status, int):
        problem = Problem(name, 'expected a recorded response {"url", "status_code", "body"}')
        return AtomFeed(items=[problem], error="not a recorded response")
    feed = parse_atom_feed(body.encode("utf-8"), name)
    if status >= 400:
        # The error feed's own message says more than the status; keep both in one Problem.
        detail = f"HTTP {status}: {feed.error}" if feed.error else f"HTTP {status}"
        feed.items = [Problem(name, f"arXiv API error response ({detail})")]
        feed.error = feed.error or f"HTTP {status}"
    return feed


def _iter_feed(stream: BinaryIO, name: str, feed: AtomFeed) -> Iterator[Item]:
    record = 0
    for elem in iter_elements(stream, name, _WANTED):
        if isinstance(elem, Problem):
            yield elem
            continue
        tag = local(elem.tag)
        if tag != "entry":
            setattr(feed, _PAGING[tag], _int_or_none(elem.text))
            continue
        record += 1
        where = f"{name} record {record}"
        message = _error_message(elem)
        if message is not None:
            feed.error = feed.error or message
            yield Problem(where, f"arXiv API error: {message}")
        else:
            yield guarded(where, _entry, elem)


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _error_message(entry: ET.Element) -> str | None:
    """The API reports errors as an entry whose id is ``http(s)://arxiv.org/api/errors#...``."""
    entry_id = child_text(entry, "id") or ""
    if "arxiv.org/api/errors" not in entry_id:
        return None
    summary = " ".join((child_text(entry, "summary") or "").split())
    return summary or entry_id


def _entry(entry: ET.Element) -> Paper:
    paper_id, version = arxiv_id(child_text(entry, "id"))
    published = iso_datetime(child_text(entry, "published"), "published")
    updated = iso_datetime(child_text(entry, "updated"), "updated")
    paper = Paper(
        id=paper_id,
        authors=[
            name
            for author in children(entry, "author")
            if (name := join_name(child_text(author, "name")))
        ],
        categories=_categories(entry),
        comment=text(child_text(entry, "comment"), "comment"),
        journal_ref=text(child_text(entry, "journal_ref"), "journal_ref"),
        doi=first_doi(text(child_text(entry, "doi"), "doi")),
        published=published,
        updated=updated,
        versions=_versions(version, published, updated),
        sources=[FORMAT],
    )
    set_text(
        paper,
        title=required_text(child_text(entry, "title"), "title"),
        abstract=child_text(entry, "summary") or "",
    )
    return paper


def _categories(entry: ET.Element) -> list[str]:
    primary = child(entry, "primary_category")
    terms = [] if primary is None else [primary.get("term", "")]
    terms += [sub.get("term", "") for sub in children(entry, "category")]
    return list(dict.fromkeys(term.strip() for term in terms if term and term.strip()))


def _versions(
    number: int | None, published: datetime | None, updated: datetime | None
) -> list[Version]:
    if number is None:  # an id without version: published is still v1's date
        return [Version(1, published)] if published else []
    if number < 1:
        raise RecordError(f"bad version number v{number}", "id")
    if number == 1:
        return [Version(1, published or updated)]
    return [Version(1, published), Version(number, updated)]
