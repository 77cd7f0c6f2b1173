"""What every parser shares: the record guard, field limits, text setting, JSON lines.

A parser turns one source record into a ``Paper`` (or ``Deleted``) with a *builder*: a plain
function that raises ``RecordError`` (or trips over an unexpected shape) when the record is bad.
``guarded`` runs a builder and turns any such failure into a ``Problem`` for that record, so one
bad record never stops a file and no builder needs its own try/except.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

import orjson

from paperwire.models import Item, Paper, Problem

# orjson (a dependency) parses the corpus lines ~3x faster than json; it takes bytes, so invalid
# UTF-8 is reported as a JSON error of that line.
json_loads = orjson.loads

# Limits on one record. Real arXiv titles stay under 400 characters, abstracts under 10,000, and
# the largest collaborations list ~3,000 authors; anything far beyond is damage or abuse, and
# would bloat the store and the search index.
MAX_TITLE = 2_000
MAX_ABSTRACT = 100_000
MAX_AUTHORS = 5_000
MAX_FIELD = 10_000  # any other text: one author name, comment, journal ref, DOI, licence, ...
# Bounded columns (store/schema.py): papers.id is String(64), checked with the id's shape
# (ids.MAX_ID), and papers.primary_category String(40), checked here: a longer value is that
# record's Problem on every database, not stored on SQLite and an aborted batch on PostgreSQL.
# Any category may become the primary one when sources merge, so each is held to the limit.
MAX_CATEGORY = 40

_OTHER_TEXT_FIELDS = (
    "comment",
    "journal_ref",
    "doi",
    "license",
    "submitter",
    "submitted_by",
    "github_repo",
    "project_page",
    "ai_summary",
)


class RecordError(Exception):
    """This record is bad: ``reason`` says why, ``field`` which field (when one is to blame)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


T = TypeVar("T")


def guarded(where: str, build: Callable[[T], Item], data: T) -> Item:
    """``build(data)``, with a bad record (or an over-long field) turned into a Problem."""
    try:
        item = build(data)
        if isinstance(item, Paper):
            check_limits(item)
        return item
    except RecordError as exc:
        return Problem(where, exc.reason, exc.field)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # A shape the builder did not expect (a list where an object belongs, ...): the record is
        # bad, not the program, and the contract is "Problems, never exceptions".
        return Problem(where, f"malformed record ({type(exc).__name__}: {exc})")


def check_limits(paper: Paper) -> None:
    """Raise RecordError when a field is absurdly long (see MAX_*) or holds a NUL character
    (PostgreSQL refuses NUL in text, and one such value used to abort the whole batch there
    while SQLite stored it: it is that record's Problem on both).

    Written out flat because it runs once per record on the bulk paths."""
    if paper.categories:
        # Only the primary category has a bounded column. Later values may be long: arXiv's
        # own records carry MSC/ACM classes there ("68U10 (Primary), 68T45, 68Wxx
        # (Secondary)", 146 papers of the real 200k), and those papers are real.
        _check_length("categories", len(paper.categories[0]), MAX_CATEGORY, "primary category")
        _check_length("categories", max(map(len, paper.categories)), MAX_FIELD)
        _check_nul("categories", "".join(paper.categories))
    # Both forms: an export carries them separately, and either may be the long one.
    _check_length("title", max(len(paper.title), len(paper.title_raw or "")), MAX_TITLE)
    _check_nul("title", paper.title + (paper.title_raw or ""))
    _check_length("abstract", max(len(paper.abstract), len(paper.abstract_raw or "")), MAX_ABSTRACT)
    _check_nul("abstract", paper.abstract + (paper.abstract_raw or ""))
    if len(paper.authors) > MAX_AUTHORS:
        raise RecordError(f"more than {MAX_AUTHORS:,} authors ({len(paper.authors):,})", "authors")
    if paper.authors:
        _check_length("authors", max(map(len, paper.authors)), MAX_FIELD)
        _check_nul("authors", "".join(paper.authors))
    if paper.ai_keywords:
        _check_nul("ai_keywords", "".join(paper.ai_keywords))
    for name in _OTHER_TEXT_FIELDS:
        value = getattr(paper, name)
        if value is not None:
            _check_length(name, len(value), MAX_FIELD)
            _check_nul(name, value)


def _check_length(field: str, length: int, limit: int, what: str = "") -> None:
    if length > limit:
        raise RecordError(f"{what or field} longer than {limit:,} characters ({length:,})", field)


def _check_nul(field: str, text: str) -> None:
    if "\x00" in text:
        raise RecordError(f"{field} holds a NUL character (U+0000)", field)


# Bump when a parser reads the same line into a different paper (2: TeX accents in titles,
# abstracts and author names decoded). A fingerprint is of the line as this revision reads
# it, so a re-import after an upgrade merges every line once more instead of skipping it as
# seen; the store writes the new fingerprints of papers that came out the same without a new
# change number.
PARSER_REVISION = b"2"


def _digest(line: bytes) -> str:
    return hashlib.blake2b(line.rstrip(), digest_size=10, person=PARSER_REVISION).hexdigest()


def iter_json_lines(
    stream: BinaryIO, name: str, build: Callable[[dict[str, Any]], Item], fingerprint_as: str
) -> Iterator[Item]:
    """One item per non-blank line; a line that is not a JSON object is a Problem at
    ``name:LINE`` (1-based), and the lines after it are read as usual. Each paper carries the
    fingerprint of its raw line under ``fingerprint_as`` (the format), see ingest."""
    for lineno, line in enumerate(stream, 1):
        if line.isspace():
            continue
        try:
            data = json_loads(line)
        except ValueError as exc:  # orjson.JSONDecodeError and json's are ValueErrors
            yield Problem(f"{name}:{lineno}", f"invalid JSON: {exc}")
            continue
        if not isinstance(data, dict):
            yield Problem(f"{name}:{lineno}", "expected a JSON object")
            continue
        item = guarded(f"{name}:{lineno}", build, data)
        if isinstance(item, Paper):
            item.input_digests = {fingerprint_as: _digest(line)}
        yield item
