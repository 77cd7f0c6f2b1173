"""A library import fetches the papers the store lacks from arXiv (the recorded API on
loopback), within its limit; an unreachable arXiv is reported, never waited on."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest
from sync_replay import ReplayServer

from paperwire.service import Service, make_service
from paperwire.settings import Settings

LIBRARY = b"""@article{a, title = {Recorded paper one}, eprint = {1605.08386}, eprinttype = {arxiv}}
@article{b, title = {Recorded paper two}, url = {https://arxiv.org/abs/astro-ph/0601001}}
@article{c, title = {Not on arXiv}, journal = {arXiv preprint arXiv:0808.05394}}
@article{d, title = {Over the limit}, eprint = {1707.08567}, archivePrefix = {arXiv}}
"""


def _service(settings: Settings, **changes: object) -> Iterator[Service]:
    service = make_service(dataclasses.replace(settings, **changes))  # type: ignore[arg-type]
    service.init()
    yield service
    service.close()


@pytest.fixture
def online(settings: Settings, replay: ReplayServer) -> Iterator[Service]:
    yield from _service(
        settings,
        arxiv_api_url=replay.api_url,
        arxiv_delay_seconds=0.0,
        contact_email="ops@example.org",
        library_fetch_limit=3,
    )


def test_unstored_arxiv_papers_are_fetched_within_the_limit(
    online: Service, replay: ReplayServer
) -> None:
    alice = online.accounts.sign_up("alice", None, "correct horse battery")
    report = online.library.import_file(alice, LIBRARY, "library.bib")
    assert [(m.paper_id, m.how) for m in report.matched] == [
        ("1605.08386", "fetched"),
        ("astro-ph/0601001", "fetched"),
    ]
    reasons = {e.arxiv_id: why for e, why in report.not_fetched}
    assert reasons["0808.05394"] == "arXiv has no paper 0808.05394"
    assert "at most 3 papers" in reasons["1707.08567"]
    assert len(replay.hits_on("/api")) == 3
    assert online.store.papers.get_paper("1605.08386") is not None  # stored for everyone
    assert report.collection is not None and report.added == 2

    again = online.library.import_file(alice, LIBRARY, "library.bib")
    assert {m.how for m in again.matched} == {"arxiv id", "fetched"}  # the next one fetched
    assert [m.paper_id for m in again.matched if m.how == "fetched"] == ["1707.08567"]


def test_an_unreachable_arxiv_is_reported_not_waited_on(settings: Settings) -> None:
    for service in _service(
        settings,
        arxiv_api_url="http://127.0.0.1:9/api/query",  # nothing listens there
        arxiv_delay_seconds=0.0,
        contact_email="ops@example.org",
        http_max_retries=0,
    ):
        alice = service.accounts.sign_up("alice", None, "correct horse battery")
        start = time.monotonic()
        report = service.library.import_file(alice, LIBRARY, "library.bib")
        assert time.monotonic() - start < 30
        assert report.matched == [] and report.collection is None
        assert len(report.not_fetched) == 4
        reasons = {why for _, why in report.not_fetched}
        (reason,) = reasons  # tried once: the rest are not waited on
        assert reason.startswith("not fetched: arXiv failed (") and "cannot connect" in reason
