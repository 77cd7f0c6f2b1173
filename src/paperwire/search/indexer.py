"""Keeping the derived search indexes up to date from the store.

- ``embed_pending`` computes embeddings for papers whose title or abstract changed since the
  job's cursor, in claimed ranges of the change sequence so several processes split the work;
  a range's progress is stored in the same transaction as its vectors, so a killed worker's
  range resumes exactly where it stopped.
- ``SearchIndex.catch_up`` applies paper changes (by change sequence) to the lexical index and
  stored embedding changes (by embedding sequence) to the vector index. Both are idempotent:
  a crash between an index commit and its state file only re-applies a few changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
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
    skipped_ranges: int = 0  # claimed by another worker at the time


COMMIT_PAPERS = 100_000  # a long catch-up commits the lexical index this often (papers)...
COMMIT_SECONDS = 20.0  # ...or this often, whichever comes first
# Papers are embedded in claims of this many change numbers. Fixed, not a setting: every worker
# on every machine must cut the sequence the same way, or two of them would claim overlapping
# work. 1,024 papers take ~10 s on 2 cores and well under one on a GPU.
CLAIM_SPAN = 1024
# A claim's lease: renewed while its worker lives, so only a dead worker's claim expires.
CLAIM_TTL = 120.0


def embed_pending(
    store: Store,
    embedder: Embedder,
    *,
    batch_size: int = 256,
    progress: ProgressFn | None = None,
    limit: int | None = None,
) -> EmbedReport:
    """Embed every paper changed since this model's cursor (``limit`` caps papers seen).

    Any number of processes, on any machines, may run this at once: the change sequence is cut
    into ranges of ``CLAIM_SPAN`` numbers, each worker takes the next range nobody holds (a
    lease in the store, expiring when its worker dies), and stores the range's vectors together
    with how far it got. The cursor then moves over the finished ranges. A range done twice
    (a lease taken over) costs time, never correctness: papers whose text hash is stored are
    skipped.
    """
    from paperwire.lease import JobLock

    cursor_name = f"embed_cursor:{embedder.name}"
    marker_prefix = f"embed_done:{embedder.name}:"
    report = EmbedReport()
    cursor = store.jobs.merge_done_ranges(cursor_name, marker_prefix, CLAIM_SPAN)
    next_range = cursor // CLAIM_SPAN
    while limit is None or report.seen < limit:
        top = store.jobs.get_counter("paper_seq")
        if next_range * CLAIM_SPAN >= top:
            break
        current, next_range = next_range, next_range + 1
        marker = f"{marker_prefix}{current}"
        with JobLock(store, f"embed:{embedder.name}:{current}", CLAIM_TTL) as claim:
            if not claim.held:
                report.skipped_ranges += 1
                continue
            low = max(
                current * CLAIM_SPAN,
                store.jobs.get_counter(cursor_name),
                store.jobs.get_counter(marker),
            )
            high = (current + 1) * CLAIM_SPAN
            while low < high and (limit is None or report.seen < limit):
                size = batch_size if limit is None else min(batch_size, limit - report.seen)
                newest = store.jobs.get_counter("paper_seq")  # read first: nothing slips past
                papers = [p for p in store.papers.changes_since(low, size) if p.seq <= high]
                if not papers:
                    # Nothing more in the range yet: it is done up to the newest change.
                    if min(high, newest) > low:
                        store.embeddings.put_embeddings(
                            embedder.name, embedder.dim, [], (), (marker, min(high, newest))
                        )
                    break
                claim.check()
                low = _embed_batch(store, embedder, papers, report, marker)
                if progress is not None:
                    progress(len(papers))
        store.jobs.merge_done_ranges(cursor_name, marker_prefix, CLAIM_SPAN)
    return report


def _embed_batch(
    store: Store, embedder: Embedder, papers: list[Paper], report: EmbedReport, marker: str
) -> int:
    """Embed and store one batch of a claimed range; return the last change number covered."""
    live = [p for p in papers if not p.deleted]
    stored = store.embeddings.embedding_hashes(embedder.name, [p.id for p in live])
    todo = [p for p in live if stored.get(p.id) != text_hash(p)]
    vectors = embedder.embed([embedding_text(p) for p in todo])
    rows = [
        (p.id, text_hash(p), v.astype(np.float16).tobytes())
        for p, v in zip(todo, vectors, strict=True)
    ]
    removed = [p.id for p in papers if p.deleted]
    reached = papers[-1].seq
    store.embeddings.put_embeddings(embedder.name, embedder.dim, rows, removed, (marker, reached))
    report.seen += len(papers)
    report.embedded += len(rows)
    report.removed += len(removed)
    return reached


@contextlib.contextmanager
def _folder_lock(path: Path, *, wait: bool = False) -> Iterator[bool]:
    """An advisory lock on a file (released when the process dies); yields whether we got it."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
        folder.mkdir(parents=True, exist_ok=True)
        self.messages: list[str] = []
        self._thread_lock = threading.Lock()
        self.lexical = self._open_lexical()
        self.vectors = VectorIndex(folder, model, dim, hnsw_threshold)
        self._cache_looked_at: int | None = None  # ``adopt_graph``: the cache's last stamp
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
        """Apply new changes. One writer per index folder: threads of this process wait for
        each other; another process (a second web worker) holding the folder's lock is left
        to write, and this one only refreshes its readers."""
        with self._thread_lock, _folder_lock(self.folder / "writer.lock") as writer:
            if not writer:
                self.lexical.index.reload()
                return IndexReport(vectors_applied=self.vectors.catch_up(self.store))
            return self._catch_up(progress, batch)

    def _catch_up(self, progress: ProgressFn | None, batch: int) -> IndexReport:
        report = IndexReport(messages=list(self.messages))
        self.messages.clear()
        seq = self.lexical_seq
        if seq == 0 and self.lexical.num_docs() > 0:
            # Documents without a state file: an interrupted first build. Start clean.
            self.lexical.clear()
        committed, uncommitted = time.monotonic(), 0
        while True:
            papers = self.store.papers.changes_since(seq, batch)
            if not papers:
                break
            self.lexical.apply(
                [p for p in papers if not p.deleted], [p.id for p in papers if p.deleted]
            )
            seq = papers[-1].seq
            uncommitted += len(papers)
            # A commit makes a segment that tantivy then merges again and again: committing
            # every 5,000 papers made a first build of 1M papers 6.7x slower than of 200k
            # (issue 14). Committing every COMMIT_PAPERS papers or COMMIT_SECONDS keeps a
            # long build visible to searches (keyword search first) and resumable.
            if uncommitted >= COMMIT_PAPERS or time.monotonic() - committed >= COMMIT_SECONDS:
                self._commit_lexical(seq)
                committed, uncommitted = time.monotonic(), 0
            report.lexical_applied += len(papers)
            if progress is not None:
                progress(len(papers))
        if uncommitted:
            self._commit_lexical(seq)
        report.vectors_applied = self.vectors.catch_up(self.store)
        return report

    def _commit_lexical(self, seq: int) -> None:
        self.lexical.commit()
        self._set_lexical_seq(seq)

    def rebuild(self, progress: ProgressFn | None = None) -> IndexReport:
        with self._thread_lock, _folder_lock(self.folder / "writer.lock", wait=True):
            self.lexical.clear()
            self.lexical.commit()
            self._state_path.unlink(missing_ok=True)
            self.vectors.clear()
            report = self._catch_up(progress, 5000)
        self.vectors.save()
        report.rebuilt = True
        return report

    def build_graph(self, *, wait: bool = False) -> bool:
        """Build the vector graph here if it needs one, unless another process of this index
        folder (a node's other worker) is building it: then False at once (a call after that
        build takes its graph); with ``wait``, wait for that build and take its graph. A
        3M-paper graph takes ~10 minutes of both cores and gigabytes more memory while
        built: one build per node, not one per worker."""
        with _folder_lock(self.folder / "graph.lock", wait=wait) as mine:
            # Another process may have built and saved one before this one got the lock.
            if mine and self.vectors.needs_graph and not self.adopt_graph():
                if not wait:
                    log.warning(
                        "building the vector graph of %s papers in the background; searches "
                        "by meaning answer by keywords until it is ready",
                        f"{self.vectors.size:,}",
                    )
                self.vectors.prepare()
            return mine

    def adopt_graph(self) -> bool:
        """Take the graph another process saved in this folder when this one has none: its
        cache replaces the vectors held here, and is caught up with what changed since it
        was saved. False when none is there (or the cache is as it was at the last look)."""
        if not self.vectors.needs_graph:
            return False
        held = self.vectors
        saved = VectorIndex(self.folder, held.model, held.dim, held.hnsw_threshold)
        # Looked into only when the cache was written again since the last look: its meta
        # file lists every paper id (~50 MB at 3M), and the index job asks every 30 s.
        stamp = saved.saved_stamp()
        if stamp is None or stamp == self._cache_looked_at:
            return False
        self._cache_looked_at = stamp
        if not saved.saved_with_graph() or not saved.load() or not saved.ready:
            return False
        with self._thread_lock:
            saved.catch_up(self.store)
            self.vectors = saved
        return True

    def pending(self) -> int:
        return self.store.papers.count_changes_since(self.lexical_seq)
