"""Papers in and out of the store: import, look up, export, stats. Small and cheap to import,
so the one-shot commands that need nothing else (`paperwire show`, `stats`, `export`) start
fast: building this part loads neither SQLAlchemy nor the search stack."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from paperwire.errors import NotFoundError
from paperwire.ids import paper_key
from paperwire.ingest import ImportReport, ProgressFn, import_paths
from paperwire.models import Paper
from paperwire.settings import Settings
from paperwire.store import Store

# An import that wrote at least this many papers refreshes the database's statistics.
BULK_WRITE = 10_000


class Papers:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.import_batch_size = settings.import_batch_size

    def import_files(
        self,
        paths: Iterable[Path],
        *,
        fmt: str | None = None,
        progress: ProgressFn | None = None,
        today: date | None = None,
    ) -> ImportReport:
        report = import_paths(
            self.store,
            paths,
            fmt=fmt,
            batch_size=self.import_batch_size,
            progress=progress,
            today=today,
        )
        if report.new + report.updated >= BULK_WRITE:
            self.store.papers.refresh_statistics()
        return report

    def import_demo(self, progress: ProgressFn | None = None) -> ImportReport:
        from paperwire.demo import demo_files

        return self.import_files(demo_files(), progress=progress)

    def get(self, paper_id: str) -> Paper:
        """A paper by any spelling of its arXiv id (or a derived id); NotFoundError otherwise."""
        key = paper_key(paper_id)
        paper = self.store.papers.get_paper(key)
        if paper is None or paper.deleted:
            raise NotFoundError(f"no paper {key} in the store")
        return paper

    def stats(self) -> dict[str, Any]:
        return self.store.papers.stats()

    def export(self, out: IO[str]) -> int:
        """Write every live paper as a JSON line (the ``paperwire`` import format)."""
        count = 0
        for paper in self.iter_papers():
            out.write(json.dumps(paper.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        return count

    def iter_papers(self) -> Iterator[Paper]:
        return (p for p in self.store.papers.iter_papers() if not p.deleted)

    def after(self, cursor: str, limit: int) -> list[Paper]:
        """Live papers in id order after ``cursor`` (keyset pagination for the API)."""
        return self.store.papers.papers_after(cursor, limit)

    def count(self) -> int:
        """How many live papers there are."""
        return self.store.papers.live_count()

    def listing(self, offset: int, limit: int) -> list[tuple[str, date | None]]:
        """Live papers' ids in id order with the day each last changed (for the sitemap)."""
        return self.store.papers.listing(offset, limit)
