"""Keeping the derived search indexes up to date from the store.

- ``embed_pending`` computes embeddings for papers whose title or abstract changed since the
  job's cursor (a counter in the store, advanced in the same transaction as the vectors it
  covers, so a killed job resumes exactly where it stopped and never embeds twice).
- ``SearchIndex.catch_up`` applies paper changes (by change sequence) to the lexical index and
  stored embedding changes (by embedding sequence) to the vector index. Both are idempotent:
  a crash between an index commit and its state file only re-applies a few changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paperwire.models import Paper
from paperwire.search.lexical import CorruptIndexError, LexicalIndex
from paperwire.search.vectors import VectorIndex

if TYPE_CHECKING:
    from paperwire.search.embedder import Embedder
    from paperwire.store import Store

log = logging.getLogger(__name__)
ProgressFn = Callable[[int], None]


def embedding_text(paper: Paper) -> str:
    """What a paper's vector is computed from (the BEIR convention: title, space, text)."""
    return f"{paper.title} {paper.abstract}".strip()


def text_hash(paper: Paper) -> str:
    return hashlib.blake2b(embedding_text(paper).encode(), digest_size=16).hexdigest()


@dataclass
class EmbedReport:
    seen: int = 0
    embedded: int = 0
    removed: int = 0


def embed_pending(
    store: Store,
    embedder: Embedder,
    *,
    batch_size: int = 256,
    progress: ProgressFn | None = None,
    limit: int | None = None,
) -> EmbedReport:
    """Embed every paper changed since this model's cursor (``limit`` caps papers seen)."""
    cursor_name = f"embed_cursor:{embedder.name}"
    cursor = store.get_counter(cursor_name)
    report = EmbedReport()
    while limit is None or report.seen < limit:
        size = batch_size if limit is None else min(batch_size, limit - report.seen)
        papers = store.changes_since(cursor, size)
        if not papers:
            break
        live = [p for p in papers if not p.deleted]
        stored = store.embedding_hashes(embedder.name, [p.id for p in live])
        todo = [p for p in live if stored.get(p.id) != text_hash(p)]
        vectors = embedder.embed([embedding_text(p) for p in todo])
        rows = [
            (p.id, text_hash(p), v.astype(np.float16).tobytes())
            for p, v in zip(todo, vectors, strict=True)
        ]
        removed = [p.id for p in papers if p.deleted]
        cursor = papers[-1].seq
        store.put_embeddings(embedder.name, embedder.dim, rows, removed, (cursor_name, cursor))
        report.seen += len(papers)
        report.embedded += len(rows)
        report.removed += len(removed)
        if progress is not None:
            progress(len(papers))
    return report


@dataclass
class IndexReport:
    lexical_applied: int = 0
    vectors_applied: int = 0
    rebuilt: bool = False
    messages: list[str] = field(default_factory=list)


class SearchIndex:
    """The lexical and vector indexes of one data folder."""

    def __init__(
        self, store: Store, folder: Path, model: str, dim: int, hnsw_threshold: int
    ) -> None:
        self.store = store
        self.folder = folder
        self.messages: list[str] = []
        self.lexical = self._open_lexical()
        self.vectors = VectorIndex(folder, model, dim, hnsw_threshold)
        if not self.vectors.load() and self.vectors._stem.with_suffix(".json").exists():
            self.messages.append("the vector index cache was unreadable; rebuilding it")

    @property
    def _lexical_path(self) -> Path:
        return self.folder / "lexical"

    @property
    def _state_path(self) -> Path:
        return self.folder / "lexical.state.json"

    def _open_lexical(self) -> LexicalIndex:
        try:
            return LexicalIndex(self._lexical_path)
        except CorruptIndexError as exc:
            self.messages.append(f"{exc}; rebuilding it from the store")
            LexicalIndex.destroy(self._lexical_path)
            self._state_path.unlink(missing_ok=True)
            return LexicalIndex(self._lexical_path)

    @property
    def lexical_seq(self) -> int:
        try:
            return int(json.loads(self._state_path.read_text())["seq"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def _set_lexical_seq(self, seq: int) -> None:
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"seq": seq}))
        tmp.replace(self._state_path)

    def catch_up(self, progress: ProgressFn | None = None, batch: int = 5000) -> IndexReport:
        report = IndexReport(messages=list(self.messages))
        self.messages.clear()
        seq = self.lexical_seq
        if seq == 0 and self.lexical.num_docs() > 0:
            # Documents without a state file: an interrupted first build. Start clean.
            self.lexical.clear()
        while True:
            papers = self.store.changes_since(seq, batch)
            if not papers:
                break
            self.lexical.apply(
                [p for p in papers if not p.deleted], [p.id for p in papers if p.deleted]
            )
            self.lexical.commit()
            seq = papers[-1].seq
            self._set_lexical_seq(seq)
            report.lexical_applied += len(papers)
            if progress is not None:
                progress(len(papers))
        report.vectors_applied = self.vectors.catch_up(self.store)
        return report

    def rebuild(self, progress: ProgressFn | None = None) -> IndexReport:
        self.lexical.clear()
        self.lexical.commit()
        self._state_path.unlink(missing_ok=True)
        self.vectors.clear()
        report = self.catch_up(progress)
        self.vectors.save()
        report.rebuilt = True
        return report

    def pending(self) -> int:
        return self.store.count_changes_since(self.lexical_seq)
