"""The service layer: the one API that the CLI, the web app and the scheduler call.

``make_service(settings)`` is the only place collaborators are built. Heavy parts load lazily,
so a one-shot command such as ``paperwire show`` starts fast.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperwire.ingest import ProgressFn
from paperwire.models import Paper, User
from paperwire.service.community import CommunityMixin
from paperwire.service.core import CoreService
from paperwire.service.digests import DigestsMixin
from paperwire.service.feeds import MAX_PAGE, FeedsMixin
from paperwire.service.syncing import SyncMixin
from paperwire.service.views import Feed, PaperPage
from paperwire.settings import Settings
from paperwire.store import Store

if TYPE_CHECKING:
    from paperwire.search.beir import Benchmark, Evaluation
    from paperwire.search.embedder import Embedder
    from paperwire.search.engine import SearchEngine
    from paperwire.search.indexer import EmbedReport, IndexReport
    from paperwire.search.query import ParsedQuery
    from paperwire.search.types import SearchResponse, SearchResult

log = logging.getLogger(__name__)


class Service(CoreService, FeedsMixin, CommunityMixin, SyncMixin, DigestsMixin):
    """Everything the CLI, the web app and the scheduler do, over one store."""

    def __init__(self, settings: Settings, store: Store) -> None:
        super().__init__(settings, store)
        self._embedder: Embedder | None = None
        self._embedder_error: str | None = None
        self._engine: SearchEngine | None = None

    # -- search --------------------------------------------------------------------------
    def embedder(self) -> Embedder | None:
        """The embedding model, loaded once per process; None (with a logged reason) when its
        files are missing, so keyword search keeps working."""
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
            # Without a model the vector index stays empty and search is keyword-only.
            model = embedder.name if embedder is not None else "no-model"
            index = SearchIndex(
                self.store, self.settings.index_dir, model, DIM, self.settings.hnsw_threshold
            )
            self._engine = SearchEngine(
                self.store, index, self.embedder, self.settings.search_candidates
            )
        return self._engine

    def index(self, *, rebuild: bool = False, progress: ProgressFn | None = None) -> IndexReport:
        """Bring the search indexes up to date with the store (or rebuild them)."""
        index = self.engine.index
        report = index.rebuild(progress) if rebuild else index.catch_up(progress)
        index.vectors.prepare()
        return report

    def index_pending(self) -> int:
        return self.engine.index.pending()

    def embed(self, *, progress: ProgressFn | None = None, limit: int | None = None) -> EmbedReport:
        """Embed papers whose text changed since the last run (resumable), then update the
        vector index."""
        from paperwire.errors import PaperwireError
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
        self.index()
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
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
    ) -> SearchResponse:
        return self.engine.search(query, mode=mode, limit=limit, offset=offset, sort=sort)

    @contextlib.contextmanager
    def beir_workspace(
        self,
        path: Path,
        *,
        split: str = "test",
        embed: bool = True,
        progress: ProgressFn | None = None,
    ) -> Iterator[tuple[Service, Benchmark]]:
        """A throw-away service (own data folder, this one's other settings) holding a BEIR
        benchmark's documents, indexed and, with ``embed``, embedded."""
        import dataclasses
        import tempfile

        from paperwire.search import beir

        benchmark = beir.load(path, split)
        with tempfile.TemporaryDirectory(prefix="paperwire-eval-") as tmp:
            settings = dataclasses.replace(self.settings, data_dir=Path(tmp), database_url="")
            scratch = make_service(settings)
            try:
                scratch.init()
                for start in range(0, len(benchmark.docs), 2000):
                    chunk = benchmark.docs[start : start + 2000]
                    scratch.store.papers.update_papers([d.id for d in chunk], _write_all(chunk))
                if embed:
                    scratch.embed(progress=progress)
                else:
                    scratch.index()
                yield scratch, benchmark
            finally:
                scratch.close()

    def evaluate_beir(
        self,
        path: Path,
        *,
        split: str = "test",
        modes: Iterable[str] = ("lexical", "semantic", "hybrid"),
        progress: ProgressFn | None = None,
    ) -> Evaluation:
        """Score each search mode on a BEIR benchmark (nDCG@10, recall@100, MRR@10)."""
        from paperwire.search.beir import Evaluation

        modes = list(modes)
        embed = any(m != "lexical" for m in modes)
        with self.beir_workspace(path, split=split, embed=embed, progress=progress) as (
            scratch,
            benchmark,
        ):
            scores = {mode: scratch.score_benchmark(benchmark, mode) for mode in modes}
        return Evaluation(scores, benchmark.problems)

    def score_benchmark(self, benchmark: Benchmark, mode: str) -> dict[str, float]:
        from paperwire.search import beir

        engine = self.engine

        def run(query: ParsedQuery) -> list[str]:
            response = engine.search(query, mode=mode, limit=100, snippets=False)
            return [r.paper.id for r in response.results]

        return beir.score(benchmark, run)

    def papers_after(self, cursor: str, limit: int) -> list[Paper]:
        """Live papers in id order after ``cursor`` (keyset pagination for the API)."""
        return self.store.papers.papers_after(cursor, limit)

    def paper_page(self, paper_id: str, viewer: User | None = None) -> PaperPage:
        paper = self.get_paper(paper_id)
        community = self.store.community
        comments = [
            c
            for c in community.comments_for(paper.id)
            if not c.hidden or (viewer is not None and viewer.is_admin)
        ]
        # One round of card queries for the paper and its related papers together.
        card, *related = self.cards(
            [paper, *(r.paper for r in self.engine.related(paper, 6))], viewer
        )
        mine: list[tuple[Any, bool]] = []
        if viewer is not None:
            containing = community.collections_containing(viewer.id, paper.id)
            mine = [(c, c.id in containing) for c in community.collections_of(viewer.id, viewer.id)]
        return PaperPage(
            card=card,
            comments=comments,
            related=related,
            collections=mine,
        )

    def _filtered_feed(
        self,
        kind: str,
        title: str,
        query: ParsedQuery,
        viewer: User | None,
        limit: int,
        offset: int,
    ) -> Feed:
        """Newest papers passing a filter (an author, a category), from the lexical index."""
        limit = max(1, min(limit, MAX_PAGE))
        response = self.engine.search(
            query, mode="lexical", limit=limit, offset=offset, sort="date"
        )
        return Feed(
            title=title,
            kind=kind,
            total=response.total,
            cards=self.cards([r.paper for r in response.results], viewer),
        )

    def author_feed(
        self, name: str, *, viewer: User | None = None, limit: int = 50, offset: int = 0
    ) -> Feed:
        from paperwire.search.query import ParsedQuery

        return self._filtered_feed(
            "author", name, ParsedQuery(authors=[name]), viewer, limit, offset
        )

    def category_feed(
        self, category: str, *, viewer: User | None = None, limit: int = 50, offset: int = 0
    ) -> Feed:
        from paperwire.search.query import ParsedQuery

        return self._filtered_feed(
            "category", category, ParsedQuery(categories=[category]), viewer, limit, offset
        )

    def related(self, paper_id: str, limit: int = 10) -> list[SearchResult]:
        return self.engine.related(self.get_paper(paper_id), limit)


def _write_all(papers: list[Paper]) -> Callable[[dict[str, Paper]], list[Paper]]:
    """A store ``decide`` function that writes the given papers as they are."""
    return lambda _existing: papers


def make_service(settings: Settings) -> Service:
    service = Service(settings, Store(settings.effective_database_url))
    if settings.arxiv_api_url:  # empty: offline; only papers already stored can be submitted
        service.fetch_arxiv_paper = service.fetch_from_arxiv
    return service
