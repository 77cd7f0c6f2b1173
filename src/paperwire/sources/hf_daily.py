"""Hugging Face ``GET /api/daily_papers`` responses (one JSON document per day).

Every era of the archive parses: early days lack ``submittedOnDailyAt`` and the AI fields, 21 days
(2024-12-11 ... 2025-01-09) hold each item as a Python-repr *string*, and 2025-01-10 wraps the
list in ``{"status", "date", "count", "data"}``. A bare paper object (``/api/papers/{id}``) is
read too. A damaged document still yields the records before the damage.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Iterator
from typing import Any, BinaryIO

from paperwire.models import Item, Paper, Problem, set_text
from paperwire.sources.common import RecordError, guarded, json_loads
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

FORMAT = "hf-daily"


def parse_hf_daily(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The ``hf-daily`` Parser (a day file is small: it is read whole)."""
    return iter(parse_daily(stream.read(), name))


def parse_daily(data: bytes, name: str) -> list[Item]:
    """Parse one response body: a Paper per item, a Problem per bad item ("name record N")."""
    try:
        doc = json_loads(data)
    except ValueError as exc:
        return list(_salvage(data, name, exc))
    if isinstance(doc, dict):
        if isinstance(doc.get("data"), list):
            doc = doc["data"]
        elif "paper" in doc or ("id" in doc and "title" in doc):
            doc = [doc]
        else:
            return [Problem(name, "expected a list of daily papers")]
    if not isinstance(doc, list):
        return [Problem(name, "expected a list of daily papers")]
    return [guarded(f"{name} record {n}", _paper, item) for n, item in enumerate(doc, 1)]


def _paper(item: object) -> Paper:
    if isinstance(item, str):
        item = _literal(item)
    if not isinstance(item, dict):
        raise RecordError("item is not an object")
    # A daily item wraps the paper; /api/papers/{id} answers with the paper itself.
    paper_obj = item.get("paper", item)
    if not isinstance(paper_obj, dict):
        raise RecordError("paper is not an object", "paper")
    outer: dict[str, Any] = item if paper_obj is not item else {}
    p: dict[str, Any] = paper_obj
    on_daily = p.get("submittedOnDailyAt")
    # Early days have no submittedOnDailyAt; their item-level publishedAt is when the paper
    # went up on the daily page (the day file's date, give or take the time zone).
    listed = iso_date(on_daily or outer.get("publishedAt"), "submittedOnDailyAt")
    paper = Paper(
        id=arxiv_id(p.get("id"))[0],
        authors=_authors(p.get("authors")),
        published=iso_datetime(p.get("publishedAt"), "publishedAt"),
        first_seen=listed,
        submitted_on=listed,
        submitted_by=_user(p.get("submittedOnDailyBy"), "user") or _user(outer.get("submittedBy")),
        upvotes=integer(p.get("upvotes"), "upvotes"),
        github_repo=text(p.get("githubRepo"), "githubRepo"),
        github_stars=integer(p.get("githubStars"), "githubStars"),
        project_page=text(p.get("projectPage"), "projectPage"),
        ai_summary=text(p.get("ai_summary"), "ai_summary"),
        ai_keywords=string_list(p.get("ai_keywords"), "ai_keywords"),
        sources=[FORMAT],
    )
    # The paper's own title keeps arXiv's line breaks (the item's is collapsed, and for 18
    # papers keeps TeX markup HF strips); the corpus was built from the same choice.
    set_text(
        paper,
        title=required_text(p.get("title") or outer.get("title"), "title"),
        abstract=raw_text(p.get("summary") or outer.get("summary"), "summary"),
    )
    return paper


def _literal(item: str) -> Any:
    """An item the archiver stored as ``repr(dict)``: read it as a literal, never execute it."""
    try:
        with warnings.catch_warnings():
            # Odd escapes in a damaged string warn ("invalid escape sequence"); not our concern.
            warnings.simplefilter("ignore")
            return ast.literal_eval(item)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise RecordError("item is a string but not a Python literal") from None


def _authors(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError("authors is not a list", "authors")
    names = []
    for author in value:
        if not isinstance(author, dict):
            raise RecordError("author is not an object", "authors")
        # Hidden authors are kept: "hidden" hides the HF account link, not the authorship.
        name = text(author.get("name"), "authors")
        if name:
            names.append(name)
    return names


def _user(value: object, *keys: str) -> str | None:
    """The HF user name: ``user`` in submittedOnDailyBy, ``name`` in submittedBy."""
    if not isinstance(value, dict):
        return None
    for key in (*keys, "name", "fullname"):
        found = value.get(key)
        if isinstance(found, str) and found.strip():
            return found.strip()
    return None


# --- damaged documents --------------------------------------------------------------------

_DATA_LIST = re.compile(r'"data"\s*:\s*\[')
_BAD_BYTE = re.compile("[\udc80-\udcff]")


def _salvage(data: bytes, name: str, error: ValueError) -> Iterator[Item]:
    """Read a document that does not parse whole item by item, as XML streaming would: the
    good items before the damage, a Problem for an item with invalid UTF-8, one Problem where
    the JSON breaks off."""
    # surrogateescape keeps invalid bytes as lone surrogates, so we can tell which item has them.
    doc = data.decode("utf-8", "surrogateescape")
    start = _list_start(doc)
    if start is None:
        yield Problem(name, f"invalid JSON: {error}")
        return
    decoder = json.JSONDecoder()
    pos, record, damaged = start, 0, False
    while True:
        pos = _skip_space(doc, pos)
        if doc.startswith("]", pos) and record == 0:
            break
        record += 1
        where = f"{name} record {record}"
        try:
            item, pos = decoder.raw_decode(doc, pos)
        except json.JSONDecodeError as exc:
            yield Problem(
                where, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            )
            return
        if _has_bad_bytes(item):
            damaged = True
            yield Problem(where, "invalid UTF-8")
        else:
            yield guarded(where, _paper, item)
        pos = _skip_space(doc, pos)
        if doc.startswith(",", pos):
            pos += 1
        elif doc.startswith("]", pos):
            break
        else:
            line = doc.count("\n", 0, pos) + 1
            reason = f"invalid JSON at line {line}: expected ',' or ']' after an item"
            yield Problem(f"{name} record {record + 1}", reason)
            return
    if not damaged:
        # The list itself was whole, so the damage is around it; say so rather than hide it.
        yield Problem(name, f"invalid JSON: {error}")


def _list_start(doc: str) -> int | None:
    stripped = doc.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return len(doc) - len(stripped) + 1
    match = _DATA_LIST.search(doc)
    return match.end() if match and stripped.startswith("{") else None


def _skip_space(doc: str, pos: int) -> int:
    while pos < len(doc) and doc[pos] in " \t\r\n":
        pos += 1
    return pos


def _has_bad_bytes(value: object) -> bool:
    if isinstance(value, str):
        return _BAD_BYTE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_bad_bytes(k) or _has_bad_bytes(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_bad_bytes(v) for v in value)
    return False
