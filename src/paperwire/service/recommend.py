"""Personal recommendations ("For you", issue 12): measuring the model on the recommendation
benchmarks through a throw-away store. The model itself is ``paperwire.recommend``."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperwire.errors import NotFoundError, SourceError
from paperwire.ingest import ProgressFn
from paperwire.models import Paper, Problem
from paperwire.ranking import week_bounds
from paperwire.service.signals import personalise
from paperwire.service.views import Clock
from paperwire.store import Store

if TYPE_CHECKING:
    from paperwire.recommend.evaluate import Recipe, Result
    from paperwire.recommend.model import Doc

DEFAULT_CORPUS = Path("../shared/data/corpus/papers-200k.jsonl.gz")
MAX_CANDIDATES = 5000  # a week of every arXiv listing is about 5,000 papers


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


@dataclass(frozen=True)
class Pick:
    paper: Paper
    score: float
    why: tuple[str, ...]


@dataclass
class ForYou:
    """A user's ranked papers of one period; ``cold``: too few signals to rank by, so the
    period's most upvoted papers are shown (and the surfaces say so)."""

    username: str
    start: date
    end: date
    positives: int
    picks: list[Pick]
    muted: int = 0  # the period's papers the user's mutes hid (all of them: the page says so)

    @property
    def cold(self) -> bool:
        from paperwire.recommend.model import MIN_POSITIVES

        return self.positives < MIN_POSITIVES


class Recommend:
    def __init__(self, store: Store, clock: Clock, import_batch_size: int) -> None:
        self.store = store
        self.clock = clock
        self.import_batch_size = import_batch_size

    def for_user(self, username: str, *, week: bool = False, limit: int = 50) -> ForYou:
        """The newest feed day's (or its week's) papers ranked for ``username`` by the model
        over their upvotes and collections, with the reasons; fewer than
        ``MIN_POSITIVES`` signals: the period's most upvoted papers, unranked by the model.

        The text space is fitted per request on the period's papers, the user's positives and
        ``BACKGROUND`` random earlier papers (a few thousand documents: about a second),
        so no corpus-wide state has to be kept in step with the store."""
        from paperwire.recommend import model

        user = self.store.people.by_username(username)
        if user is None:
            raise NotFoundError(f"no user {username!r}")
        end = self.store.papers.latest_feed_day() or self.clock().date()
        start = week_bounds(end)[0] if week else end
        candidates, _ = self.store.papers.papers_in_days(start, end, limit=MAX_CANDIDATES)
        # Own papers join the positives; "not interested" and muted papers leave the listing.
        mine = personalise(self.store, user.id, self.store.community.liked(user.id), candidates)
        liked, listing = mine.liked, mine.listing
        positives = self.store.papers.get_papers(list(liked))  # signals on deleted papers drop
        if len(positives) < model.MIN_POSITIVES:
            picks = [Pick(p, float(p.upvotes or 0), ()) for p in listing[:limit]]
            return ForYou(user.username, start, end, len(positives), picks, mine.muted)
        background = self.store.papers.sample_before(start, model.BACKGROUND)
        everything = {
            p.id: p for p in [*listing, *positives.values(), *mine.negatives, *background]
        }
        space = model.Space([doc_of(p) for p in everything.values()])
        state = model.profile(
            space,
            [(i, liked[i].date()) for i in positives],
            negatives=[p.id for p in mine.negatives],
            background=[p.id for p in background if p.id not in liked],
        )
        ranked = model.rank(space, state, [p.id for p in listing], explain=limit)[:limit]
        picks = [Pick(everything[r.id], r.score, r.why) for r in ranked]
        return ForYou(user.username, start, end, len(state.positives), picks, mine.muted)

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
        docs = corpus_docs(corpus, self.import_batch_size)
        results = evaluate.evaluate(
            docs, loaded.users, recipe=recipe or evaluate.for_you, progress=progress
        )
        return EvalReport(results, loaded.problems, len(docs))


def corpus_docs(corpus: Path, import_batch_size: int = 2000) -> list[Doc]:
    """``corpus`` loaded into a temporary store and read back as the recommender sees it."""
    from paperwire.ingest import import_paths

    if not corpus.is_file():
        raise SourceError(f"{corpus}: no such corpus file (give one with --corpus)")
    with tempfile.TemporaryDirectory(prefix="paperwire-recs-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'eval.db'}")
        try:
            store.migrate()
            import_paths(store, [corpus], batch_size=import_batch_size)
            return [doc_of(p) for p in store.papers.iter_papers() if not p.deleted]
        finally:
            store.close()
