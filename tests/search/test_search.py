"""Search through the service, on SQLite and the real PostgreSQL server."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from paperwire.errors import InvalidQueryError
from paperwire.ingest import import_items
from paperwire.models import Deleted, Paper
from paperwire.search.topics import TopicMatcher
from paperwire.search.types import SearchResponse
from paperwire.service import Service, make_service


def ids(service: Service, query: str, **kwargs: object) -> list[str]:
    return [r.paper.id for r in service.search.search(query, **kwargs).results]  # type: ignore[arg-type]


def test_lexical_finds_and_highlights(snapshot_service: Service) -> None:
    response = snapshot_service.search.search(
        "diphoton production Tevatron", mode="lexical", limit=5
    )
    assert response.results[0].paper.id == "0704.0001"
    snippet = response.results[0].snippet
    marked = {snippet.text[a:b].lower() for a, b in snippet.highlights}
    assert marked & {"diphoton", "production", "tevatron"}
    assert response.total >= 1 and response.took_ms > 0


def test_highlights_fall_on_the_words_after_non_ascii_text(service: Service) -> None:
    """tantivy counts the highlights in UTF-8 bytes: after "Schrödinger" or "α" they must
    still mark the matching words, not the characters beside them."""
    abstract = "Für die Schrödinger equation with α ≤ β we prove a Strichartz estimate."
    import_items(service.store, [("t", Paper(id="2401.00001", title="T", abstract=abstract))])
    service.search.index()
    [result] = service.search.search("Schrödinger Strichartz", mode="lexical").results
    snippet = result.snippet
    assert {snippet.text[a:b] for a, b in snippet.highlights} == {"Schrödinger", "Strichartz"}


def test_filters(snapshot_service: Service) -> None:
    hep = snapshot_service.search.search("cat:hep-ph", mode="lexical", limit=100).results
    assert hep and all("hep-ph" in r.paper.categories for r in hep)
    assert ids(snapshot_service, 'author:"Nadolsky" diphoton', mode="lexical")[0] == "0704.0001"
    assert ids(snapshot_service, "author:nobodyhere diphoton", mode="lexical") == []
    phrase = ids(snapshot_service, '"prompt diphoton production"', mode="lexical")
    assert phrase == ["0704.0001"]


def test_date_filters_and_sort(service: Service) -> None:
    papers = [
        Paper(
            id=f"2401.0000{i}",
            title=f"Graph networks part {i}",
            abstract="graphs",
            first_seen=date(2024, 1, i + 1),
        )
        for i in range(1, 6)
    ]
    import_items(service.store, [("t", p) for p in papers])
    service.search.index()
    assert ids(service, "graph since:2024-01-04", mode="lexical", sort="date") == [
        "2401.00005",
        "2401.00004",
        "2401.00003",
    ]
    assert sorted(ids(service, "graph until:2024-01-03", mode="lexical")) == [
        "2401.00001",
        "2401.00002",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(",
        "*",
        "OR OR",
        "'; DROP TABLE papers; --",
        "x" * 10_000,
        "\x00\x01",
        "深度学习",
        '"unbalanced',
        "author:",
        "a:b:c",
        "AND NOT",
        "title:(",
        "((((",
        "\\",
    ],
)
def test_hostile_queries_never_crash(snapshot_service: Service, query: str) -> None:
    try:
        response = snapshot_service.search.search(query, mode="lexical")
    except InvalidQueryError as exc:
        assert "nothing to search for" in str(exc)
    else:
        assert isinstance(response.results, list)


def test_empty_query_is_refused_with_a_message(snapshot_service: Service) -> None:
    with pytest.raises(InvalidQueryError, match="nothing to search for"):
        snapshot_service.search.search("   ")
    with pytest.raises(InvalidQueryError, match="not a date"):
        snapshot_service.search.search("quark since:2025-99")
    with pytest.raises(InvalidQueryError, match="unknown search mode"):
        snapshot_service.search.search("quark", mode="fuzzy")


def test_deleted_paper_is_never_served(snapshot_service: Service) -> None:
    assert "0704.0001" in ids(snapshot_service, "diphoton", mode="lexical")
    import_items(snapshot_service.store, [("t", Deleted("0704.0001"))])
    # Before the index catches up, the store check drops it ...
    assert "0704.0001" not in ids(snapshot_service, "diphoton", mode="lexical")
    # ... and after, the index no longer has it.
    snapshot_service.search.index()
    assert snapshot_service.search.engine.index.lexical.num_docs() == 199


def test_index_catches_up_after_a_kill(snapshot_service: Service) -> None:
    settings = snapshot_service.settings
    # Papers written while no indexer ran (as if it had been killed) ...
    import_items(
        snapshot_service.store,
        [("t", Paper(id="2501.00001", title="Zymurgy of quarks", abstract="brewing"))],
    )
    # ... and a lost state file (a kill between the index commit and the state write).
    (settings.index_dir / "lexical.state.json").unlink()
    fresh = make_service(settings)
    report = fresh.search.index()
    assert ids(fresh, "zymurgy", mode="lexical") == ["2501.00001"]
    assert fresh.search.engine.index.lexical.num_docs() == 201
    assert report.lexical_applied == 201
    fresh.close()


def test_corrupt_index_is_rebuilt_with_a_message(snapshot_service: Service) -> None:
    settings = snapshot_service.settings
    snapshot_service.close()
    meta = settings.index_dir / "lexical" / "meta.json"
    meta.write_text("{ not json")
    fresh = make_service(settings)
    report = fresh.search.index()
    assert any("rebuilding" in m for m in report.messages)
    assert ids(fresh, "diphoton", mode="lexical")[0] == "0704.0001"
    fresh.close()


def test_index_of_an_older_schema_is_rebuilt_with_a_message(snapshot_service: Service) -> None:
    """An index written by an earlier version (its title and abstract stored) is replaced."""
    import tantivy

    settings = snapshot_service.settings
    snapshot_service.close()
    path = settings.index_dir / "lexical"
    shutil.rmtree(path)
    path.mkdir()
    builder = tantivy.SchemaBuilder()
    for name in ("id", "title", "abstract"):
        builder.add_text_field(name, stored=True)
    tantivy.Index(builder.build(), path=str(path))
    fresh = make_service(settings)
    report = fresh.search.index()
    assert any("schema does not match" in m and "rebuilding" in m for m in report.messages)
    assert ids(fresh, "diphoton", mode="lexical")[0] == "0704.0001"
    fresh.close()


def test_hybrid_without_embeddings_falls_back_to_keywords(snapshot_service: Service) -> None:
    response = snapshot_service.search.search("diphoton", mode="hybrid")
    assert response.results[0].paper.id == "0704.0001"
    assert any("paperwire embed" in w for w in response.warnings)


# An author filter with nothing indexable in it: only punctuation, or one word longer than the
# analyser's 40-character limit (issue 11, finding 5). It must match nothing, never everything.
VANISHING_AUTHORS = ["-", "--- ...", "q" * 45, "Q" * 41]


@pytest.mark.parametrize("name", VANISHING_AUTHORS)
def test_an_author_filter_that_analyses_to_nothing_matches_nothing(
    snapshot_service: Service, name: str
) -> None:
    assert snapshot_service.search.search(f'author:"{name}"', mode="lexical").results == []
    assert snapshot_service.search.search(f'author:"{name}" diphoton', mode="hybrid").total == 0
    assert snapshot_service.feeds.author(name).cards == []
    engine = snapshot_service.search.engine
    matcher = TopicMatcher(engine, min_similarity=0.6)
    every = [p.id for p in snapshot_service.papers.iter_papers()]
    assert matcher.author(name, matcher.window(every)) == []


def test_a_large_backlog_is_indexed_while_serving(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from paperwire.service import search as search_part

    papers = [
        Paper(
            id=f"2401.{i:05d}",
            title=f"Knot theory {i}",
            abstract="knots",
            first_seen=date(2024, 1, 2),
        )
        for i in range(1, 41)
    ]
    import_items(service.store, [("t", p) for p in papers])
    monkeypatch.setattr(search_part, "INDEX_BEFORE_SERVING", 10)
    assert service.search.open_index() is False  # returns at once; the build goes on
    deadline = time.monotonic() + 60
    while service.search.index_pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(ids(service, "knot", mode="lexical", limit=100)) == 40
    monkeypatch.setattr(search_part, "INDEX_BEFORE_SERVING", 1000)
    import_items(service.store, [("t", Paper(id="2401.09999", title="Knot late", abstract="x"))])
    assert service.search.open_index() is True  # little to do: done before serving
    assert "2401.09999" in ids(service, "knot late", mode="lexical")


def test_serving_starts_before_the_vector_graph_is_built(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node upgraded from a cache without a graph (or one whose papers just passed the
    graph threshold) built the graph before it served (~3 minutes at 1M papers, ~10 at 3M on
    2 cores). Now the start returns at once, searches answer by keywords and say why
    meanwhile, related papers come by keywords, and meaning takes over when it is built."""
    import dataclasses
    import threading
    import time

    from paperwire.search.vectors import VectorIndex

    papers = [
        Paper(id=f"2401.{i:05d}", title=f"Knot invariants {i}", abstract=f"Knots and braids {i}.")
        for i in range(1, 61)
    ]
    import_items(service.store, [("t", p) for p in papers])
    service.search.embed()  # 60 vectors: under the default threshold, no graph
    assert service.search.engine.index.vectors._hnsw is None
    started, release = threading.Event(), threading.Event()
    real_graph = VectorIndex._new_hnsw

    def gated(self: VectorIndex) -> object:
        graph = real_graph(self)
        original_add = graph.add

        def add(*args: object, **kwargs: object) -> object:
            started.set()
            assert release.wait(30)
            return original_add(*args, **kwargs)

        graph.add = add
        return graph

    monkeypatch.setattr(VectorIndex, "_new_hnsw", gated)
    node = make_service(dataclasses.replace(service.settings, hnsw_threshold=50))
    try:
        opened: list[bool] = []
        opening = threading.Thread(target=lambda: opened.append(node.search.open_index()))
        opening.start()
        opening.join(30)
        assert opened == [True] and started.wait(30)  # serving; the graph is being built
        found: list[SearchResponse] = []
        searching = threading.Thread(
            target=lambda: found.append(node.search.search("knot braid", mode="hybrid"))
        )
        searching.start()
        searching.join(30)
        assert found and len(found[0].results) == 20 and not found[0].by_meaning
        assert found[0].mode == "lexical"
        assert any("being prepared" in w and "60 papers" in w for w in found[0].warnings)
        related = node.search.related(papers[0], 5)
        assert related and all(r.paper.title.startswith("Knot") for r in related)
    finally:
        release.set()
    deadline = time.monotonic() + 60
    vectors = node.search.engine.index.vectors
    while vectors._hnsw is None and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert vectors._hnsw is not None and len(vectors._hnsw) == 60
        again = node.search.search("knot braid", mode="hybrid")
        assert len(again.results) == 20 and again.by_meaning and not again.warnings
    finally:
        node.close()


def test_related_papers_skip_deleted_ones_and_same_title_copies(
    snapshot_service: Service,
) -> None:
    """Related papers are read ``limit`` at a time: when some of the first are a copy of the
    paper itself (same title, another id) or gone (deleted, the index not caught up yet),
    the spares fill the list."""
    service = snapshot_service
    paper = service.papers.get("0704.0001")
    copy = Paper(id="0704.9999", title=paper.title.upper(), abstract=paper.abstract)
    import_items(service.store, [("t", copy)])
    service.search.index()
    first = [r.paper.id for r in service.search.related(paper, 4)]
    assert len(first) == 4
    assert copy.id not in first  # the nearest of all, and the same paper
    gone = first[:2]
    import_items(service.store, [("t", Deleted(pid)) for pid in gone])
    again = [r.paper.id for r in service.search.related(paper, 4)]
    assert len(again) == 4
    assert first[2:] == again[:2]
    assert not set(again) & {*gone, copy.id, paper.id}
