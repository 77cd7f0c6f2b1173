"""Double opt-in, a digest through a real SMTP server, what it contains, and no duplicates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from digest_helpers import (
    Clock,
    DigestService,
    SmtpSink,
    confirm_link,
    links,
    paper_from,
    put_papers,
    snapshot_records,
    subscribe_and_confirm,
    token_of,
)

MON = date(2026, 3, 2)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_double_opt_in_then_one_digest_with_parts_headers_and_links(
    dservice: DigestService, sink: SmtpSink, clock: Clock, shared_data: Path
) -> None:
    records = snapshot_records(shared_data)
    put_papers(dservice, [paper_from(r, MON, upvotes=10 - i) for i, r in enumerate(records[:6])])

    result = dservice.digests.subscribe(
        "Reader@Example.ORG", "trending", frequency="daily", timezone="UTC", send_hour=7
    )
    assert result.email == "Reader@example.org" and result.mailed
    assert len(sink.received) == 1
    confirmation = sink.received[0].message
    assert confirmation["Subject"].startswith("Confirm your paperwire subscription")
    assert sink.received[0].recipients == ["Reader@example.org"]

    # Nothing but the confirmation before it is clicked, however often the job runs.
    for when in ("2026-03-03T08:00+00:00", "2026-03-04T08:00+00:00"):
        report = dservice.digests.run_digests(_at(when))
        assert report.due == 0 and report.exit_code == 0
    assert len(sink.received) == 1

    token = token_of(confirm_link(confirmation))
    assert dservice.digests.confirm_state(token).state == "pending"
    assert dservice.digests.confirm(token).state == "confirmed"
    assert dservice.digests.confirm(token).state == "already"  # clicked twice: harmless

    report = dservice.digests.run_digests(_at("2026-03-03T08:00+00:00"))
    assert (report.due, report.sent, report.exit_code) == (1, 1, 0), report.summary()
    digest = sink.received[-1].message
    assert digest.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in digest.iter_parts()] == ["text/plain", "text/html"]
    assert digest["Message-ID"] == f"<digest-{_sub_id(dservice)}-20260302@papers.example.org>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(
        r"<(https://papers\.example\.org/digest/unsubscribe\?token=\S+)>",
        digest["List-Unsubscribe"],
    )
    assert unsubscribe is not None
    assert digest["List-Id"].endswith(".digest.papers.example.org>")
    assert "Trending papers: 6 papers" in digest["Subject"]
    html = digest.get_body(("html",)).get_content()
    text = digest.get_body(("plain",)).get_content()
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert 'style="' in html and "<style" not in html  # inline CSS only
    for record in records[:6]:
        assert f"https://papers.example.org/papers/{record['id']}" in text
        assert f"https://arxiv.org/abs/{record['id']}" in html
    assert "trending: 10 upvotes" in text
    assert any("/digest/preferences?token=" in u for u in links(digest))

    # The same run again, and later runs, send nothing more for that period.
    assert dservice.digests.run_digests(_at("2026-03-03T08:30+00:00")).due == 0
    report = dservice.digests.run_digests(
        _at("2026-03-04T08:00+00:00")
    )  # Tuesday's feed day: empty
    assert (report.due, report.empty, report.sent) == (1, 1, 0)
    assert sink.per_recipient() == {"Reader@example.org": 2}

    # One-click unsubscribe with the header's link: no more digests.
    assert dservice.digests.unsubscribe(token_of(unsubscribe.group(1))).state == "unsubscribed"
    put_papers(dservice, [paper_from(r, date(2026, 3, 4), upvotes=5) for r in records[6:8]])
    assert dservice.digests.run_digests(_at("2026-03-05T08:00+00:00")).due == 0
    assert len(sink.received) == 2


def _sub_id(service: DigestService) -> int:
    subscriber = service.store.subscribers.subscriber_by_key("reader@example.org")
    assert subscriber is not None
    return service.store.subscribers.subscriptions_of(subscriber.id)[0].id


def test_no_paper_is_sent_twice_and_late_papers_are_caught(
    dservice: DigestService, sink: SmtpSink, clock: Clock, shared_data: Path
) -> None:
    records = snapshot_records(shared_data)
    put_papers(dservice, [paper_from(r, MON, upvotes=3) for r in records[:3]])
    subscribe_and_confirm(dservice, sink, "a@example.org", "trending", send_hour=7)
    assert dservice.digests.run_digests(_at("2026-03-03T08:00+00:00")).sent == 1
    # A paper of Monday's feed day reaches the store late (after Tuesday's digest), and one
    # paper already mailed is featured again with more votes: the first is caught by Wednesday's
    # digest, the second is not repeated.
    late = paper_from(records[3], MON, upvotes=7)
    again = paper_from(records[0], MON, upvotes=50)
    fresh = paper_from(records[4], date(2026, 3, 3), upvotes=1)
    put_papers(dservice, [late, again, fresh])
    assert dservice.digests.run_digests(_at("2026-03-04T08:00+00:00")).sent == 1
    ids_by_mail = [
        set(re.findall(r"/papers/(\S+?)\s", m.message.get_body(("plain",)).get_content()))
        for m in sink.to("a@example.org")[1:]
    ]
    assert ids_by_mail[0] == {records[i]["id"] for i in range(3)}
    assert ids_by_mail[1] == {late.id, fresh.id}


def test_the_serve_job_table_runs_the_digest_job(
    dservice: DigestService, sink: SmtpSink, clock: Clock, shared_data: Path
) -> None:
    import dataclasses
    import time

    from paperwire.service import make_service
    from paperwire.service.jobs import Every, Job, JobRunner

    records = snapshot_records(shared_data)
    put_papers(dservice, [paper_from(r, MON, upvotes=1) for r in records[:2]])
    subscribe_and_confirm(dservice, sink, "sched@example.org", "trending", send_hour=7)
    clock.set("2026-03-03T08:00+00:00")
    off = make_service(dataclasses.replace(dservice.settings, smtp_host=""))
    assert "digests" not in {job.name for job in off.jobs().jobs.values()}  # no SMTP server: no job
    job = next(job for job in dservice.jobs().jobs.values() if job.name == "digests")
    # The table's job as it is, due at once rather than 30 s after the start.
    runner = JobRunner(dservice.store, [Job(job.name, Every(timedelta(minutes=5)), job.run)], clock)
    runner.start()
    deadline = time.monotonic() + 20
    while len(sink.to("sched@example.org")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    runner.stop(10)
    assert len(sink.to("sched@example.org")) == 2  # the confirmation, then one digest


def test_a_subscription_added_after_unsubscribing_from_everything_is_sent(
    dservice: DigestService, sink: SmtpSink, shared_data: Path
) -> None:
    records = snapshot_records(shared_data)
    put_papers(dservice, [paper_from(r, MON, upvotes=10 - i) for i, r in enumerate(records[:3])])
    subscriber_id = subscribe_and_confirm(
        dservice, sink, "reader@example.org", "trending", send_hour=7
    )
    manage = dservice.digests.tokens.manage(subscriber_id, "reader@example.org")
    dservice.digests.unsubscribe_everything(manage)
    # The preferences page (its link proves the address) adds one back.
    added = dservice.digests.add_subscription(
        manage, "trending", "", frequency="daily", send_hour=7
    )
    prefs = dservice.digests.preferences(manage)
    assert [v.subscription.id for v in prefs.subscriptions] == [added.id]
    assert prefs.subscriptions[0].next_send is not None  # shown as live, and it is
    before = len(sink.received)
    report = dservice.digests.run_digests(_at("2026-03-03T08:00+00:00"))
    assert (report.due, report.sent, report.exit_code) == (1, 1, 0), report.summary()
    assert len(sink.received) == before + 1
