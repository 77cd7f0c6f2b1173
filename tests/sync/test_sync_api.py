"""The arXiv API client against recorded responses: lookups by id, paged queries, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sync_replay import MakeConfig, ReplayServer

from paperwire.errors import InvalidIdError, NotFoundError, SourceError
from paperwire.models import Paper
from paperwire.store import Store
from paperwire.sync import fetch_arxiv_paper
from paperwire.sync.arxiv_api import ArxivApi
from paperwire.sync.http import Budget, Pacer, PoliteClient

TODAY = date(2026, 11, 27)


@pytest.fixture
def api(replay: ReplayServer) -> Iterator[ArxivApi]:
    with PoliteClient(Pacer("arxiv", 0.0), max_retries=1) as client:
        yield ArxivApi(client, replay.api_url)


def test_submitting_a_paper_by_id_stores_it(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    paper = fetch_arxiv_paper(store, make_config(), "arXiv:1605.08386v1", today=TODAY)
    assert paper.id == "1605.08386" and paper.title and paper.authors
    assert paper.sources == ["arxiv-atom"]
    assert store.papers.get_paper("1605.08386") == paper
    assert replay.hits_on("/api")[0].params["id_list"] == "1605.08386"
    old_style = fetch_arxiv_paper(store, make_config(), "astro-ph/0601001", today=TODAY)
    assert old_style.id == "astro-ph/0601001"


def test_a_paper_arxiv_does_not_have_is_not_found(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    with pytest.raises(NotFoundError, match=r"arXiv has no paper 0808\.05394"):
        fetch_arxiv_paper(store, make_config(), "0808.05394", today=TODAY)
    with pytest.raises(InvalidIdError):
        fetch_arxiv_paper(store, make_config(), "abc", today=TODAY)
    assert len(replay.hits_on("/api")) == 1  # a malformed id never reaches arXiv


def test_lookup_of_several_ids_skips_the_missing_one(replay: ReplayServer, api: ArxivApi) -> None:
    items = list(api.lookup(["0808.05394", "1707.08567"], Budget(10)))
    assert [p.id for _, p in items if isinstance(p, Paper)] == ["1707.08567"]


def test_the_error_feed_becomes_a_clear_message(replay: ReplayServer, api: ArxivApi) -> None:
    with pytest.raises(SourceError) as caught:
        api.page(Budget(10), id_list=["abc"])
    message = str(caught.value)
    assert message.startswith(f"arXiv API error for {replay.api_url}?")
    assert "incorrect id format for abc (HTTP 400)" in message


def test_an_error_injected_on_a_good_request_is_reported_too(
    replay: ReplayServer, api: ArxivApi
) -> None:
    error_feed = replay.api[frozenset({("id_list", "abc"), ("start", "0"), ("max_results", "100")})]
    replay.fault("status", path="/api", status=400, body=error_feed[1])
    with pytest.raises(SourceError, match="incorrect id format"):
        list(api.lookup(["1605.08386"], Budget(10)))


def test_query_pages_by_start_and_max_results(replay: ReplayServer, api: ArxivApi) -> None:
    items = list(api.search("testing", Budget(10), limit=60, page_size=10))
    assert len(items) == 60 and all(isinstance(p, Paper) for _, p in items)
    starts = [h.params["start"] for h in replay.hits_on("/api")]
    assert starts == ["0", "10", "20", "30", "40", "50"]
    assert {h.params["max_results"] for h in replay.hits_on("/api")} == {"10"}
