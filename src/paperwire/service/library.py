"""A user's library: importing a reference manager's file into one of their private
collections, and exporting papers (a collection, any list) as a library file.

Import, step by step:

1. refuse a file over ``library_max_bytes`` before reading it;
2. parse it (``sources.library``: entries, and a Problem for each bad entry);
3. match each entry to a stored paper by arXiv id, then DOI, then title key (a title too
   short to be told apart, under ``MIN_TITLE_KEY`` letters and digits, is never matched);
4. fetch from arXiv the entries that name an arXiv paper still unmatched, through the
   community part's ``fetch_from_arxiv`` (none when offline; at most ``library_fetch_limit``
   and ``FETCH_SECONDS`` of look-ups per import);
5. add every matched paper to the user's collection (default "My library", private when it
   is made); nothing is written when nothing matched.

Every entry ends in exactly one list of the report: matched (by id, DOI, title or fetched),
not fetched (with why), unmatched, or problems.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperwire.citations import EXPORTERS, export
from paperwire.errors import LibraryFileError, NotFoundError, PaperwireError
from paperwire.models import Collection, Paper, Problem, User
from paperwire.service.community import Community
from paperwire.service.views import Clock
from paperwire.sources.library import LibraryEntry, LibraryFormat, parse_library
from paperwire.store import Store
from paperwire.store.rows import title_key

DEFAULT_COLLECTION = "My library"
MIN_TITLE_KEY = 12  # "Introduction" (12) and shorter titles name too many papers
FETCH_SECONDS = 60.0  # no new arXiv look-up starts after this long


def _folded(title: str) -> str:
    """``title`` with accents taken off its letters (``ö`` -> ``o``)."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", title) if not unicodedata.combining(ch)
    )


@dataclass(frozen=True, slots=True)
class Match:
    entry: LibraryEntry
    paper_id: str
    how: str  # "arxiv id", "doi", "title", "fetched"


@dataclass(slots=True)
class ImportReport:
    file: str
    format: LibraryFormat
    matched: list[Match] = field(default_factory=list)
    not_fetched: list[tuple[LibraryEntry, str]] = field(default_factory=list)
    unmatched: list[LibraryEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    collection: Collection | None = None  # None when nothing matched (nothing was written)
    added: int = 0  # papers new to the collection

    @property
    def entries(self) -> int:
        return len(self.matched) + len(self.not_fetched) + len(self.unmatched)

    def count(self, how: str) -> int:
        return sum(1 for m in self.matched if m.how == how)

    def to_dict(self) -> dict[str, Any]:
        def entry(e: LibraryEntry) -> dict[str, Any]:
            return {
                "where": e.where,
                "arxiv_id": e.arxiv_id,
                "doi": e.doi,
                "title": e.title,
                "year": e.year,
            }

        return {
            "file": self.file,
            "format": str(self.format),
            "entries": self.entries,
            "collection": (
                {
                    "owner": self.collection.owner,
                    "slug": self.collection.slug,
                    "name": self.collection.name,
                }
                if self.collection
                else None
            ),
            "added": self.added,
            "matched": {how: self.count(how) for how in ("arxiv id", "doi", "title", "fetched")},
            "papers": [
                {"paper_id": m.paper_id, "how": m.how, **entry(m.entry)} for m in self.matched
            ],
            "not_fetched": [{**entry(e), "reason": why} for e, why in self.not_fetched],
            "unmatched": [entry(e) for e in self.unmatched],
            "problems": [
                {"where": p.where, "field": p.field, "reason": p.reason} for p in self.problems
            ],
        }


@dataclass(frozen=True, slots=True)
class LibraryExport:
    filename: str
    media_type: str
    text: str


class Library:
    """Library files in and out; every import names its user."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        community: Community,
        fetch_from_arxiv: Callable[[str], Paper] | None,
        *,
        max_bytes: int,
        fetch_limit: int,
    ) -> None:
        self.store = store
        self.clock = clock
        self.community = community
        self.fetch_from_arxiv = fetch_from_arxiv  # None offline
        self.max_bytes = max_bytes
        self.fetch_limit = fetch_limit

    def check_size(self, size: int, name: str) -> None:
        """LibraryFileError when a file of ``size`` bytes is over the limit (before reading)."""
        if size > self.max_bytes:
            raise LibraryFileError(
                f"{name}: {size:,} bytes is over the limit of {self.max_bytes:,} bytes for a "
                "library file; export a smaller part of the library (a folder or a tag)"
            )

    def import_path(self, username: str, path: Path, collection: str | None = None) -> ImportReport:
        """``import_file`` for the user called ``username``, from a file (`paperwire library
        import`): its size is checked before it is read."""
        user = self.store.people.by_username(username)
        if user is None:
            raise NotFoundError(f"no user {username}")
        try:
            self.check_size(path.stat().st_size, str(path))
            data = path.read_bytes()
        except OSError as exc:
            raise LibraryFileError(f"{path}: cannot be read ({exc.strerror})") from exc
        return self.import_file(user, data, path.name, collection)

    def import_file(
        self,
        user: User,
        data: bytes,
        name: str,
        collection: str | None = None,
        fmt: LibraryFormat | None = None,
    ) -> ImportReport:
        self.check_size(len(data), name)
        parsed = parse_library(data, name, fmt)
        report = ImportReport(name, parsed.format, problems=parsed.problems)
        left = self._match(parsed.entries, report)
        self._fetch(left, report)
        if report.matched:
            report.collection, report.added = self.community.add_to_named_collection(
                user, collection or DEFAULT_COLLECTION, [m.paper_id for m in report.matched]
            )
        return report

    def _match(self, entries: Sequence[LibraryEntry], report: ImportReport) -> list[LibraryEntry]:
        """Match by arXiv id, DOI, then title (each one query for all entries); the entries
        left unmatched, in file order."""
        papers = self.store.papers
        stored = papers.live_ids({e.arxiv_id for e in entries if e.arxiv_id})
        by_doi = papers.ids_by_doi({e.doi for e in entries if e.doi})
        titles = {e.title for e in entries if e.title and len(title_key(e.title)) >= MIN_TITLE_KEY}
        # A stored title may spell an accent in TeX (arXiv's "Schr\\"odinger": key
        # "schrodinger") where the library has the letter ("Schrödinger"): both are asked.
        folded = {t: _folded(t) for t in titles}
        found = papers.ids_by_title(titles | set(folded.values())) if titles else {}
        by_title = {
            t: found.get(t) or found[folded[t]] for t in titles if t in found or folded[t] in found
        }
        live_titles = papers.live_ids(set(by_title.values()))
        left = []
        for e in entries:
            if e.arxiv_id in stored:
                report.matched.append(Match(e, e.arxiv_id, "arxiv id"))
            elif e.doi and e.doi in by_doi:
                report.matched.append(Match(e, by_doi[e.doi], "doi"))
            elif e.title and by_title.get(e.title) in live_titles:
                report.matched.append(Match(e, by_title[e.title], "title"))
            else:
                left.append(e)
        return left

    def _fetch(self, entries: Sequence[LibraryEntry], report: ImportReport) -> None:
        """Fetch the entries that name an arXiv paper, within the limits; after arXiv fails
        once (unreachable, answering errors) the rest are not tried."""
        deadline = time.monotonic() + FETCH_SECONDS
        fetched = 0
        failure: str | None = None
        for e in entries:
            if e.arxiv_id is None:
                report.unmatched.append(e)
            elif self.fetch_from_arxiv is None or self.fetch_limit == 0:
                report.not_fetched.append(
                    (e, "not in this paperwire, and fetching from arXiv is off here")
                )
            elif failure is not None:
                report.not_fetched.append((e, failure))
            elif fetched >= self.fetch_limit or time.monotonic() > deadline:
                report.not_fetched.append(
                    (
                        e,
                        f"not fetched: one import fetches at most {self.fetch_limit} papers "
                        f"within {FETCH_SECONDS:.0f} s; import the file again to fetch more",
                    )
                )
            else:
                fetched += 1
                try:
                    paper = self.fetch_from_arxiv(e.arxiv_id)
                except NotFoundError:
                    report.not_fetched.append((e, f"arXiv has no paper {e.arxiv_id}"))
                except PaperwireError as exc:
                    failure = f"not fetched: arXiv failed ({exc})"
                    report.not_fetched.append((e, failure))
                else:
                    report.matched.append(Match(e, paper.id, "fetched"))

    def export_collection(
        self, owner: str, slug: str, viewer: User | None, fmt: LibraryFormat
    ) -> LibraryExport:
        found, papers = self.community.collection_papers(owner, slug, viewer)
        return self.export_papers(f"{found.owner}-{found.slug}", papers, fmt)

    def export_for(self, username: str, slug: str, fmt: LibraryFormat) -> LibraryExport:
        """A collection as its owner sees it (`paperwire library export`)."""
        owner = self.store.people.by_username(username)
        if owner is None:
            raise NotFoundError(f"no user {username}")
        return self.export_collection(owner.username, slug, owner, fmt)

    @staticmethod
    def export_papers(stem: str, papers: Sequence[Paper], fmt: LibraryFormat) -> LibraryExport:
        """Any list of papers (a collection, recommendations) as a library file."""
        exporter = EXPORTERS[fmt]
        return LibraryExport(
            f"{stem}.{exporter.extension}", exporter.media_type, export(papers, fmt)
        )
