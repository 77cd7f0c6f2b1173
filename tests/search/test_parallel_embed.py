"""Several embedding workers at once split the backlog by claims in the store, on SQLite and
the real PostgreSQL server: no paper embedded twice, none missed, a dead worker's claim taken
over once its lease runs out.

The model is a stand-in (a vector from the text's hash, a little slow on purpose): what is
tested is how the work is split, and the real model would only make the test take minutes."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from datetime import date

import numpy as np
import pytest

from paperwire.ingest import import_items
from paperwire.models import Paper
from paperwire.search import indexer
from paperwire.search.indexer import embed_pending
from paperwire.service import Service

PAPERS = 600
SPAN = 64


class SlowHashEmbedder:
    name = "hash-test"
    dim = 8

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        time.sleep(0.001 * len(texts))  # long enough for the workers to overlap
        self.texts.extend(texts)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], np.uint8) for t in texts]
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)


@pytest.fixture
def backlog(service: Service, monkeypatch: pytest.MonkeyPatch) -> Service:
    monkeypatch.setattr(indexer, "CLAIM_SPAN", SPAN)
    papers = [
        Paper(
            id=f"2401.{i:05d}",
            title=f"Paper {i}",
            abstract=f"text {i}",
            first_seen=date(2024, 1, 2),
        )
        for i in range(1, PAPERS + 1)
    ]
    import_items(service.store, [("t", p) for p in papers])
    return service


def test_workers_split_the_backlog_without_overlap(backlog: Service) -> None:
    store = backlog.store
    workers = [SlowHashEmbedder() for _ in range(3)]
    threads = [
        threading.Thread(target=embed_pending, args=(store, w), kwargs={"batch_size": 16})
        for w in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    done = [set(w.texts) for w in workers]
    assert sum(len(w.texts) for w in workers) == PAPERS  # nothing embedded twice
    assert len(set().union(*done)) == PAPERS  # nothing missed
    assert sum(1 for d in done if d) >= 2  # the work was shared
    assert store.embeddings.count_embeddings("hash-test") == PAPERS
    assert store.jobs.get_counter("embed_cursor:hash-test") == store.jobs.get_counter("paper_seq")
    # No claim or progress marker is left behind.
    assert store.jobs.lock_info("embed:hash-test:0") is None
    assert embed_pending(store, SlowHashEmbedder()).embedded == 0


def test_a_dead_workers_claim_is_taken_over_after_its_lease(backlog: Service) -> None:
    store = backlog.store
    assert store.jobs.acquire_lock("embed:hash-test:0", "a worker that died", 1000)
    first = embed_pending(store, SlowHashEmbedder())
    assert first.skipped_ranges == 1 and first.embedded == PAPERS - SPAN
    assert store.jobs.get_counter("embed_cursor:hash-test") == 0  # range 0 is still open

    time.sleep(1.5)  # the dead worker's lease runs out
    second = embed_pending(store, SlowHashEmbedder())
    assert second.embedded == SPAN and second.skipped_ranges == 0
    assert store.jobs.get_counter("embed_cursor:hash-test") == store.jobs.get_counter("paper_seq")


def test_new_papers_in_a_half_done_range_are_not_skipped(backlog: Service) -> None:
    store = backlog.store
    embed_pending(store, SlowHashEmbedder())
    newest = store.jobs.get_counter("paper_seq")
    assert newest % SPAN  # the last range is only part full
    more = Paper(
        id="2401.99999", title="A late paper", abstract="late", first_seen=date(2024, 1, 3)
    )
    import_items(store, [("t", more)])
    late = SlowHashEmbedder()
    assert embed_pending(store, late).embedded == 1
    assert late.texts == ["A late paper late"]
