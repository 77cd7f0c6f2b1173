"""Topic matching with a relevance floor: every word required lexically, or an embedding at
least ``min_similarity`` from the query's. The bundled model is not always present (it is
built by scripts/export_onnx.py), so the semantic half is driven here with stored vectors and
a query-embedding function given to the matcher; the vector index and the floor are real."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
from digest_helpers import DigestService, paper_from, put_papers, snapshot_records

from paperwire.search.embedder import DIM
from paperwire.search.topics import TopicMatcher


def _unit(*axes: int) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[list(axes)] = 1.0
    return v / np.linalg.norm(v)


def test_floor_keeps_close_papers_and_drops_the_rest(
    dservice: DigestService, shared_data: Path
) -> None:
    records = snapshot_records(shared_data)[:6]
    day = date(2026, 3, 2)
    papers = [paper_from(r, day) for r in records]
    put_papers(dservice, papers)
    model = dservice.search.engine.index.vectors.model
    vectors = [_unit(0), _unit(0, 1), _unit(1), _unit(2), _unit(3), _unit(4)]
    dservice.store.embeddings.put_embeddings(
        model,
        DIM,
        [(p.id, "h", v.astype(np.float16).tobytes()) for p, v in zip(papers, vectors, strict=True)],
    )
    dservice.search.index()
    window_ids = [p.id for p in papers]
    matcher = TopicMatcher(dservice.search.engine, min_similarity=0.6, embed=lambda _q: _unit(0))
    window = matcher.window(window_ids)
    # No paper has this word: only meaning can match: 1.0 and 0.71 pass, 0 does not.
    found = matcher.topic("zzzqqq", window)
    assert [m.paper_id for m in found] == [papers[0].id, papers[1].id]
    assert found[0].reason == "matched “zzzqqq”"
    assert matcher.topic("ZZZQQQ", window) is found  # cached per (query, window)
    assert matcher.embedded_queries == 1
    # A word of one paper's title: it matches by words, the others by meaning, fused.
    word = max(papers[3].title.split(), key=len).strip(",.:;()").lower()
    fused = [m.paper_id for m in matcher.topic(word, window)]
    assert papers[3].id in fused and papers[0].id in fused and papers[2].id not in fused
    # With nothing close and no word in common: nothing, rather than the least bad papers.
    far = TopicMatcher(dservice.search.engine, min_similarity=0.6, embed=lambda _q: _unit(9))
    assert far.topic("zzzqqq", far.window(window_ids)) == []
