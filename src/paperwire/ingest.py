"""The ingest pipeline: read -> resolve ids -> decide (pure merge) -> store.

1. ``sources.read_path`` streams items (papers, deletions, problems) from any supported file.
2. Papers that a source names only by title (a copied web page) get the id of a stored paper
   with the same title where there is one; otherwise they keep their stable derived id.
3. ``merge`` decides, without I/O, what a stored paper becomes when a source says something
   about it; unchanged papers are not written, so a re-import touches nothing.
4. The store writes each batch in one transaction with fresh change-sequence numbers.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from paperwire.ids import is_derived
from paperwire.models import Deleted, Item, Paper, Problem, Version
from paperwire.store import Store

# Fields that describe the paper itself: a newer arXiv version replaces them, and so does a
# source read again whose record (or our reading of it, ``sources.common.PARSER_REVISION``)
# changed for the same version (arXiv corrects metadata without a new version); otherwise a
# source only fills the ones still empty ("first source wins").
_PAIRED = {"title": "title_raw", "abstract": "abstract_raw"}
_METADATA_FIELDS = (
    "title",
    "abstract",
    "authors",
    "categories",
    "comment",
    "journal_ref",
    "doi",
    "license",
    "submitter",
    "updated",
)
# Fields a curated source refreshes over time (upvotes grow, a repo link appears).
_COMMUNITY_FIELDS = (
    "submitted_by",
    "github_repo",
    "project_page",
    "ai_summary",
    "ai_keywords",
)
MAX_KEPT_PROBLEMS = 1000


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _earliest(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _latest(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _merge_versions(a: list[Version], b: list[Version]) -> list[Version]:
    by_number = {v.number: v for v in a}
    for v in b:
        if v.number not in by_number or by_number[v.number].created is None:
            by_number[v.number] = v
    return [by_number[n] for n in sorted(by_number)]


def _dated(paper: Paper) -> bool:
    """Whether the source says anything about when the paper appeared."""
    return bool(
        paper.published
        or paper.submitted_on
        or paper.updated
        or any(v.created for v in paper.versions)
    )


def listing_day(month_day: tuple[int, int], newest: date | None, today: date) -> date | None:
    """The day a year-less listing date ("Mar 11") names: the first such day on or after
    ``newest`` (the newest date known of the papers it lists, which it cannot precede), else
    the latest one up to ``today``; None when neither exists (the page would be from the
    future)."""
    month, day = month_day

    def on(year: int) -> date | None:
        try:
            return date(year, month, day)
        except ValueError:  # Feb 29 in a common year
            return None

    if newest is not None:
        for year in range(newest.year, newest.year + 5):
            found = on(year)
            if found is not None and found >= newest:
                return found if found <= today else None
    for year in range(today.year, today.year - 5, -1):
        found = on(year)
        if found is not None and found <= today:
            return found
    return None


def merge(current: Paper | None, incoming: Paper, today: date) -> Paper | None:
    """What ``current`` becomes after ``incoming``; ``None`` when nothing changes.

    Pure: no I/O, no clock (``today`` stamps "first seen" on papers no source dates). Papers
    are never mutated; list fields are replaced, never changed in place, so sharing them
    between the old and the new object is safe (and avoids a deep copy per record).
    """
    if current is None:
        # A source that dates nothing (a copied page without a date line) must not put the
        # paper on today's feed: it stays undated until a source dates it.
        return dataclasses.replace(
            incoming,
            versions=_merge_versions([], incoming.versions),
            first_seen=incoming.first_seen or (today if _dated(incoming) else None),
            deleted=False,
        )

    changes: dict[str, Any] = {}

    def offer(name: str, value: Any) -> None:
        if value != getattr(current, name):
            changes[name] = value

    incoming_version = incoming.latest_version
    current_version = current.latest_version
    reread = incoming_version == current_version and any(
        current.input_digests.get(source, digest) != digest
        for source, digest in incoming.input_digests.items()
    )
    newer = reread or (
        incoming_version is not None
        and (current_version is None or incoming_version > current_version)
    )
    for name in _METADATA_FIELDS:
        value = getattr(incoming, name)
        if _empty(value) or not (newer or _empty(getattr(current, name))):
            continue
        offer(name, value)
        if name in _PAIRED:
            offer(_PAIRED[name], getattr(incoming, _PAIRED[name]))
    for name in _COMMUNITY_FIELDS:
        value = getattr(incoming, name)
        if not _empty(value):
            offer(name, value)
    offer("upvotes", _latest(current.upvotes, incoming.upvotes))
    if incoming.github_stars is not None:
        offer("github_stars", incoming.github_stars)
    offer("versions", _merge_versions(current.versions, incoming.versions))
    offer("published", _earliest(current.published, incoming.published))
    offer("first_seen", _earliest(current.first_seen, incoming.first_seen))
    offer("submitted_on", _earliest(current.submitted_on, incoming.submitted_on))
    if incoming.input_digests:
        offer("input_digests", {**current.input_digests, **incoming.input_digests})
    added = [s for s in incoming.sources if s not in current.sources]
    if added:
        changes["sources"] = current.sources + added
    offer("deleted", False)  # a source lists it again
    return dataclasses.replace(current, **changes) if changes else None


def apply_deletion(current: Paper | None) -> Paper | None:
    if current is None or current.deleted:
        return None
    return dataclasses.replace(current, deleted=True)


def decide_batch(
    existing: dict[str, Paper], items: list[Paper | Deleted], today: date
) -> list[Paper]:
    """Fold a batch (in file order, ids possibly repeated) onto the stored papers."""
    working: dict[str, Paper] = {}
    for item in items:
        current = working.get(item.id) or existing.get(item.id)
        if isinstance(item, Deleted):
            changed = apply_deletion(current)
        else:
            changed = merge(current, item, today)
        if changed is not None:
            working[item.id] = changed
    return [p for p in working.values() if _differs(p, existing.get(p.id))]


def _differs(paper: Paper, stored: Paper | None) -> bool:
    # Fingerprints are not part of equality but must be stored when they change.
    return stored is None or paper != stored or paper.input_digests != stored.input_digests


@dataclass
class ImportReport:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    matched_by_title: int = 0
    derived_ids: int = 0
    problem_count: int = 0
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def skipped(self) -> int:
        return self.problem_count

    def add_problem(self, name: str, problem: Problem) -> None:
        self.problem_count += 1
        self.reasons[problem.reason.split(":")[0][:80]] += 1
        if len(self.problems) < MAX_KEPT_PROBLEMS:
            self.problems.append((name, problem))

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "matched_by_title": self.matched_by_title,
            "derived_ids": self.derived_ids,
            "skipped": self.skipped,
            "problems": [str(p) for _, p in self.problems],
        }


ProgressFn = Callable[[int], None]


def _batches(
    items: Iterable[tuple[str, Item]], size: int, report: ImportReport
) -> Iterator[list[Paper | Deleted]]:
    batch: list[Paper | Deleted] = []
    for name, item in items:
        if isinstance(item, Problem):
            report.add_problem(name, item)
            continue
        report.read += 1
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_items(
    store: Store,
    items: Iterable[tuple[str, Item]],
    *,
    batch_size: int = 2000,
    progress: ProgressFn | None = None,
    today: date | None = None,
) -> ImportReport:
    report = ImportReport()
    day = today or datetime.now(UTC).date()
    for batch in _batches(items, batch_size, report):
        _resolve_titles(store, batch, report)
        _date_listings(store, batch, day)
        read = len(batch)
        batch = _drop_seen_records(store, batch)
        report.unchanged += read - len(batch)
        ids = {item.id for item in batch}
        deletions = {item.id for item in batch if isinstance(item, Deleted)}
        result = store.papers.update_papers(
            ids, functools.partial(decide_batch, items=batch, today=day)
        )
        report.new += len(result.new)
        changed = set(result.updated)
        report.deleted += len(changed & deletions)
        report.updated += len(changed - deletions)
        report.unchanged += len(ids) - len(result.new) - len(changed)
        if progress is not None:
            progress(read)
    return report


def _drop_seen_records(store: Store, batch: list[Paper | Deleted]) -> list[Paper | Deleted]:
    """Records whose raw fingerprint the store already holds for their source were merged
    before, and merging is idempotent: skip them without reading or merging their papers.
    This is what makes re-importing an unchanged file cheap."""
    fingerprinted = [p for p in batch if isinstance(p, Paper) and p.input_digests]
    if not fingerprinted:
        return batch
    stored = store.papers.input_digests([p.id for p in fingerprinted])
    seen: set[int] = set()
    for paper in fingerprinted:
        known = stored.get(paper.id, {})
        if all(known.get(source) == digest for source, digest in paper.input_digests.items()):
            seen.add(id(paper))
    return [item for item in batch if id(item) not in seen]


def _resolve_titles(store: Store, batch: list[Paper | Deleted], report: ImportReport) -> None:
    untitled = [p for p in batch if isinstance(p, Paper) and is_derived(p.id)]
    if not untitled:
        return
    found = store.papers.ids_by_title([p.title for p in untitled])
    for paper in untitled:
        real = found.get(paper.title)
        if real is not None and not is_derived(real):
            paper.id = real
            report.matched_by_title += 1
        else:
            report.derived_ids += 1


def _date_listings(store: Store, batch: list[Paper | Deleted], today: date) -> None:
    """Papers of a listing dated without a year (the copied HF page's "Mar 11") get the day
    it names; the papers of the same listing already known by title say which year
    (``listing_day``)."""
    listed = [p for p in batch if isinstance(p, Paper) and p.listed_on and not p.first_seen]
    if not listed:
        return
    known = store.papers.get_papers([p.id for p in listed if not is_derived(p.id)])
    days = [
        day
        for paper in known.values()
        for day in (paper.first_seen, paper.published.date() if paper.published else None)
        if day is not None
    ]
    newest = max(days, default=None)
    for paper in listed:
        assert paper.listed_on is not None  # the filter above
        paper.first_seen = listing_day(paper.listed_on, newest, today)


def import_paths(
    store: Store,
    paths: Iterable[Path],
    *,
    fmt: str | None = None,
    batch_size: int = 2000,
    progress: ProgressFn | None = None,
    today: date | None = None,
) -> ImportReport:
    from paperwire.sources import read_path

    def items() -> Iterator[tuple[str, Item]]:
        for path in paths:
            yield from read_path(path, fmt)

    return import_items(store, items(), batch_size=batch_size, progress=progress, today=today)
