"""The sync jobs on a timetable, for ``paperwire serve``: a daemon thread, no cron needed.

- arXiv once a day at ``arxiv_at`` (UTC). arXiv announces new papers at 20:00 US Eastern,
  Sunday to Thursday: 00:00 UTC in summer, 01:00 UTC in winter, so 01:30 UTC is after it all
  year. On the other days the harvest finds little or nothing, cheaply.
- Hugging Face every ``hf_every`` hours.

Every web process may run a scheduler: the job lock in the store makes the second one to start
a job skip it, so a job never runs twice at once, on one machine or many. When is pure
(``next_daily``) and tested without threads or clocks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def next_daily(now: datetime, at: dt_time) -> datetime:
    """The first ``at`` (UTC) strictly after ``now``."""
    candidate = datetime.combine(now.date(), at, tzinfo=UTC)
    return candidate if candidate > now else candidate + timedelta(days=1)


def parse_time_of_day(text: str) -> dt_time:
    """``HH:MM`` -> time; ValueError otherwise."""
    hours, _, minutes = text.strip().partition(":")
    return dt_time(int(hours), int(minutes or 0))


class Scheduler:
    """Runs ``run(job_name)`` when each job is due; one job at a time, in its own thread.

    ``run`` is expected to report its own failures (a SyncReport); anything it raises is logged
    and the timetable goes on."""

    def __init__(
        self,
        run: Callable[[str], object],
        *,
        arxiv_at: dt_time | None = dt_time(1, 30),
        hf_every: timedelta | None = timedelta(hours=4),
        run_hf_at_start: bool = True,
        clock: Clock = lambda: datetime.now(UTC),
        poll_seconds: float = 30.0,
    ) -> None:
        self._run = run
        self._arxiv_at = arxiv_at
        self._hf_every = hf_every
        self._clock = clock
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        now = clock()
        self.due: dict[str, datetime] = {}
        if arxiv_at is not None:
            self.due["arxiv"] = next_daily(now, arxiv_at)
        if hf_every is not None:
            self.due["hf"] = now if run_hf_at_start else now + hf_every

    def tick(self) -> list[str]:
        """Run the jobs that are due now; returns their names (the thread calls this)."""
        ran = []
        for name in sorted(self.due, key=self.due.__getitem__):
            now = self._clock()
            if self.due[name] > now:
                continue
            try:
                self._run(name)
            except Exception:
                log.exception("scheduled sync %s failed", name)
            ran.append(name)
            self.due[name] = self._next(name, self._clock())
        return ran

    def _next(self, name: str, now: datetime) -> datetime:
        if name == "arxiv" and self._arxiv_at is not None:
            return next_daily(now, self._arxiv_at)
        assert self._hf_every is not None
        return now + self._hf_every

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sync scheduler", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the job running now (if any) finishes."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self._poll)
