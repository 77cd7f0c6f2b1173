"""paperwire's own export: JSON lines of ``Paper.to_dict()``, read back with ``paper_from_dict``.

It is the format a store moves between machines in, so it round-trips every field, the
``sources`` a paper was merged from included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from paperwire.errors import InvalidIdError
from paperwire.ids import check_derived, is_derived
from paperwire.models import Item, Paper, Version, paper_from_dict
from paperwire.sources.common import RecordError, iter_json_lines
from paperwire.sources.fields import arxiv_id, as_utc, required_text, string_list

FORMAT = "paperwire"


def parse_export(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The ``paperwire`` Parser."""
    return iter_json_lines(stream, name, _paper, FORMAT)


def _paper(data: dict[str, Any]) -> Paper:
    raw_id = data.get("id")
    # Derived ids (papers known only by title) are ours, in a strict shape; the rest is arXiv.
    if isinstance(raw_id, str) and is_derived(raw_id):
        try:
            check_derived(raw_id)
        except InvalidIdError as exc:
            raise RecordError(str(exc), "id") from None
    else:
        data = {**data, "id": arxiv_id(raw_id)[0]}
    required_text(data.get("title"), "title")
    for key in ("authors", "categories", "ai_keywords", "sources"):
        string_list(data.get(key), key)
    versions = data.get("versions")
    if versions is not None and not (
        isinstance(versions, list)
        and all(isinstance(v, dict) and isinstance(v.get("version"), int) for v in versions)
    ):
        raise RecordError('versions is not a list of {"version": int, ...}', "versions")
    try:
        paper = paper_from_dict(data)
    except ValueError as exc:  # unknown field, bad date
        raise RecordError(str(exc)) from None
    # An export written by hand or by another tool may carry naive times; ours are UTC.
    paper.published = as_utc(paper.published) if paper.published else None
    paper.updated = as_utc(paper.updated) if paper.updated else None
    paper.versions = [
        Version(v.number, as_utc(v.created) if v.created else None) for v in paper.versions
    ]
    paper.sources = paper.sources or [FORMAT]
    return paper
