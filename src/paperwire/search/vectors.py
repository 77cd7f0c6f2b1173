"""Vector search over the stored embeddings of one model: exact (numpy) for small corpora, an
HNSW graph (usearch) above a size threshold; the same ``search`` either way.

The vectors live in the store (float16); this index is a cache of them under the data folder,
with the embedding sequence number it reflects, and catches up from the store on open.

Small, the cache is a float16 matrix searched exactly. Once the graph is built it is the only
copy held: its vectors are int8 (a global scale, kept with it), so a vector costs 384 bytes and
its links instead of a float16 row in the matrix *and* another in the graph (issue 14: the two
copies made a serving process 2.5 GB at 1M papers).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from paperwire.search.types import Hit

if TYPE_CHECKING:
    from paperwire.store import Store

log = logging.getLogger(__name__)
_SAVE_AFTER_CHANGES = 5000  # rewrite the cache files when catching up changed this many rows
_GROWTH = 1.5  # rows are kept in a buffer this much larger than needed when it has to grow
_BUILD_CHUNK = 100_000  # vectors quantised at a time while building (float32 while scaled)
_SCAN_CHUNK = 50_000  # vectors scored at a time by an exact scan (float32 while scored)
_GRAPH_FORMAT = "i8-v1"  # what the saved graph holds; a cache without it rebuilds the graph


def int8_scale(vectors: np.ndarray) -> float:
    """The factor that puts the largest coordinate of ``vectors`` at 127."""
    largest = float(np.abs(vectors).max()) if vectors.size else 1.0
    return 127.0 / (largest or 1.0)


def quantise(vectors: np.ndarray, scale: float) -> np.ndarray:
    """``vectors`` as the graph holds them. Our own scale, not usearch's (which multiplies by
    127): the coordinates of a unit vector of 384 dimensions are mostly under 0.1, so x127
    left them a few levels (cosine 0.94 to the original); scaled by the largest coordinate
    they keep ~0.9999. Coordinates past the scale's range (a later vector) are clipped."""
    scaled = np.rint(vectors.astype(np.float32) * scale)
    quantised: np.ndarray = np.clip(scaled, -127, 127).astype(np.int8)
    return quantised


class VectorIndex:
    def __init__(self, folder: Path, model: str, dim: int, hnsw_threshold: int) -> None:
        self.folder = folder
        self.model = model
        self.dim = dim
        self.hnsw_threshold = hnsw_threshold
        self.ids: list[str] = []
        self.positions: dict[str, int] = {}
        # ``matrix`` and ``alive`` are views of the first rows of larger buffers (``_grow``);
        # ``matrix`` holds the vectors only while there is no graph (then it has no rows).
        self.alive = np.zeros(0, dtype=bool)
        self.matrix = np.zeros((0, dim), dtype=np.float16)
        self._matrix_buffer, self._alive_buffer = self.matrix, self.alive
        self.seq = 0
        self._exact: np.ndarray | None = None  # float32 copy of the live rows while small
        self._alive_rows = np.zeros(0, dtype=np.int64)
        self._size = 0  # live vectors, counted when they change (every search asks)
        self._hnsw: Any = None  # usearch.index.Index, imported only when needed
        self._scale = 0.0  # int8 = round(vector * scale), set when the graph is built
        # A serving process searches from request threads while a background thread catches
        # up; updates replace and grow arrays, so both sides take this lock.
        self._lock = threading.RLock()
        # While a graph is built (outside the lock), the rows catch-ups change meanwhile: the
        # build applies them to the new graph before it is used. None when no build runs.
        self._touched: set[int] | None = None
        self._generation = 0  # counts load/clear: a build of a replaced index is dropped

    # -- files ---------------------------------------------------------------------------
    @property
    def _stem(self) -> Path:
        return self.folder / f"vectors-{self.model}"

    @property
    def _tmp(self) -> str:
        # Several serving workers may save at once: each writes its own temporary files.
        return f".tmp{os.getpid()}"

    def load(self) -> bool:
        """Read the cache files; False (and an empty index) when absent or unreadable."""
        meta_path = self._stem.with_suffix(".json")
        if not meta_path.exists():
            return False
        try:
            meta = json.loads(meta_path.read_text())
            ids, seq = list(meta["ids"]), int(meta["seq"])
            alive = np.load(self._stem.with_suffix(".alive.npy"))
            if meta.get("graph") == _GRAPH_FORMAT:
                graph = self._read_graph(seq)
                matrix = np.zeros((0, self.dim), dtype=np.float16)
                self._scale = float(meta["scale"])
            else:
                graph = None
                matrix = np.load(self._stem.with_suffix(".npy"))
                if matrix.shape != (len(ids), self.dim):
                    raise ValueError("cache files disagree in size")
            if alive.shape != (len(ids),):
                raise ValueError("cache files disagree in size")
        except (OSError, RuntimeError, ValueError, KeyError, TypeError) as exc:
            log.warning(
                "vector cache %s unreadable (%s); rebuilding from the store", self._stem, exc
            )
            self.clear()
            return False
        self.ids = ids
        self.positions = {pid: i for i, pid in enumerate(ids)}
        self.matrix, self.alive, self.seq = matrix, alive, seq
        self._matrix_buffer, self._alive_buffer = matrix, alive
        self._invalidate()
        self._hnsw = graph
        return True

    def saved_stamp(self) -> int | None:
        """When the cache on disk was last written (its meta file's mtime in ns); None when
        there is none."""
        try:
            return self._stem.with_suffix(".json").stat().st_mtime_ns
        except OSError:
            return None

    def saved_with_graph(self) -> bool:
        """Whether the cache on disk holds a graph (another process may have built it)."""
        try:
            meta = json.loads(self._stem.with_suffix(".json").read_text())
            return bool(meta.get("graph") == _GRAPH_FORMAT)
        except (OSError, ValueError, AttributeError):
            return False

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Write beside, then rename: a crash mid-save leaves the old cache intact (the meta
        # file, written last, names the sequence number the other files must have).
        arrays: list[tuple[str, np.ndarray]] = [(".alive.npy", self.alive)]
        if self._hnsw is None:
            arrays.append((".npy", self.matrix))
        for suffix, array in arrays:
            tmp = self._stem.with_suffix(self._tmp + suffix)
            np.save(tmp, array)
            tmp.replace(self._stem.with_suffix(suffix))
        meta: dict[str, Any] = {"seq": self.seq, "ids": self.ids, "model": self.model}
        if self._hnsw is not None:
            self._write_graph()
            meta.update(graph=_GRAPH_FORMAT, scale=self._scale)
        meta_tmp = self._stem.with_suffix(self._tmp + ".json")
        meta_tmp.write_text(json.dumps(meta))
        meta_tmp.replace(self._stem.with_suffix(".json"))
        if self._hnsw is not None:
            # The float16 matrix of before the graph: stale now, and as big as the graph.
            self._stem.with_suffix(".npy").unlink(missing_ok=True)

    def clear(self) -> None:
        self.ids, self.positions, self.seq = [], {}, 0
        self.alive = np.zeros(0, dtype=bool)
        self.matrix = np.zeros((0, self.dim), dtype=np.float16)
        self._matrix_buffer, self._alive_buffer = self.matrix, self.alive
        self._invalidate()

    # -- updating ------------------------------------------------------------------------
    def catch_up(self, store: Store, batch: int = 20_000) -> int:
        """Apply every stored embedding change after ``self.seq``; returns how many."""
        with self._lock:
            return self._catch_up(store, batch)

    def _catch_up(self, store: Store, batch: int) -> int:
        applied = 0
        while True:
            rows = store.embeddings.embeddings_since(self.model, self.seq, batch)
            if not rows:
                break
            new_ids = list(dict.fromkeys(pid for pid, _, _ in rows if pid not in self.positions))
            if new_ids:
                start = len(self.ids)
                self.ids.extend(new_ids)
                self.positions.update((pid, start + i) for i, pid in enumerate(new_ids))
                self._grow(len(self.ids))
            latest: dict[int, bytes] = {}  # row -> its last vector in this batch (b"": gone)
            for pid, vector, seq in rows:
                latest[self.positions[pid]] = vector
                self.seq = seq
            self._apply(latest)
            applied += len(rows)
        if applied:
            self._exact = None
            self._size = int(self.alive.sum())
            if applied >= _SAVE_AFTER_CHANGES:
                self.save()
        return applied

    def _apply(self, latest: dict[int, bytes]) -> None:
        rows = np.fromiter(latest, dtype=np.int64, count=len(latest))
        live = np.fromiter((bool(v) for v in latest.values()), dtype=bool, count=len(latest))
        self.alive[rows] = live
        vectors = np.frombuffer(b"".join(v for v in latest.values() if v), dtype=np.float16)
        vectors = vectors.reshape(-1, self.dim)
        if self._hnsw is None:
            self.matrix[rows[live]] = vectors
            if self._touched is not None:
                self._touched.update(rows.tolist())
            return
        # Patch the graph rather than rebuild it: rebuilding 1M vectors takes a quarter of an
        # hour, and a serving process catches up every few seconds while papers are embedded.
        self._hnsw.remove(rows.astype(np.uint64))  # keys it does not hold are skipped
        if vectors.size:
            self._hnsw.add(rows[live].astype(np.uint64), quantise(vectors, self._scale))

    def _grow(self, rows: int) -> None:
        """Make ``alive`` (and ``matrix``, while there is no graph) ``rows`` long, new rows
        zero and not alive. The buffers grow by half again when full, so catching up copies
        the vectors a few times in all rather than once per batch: a copy per batch made
        each catch-up cost the whole index (768 MB at 1M vectors) however few vectors it
        added (issue 14)."""
        if rows > self._alive_buffer.shape[0]:
            capacity = max(rows, int(self._alive_buffer.shape[0] * _GROWTH))
            alive = np.zeros(capacity, dtype=bool)
            alive[: self.alive.shape[0]] = self.alive
            self._alive_buffer = alive
            if self._hnsw is None:
                matrix = np.zeros((capacity, self.dim), dtype=np.float16)
                matrix[: self.matrix.shape[0]] = self.matrix
                self._matrix_buffer = matrix
        self.alive = self._alive_buffer[:rows]
        if self._hnsw is None:
            self.matrix = self._matrix_buffer[:rows]

    def _invalidate(self) -> None:
        self._exact = None
        self._hnsw = None
        self._size = int(self.alive.sum())
        self._generation += 1

    @property
    def size(self) -> int:
        return self._size

    @property
    def uses_hnsw(self) -> bool:
        return self._hnsw is not None or self.size > self.hnsw_threshold

    @property
    def ready(self) -> bool:
        """Whether searching every vector is quick: a graph, or few enough vectors to scan
        exactly. Past the threshold without a graph (being built), an unfiltered search
        scans every vector a chunk at a time: correct, and ~0.5 s at 200k papers."""
        return self._hnsw is not None or self.size <= self.hnsw_threshold

    @property
    def needs_graph(self) -> bool:
        """Big enough for a graph, and none is loaded or being built."""
        return self._hnsw is None and self._touched is None and self.size > self.hnsw_threshold

    def prepare(self) -> None:
        """Build the HNSW graph now when the index is big enough to use one and none was
        loaded (on 2 cores ~20 s for 200k vectors, ~3 minutes for 1M, ~10 for 3M). The lock is
        held only to read the vectors, a chunk at a time, and to put the graph in place:
        meanwhile the index is not ``ready`` (the search engine answers by keywords) and
        catch-ups go on (an upgrade from a cache without a graph used to hold every search,
        and the server's start, for the whole build). Returns at once when another thread
        is building it."""
        with self._lock:
            if not self.needs_graph:
                return
            self._touched = set()
            generation = self._generation
            rows = np.flatnonzero(self.alive)
        try:
            graph, scale = self._build_graph(rows)
        except BaseException:
            with self._lock:
                self._touched = None
            raise
        with self._lock:
            touched, self._touched = self._touched, None
            if generation != self._generation:
                return  # cleared or reloaded meanwhile: this graph is of another index
            # What catch-ups changed since the rows were read: out of the graph, and back
            # in with the vectors they hold now (a row gone since stays out).
            changed = np.fromiter(sorted(touched), dtype=np.int64, count=len(touched))
            if changed.size:
                graph.remove(changed.astype(np.uint64))
                now = changed[self.alive[changed]]
                if now.size:
                    graph.add(now.astype(np.uint64), quantise(self.matrix[now], scale))
            self._hnsw, self._scale, self._exact = graph, scale, None
            self.matrix = self._matrix_buffer = np.zeros((0, self.dim), dtype=np.float16)
            self.save()

    def _build_graph(self, rows: np.ndarray) -> tuple[Any, float]:
        """A graph of the vectors of ``rows`` and its int8 scale; reads them a chunk at a
        time under the lock, adds them outside it."""

        def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for start in range(0, rows.size, _BUILD_CHUNK):
                keys = rows[start : start + _BUILD_CHUNK]
                with self._lock:
                    vectors = self.matrix[keys]  # a copy: catch-ups may move the matrix
                yield keys, vectors

        scale = min((int8_scale(vectors) for _, vectors in chunks()), default=127.0)
        graph = self._new_hnsw()
        for keys, vectors in chunks():
            graph.add(keys.astype(np.uint64), quantise(vectors, scale))
        return graph, scale

    # -- searching -----------------------------------------------------------------------
    def vector_of(self, paper_id: str) -> np.ndarray | None:
        with self._lock:
            pos = self.positions.get(paper_id)
            if pos is None or not self.alive[pos]:
                return None
            vector: np.ndarray = self._vectors(np.array([pos], dtype=np.int64))[0]
            return vector

    def _vectors(self, rows: np.ndarray) -> np.ndarray:
        """The unit float32 vectors of live ``rows``, from the matrix or the graph."""
        if self._hnsw is None:
            vectors: np.ndarray = self.matrix[rows].astype(np.float32)
            return vectors
        held = np.asarray(self._hnsw.get(rows.astype(np.uint64)), dtype=np.float32)
        held = held.reshape(len(rows), self.dim)
        norms = np.linalg.norm(held, axis=1, keepdims=True)
        unit: np.ndarray = held / np.where(norms > 0, norms, 1.0)
        return unit

    def search(
        self,
        query: np.ndarray,
        k: int,
        *,
        allowed: Collection[str] | None = None,
        exclude: Collection[str] = (),
    ) -> list[Hit]:
        """The ``k`` nearest papers by cosine similarity (vectors are normalised)."""
        with self._lock:
            return self._search(query, k, allowed, exclude)

    def _search(
        self, query: np.ndarray, k: int, allowed: Collection[str] | None, exclude: Collection[str]
    ) -> list[Hit]:
        if self.size == 0 or k <= 0:
            return []
        if allowed is not None:
            rows = np.array(
                [p for p in (self.positions.get(i) for i in allowed) if p is not None],
                dtype=np.int64,
            )
            rows = rows[self.alive[rows]] if rows.size else rows
            if rows.size == 0:
                return []
            scores = self._vectors(rows) @ query.astype(np.float32)
            return self._rank(scores, rows, k, exclude)
        if self._hnsw is not None:
            return self._hnsw_search(query, k, exclude)
        if self.size > self.hnsw_threshold:
            return self._scan(query, k, exclude)
        return self._exact_all(query, k, exclude)

    def _rank(
        self, scores: np.ndarray, rows: np.ndarray, k: int, exclude: Collection[str]
    ) -> list[Hit]:
        want = min(k + len(exclude), scores.size)
        if want <= 0:
            return []
        top = (
            np.argpartition(-scores, want - 1)[:want]
            if want < scores.size
            else np.arange(scores.size)
        )
        top = top[np.argsort(-scores[top])]
        hits = [Hit(self.ids[int(rows[i])], float(scores[i])) for i in top]
        return [h for h in hits if h.id not in exclude][:k]

    def _exact_all(self, query: np.ndarray, k: int, exclude: Collection[str]) -> list[Hit]:
        if self._exact is None:
            # The live rows only, as float32, once: copying them per query cost more than the
            # product itself.
            self._alive_rows = np.flatnonzero(self.alive)
            self._exact = self.matrix[self._alive_rows].astype(np.float32)
        scores = self._exact @ query.astype(np.float32)
        return self._rank(scores, self._alive_rows, k, exclude)

    def _scan(self, query: np.ndarray, k: int, exclude: Collection[str]) -> list[Hit]:
        """Exact search of every vector, a chunk at a time, while the graph is not built yet.
        The search engine does not ask for it (it answers by keywords until the index is
        ``ready``); it keeps ``search`` correct for any caller without a float32 copy of
        every vector (``_exact_all``'s: 4.6 GB at 3M papers)."""
        rows = np.flatnonzero(self.alive)
        hits: list[Hit] = []
        for start in range(0, rows.size, _SCAN_CHUNK):
            chunk = rows[start : start + _SCAN_CHUNK]
            scores = self.matrix[chunk].astype(np.float32) @ query.astype(np.float32)
            hits.extend(self._rank(scores, chunk, k, exclude))
        return sorted(hits, key=lambda h: -h.score)[:k]

    def _hnsw_search(self, query: np.ndarray, k: int, exclude: Collection[str]) -> list[Hit]:
        matches = self._hnsw.search(
            quantise(query.reshape(1, -1), self._scale)[0], k + len(exclude)
        )
        hits = [
            Hit(self.ids[int(key)], 1.0 - float(dist))
            for key, dist in zip(matches.keys, matches.distances, strict=True)
        ]
        return [h for h in hits if h.id not in exclude][:k]

    # -- the graph -----------------------------------------------------------------------
    def _new_hnsw(self) -> Any:
        # onnxruntime (the query embedder's) is loaded before usearch: in the other order,
        # importing onnxruntime 1.32 later in the same process crashes it (segmentation
        # fault, reproduced with `import usearch.index; import onnxruntime`).
        import onnxruntime  # noqa: F401
        from usearch.index import Index

        return Index(
            ndim=self.dim,
            metric="cos",
            dtype="i8",
            connectivity=16,
            expansion_add=128,
            # Measured on the 200k corpus with 3-word queries: the exact 10 nearest found
            # 87% of the time at 64, 92.5% at 128 (+0.3 ms), 96% at 256 (+0.9 ms).
            expansion_search=128,
        )

    @property
    def _hnsw_paths(self) -> tuple[Path, Path]:
        return self._stem.with_suffix(".usearch"), self._stem.with_suffix(".usearch.seq")

    def _read_graph(self, seq: int) -> Any:
        """The saved graph; it must have been saved at ``seq`` (``ValueError`` otherwise)."""
        path, seq_path = self._hnsw_paths
        if seq_path.read_text().strip() != str(seq):
            raise ValueError("the graph was saved at another sequence number")
        index = self._new_hnsw()
        index.load(str(path))
        return index

    def _write_graph(self) -> None:
        path, seq_path = self._hnsw_paths
        tmp = path.with_suffix(self._tmp + ".usearch")
        self._hnsw.save(str(tmp))
        tmp.replace(path)
        seq_path.write_text(str(self.seq))
