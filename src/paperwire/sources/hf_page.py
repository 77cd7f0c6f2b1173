"""The text of a Hugging Face Papers page, as copied from a browser: no ids, only titles and
abstracts. Layout: a few chrome lines ("new", "Subscribe", a date ...), then title / blank /
abstract / blank, repeated. Each paper gets the stable ``derived_id`` of its title; the ingest
layer, not this parser, matches titles to papers it already knows.

The date line above the list is the day the page listed its papers: with a year ("Mar 11,
2025") it is their ``first_seen``; without one ("Mar 11") it is kept as ``listed_on`` and the
ingest step picks the year (``ingest.listing_day``). A page without a date line gives no date,
and its papers never land on a day's feed (they are still searchable and have pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

from paperwire.ids import derived_id
from paperwire.models import Item, Paper, Problem, set_text
from paperwire.sources.common import guarded

FORMAT = "hf-page"

# The page's own lines, never papers. Matched exactly, so no title can be mistaken for one.
CHROME = frozenset(
    {
        "new",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "byAK and the research community",
    }
)
# The day shown above the list ("Mar 11", "Mar 11, 2025"); only skipped before the first title.
_DATE = re.compile(
    r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? (\d{1,2})(?:, (\d{4}))?$"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# What the date line says: (year or None, month, day).
_Listed = tuple[int | None, int, int]

# (line number, text); text is None when the line is not valid UTF-8.
_Line = tuple[int, str | None]


def parse_hf_page(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The ``hf-page`` Parser: one Paper per title/abstract pair, text kept as given."""
    title: _Line | None = None
    in_header = True
    listed: _Listed | None = None
    for lineno, raw in enumerate(stream, 1):
        try:
            line: str | None = raw.decode("utf-8").strip().lstrip("\ufeff")
        except UnicodeDecodeError:
            line = None
        if line == "" or line in CHROME:
            continue
        if in_header and line is not None and (found := _DATE.match(line)):
            listed = _listed(*found.groups())
            continue
        in_header = False
        if title is None:
            title = (lineno, line)
        else:
            yield _pair(name, title, (lineno, line), listed)
            title = None
    if title is not None:  # a copy cut off after a title: the title alone still matches
        yield _pair(name, title, None, listed)


def _listed(month_name: str, day_text: str, year_text: str | None) -> _Listed | None:
    """The date line's day; None for one no calendar has ("Feb 30"): no date, not an error
    on every paper of the page."""
    year, month, day = (
        int(year_text) if year_text else None,
        _MONTHS.index(month_name) + 1,
        int(day_text),
    )
    try:
        date(year or 2000, month, day)  # 2000: a leap year, so "Feb 29" without a year passes
    except ValueError:
        return None
    return year, month, day


def _pair(name: str, title: _Line, abstract: _Line | None, listed: _Listed | None) -> Item:
    where = f"{name}:{title[0]}"
    if title[1] is None:
        return Problem(where, "invalid UTF-8", "title")
    if abstract is not None and abstract[1] is None:
        return Problem(f"{name}:{abstract[0]}", "invalid UTF-8", "abstract")
    return guarded(where, _paper, (title[1], abstract[1] if abstract else "", listed))


def _paper(texts: tuple[str, str | None, _Listed | None]) -> Paper:
    title, abstract, listed = texts
    paper = Paper(id=derived_id(title), sources=[FORMAT])
    set_text(paper, title=title, abstract=abstract or "")
    if listed is not None:
        year, month, day = listed
        if year is not None:
            paper.first_seen = date(year, month, day)
        else:
            paper.listed_on = (month, day)
    return paper
