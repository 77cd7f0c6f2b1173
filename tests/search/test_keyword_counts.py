"""Plain-word searches are ranked by two queries tantivy can prune (issue 14) and counted
exactly only up to ``COUNT_UP_TO``: the ranking must be the one query's ranking, and a count
must be exact or a true lower bound, deleted papers included."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from paperwire.search import lexical as lexical_module
from paperwire.search.lexical import LexicalIndex
from paperwire.search.query import ParsedQuery, parse_query
from paperwire.service import Service
from paperwire.web.app import create_app


def one_query(lexical: LexicalIndex, query: ParsedQuery, limit: int) -> tuple[list, int]:
    """The ranking and count of ``build_query`` in one search: what the pruned parts must
    reproduce."""
    searcher = lexical.index.searcher()
    result = searcher.search(lexical.build_query(query), limit, count=True)
    hits = [(str(searcher.doc(a)["id"][0]), round(score, 4)) for score, a in result.hits]
    return hits, int(getattr(result, "count", 0))


def word_queries(service: Service) -> list[ParsedQuery]:
    """Real titles' words: 1 to 6 of them, so single words, title phrases and long ones."""
    titles = [p.title for p in service.papers.iter_papers()][:60]
    queries = []
    for i, title in enumerate(titles):
        words = title.split()
        queries.append(parse_query(" ".join(words[: 1 + i % 6])))
    return [q for q in queries if q.terms and not q.phrases and not q.has_filters]


def test_the_pruned_ranking_is_the_one_query_ranking(snapshot_service: Service) -> None:
    lexical = snapshot_service.search.engine.index.lexical
    queries = word_queries(snapshot_service)
    assert len(queries) >= 50
    for query in queries:
        for limit in (3, 10, 100):
            expected, count = one_query(lexical, query, limit)
            found = lexical.search(query, limit)
            assert [(h.id, round(h.score, 4)) for h in found.hits] == expected, query.terms
            assert (found.matched, found.at_least) == (count, False)


@pytest.mark.parametrize("up_to", [1, 5, 40])
def test_counts_are_exact_or_a_true_lower_bound_with_deleted_papers(
    snapshot_service: Service, monkeypatch: pytest.MonkeyPatch, up_to: int
) -> None:
    """Past ``COUNT_UP_TO`` a search says "at least", and only when it is true: document
    frequencies still count deleted papers until tantivy merges them away."""
    monkeypatch.setattr(lexical_module, "COUNT_UP_TO", up_to)
    lexical = snapshot_service.search.engine.index.lexical
    queries = [*word_queries(snapshot_service), parse_query("the of learning model")]
    # Delete a third of the papers from the index (as an update or withdrawal does), in
    # a commit that leaves them in their segments.
    ids = [p.id for p in snapshot_service.papers.iter_papers()]
    lexical.apply([], ids[::3])
    lexical.commit()
    seen_at_least = 0
    for query in queries:
        _, count = one_query(lexical, query, 1)
        found = lexical.search(query, 10)
        if found.at_least:
            seen_at_least += 1
            assert found.matched == up_to <= count, query.terms
        else:
            assert found.matched == count, query.terms
    if up_to < 40:
        assert seen_at_least, "common words are past the bound"


def test_the_page_and_the_api_say_when_counting_stopped(
    snapshot_service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lexical_module, "COUNT_UP_TO", 3)
    response = snapshot_service.search.search("the", mode="lexical")
    assert response.keyword_matches == 3 and response.matches_at_least
    assert response.matches_shown == "3+" and response.total >= 3
    rare = snapshot_service.search.search("quasar", mode="lexical")
    assert 0 < rare.keyword_matches < 3 and not rare.matches_at_least
    assert rare.matches_shown == str(rare.keyword_matches)
    with TestClient(create_app(snapshot_service.settings, snapshot_service)) as client:
        html = client.get("/search", params={"q": "the", "mode": "lexical"}).text
        assert '<p class="result-count">3+ keyword matches' in html
        api = client.get("/api/papers/search", params={"q": "the", "mode": "lexical"})
        assert api.headers["X-Keyword-Matches"] == "3"
        assert api.headers["X-Keyword-Matches-Relation"] == "gte"
        api = client.get("/api/papers/search", params={"q": "quasar", "mode": "lexical"})
        assert api.headers["X-Keyword-Matches-Relation"] == "eq"


@pytest.mark.parametrize(
    "filters",
    [
        "cat:hep-ph",
        "cat:math.CO cat:hep-th",
        "author:Wang",
        'author:"C. Balazs"',
        "since:2007-04-02",
        "cat:hep-ph author:Wang",
    ],
)
def test_a_filter_is_judged_selective_as_by_counting(
    snapshot_service: Service, filters: str
) -> None:
    """Filtered semantic search scans the passing papers when they are few: deciding it from
    document frequencies must agree with counting them, deleted papers included."""
    lexical = snapshot_service.search.engine.index.lexical
    query = parse_query(filters)
    searcher = lexical.index.searcher()
    ids = [p.id for p in snapshot_service.papers.iter_papers()]
    for deleting in (False, True):
        if deleting:
            lexical.apply([], ids[::2])
            lexical.commit()
            searcher = lexical.index.searcher()
        result = searcher.search(lexical.build_query(query, text=False), 1, count=True)
        count = int(getattr(result, "count", 0))
        for papers in (0, 1, 2, 5, 20, 60, 150):
            assert lexical.filters_pass_at_most(query, papers) == (count <= papers), (
                filters,
                papers,
                count,
            )
