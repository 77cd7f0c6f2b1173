"""The digest job on a timer inside ``paperwire serve`` (cron can run ``paperwire digest run``
instead, or as well: the job lock in the store lets only one run at a time, across processes
and machines, and a run finds only what is due, so extra runs are harmless)."""

from __future__ import annotations

import logging
import threading

from paperwire.errors import PaperwireError
from paperwire.service.digest_config import setting
from paperwire.service.digests import DigestsMixin

log = logging.getLogger(__name__)
FIRST_RUN_SECONDS = 30.0  # let the server finish starting first


def digest_loop(
    service: DigestsMixin, stop: threading.Event, first_run: float = FIRST_RUN_SECONDS
) -> None:
    every = max(30.0, float(setting(service.settings, "digest_every_minutes")) * 60)
    wait = first_run
    while not stop.wait(wait):
        wait = every
        try:
            report = service.run_digests()
        except PaperwireError as exc:
            log.warning("digest run failed: %s", exc)
            continue
        if report.due or report.errors or report.confirmations_sent:
            log.info("digests: %s", report.summary())


def start_digest_scheduler(
    service: object, stop: threading.Event, first_run: float = FIRST_RUN_SECONDS
) -> threading.Thread | None:
    """Start the timer thread; None when digests are off (no mixin, or no SMTP server set)."""
    if not isinstance(service, DigestsMixin) or not setting(service.settings, "smtp_host"):
        return None
    thread = threading.Thread(
        target=digest_loop, args=(service, stop, first_run), name="digest scheduler", daemon=True
    )
    thread.start()
    return thread
