"""Search: the embedding model, the lexical and vector indexes, search and related papers.
Heavy things (the model, the indexes) load once per process, on first use."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from paperwire.errors import PaperwireError
from paperwire.ingest import ProgressFn
from paperwire.models import Paper
from paperwire.settings import Settings
from paperwire.store import Store

if TYPE_CHECKING:
    from paperwire.search.beir import Evaluation
    from paperwire.search.embedder import Embedder
    from paperwire.search.engine import SearchEngine
    from paperwire.search.indexer import EmbedReport, IndexReport
    from paperwire.search.known_item import KnownItemReport
    from paperwire.search.query import ParsedQuery
    from paperwire.search.types import SearchResponse, SearchResult

log = logging.getLogger(__name__)
# Changes a process applies to its index before it starts serving (a few seconds of work); a
# node with more to do (started empty, or its index folder lost) serves while it builds.
INDEX_BEFORE_SERVING = 20_000


class Search:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._embedder: Embedder | None = None
        self._embedder_error: str | None = None
        self._engine: SearchEngine | None = None
        self._lock = threading.Lock()  # the model and indexes are built once per process

    def embedder(self) -> Embedder | None:
        """The embedding model, loaded once per process; None (with a logged reason) when its
        files are missing, so keyword search keeps working."""
        with self._lock:
            if self._embedder is None and self._embedder_error is None:
                from paperwire.search.embedder import Embedder

                model_dir = Path(self.settings.model_dir) if self.settings.model_dir else None
                try:
                    self._embedder = Embedder(model_dir)
                except (OSError, ValueError, RuntimeError) as exc:
                    self._embedder_error = f"embedding model unavailable: {exc}"
                    log.warning(self._embedder_error)
            return self._embedder

    @property
    def engine(self) -> SearchEngine:
        if self._engine is None:
            from paperwire.search.embedder import DIM
            from paperwire.search.engine import SearchEngine
            from paperwire.search.indexer import SearchIndex

            embedder = self.embedder()
            with self._lock:
                if self._engine is None:
                    # Without a model the vector index stays empty: search is keyword-only.
                    model = embedder.name if embedder is not None else "no-model"
                    index = SearchIndex(
                        self.store,
                        self.settings.index_dir,
                        model,
                        DIM,
                        self.settings.hnsw_threshold,
                    )
                    self._engine = SearchEngine(
                        self.store, index, self.embedder, self.settings.search_candidates
                    )
        return self._engine

    def index(
        self,
        *,
        rebuild: bool = False,
        progress: ProgressFn | None = None,
        graph_in_background: bool = False,
    ) -> IndexReport:
        """Bring the search indexes up to date with the store (or rebuild them), then build
        the vector graph if the index has grown big enough for one and holds none: here, or
        with ``graph_in_background`` in a thread of its own (a serving process: the build
        takes minutes, and neither the start nor the next catch-ups wait for it), by one
        process of the index folder, whose graph the others then load."""
        index = self.engine.index
        report = index.rebuild(progress) if rebuild else index.catch_up(progress)
        for message in report.messages:
            # An index of an older schema (or a damaged one) is rebuilt on the way: say so in
            # the log of whatever process did it, not only in `paperwire index`'s report.
            log.warning(message)
        if not graph_in_background:
            index.build_graph(wait=True)
        elif index.vectors.needs_graph:
            # Builds it, or loads the one another process of the folder saved meanwhile.
            threading.Thread(target=self._build_graph, name="vector graph", daemon=True).start()
        return report

    def _build_graph(self) -> None:
        try:
            self.engine.index.build_graph()
        except Exception:
            log.exception("building the vector graph failed; the next catch-up tries again")

    def open_index(self) -> bool:
        """Make this process's index current before serving when that is quick; otherwise
        build it in a background thread and return False at once. Keyword results fill in as
        the build commits each batch (vectors follow), so the site answers meanwhile. The
        vector graph is built in the background either way."""
        pending = self.index_pending()
        if pending <= INDEX_BEFORE_SERVING:
            self.index(graph_in_background=True)
            return True
        log.warning(
            "building the search index from the store while serving: %s papers to index; "
            "keyword results fill in as it goes",
            f"{pending:,}",
        )
        threading.Thread(
            target=self.index, kwargs={"graph_in_background": True}, name="index build", daemon=True
        ).start()
        return False

    def warm(self) -> None:
        """Prepare, in the background, what the first searches would otherwise wait for
        (the spelling dictionary)."""
        self.engine.speller.warm()

    def index_pending(self) -> int:
        return self.engine.index.pending()

    def lag(self) -> dict[str, int]:
        """How many change sequence numbers each index of this process is behind the store:
        ``lexical`` (this process's keyword index), and ``embeddings`` (the store's vectors,
        shared by all processes) when the model is there."""
        top = self.store.jobs.get_counter("paper_seq")
        lag = {"lexical": max(0, top - self.engine.index.lexical_seq)}
        embedder = self.embedder()
        if embedder is not None:
            cursor = self.store.jobs.get_counter(f"embed_cursor:{embedder.name}")
            lag["embeddings"] = max(0, top - cursor)
        return lag

    def embed(
        self,
        *,
        progress: ProgressFn | None = None,
        limit: int | None = None,
        graph_in_background: bool = False,
    ) -> EmbedReport:
        """Embed papers whose text changed since the last run (resumable), then update the
        vector index (its graph as ``index`` says)."""
        from paperwire.search.indexer import embed_pending

        embedder = self.embedder()
        if embedder is None:
            raise PaperwireError(self._embedder_error or "embedding model unavailable")
        report = embed_pending(
            self.store,
            embedder,
            batch_size=self.settings.embed_batch_size,
            progress=progress,
            limit=limit,
        )
        self.index(graph_in_background=graph_in_background)
        return report

    def embed_pending_count(self) -> int:
        embedder = self.embedder()
        if embedder is None:
            return 0
        return self.store.papers.count_changes_since(
            self.store.jobs.get_counter(f"embed_cursor:{embedder.name}")
        )

    def search(
        self,
        query: str | ParsedQuery,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
        spell: bool = True,
    ) -> SearchResponse:
        """``spell=False``: the words as typed, even when none matches (no auto-correction)."""
        return self.engine.search(
            query, mode=mode, limit=limit, offset=offset, sort=sort, spell=spell
        )

    def evaluate(
        self,
        path: Path,
        *,
        split: str = "test",
        modes: Iterable[str] = ("lexical", "semantic", "hybrid"),
        progress: ProgressFn | None = None,
    ) -> Evaluation:
        """Score search modes on a BEIR benchmark (nDCG@10, recall@100, MRR@10), in a
        throw-away store with this service's search settings and model."""
        from paperwire.search.evaluation import evaluate

        return evaluate(
            path,
            split=split,
            modes=modes,
            embedder=self.embedder,
            candidates=self.settings.search_candidates,
            hnsw_threshold=self.settings.hnsw_threshold,
            embed_batch_size=self.settings.embed_batch_size,
            progress=progress,
        )

    def evaluate_known_items(
        self, path: Path, *, modes: Iterable[str] = ("lexical", "semantic", "hybrid")
    ) -> KnownItemReport:
        """Score search modes on the current store with known-item queries (JSON lines
        ``{"query", "id"}``): R@1, R@10 and MRR@10 per mode."""
        from paperwire.search import known_item

        items, problems = known_item.load(path)
        engine = self.engine

        def run(query: str, mode: str) -> list[str]:
            response = engine.search(query, mode=mode, limit=known_item.DEPTH, snippets=False)
            return [r.paper.id for r in response.results]

        def known(ids: list[str]) -> set[str]:
            return {i for i, p in self.store.papers.get_papers(ids).items() if not p.deleted}

        modes = list(modes)
        report = known_item.score(items, modes, run, known, problems)
        if not engine.semantic_available() and set(modes) - {"lexical"}:
            report.notes.append(
                "semantic search is unavailable until papers are embedded (`paperwire embed`): "
                "the semantic and hybrid scores are of keyword search"
            )
        return report

    def related(self, paper: Paper, limit: int = 10) -> list[SearchResult]:
        return self.engine.related(paper, limit)
