"""The SMTP server misbehaving: refusing connections, timing out, deferring (4xx) then
accepting, and refusing one recipient for good (5xx)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from digest_helpers import (
    DigestService,
    SmtpSink,
    paper_from,
    put_papers,
    snapshot_records,
    subscribe_and_confirm,
)

from paperwire.service import make_service

MON = date(2026, 3, 2)
TUE_8 = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
READERS = ["ann@example.org", "bob@example.org", "cy@example.org"]


def _setup(service: DigestService, sink: SmtpSink, shared_data: Path) -> None:
    records = snapshot_records(shared_data)
    put_papers(service, [paper_from(r, MON, upvotes=3) for r in records[:3]])
    for address in READERS:
        subscribe_and_confirm(service, sink, address, "trending", send_hour=7)
    sink.clear()


def _states(service: DigestService) -> dict[str, int]:
    return service.store.deliveries.state_counts(date(2026, 1, 1))


def test_refused_connection_retries_later_and_then_delivers_once(
    dservice: DigestService, sink: SmtpSink, shared_data: Path
) -> None:
    _setup(dservice, sink, shared_data)
    sink.stop()
    report = dservice.digests.run_digests(TUE_8)
    # The first digest is retried a few times in the run; then the server counts as down and
    # the others are not even tried. Exit code 1 tells cron something is wrong.
    assert (report.sent, report.retry, report.deferred, report.exit_code) == (0, 1, 2, 1)
    assert _states(dservice) == {"retry": 1}
    sink.start()
    report = dservice.digests.run_digests(TUE_8 + timedelta(minutes=1))  # the retry waits 2.5 min+
    assert (report.sent, report.waiting) == (2, 1)
    report = dservice.digests.run_digests(TUE_8 + timedelta(minutes=10))
    assert report.sent == 1 and report.exit_code == 0
    assert sink.per_recipient() == {a: 1 for a in READERS}
    assert _states(dservice) == {"sent": 3}


def test_timeouts_are_retried_without_duplicates(
    dservice: DigestService, sink: SmtpSink, shared_data: Path
) -> None:
    _setup(dservice, sink, shared_data)
    # A second of margin both ways: ordinary replies come well within the 1 s timeout on a
    # loaded machine, and a stalled one is still 1.5 s away when the sender gives up.
    timed = make_service(
        dataclasses.replace(dservice.settings, smtp_timeout=1.0), clock=dservice.clock
    )
    # First: the server stalls on MAIL FROM (nothing was sent: retry). Then: it stalls after
    # the final dot, having taken the message (no reply: counted as sent, never resent).
    sink.handler.faults.mail_delays = [2.5]
    sink.handler.faults.data_delays = [0.0, 2.5]
    report = timed.digests.run_digests(TUE_8)
    assert report.sent == 3, report.summary()
    assert timed.digests.run_digests(TUE_8 + timedelta(hours=1)).due == 0
    assert sink.per_recipient() == {a: 1 for a in READERS}
    timed.close()


def test_4xx_then_2xx_is_delivered_once(
    dservice: DigestService, sink: SmtpSink, shared_data: Path
) -> None:
    _setup(dservice, sink, shared_data)
    sink.handler.faults.rcpt_replies["ann@example.org"] = ["451 4.7.1 greylisted, try again"]
    sink.handler.faults.data_replies = ["", "452 4.3.1 insufficient storage"][1:]
    report = dservice.digests.run_digests(TUE_8)
    assert (report.sent, report.retry, report.exit_code) == (3, 0, 0), report.summary()
    assert sink.per_recipient() == {a: 1 for a in READERS}
    # The digest deferred at its final dot was recorded, forgotten, then recorded again: a
    # later period does not repeat its papers.
    records = snapshot_records(shared_data)
    put_papers(dservice, [paper_from(r, date(2026, 3, 3), upvotes=1) for r in records[3:4]])
    assert dservice.digests.run_digests(TUE_8 + timedelta(days=1)).sent == 3
    for message in sink.received[3:]:
        text = message.message.get_body(("plain",)).get_content()
        assert text.count("/papers/") == 1


def test_5xx_for_one_recipient_fails_it_and_stops_mailing_it_after_three(
    dservice: DigestService, sink: SmtpSink, shared_data: Path
) -> None:
    _setup(dservice, sink, shared_data)
    bad = "bob@example.org"
    sink.handler.faults.rcpt_always[bad] = "550 5.1.1 no such mailbox"
    records = snapshot_records(shared_data)
    for day in range(4):
        now = TUE_8 + timedelta(days=day)
        put_papers(
            dservice,
            [
                paper_from(r, now.date() - timedelta(days=1), upvotes=1)
                for r in records[3 + day : 4 + day]
            ],
        )
        report = dservice.digests.run_digests(now)
        if day < 3:
            assert (report.sent, report.failed, report.exit_code) == (2, 1, 1), report.summary()
        else:
            assert (report.sent, report.failed, report.due) == (2, 0, 2)  # bob no longer due
    assert sink.per_recipient() == {"ann@example.org": 4, "cy@example.org": 4}
    status = dservice.digests.digest_status()
    assert [(f.email, f.failures, f.status) for f in status.failing] == [(bad, 3, "failing")]
    assert "550 5.1.1" in (status.failing[0].last_error or "")
    assert status.counts["subscribers failing"] == 1
