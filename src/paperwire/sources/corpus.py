"""The merged demo/benchmark corpus (``papers-200k.jsonl.gz``): JSON lines, one paper each.

This is the bulk path (200k lines in one import), so the builder does only what it must: one
JSON parse and direct field reads, no per-field indirection beyond the shared converters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from paperwire.models import Item, Paper, set_text
from paperwire.sources.common import iter_json_lines
from paperwire.sources.fields import (
    arxiv_id,
    integer,
    iso_date,
    iso_datetime,
    raw_text,
    required_text,
    string_list,
    text,
)
from paperwire.sources.names import inverted_name, join_name, split_authors

FORMAT = "corpus"


def parse_corpus(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The ``corpus`` Parser."""
    return iter_json_lines(stream, name, _paper, FORMAT)


def _paper(data: dict[str, Any]) -> Paper:
    paper = Paper(
        id=arxiv_id(data.get("id"))[0],
        authors=_authors(data),
        # Empty for the 2012 part, which has oai_dc ``subjects`` (names, not codes) instead.
        categories=string_list(data.get("categories"), "categories"),
        comment=text(data.get("comment"), "comment"),
        published=iso_datetime(data.get("published"), "published"),
        first_seen=iso_date(data.get("first_seen"), "first_seen"),
        upvotes=integer(data.get("hf_upvotes"), "hf_upvotes"),
        sources=[FORMAT],
    )
    set_text(
        paper,
        title=required_text(data.get("title"), "title"),
        abstract=raw_text(data.get("abstract"), "abstract"),
    )
    return paper


def _authors(data: dict[str, Any]) -> list[str]:
    authors = string_list(data.get("authors"), "authors")
    if data.get("subjects"):
        # The 2012 part came from oai_dc, whose creators are "Last, First".
        return [name for author in authors if (name := inverted_name(author))]
    if any("," in author for author in authors):
        # A few lines of one upstream hold several names, or a trailing comma, in one entry.
        return [name for author in authors for name in split_authors(author)]
    return [name for author in authors if (name := join_name(author))]
