"""The text of a Hugging Face Papers page, as copied from a browser: no ids, only titles and
abstracts. Layout: a few chrome lines ("new", "Subscribe", a date ...), then title / blank /
abstract / blank, repeated. Each paper gets the stable ``derived_id`` of its title; the ingest
layer, not this parser, matches titles to papers it already knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?$"
)

# (line number, text); text is None when the line is not valid UTF-8.
_Line = tuple[int, str | None]


def parse_hf_page(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The ``hf-page`` Parser: one Paper per title/abstract pair, text kept as given."""
    title: _Line | None = None
    in_header = True
    for lineno, raw in enumerate(stream, 1):
        try:
            line: str | None = raw.decode("utf-8").strip().lstrip("\ufeff")
        except UnicodeDecodeError:
            line = None
        if line == "" or line in CHROME:
            continue
        if in_header and line is not None and _DATE.match(line):
            continue
        in_header = False
        if title is None:
            title = (lineno, line)
        else:
            yield _pair(name, title, (lineno, line))
            title = None
    if title is not None:  # a copy cut off after a title: the title alone still matches
        yield _pair(name, title, None)


def _pair(name: str, title: _Line, abstract: _Line | None) -> Item:
    where = f"{name}:{title[0]}"
    if title[1] is None:
        return Problem(where, "invalid UTF-8", "title")
    if abstract is not None and abstract[1] is None:
        return Problem(f"{name}:{abstract[0]}", "invalid UTF-8", "abstract")
    return guarded(where, _paper, (title[1], abstract[1] if abstract else ""))


def _paper(texts: tuple[str, str | None]) -> Paper:
    title, abstract = texts
    paper = Paper(id=derived_id(title), sources=[FORMAT])
    set_text(paper, title=title, abstract=abstract or "")
    return paper
