"""The vector index: exact and HNSW agree, tombstones hide papers, caches survive restarts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paperwire.search import vectors as vectors_module
from paperwire.search.indexer import SearchIndex
from paperwire.search.vectors import VectorIndex
from paperwire.store import Store

DIM = 16


def unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def put(store: Store, ids: list[str], vectors: np.ndarray, removed: list[str] = ()) -> None:  # type: ignore[assignment]
    rows = [(i, "h", v.astype(np.float16).tobytes()) for i, v in zip(ids, vectors, strict=True)]
    store.embeddings.put_embeddings("test-model", DIM, rows, removed)


def test_exact_and_hnsw_agree(store: Store, tmp_path: Path) -> None:
    ids = [f"p{i}" for i in range(2000)]
    vectors = unit(2000, 1)
    put(store, ids, vectors)
    exact = VectorIndex(tmp_path / "a", "test-model", DIM, hnsw_threshold=10_000)
    hnsw = VectorIndex(tmp_path / "b", "test-model", DIM, hnsw_threshold=100)
    assert exact.catch_up(store) == hnsw.catch_up(store) == 2000
    assert not exact.uses_hnsw and hnsw.uses_hnsw
    overlap = []
    for query in unit(20, 2):
        a = [h.id for h in exact.search(query, 10)]
        b = [h.id for h in hnsw.search(query, 10)]
        overlap.append(len(set(a) & set(b)) / 10)
        # Exact search is exact: the brute-force answer.
        expected = np.argsort(-(vectors.astype(np.float16).astype(np.float32) @ query))[:10]
        assert a[0] == ids[expected[0]]
    assert np.mean(overlap) >= 0.95


def test_tombstones_updates_filters_and_exclusion(store: Store, tmp_path: Path) -> None:
    ids = ["a", "b", "c"]
    vectors = np.eye(3, DIM, dtype=np.float32)
    put(store, ids, vectors)
    index = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    index.catch_up(store)
    assert [h.id for h in index.search(vectors[0], 1)] == ["a"]
    assert index.search(vectors[0], 1, exclude={"a"})[0].id in {"b", "c"}
    assert index.search(vectors[0], 3, allowed={"b", "c", "zzz"})[0].id in {"b", "c"}
    put(store, [], np.zeros((0, DIM)), removed=["a"])
    put(store, ["b"], vectors[:1])  # b now points where a did
    assert index.catch_up(store) == 2
    assert [h.id for h in index.search(vectors[0], 1)] == ["b"]
    assert index.size == 2 and index.vector_of("a") is None


def test_cache_round_trip_and_corruption(store: Store, tmp_path: Path) -> None:
    put(store, ["a", "b"], unit(2, 3))
    index = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    index.catch_up(store)
    index.save()
    again = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    assert again.load() and again.seq == index.seq and again.size == 2
    (tmp_path / "vectors-test-model.npy").write_bytes(b"garbage")
    broken = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    assert not broken.load()
    assert broken.catch_up(store) == 2 and broken.size == 2


def test_hnsw_is_patched_and_saved_with_the_vectors(store: Store, tmp_path: Path) -> None:
    """Catching up patches a built graph (no rebuild of every vector), and a restart loads
    the graph saved with the vector cache, then patches it with what changed since."""
    ids = [f"p{i}" for i in range(300)]
    vectors = unit(300, 5)
    put(store, ids, vectors)
    index = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    index.catch_up(store)  # 300 changes: fewer than make a catch-up save the cache itself
    index.prepare()
    graph = index._hnsw
    assert graph is not None and len(graph) == 300
    # Building the graph saved it with the vectors, so a restart needs no rebuild.
    restarted = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    assert restarted.load() and restarted._hnsw is not None and restarted.seq == index.seq
    moved = unit(1, 6)[0]
    put(store, ["p7", "new"], np.stack([moved, -moved]), removed=["p8"])
    assert index.catch_up(store) == 3
    assert index._hnsw is graph and len(graph) == 300  # +new, -p8, p7 replaced in place
    assert [h.id for h in index.search(moved, 1)] == ["p7"]
    assert [h.id for h in index.search(-moved, 1)] == ["new"]
    assert "p8" not in {h.id for h in index.search(vectors[8], 20)}
    index.save()

    put(store, ["p9"], -vectors[9:10])
    again = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    assert again.load() and again._hnsw is not None and len(again._hnsw) == 300
    assert again.catch_up(store) == 1
    assert [h.id for h in again.search(-vectors[9], 1)] == ["p9"]
    assert [h.id for h in again.search(moved, 1)] == ["p7"]


def test_catching_up_copies_the_vectors_a_few_times_not_once_a_batch(
    store: Store, tmp_path: Path
) -> None:
    """Each catch-up that added vectors used to copy every vector held (np.vstack): a cost
    that grew with the index, not with what was added (issue 14)."""
    index = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=10_000)
    vectors = unit(400, 3)
    buffers = set()
    for start in range(0, 400, 4):  # 100 catch-ups of 4 new vectors each
        put(store, [f"p{i}" for i in range(start, start + 4)], vectors[start : start + 4])
        index.catch_up(store)
        buffers.add(index.matrix.__array_interface__["data"][0])  # where its rows live
    assert len(buffers) <= 12  # 1.5x growth from 4 to 400 rows: ~12 copies, not 100
    assert index.matrix.shape == (400, DIM) and index.alive.shape == (400,)
    assert index.size == 400
    stored = vectors.astype(np.float16)
    assert np.array_equal(index.matrix, stored)
    # Saved and loaded: the used rows only.
    index.save()
    again = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=10_000)
    assert again.load() and np.array_equal(again.matrix, stored) and again.size == 400
    put(store, ["new"], unit(1, 4))
    assert again.catch_up(store) == 1 and again.vector_of("new") is not None


def test_the_graph_is_the_only_copy_and_keeps_the_vectors(store: Store, tmp_path: Path) -> None:
    """Once built, the graph holds the vectors (int8, scaled by the largest coordinate) and
    the float16 matrix is let go, in memory and on disk (issue 14: two copies made a serving
    process 2.5 GB at 1M papers). Filters, related papers and restarts read the graph."""
    ids = [f"p{i}" for i in range(500)]
    vectors = unit(500, 7)
    put(store, ids, vectors)
    index = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    index.catch_up(store)
    assert index.matrix.shape == (500, DIM)
    index.prepare()
    assert index.matrix.shape == (0, DIM) and index._hnsw.dtype.name == "I8"
    assert not (tmp_path / "vectors-test-model.npy").exists()
    for i in (0, 123, 499):
        held = index.vector_of(ids[i])
        assert held is not None and float(held @ vectors[i]) > 0.999
    # A filtered search scans the allowed papers exactly, from the graph's vectors.
    allowed = ids[200:260]
    expected = 200 + int(np.argmax(vectors[200:260] @ vectors[230]))
    assert index.search(vectors[230], 1, allowed=allowed)[0].id == ids[expected]
    # New and removed vectors go to the graph (the matrix stays empty); a restart loads it.
    put(store, ["late"], unit(1, 8), removed=["p3"])
    index.catch_up(store)
    assert index.matrix.shape == (0, DIM) and index.vector_of("p3") is None
    assert [h.id for h in index.search(unit(1, 8)[0], 1)] == ["late"]
    index.save()
    again = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    assert again.load() and again.size == 500 and again.matrix.shape == (0, DIM)
    assert [h.id for h in again.search(unit(1, 8)[0], 1)] == ["late"]
    # A graph that cannot be read: the cache is refused and rebuilt from the store.
    (tmp_path / "vectors-test-model.usearch").write_bytes(b"garbage")
    broken = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    assert not broken.load() and broken.size == 0
    assert broken.catch_up(store) > 0 and broken.size == 500


def test_a_cache_of_before_the_int8_graph_is_rebuilt_from_its_matrix(
    store: Store, tmp_path: Path
) -> None:
    """Caches written before the int8 graph (a float16 matrix and a float16 graph) load as
    the matrix; the graph is built again from it, not read."""
    ids = [f"p{i}" for i in range(300)]
    put(store, ids, unit(300, 9))
    index = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    index.catch_up(store)
    index.save()  # no graph yet: the float16 matrix, as the old cache had it
    (tmp_path / "vectors-test-model.usearch").write_bytes(b"an old float16 graph")
    again = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    assert again.load() and again._hnsw is None and again.matrix.shape == (300, DIM)
    again.prepare()
    assert again._hnsw is not None and len(again._hnsw) == 300


class GatedGraph:
    """A real usearch graph whose first ``add`` waits for ``release``: a build caught in the
    middle, as a 3M build is for ~10 minutes."""

    def __init__(self, graph: Any, started: threading.Event, release: threading.Event) -> None:
        self.graph, self.started, self.release = graph, started, release

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> Any:
        self.started.set()
        assert self.release.wait(30)
        return self.graph.add(keys, vectors)

    def __len__(self) -> int:
        return len(self.graph)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.graph, name)


def in_thread(call: Callable[[], Any]) -> Any:
    """``call()`` in another thread, failing (not hanging) if it waits on a held lock."""
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(call()))
    worker.start()
    worker.join(30)
    assert out, "blocked: the graph build held the index's lock"
    return out[0]


def test_the_graph_is_built_while_searches_and_catch_ups_go_on(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building the graph (~3 minutes at 1M papers, ~10 at 3M) held the lock every search
    takes: an upgrade from a cache without a graph served nothing by meaning until it was
    done. Now searches scan the vectors exactly meanwhile, catch-ups go on, and what they
    changed is in the graph when it takes over."""
    ids = [f"p{i}" for i in range(300)]
    vectors = unit(300, 11)
    put(store, ids, vectors)
    index = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    index.catch_up(store)
    started, release = threading.Event(), threading.Event()
    new_graph = index._new_hnsw
    monkeypatch.setattr(index, "_new_hnsw", lambda: GatedGraph(new_graph(), started, release))
    builder = threading.Thread(target=index.prepare)
    builder.start()
    try:
        assert started.wait(30)
        assert not index.needs_graph  # one build at a time: a second prepare returns at once
        in_thread(index.prepare)
        assert [h.id for h in in_thread(lambda: index.search(vectors[5], 1))] == ["p5"]
        moved = unit(1, 12)[0]
        put(store, ["p7", "new"], np.stack([moved, -moved]), removed=["p8"])
        assert in_thread(lambda: index.catch_up(store)) == 3
        assert [h.id for h in in_thread(lambda: index.search(-moved, 1))] == ["new"]
    finally:
        release.set()
        builder.join(60)
    assert index._hnsw is not None and index.matrix.shape == (0, DIM)
    assert len(index._hnsw) == 300  # +new, -p8
    assert [h.id for h in index.search(moved, 1)] == ["p7"]
    assert [h.id for h in index.search(-moved, 1)] == ["new"]
    assert "p8" not in {h.id for h in index.search(vectors[8], 20)}
    # Saved with the changes: a restart loads it as it is.
    again = VectorIndex(tmp_path, "test-model", DIM, hnsw_threshold=100)
    assert again.load() and again._hnsw is not None and again.seq == index.seq
    assert [h.id for h in again.search(-moved, 1)] == ["new"]


def test_an_exact_scan_answers_until_the_graph_is_built(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the threshold without a graph (not built yet), searches scan the float16 vectors
    a chunk at a time: the same answer as the exact search of a small index."""
    monkeypatch.setattr(vectors_module, "_SCAN_CHUNK", 64)
    ids = [f"p{i}" for i in range(500)]
    vectors = unit(500, 13)
    put(store, ids, vectors)
    scanned = VectorIndex(tmp_path / "a", "test-model", DIM, hnsw_threshold=100)
    exact = VectorIndex(tmp_path / "b", "test-model", DIM, hnsw_threshold=10_000)
    scanned.catch_up(store)
    exact.catch_up(store)
    for query in unit(10, 14):
        expected = exact.search(query, 10, exclude={"p1"})
        assert scanned.search(query, 10, exclude={"p1"}) == expected
    assert scanned._hnsw is None and scanned._exact is None  # no graph, no float32 copy


def test_one_worker_builds_the_graph_and_the_others_load_it(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers of one node share its index folder: one builds the graph (a 3M-paper build
    takes ~10 minutes of both cores and gigabytes of memory), the others answer by keywords
    meanwhile and then load the graph it saved, caught up with what changed since; one that
    asks to wait for the graph (`paperwire index`) waits for that build instead of its own."""
    ids = [f"p{i}" for i in range(300)]
    vectors = unit(300, 15)
    put(store, ids, vectors)
    first, second, waiting = (
        SearchIndex(store, tmp_path, "test-model", DIM, hnsw_threshold=100) for _ in range(3)
    )
    for index in (first, second, waiting):
        index.catch_up()
    started, release = threading.Event(), threading.Event()
    new_graph = first.vectors._new_hnsw
    monkeypatch.setattr(
        first.vectors, "_new_hnsw", lambda: GatedGraph(new_graph(), started, release)
    )
    monkeypatch.setattr(waiting.vectors, "prepare", lambda: pytest.fail("built twice"))
    builder = threading.Thread(target=first.build_graph)
    builder.start()
    waiter = threading.Thread(target=lambda: waiting.build_graph(wait=True))
    try:
        assert started.wait(30)
        assert second.build_graph() is False  # the folder's graph lock is taken
        assert second.adopt_graph() is False  # nothing saved yet
        second.vectors.save()  # a cache without a graph, as catch-ups write
        looked: list[int] = []
        read = VectorIndex.saved_with_graph
        monkeypatch.setattr(
            VectorIndex, "saved_with_graph", lambda self: looked.append(1) or read(self)
        )
        assert second.adopt_graph() is False and second.adopt_graph() is False
        assert len(looked) == 1  # an unchanged cache is not read again (~50 MB of ids at 3M)
        assert second.vectors.needs_graph and not second.vectors.ready
        waiter.start()
    finally:
        release.set()
        builder.join(60)
        if waiter.ident is not None:  # started
            waiter.join(60)
    assert first.vectors.ready and waiting.vectors.ready  # it took the first's graph
    put(store, ["late"], unit(1, 16))  # after the graph was saved
    assert second.adopt_graph() is True
    assert second.vectors.ready and second.vectors._hnsw is not None
    assert [h.id for h in second.vectors.search(unit(1, 16)[0], 1)] == ["late"]
    assert second.adopt_graph() is False  # it has one now
