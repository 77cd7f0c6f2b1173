"""Personal recommendations ("For you", issue 12): measuring the model on the recommendation
benchmarks through a throw-away store. The model itself is ``paperwire.recommend``."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from paperwire.errors import SourceError
from paperwire.ingest import ProgressFn
from paperwire.models import Paper, Problem

if TYPE_CHECKING:
    from paperwire.recommend.evaluate import Recipe, Result
    from paperwire.recommend.model import Doc

DEFAULT_CORPUS = Path("../shared/data/corpus/papers-200k.jsonl.gz")


@dataclass
class EvalReport:
    results: list[Result]
    problems: list[Problem] = field(default_factory=list)  # benchmark lines skipped
    corpus_papers: int = 0


def doc_of(paper: Paper) -> Doc:
    """What the recommender sees of a paper: text, authors, categories and day, never the
    community fields (upvotes, submitter, HF picks)."""
    from paperwire.recommend.model import Doc

    return Doc(
        paper.id,
        paper.title,
        paper.abstract,
        tuple(paper.authors),
        tuple(paper.categories),
        paper.first_seen,
    )


class Recommend:
    def __init__(self, import_batch_size: int) -> None:
        self.import_batch_size = import_batch_size

    def evaluate(
        self,
        files: Sequence[Path],
        corpus: Path,
        *,
        recipe: Recipe | None = None,
        progress: ProgressFn | None = None,
    ) -> EvalReport:
        """Load ``corpus`` into a temporary store, read it back as the recommender sees papers,
        and replay every user of ``files`` (``recipe`` None: the "For you" ranking)."""
        from paperwire.recommend import benchmark, evaluate

        loaded = benchmark.load(files)
        if not loaded.users:
            raise SourceError(f"no usable benchmark lines in {', '.join(map(str, files))}")
        docs = self.corpus_docs(corpus)
        results = evaluate.evaluate(
            docs, loaded.users, recipe=recipe or evaluate.for_you, progress=progress
        )
        return EvalReport(results, loaded.problems, len(docs))

    def corpus_docs(self, corpus: Path) -> list[Doc]:
        """``corpus`` loaded into a temporary store and read back as the recommender sees it."""
        from paperwire.ingest import import_paths
        from paperwire.store import Store

        if not corpus.is_file():
            raise SourceError(f"{corpus}: no such corpus file (give one with --corpus)")
        with tempfile.TemporaryDirectory(prefix="paperwire-recs-") as tmp:
            store = Store(f"sqlite:///{Path(tmp) / 'eval.db'}")
            try:
                store.migrate()
                import_paths(store, [corpus], batch_size=self.import_batch_size)
                return [doc_of(p) for p in store.papers.iter_papers() if not p.deleted]
            finally:
                store.close()
