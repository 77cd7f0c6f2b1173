"""/metrics: off without a token, 401 without the right one, and with it a Prometheus text
document (parsed back with prometheus-client's own parser) that counts requests by route
template, times them, and tells the index lag behind the store's change sequence."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from paperwire.ingest import import_items
from paperwire.models import Paper
from paperwire.service import Service
from paperwire.web.app import create_app

TOKEN = "a-long-random-scrape-token"
PAPER_ROUTE = "/papers/{paper_id:path}"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture(scope="module")
def scraped(web_service: Service) -> Iterator[TestClient]:
    settings = dataclasses.replace(web_service.settings, metrics_token=TOKEN)
    with TestClient(create_app(settings, web_service)) as client:
        yield client


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


def test_metrics_are_off_without_a_token(client: TestClient) -> None:
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_a_scrape_needs_the_token(scraped: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = scraped.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert "paperwire_http_requests" not in response.text


def test_requests_are_counted_by_route_template(scraped: TestClient) -> None:
    key = ("route", PAPER_ROUTE), ("method", "GET"), ("status", "200")
    missing = ("route", PAPER_ROUTE), ("method", "GET"), ("status", "404")
    before = scrape(scraped)
    for paper_id in ("2608.19880", "2401.99901", "hep-th/9901001"):
        assert scraped.get(f"/papers/{paper_id}").status_code == 200
    assert scraped.get("/papers/2401.00404").status_code == 404
    assert scraped.get("/no/such/page/at/all").status_code == 404
    after = scrape(scraped)

    def grew(name: str, labels: tuple[tuple[str, str], ...]) -> float:
        labels = tuple(sorted(labels))
        return after.get((name, labels), 0) - before.get((name, labels), 0)

    assert grew("paperwire_http_requests_total", key) == 3
    assert grew("paperwire_http_requests_total", missing) == 1
    unmatched = ("route", "<unmatched>"), ("method", "GET"), ("status", "404")
    assert grew("paperwire_http_requests_total", unmatched) == 1
    timed = ("route", PAPER_ROUTE), ("method", "GET")
    assert grew("paperwire_http_request_duration_seconds_count", timed) == 4
    assert grew("paperwire_http_request_duration_seconds_sum", timed) > 0
    # No label holds a paper id: one series per route, whatever the paths asked.
    assert not any("2608.19880" in str(labels) for _, labels in after)


def test_the_index_lag_follows_the_store(scraped: TestClient, web_service: Service) -> None:
    lexical = ("paperwire_index_lag", (("index", "lexical"),))
    assert scrape(scraped)[lexical] == 0  # the lifespan brought the index up to date
    import_items(web_service.store, [("test", Paper(id="2401.77777", title="Lag"))])
    assert scrape(scraped)[lexical] == 1
    web_service.search.index()
    assert scrape(scraped)[lexical] == 0


def test_searches_by_meaning_are_ready_once_papers_are_embedded(
    scraped: TestClient, web_service: Service
) -> None:
    ready = ("paperwire_search_by_meaning_ready", ())
    assert scrape(scraped)[ready] == 0  # nothing embedded yet: keyword matches only
    web_service.search.embed()
    assert scrape(scraped)[ready] == 1
