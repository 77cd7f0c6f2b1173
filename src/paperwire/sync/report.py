"""What a sync run did, and the exit code that says so.

Exit codes (a cron line runs ``paperwire sync && paperwire index``):

- 0: every job ran cleanly and something changed (papers new, updated or deleted);
- 10: every job ran cleanly and nothing changed (or the job was already running elsewhere);
- 5: a source failed or sent something unreadable. What was stored is consistent, and the next
  run resumes from the checkpoint; the index catches up from the change sequence whenever
  ``paperwire index`` next runs, so skipping it after a failure loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from paperwire.errors import SourceError
from paperwire.ingest import ImportReport

EXIT_CHANGED = 0
EXIT_UNCHANGED = 10
EXIT_ERRORS = SourceError.exit_code
MAX_KEPT_ERRORS = 200

Progress = Callable[[str], None]


def no_progress(_message: str) -> None:
    return None


@dataclass
class JobReport:
    job: str
    dry_run: bool = False
    pages: int = 0
    records: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    error_count: int = 0
    errors: list[str] = field(default_factory=list)
    # Set when the job did not run: another process holds its lock.
    skipped: str | None = None
    # Set when the job stopped early (a source stayed down, the budget ran out).
    failed: str | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.deleted)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.failed is None

    def error(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(message)

    def fail(self, message: str) -> None:
        self.failed = message
        self.error(message)

    def add(self, imported: ImportReport) -> None:
        self.records += imported.read
        self.new += imported.new
        self.updated += imported.updated
        self.unchanged += imported.unchanged
        self.deleted += imported.deleted
        for _, problem in imported.problems:
            self.error(str(problem))
        # ImportReport keeps only its first problems; count the rest too.
        self.error_count += imported.problem_count - len(imported.problems)

    def summary(self) -> str:
        if self.skipped:
            return f"{self.job}: skipped ({self.skipped})"
        verb = "would be " if self.dry_run else ""
        text = (
            f"{self.job}: {self.pages:,} pages, {self.records:,} records; {verb}new {self.new:,}, "
            f"{verb}updated {self.updated:,}, {verb}deleted {self.deleted:,}, "
            f"errors {self.error_count:,} ({self.seconds:.1f} s)"
        )
        return text + (f"; stopped: {self.failed}" if self.failed else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "dry_run": self.dry_run,
            "pages": self.pages,
            "records": self.records,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "errors": self.error_count,
            "error_messages": self.errors,
            "skipped": self.skipped,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class SyncReport:
    jobs: list[JobReport] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(job.changed for job in self.jobs)

    @property
    def ok(self) -> bool:
        return all(job.ok for job in self.jobs)

    @property
    def exit_code(self) -> int:
        if not self.ok:
            return EXIT_ERRORS
        return EXIT_CHANGED if self.changed else EXIT_UNCHANGED

    def to_dict(self) -> dict[str, Any]:
        return {
            "jobs": [job.to_dict() for job in self.jobs],
            "changed": self.changed,
            "ok": self.ok,
            "exit_code": self.exit_code,
        }
