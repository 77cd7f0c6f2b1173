"""arXiv's bulk metadata snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``): JSON lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from paperwire.models import Item, Paper, Version, set_text
from paperwire.sources.common import RecordError, iter_json_lines
from paperwire.sources.fields import (
    arxiv_id,
    first_doi,
    iso_datetime,
    raw_text,
    required_text,
    rfc2822_datetime,
    split_categories,
    text,
    version_number,
)
from paperwire.sources.names import join_name, split_authors

FORMAT = "arxiv-snapshot"


def parse_snapshot(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The ``arxiv-snapshot`` Parser."""
    return iter_json_lines(stream, name, _paper, FORMAT)


def _paper(data: dict[str, Any]) -> Paper:
    paper_id, _ = arxiv_id(data.get("id"))
    versions = sorted(_versions(data.get("versions")), key=lambda v: v.number)
    paper = Paper(
        id=paper_id,
        authors=_authors(data),
        categories=split_categories(text(data.get("categories"), "categories")),
        comment=text(data.get("comments"), "comments"),
        journal_ref=text(data.get("journal-ref"), "journal-ref"),
        doi=first_doi(text(data.get("doi"), "doi")),
        license=text(data.get("license"), "license"),
        submitter=text(data.get("submitter"), "submitter"),
        versions=versions,
        published=versions[0].created if versions else None,
        # update_date is when the metadata last changed, not a version date: only a fallback.
        updated=(
            versions[-1].created
            if versions
            else iso_datetime(data.get("update_date"), "update_date")
        ),
        sources=[FORMAT],
    )
    set_text(
        paper,
        title=required_text(data.get("title"), "title"),
        abstract=raw_text(data.get("abstract"), "abstract"),
    )
    return paper


def _versions(value: object) -> list[Version]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError("versions is not a list", "versions")
    return [
        Version(version_number(v.get("version")), rfc2822_datetime(v.get("created"), "versions"))
        for v in value
    ]


def _authors(data: dict[str, Any]) -> list[str]:
    """``authors_parsed`` ([last, first, suffix]) keeps accents the string spells in TeX
    (``Bal\\'azs`` is ``Balázs`` there); the string is the fallback."""
    parsed = data.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
                raise RecordError("authors_parsed entry is not a list of strings", "authors")
            last, first, suffix = [*parts, "", "", ""][:3]
            name = join_name(first, last, suffix)
            if name:
                names.append(name)
        return names
    return split_authors(text(data.get("authors"), "authors") or "")
