"""From a fetched page to the store: the one place the sync jobs write papers.

Writes go through ``ingest.import_items`` (merge, dedup, change sequence). A dry run reads the
stored papers and runs the same pure ``decide_batch``, so it counts exactly what a real run
would write, without writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from paperwire.ingest import ImportReport, decide_batch, import_items
from paperwire.models import Deleted, Item, Paper, Problem
from paperwire.store import Store
from paperwire.sync.report import JobReport


def store_items(
    store: Store,
    items: Sequence[Item],
    name: str,
    report: JobReport,
    *,
    today: date,
    dry_run: bool = False,
    batch_size: int = 2000,
) -> None:
    """Write (or, dry, count) one page's items; record problems under ``name`` (the URL)."""
    if dry_run:
        imported = preview_items(store, items, name, today)
    else:
        imported = import_items(
            store, ((name, item) for item in items), batch_size=batch_size, today=today
        )
    report.add(imported)


def preview_items(store: Store, items: Sequence[Item], name: str, today: date) -> ImportReport:
    imported = ImportReport()
    good: list[Paper | Deleted] = []
    for item in items:
        if isinstance(item, Problem):
            imported.add_problem(name, item)
        else:
            good.append(item)
    imported.read = len(good)
    ids = {item.id for item in good}
    existing = store.papers.get_papers(ids)
    written = decide_batch(existing, good, today)
    deletions = {item.id for item in good if isinstance(item, Deleted)}
    changed = {paper.id for paper in written if paper.id in existing}
    imported.new = len(written) - len(changed)
    imported.deleted = len(changed & deletions)
    imported.updated = len(changed - deletions)
    imported.unchanged = len(ids) - len(written)
    return imported
