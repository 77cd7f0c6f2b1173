"""Time is injected (``run_digests(now)``, the CLI's ``--now``): daily and weekly rhythms, time
zones, and weekends without papers, tested without waiting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from digest_helpers import (
    Clock,
    DigestService,
    SmtpSink,
    paper_from,
    put_papers,
    snapshot_records,
    subscribe_and_confirm,
)

THU, MON = date(2026, 2, 26), date(2026, 3, 2)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _ids(sink: SmtpSink, address: str) -> list[set[str]]:
    return [
        set(re.findall(r"/papers/(\S+?)\s", m.message.get_body(("plain",)).get_content()))
        for m in sink.to(address)
        if m.message["List-Id"]
    ]


def test_weekend_without_papers_sends_nothing_and_the_next_digest_covers_the_gap(
    dservice: DigestService, sink: SmtpSink, clock: Clock, shared_data: Path
) -> None:
    records = snapshot_records(shared_data)
    thursday = [paper_from(r, THU, upvotes=2) for r in records[:3]]
    monday = [paper_from(r, MON, upvotes=2) for r in records[3:6]]
    put_papers(dservice, thursday + monday)
    clock.set("2026-02-26T09:00+00:00")  # Thursday
    subscribe_and_confirm(dservice, sink, "daily@example.org", "trending", send_hour=7)
    outcomes = []
    for day in ("02-27", "02-28", "03-01", "03-02", "03-03"):  # Fri .. Tue, 08:00 UTC
        report = dservice.digests.run_digests(_at(f"2026-{day}T08:00+00:00"))
        outcomes.append((report.sent, report.empty))
    # Friday mails Thursday's papers; Saturday, Sunday and Monday (feed days Fri, Sat, Sun)
    # have none: nothing is sent; Tuesday's digest carries Monday's papers and says it covers
    # everything since the last digest.
    assert outcomes == [(1, 0), (0, 1), (0, 1), (0, 1), (1, 0)]
    digests = [m.message for m in sink.to("daily@example.org") if m.message["List-Id"]]
    assert "Fri 27 Feb 2026 – Mon 2 Mar 2026" in digests[1]["Subject"]
    assert _ids(sink, "daily@example.org") == [{p.id for p in thursday}, {p.id for p in monday}]


def test_weekly_digest_on_monday_covers_the_week_before(
    dservice: DigestService, sink: SmtpSink, clock: Clock, shared_data: Path
) -> None:
    records = snapshot_records(shared_data)
    put_papers(dservice, [paper_from(r, THU, upvotes=1) for r in records[:4]])
    clock.set("2026-02-26T09:00+00:00")
    subscribe_and_confirm(
        dservice, sink, "weekly@example.org", "trending", frequency="weekly", send_hour=7
    )
    assert dservice.digests.run_digests(_at("2026-02-28T08:00+00:00")).due == 0  # Saturday
    assert dservice.digests.run_digests(_at("2026-03-02T06:59+00:00")).due == 0  # Monday, too early
    report = dservice.digests.run_digests(_at("2026-03-02T07:00+00:00"))
    assert report.sent == 1
    put_papers(dservice, [paper_from(r, MON, upvotes=1) for r in records[4:6]])
    assert dservice.digests.run_digests(_at("2026-03-05T07:00+00:00")).due == 0  # mid-week: nothing
    assert dservice.digests.run_digests(_at("2026-03-09T07:30+00:00")).sent == 1
    ids = _ids(sink, "weekly@example.org")
    assert ids == [{r["id"] for r in records[:4]}, {r["id"] for r in records[4:6]}]
    subject = sink.to("weekly@example.org")[-1].message["Subject"]
    assert "Mon 2 Mar 2026 – Sun 8 Mar 2026" in subject


def test_send_hour_is_local_time_in_each_subscribers_zone(
    dservice: DigestService, sink: SmtpSink, clock: Clock, shared_data: Path
) -> None:
    records = snapshot_records(shared_data)
    put_papers(dservice, [paper_from(r, MON, upvotes=1) for r in records[:2]])
    clock.set("2026-03-02T09:00+00:00")
    for address, zone in (
        ("tokyo@example.org", "Asia/Tokyo"),
        ("ny@example.org", "America/New_York"),
    ):
        subscribe_and_confirm(dservice, sink, address, "trending", timezone=zone, send_hour=8)
    # 23:30 UTC Monday is 08:30 Tuesday in Tokyo: its digest of Monday goes. In New York it is
    # 18:30 Monday: Sunday's period is due there, and Sunday had no papers.
    report = dservice.digests.run_digests(_at("2026-03-02T23:30+00:00"))
    assert (report.sent, report.empty) == (1, 1)
    assert len(_ids(sink, "tokyo@example.org")) == 1 and _ids(sink, "ny@example.org") == []
    assert dservice.digests.run_digests(_at("2026-03-03T12:59+00:00")).due == 0  # 07:59 in New York
    assert dservice.digests.run_digests(_at("2026-03-03T13:00+00:00")).sent == 1  # 08:00 EST
    assert _ids(sink, "ny@example.org") == [{r["id"] for r in records[:2]}]
    assert sink.per_recipient()["tokyo@example.org"] == 2  # confirmation + one digest


def test_a_missed_week_of_runs_sends_one_digest_covering_it(
    dservice: DigestService, sink: SmtpSink, clock: Clock, shared_data: Path
) -> None:
    records = snapshot_records(shared_data)
    days = [date(2026, 3, d) for d in (2, 3, 4)]
    put_papers(dservice, [paper_from(r, days[i % 3], upvotes=1) for i, r in enumerate(records[:6])])
    clock.set("2026-03-01T09:00+00:00")
    subscribe_and_confirm(dservice, sink, "late@example.org", "trending", send_hour=7, top_n=50)
    # The server was down from Monday to Thursday; Friday's run sends one digest with all.
    report = dservice.digests.run_digests(_at("2026-03-06T08:00+00:00"))
    assert (report.due, report.sent) == (1, 1)
    assert _ids(sink, "late@example.org") == [{r["id"] for r in records[:6]}]
