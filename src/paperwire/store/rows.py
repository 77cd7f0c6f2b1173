"""Conversion between Paper objects and table rows. Pure; no SQLAlchemy import, so the
read-only SQLite fast path (see ``Store.get_paper``) shares it without the import cost."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson

from paperwire.models import Paper, Version


def title_key(title: str) -> str:
    """Title reduced for matching across sources: lowercase letters and digits only."""
    return "".join(ch for ch in title.lower() if ch.isalnum())[:200]


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def digests_value(paper: Paper) -> str | None:
    """The ``input_digests`` column of a paper (None when no source fingerprinted it)."""
    return _dumps(paper.input_digests) if paper.input_digests else None


def paper_to_row(paper: Paper) -> dict[str, Any]:
    return {
        "id": paper.id,
        "seq": paper.seq,
        "deleted": paper.deleted,
        "title": paper.title,
        "title_key": title_key(paper.title),
        "abstract": paper.abstract,
        "title_raw": paper.title_raw,
        "abstract_raw": paper.abstract_raw,
        "authors": _dumps(paper.authors),
        "categories": _dumps(paper.categories),
        "primary_category": paper.categories[0] if paper.categories else None,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "license": paper.license,
        "submitter": paper.submitter,
        "published": paper.published,
        "updated": paper.updated,
        "first_seen": paper.first_seen,
        "feed_day": paper.submitted_on or paper.first_seen,
        "versions": _dumps(
            [[v.number, v.created.isoformat() if v.created else None] for v in paper.versions]
        ),
        "upvotes": paper.upvotes,
        "submitted_by": paper.submitted_by,
        "submitted_on": paper.submitted_on,
        "github_repo": paper.github_repo,
        "github_stars": paper.github_stars,
        "project_page": paper.project_page,
        "ai_summary": paper.ai_summary,
        "ai_keywords": _dumps(paper.ai_keywords),
        "sources": _dumps(paper.sources),
        "input_digests": digests_value(paper),
    }


def as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # raw sqlite3 returns the stored text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    # SQLite keeps no time zone; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def utc(value: Any) -> datetime:
    """A non-null timestamp column as an aware UTC datetime."""
    result = as_datetime(value)
    if result is None:
        raise ValueError("timestamp column is NULL")
    return result


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def row_to_paper(row: Mapping[str, Any]) -> Paper:
    return Paper(
        id=row["id"],
        seq=row["seq"],
        deleted=bool(row["deleted"]),
        title=row["title"],
        abstract=row["abstract"],
        title_raw=row["title_raw"],
        abstract_raw=row["abstract_raw"],
        authors=orjson.loads(row["authors"]),
        categories=orjson.loads(row["categories"]),
        comment=row["comment"],
        journal_ref=row["journal_ref"],
        doi=row["doi"],
        license=row["license"],
        submitter=row["submitter"],
        published=as_datetime(row["published"]),
        updated=as_datetime(row["updated"]),
        first_seen=as_date(row["first_seen"]),
        versions=[
            Version(n, datetime.fromisoformat(created) if created else None)
            for n, created in orjson.loads(row["versions"])
        ],
        upvotes=row["upvotes"],
        submitted_by=row["submitted_by"],
        submitted_on=as_date(row["submitted_on"]),
        github_repo=row["github_repo"],
        github_stars=row["github_stars"],
        project_page=row["project_page"],
        ai_summary=row["ai_summary"],
        ai_keywords=orjson.loads(row["ai_keywords"]),
        sources=orjson.loads(row["sources"]),
        input_digests=orjson.loads(row["input_digests"]) if row["input_digests"] else {},
    )


def matchable(*values: str) -> bool:
    """Whether names looked up by equality can match anything stored. PostgreSQL refuses a
    NUL character in a text parameter (the query fails), and no stored name holds one
    (usernames and slugs exclude control characters, PostgreSQL stores none); asking
    for one then finds nothing on either database, instead of failing on one of them."""
    return not any("\x00" in value for value in values)
