"""Live sync: the harvest jobs, a paper submitted by id, the timetable for ``serve``.

Thin: ``paperwire.sync`` does the work; this maps Settings onto its ``SyncConfig``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paperwire.models import Paper
    from paperwire.settings import Settings
    from paperwire.store import Store
    from paperwire.sync import SyncConfig, SyncReport
    from paperwire.sync.report import Progress


def make_sync_config(settings: Settings) -> SyncConfig:
    from paperwire.sync import SyncConfig

    return SyncConfig(
        arxiv_oai_url=settings.arxiv_oai_url,
        arxiv_api_url=settings.arxiv_api_url,
        hf_api_url=settings.hf_api_url,
        contact_email=settings.contact_email,
        sets=tuple(s for s in settings.sync_sets.replace(",", " ").split() if s),
        metadata_prefix=settings.sync_metadata_prefix,
        arxiv_delay=settings.arxiv_delay_seconds,
        hf_delay=settings.hf_delay_seconds,
        http_timeout=settings.http_timeout,
        max_retries=settings.http_max_retries,
        budget_seconds=settings.job_budget_seconds,
        arxiv_first_days=settings.arxiv_first_days,
        hf_refresh_days=settings.hf_refresh_days,
        lock_ttl_seconds=settings.sync_lock_ttl_seconds,
        batch_size=settings.import_batch_size,
    )


class Sync:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def sync(
        self,
        which: str = "all",
        *,
        since: date | None = None,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> SyncReport:
        """Run the sync job(s) "arxiv", "hf" or "all" (see docs/sync.md)."""
        from paperwire.sync import run_sync
        from paperwire.sync.report import no_progress

        return run_sync(
            self.store,
            make_sync_config(self.settings),
            which,
            since=since,
            dry_run=dry_run,
            progress=progress or no_progress,
        )

    def fetch_from_arxiv(self, arxiv_id: str) -> Paper:
        """Look a paper up on the arXiv API and store it (a submission, or a refresh to its
        latest version); NotFoundError when arXiv has no such paper. ``make_service`` hands it
        to the community part, whose ``submit_paper`` calls it for unknown papers."""
        from paperwire.sync import fetch_arxiv_paper

        return fetch_arxiv_paper(self.store, make_sync_config(self.settings), arxiv_id)

    def snapshot_date(self, path: Path) -> date:
        """Where OAI-PMH takes over from an arXiv bulk snapshot: its newest update_date."""
        from paperwire.sync.bulk import newest_update_date

        return newest_update_date(path)
