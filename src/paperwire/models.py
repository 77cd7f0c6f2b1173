"""The domain model: plain data, no I/O.

A ``Paper`` is both what a parser yields (fields a source does not carry are left ``None`` or
empty, meaning "this source does not say") and what the store holds after merging every source.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from paperwire.ids import is_derived
from paperwire.tex import decode_accents


def clean_text(text: str) -> str:
    """Whitespace collapsed for display: arXiv wraps titles and abstracts at ~80 columns.

    ``str.split`` rather than a regex: the same characters count as whitespace, and it is
    2.7x faster, which matters when importing hundreds of thousands of abstracts."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Version:
    """One arXiv version: ``number`` 1 for v1; ``created`` when that version was submitted."""

    number: int
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class PaperText:
    """What the recommender reads of a paper (``store.papers.texts``): its words, people,
    categories and first day, without the rest of a ``Paper``."""

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    first_seen: date | None


@dataclass(slots=True)
class Paper:
    id: str
    title: str = ""
    abstract: str = ""
    # What the source gave before whitespace was collapsed (TeX line breaks), when different.
    title_raw: str | None = None
    abstract_raw: str | None = None
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # primary first
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    submitter: str | None = None
    published: datetime | None = None  # first version
    updated: datetime | None = None  # latest version
    first_seen: date | None = None  # first listing / first time we saw it
    versions: list[Version] = field(default_factory=list)
    # Community fields a curated source (Hugging Face daily papers) brings.
    upvotes: int | None = None
    submitted_by: str | None = None
    submitted_on: date | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    ai_summary: str | None = None
    ai_keywords: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    deleted: bool = False
    # Store bookkeeping, set by the store on read; parsers leave them alone.
    seq: int = 0
    # Fingerprint of the raw source record per source ("corpus": "9f2c..."), set by the
    # JSON-lines parsers: a re-import skips records whose fingerprint is already stored.
    # Bookkeeping, not content: left out of equality.
    input_digests: dict[str, str] = field(default_factory=dict, compare=False)
    # A listing day without its year (the copied HF page's "Mar 11"), set by that parser:
    # the ingest step dates the paper with it (``ingest.listing_day``). Bookkeeping too.
    listed_on: tuple[int, int] | None = field(default=None, compare=False)

    @property
    def latest_version(self) -> int | None:
        return max((v.number for v in self.versions), default=None)

    @property
    def has_arxiv_id(self) -> bool:
        return not is_derived(self.id)

    @property
    def abs_url(self) -> str | None:
        return f"https://arxiv.org/abs/{self.id}" if self.has_arxiv_id else None

    @property
    def pdf_url(self) -> str | None:
        return f"https://arxiv.org/pdf/{self.id}" if self.has_arxiv_id else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; the inverse of ``paper_from_dict``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in _BOOKKEEPING:
                continue
            value = getattr(self, f.name)
            if f.name == "versions":
                value = [
                    {"version": v.number, "created": v.created.isoformat() if v.created else None}
                    for v in value
                ]
            elif isinstance(value, (date, datetime)):
                value = value.isoformat()
            out[f.name] = value
        return out


_BOOKKEEPING = ("seq", "input_digests")


def set_text(paper: Paper, *, title: str | None = None, abstract: str | None = None) -> None:
    """Set title/abstract in display form (whitespace collapsed, TeX accents outside math as
    letters), keeping the raw text when that changed more than the surrounding whitespace (so
    TeX line breaks are not lost)."""
    if title is not None:
        paper.title = clean_text(decode_accents(title))
        paper.title_raw = title if title.strip() != paper.title else None
    if abstract is not None:
        paper.abstract = clean_text(decode_accents(abstract))
        paper.abstract_raw = abstract if abstract.strip() != paper.abstract else None


def paper_from_dict(data: dict[str, Any]) -> Paper:
    """Build a Paper from ``Paper.to_dict()`` output (the export format)."""
    kwargs = dict(data)
    for name in _BOOKKEEPING:
        kwargs.pop(name, None)
    for key in ("published", "updated"):
        if kwargs.get(key):
            kwargs[key] = datetime.fromisoformat(kwargs[key])
    for key in ("first_seen", "submitted_on"):
        if kwargs.get(key):
            kwargs[key] = date.fromisoformat(kwargs[key][:10])
    kwargs["versions"] = [
        Version(v["version"], datetime.fromisoformat(v["created"]) if v.get("created") else None)
        for v in kwargs.get("versions") or []
    ]
    known = {f.name for f in dataclasses.fields(Paper)}
    unknown = set(kwargs) - known
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    return Paper(**kwargs)


@dataclass(frozen=True, slots=True)
class Deleted:
    """A source says this paper was withdrawn from its listing (OAI-PMH ``status="deleted"``)."""

    id: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad record or error document: where it was, which field, and why."""

    where: str  # "file.jsonl:123" or "file.xml record 4"
    reason: str
    field: str | None = None

    def __str__(self) -> str:
        field_part = f" [{self.field}]" if self.field else ""
        return f"{self.where}{field_part}: {self.reason}"


# What a parser yields, in file order.
Item = Paper | Deleted | Problem


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    email: str | None
    is_admin: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    paper_id: str
    user_id: int
    username: str
    body: str
    created_at: datetime
    edited_at: datetime | None = None
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Collection:
    id: int
    owner_id: int
    owner: str  # username
    slug: str
    name: str
    description: str
    public: bool
    created_at: datetime
    updated_at: datetime
    size: int = 0


class TokenScope(enum.StrEnum):
    """What a personal access token lets its bearer do: read (the owner's private
    collections too) or also write (votes, collection changes)."""

    READ = "read"
    READ_WRITE = "read-write"


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A personal access token as its owner sees it listed (the secret itself is shown once,
    when it is made, and never stored)."""

    id: int
    user_id: int
    name: str
    scope: TokenScope
    prefix: str  # the token's first characters, to tell tokens apart
    created_at: datetime


class SignalKind(enum.StrEnum):
    """The user's private "For you" terms (issue 12): what they mute and the author names
    they claim as their own ("this is me")."""

    MUTED_AUTHOR = "muted-author"
    MUTED_CATEGORY = "muted-category"
    MUTED_WORD = "muted-word"
    OWN_NAME = "own-name"


@dataclass(frozen=True, slots=True)
class UserSignals:
    """A user's own "For you" signals besides votes and collections, read in one store call:
    papers marked "not interested" and the terms of each ``SignalKind`` (as the user wrote
    them), and the papers of their claimed names with the time each counts from. Private:
    only the user, their export and their recommendations see them."""

    not_interested: frozenset[str] = frozenset()
    muted_authors: tuple[str, ...] = ()
    muted_categories: tuple[str, ...] = ()
    muted_words: tuple[str, ...] = ()
    own_names: tuple[str, ...] = ()
    own_papers: Mapping[str, datetime] = field(default_factory=dict)
