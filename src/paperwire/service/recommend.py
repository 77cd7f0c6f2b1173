"""Personal recommendations ("For you", issue 12): the service part behind the tab, the API,
the CLI, the private feed, the exports and the For-you digest (its state kept per process, see
``Recommend``), and the measurement of the model on the recommendation benchmarks through a
throw-away store. The model itself is ``paperwire.recommend``."""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperwire.errors import NotFoundError, SourceError
from paperwire.forked import cores, fork_map
from paperwire.ingest import ProgressFn
from paperwire.models import Paper, PaperText, Problem, User, UserSignals
from paperwire.ranking import week_bounds
from paperwire.service.signals import Personal, personalise
from paperwire.service.views import Clock
from paperwire.store import Store

if TYPE_CHECKING:
    import numpy as np

    from paperwire.digest.tokens import Tokens
    from paperwire.recommend.benchmark import User as BenchmarkUser
    from paperwire.recommend.evaluate import Recipe, Result
    from paperwire.recommend.model import Doc, Profile, Ranked, Rows, Space
    from paperwire.search.embedder import Embedder
    from paperwire.service.library import LibraryExport
    from paperwire.sources.library import LibraryFormat

DEFAULT_CORPUS = Path("../shared/data/corpus/papers-200k.jsonl.gz")
MAX_CANDIDATES = 5000  # a week of every arXiv listing is about 5,000 papers
SPACES_KEPT = 4  # period spaces kept per process (a day and a week, and the digests' ones)
# Per-user profiles kept per process, in bytes (a profile of 200 signals in a day's space is
# ~0.8 MB: the model's weights and two centroids over ~55k kept terms, float32).
PROFILE_BYTES = 256 * 2**20
VECTORS_KEPT = 300_000  # liked papers' rows kept by a digest run (~0.5 KB each)
# Liked papers' similarities to a period's candidates kept by a digest run's ranker, in bytes
# (4 bytes a candidate: ~4 KB a paper for a day of 1,000 papers, so ~130,000 papers).
SIMILARITY_BYTES = 512 * 2**20
PREFETCH_BATCH = 20_000  # liked papers read and transformed at once (``PeriodRanker.prefetch``)
TRANSFORM_CHUNK = 1000  # papers a forked worker transforms at once (``PeriodRanker._transform``)
PARALLEL_USERS = 64  # users ranked at once from which ``PeriodRanker.for_users`` forks workers


@dataclass
class EvalReport:
    results: list[Result]
    problems: list[Problem] = field(default_factory=list)  # benchmark lines skipped
    corpus_papers: int = 0


def doc_of(paper: Paper | PaperText, vector: np.ndarray | None = None) -> Doc:
    """What the recommender sees of a paper: text, authors, categories, day and embedding,
    never the community fields (upvotes, submitter, HF picks)."""
    from paperwire.recommend.model import Doc

    return Doc(
        paper.id,
        paper.title,
        paper.abstract,
        tuple(paper.authors),
        tuple(paper.categories),
        paper.first_seen,
        vector,
    )


def docs_of(store: Store, papers: Iterable[Paper | PaperText], model: str | None) -> list[Doc]:
    """``doc_of`` each paper, with its embedding by ``model`` (the search's) when the store
    has one (read in one query)."""
    import numpy as np

    papers = list(papers)
    vectors = store.embeddings.vectors_of(model, [p.id for p in papers]) if model else {}
    return [
        doc_of(p, np.frombuffer(vectors[p.id], dtype=np.float16) if p.id in vectors else None)
        for p in papers
    ]


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


@dataclass
class _Period:
    """A period's shared text space: fitted once per process on the period's papers and the
    fixed background sample, for every user (``listing`` is its fingerprint)."""

    listing: str
    space: Space
    background: list[str]
    order: list[str]  # the period's ids, most upvoted first (the cold-start order)


@dataclass
class _Kept:
    """One user's state for one period: the compact profile and its last ranking."""

    listing: str  # the period space it was fitted in
    signals: str  # the fingerprint of the user's signals it was fitted from
    profile: Profile
    bytes: int
    ranked: list[Ranked] = field(default_factory=list)
    explained: int = -1  # how many of ``ranked`` carry why-lines (-1: not ranked yet)
    shown: str = ""  # the fingerprint of the listing ``ranked`` ranks


def one_thread() -> Any:
    """BLAS on one thread while ranking: the products are small (a period's papers against
    one user), and on a loaded machine OpenBLAS's threads waiting for each other made a
    user's ranking ~3x slower (docs/benchmarks.md "For you"). The libraries that bring their
    own BLAS (scipy's, loaded by scikit-learn) are loaded first: a limit only reaches the
    ones loaded when it is set, and a ranking that loaded scipy's later ran its products on
    two threads (~3x the CPU of a digest run's user, docs/benchmarks.md)."""
    import sklearn.svm  # noqa: F401  (scipy.linalg's BLAS, what the model's fits load)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


def fingerprint(values: Iterable[str]) -> str:
    """A short digest of a set of strings (a listing, a user's signals)."""
    return hashlib.sha256("\n".join(sorted(values)).encode()).hexdigest()[:32]


class Recommend:
    """The "For you" part. Per process it keeps, in memory (docs/design.md "For you"):

    - one text space per period (day or week) in use, fitted on the period's papers and the
      day's fixed background sample, refitted when the period's papers change
      (``SPACES_KEPT`` of them);
    - per user and period, the compact profile (``model.compact``: the model's weights and
      centroids, the positives' rows, never papers) and its last ranking, keyed by a
      fingerprint of the user's signals, so a vote or a collection change refits it at the
      next load; least recently used first out once they hold ``profile_bytes``.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        import_batch_size: int,
        *,
        profile_bytes: int = PROFILE_BYTES,
        tokens: Tokens | None = None,
        embedder: Callable[[], Embedder | None] = lambda: None,
    ) -> None:
        self.store = store
        # The search's embedding model (None: none), asked when a space is made: papers
        # embedded by it bring their vectors to the model.
        self.embedder = embedder
        self.tokens = tokens
        self.clock = clock
        self.import_batch_size = import_batch_size
        self.profile_bytes = profile_bytes
        self._lock = threading.Lock()
        self._periods: OrderedDict[tuple[date, date], _Period] = OrderedDict()
        self._kept: OrderedDict[tuple[int, date, date], _Kept] = OrderedDict()
        self._kept_bytes = 0

    def for_user(self, username: str, *, week: bool = False, limit: int = 50) -> ForYou:
        """The newest feed day's (or its week's) papers ranked for ``username`` by the model
        over their signals (upvotes, collections, own papers, "not interested"; mutes filter),
        with the reasons; fewer than
        ``MIN_POSITIVES`` signals: the period's most upvoted papers, unranked by the model."""
        user = self.store.people.by_username(username)
        if user is None:
            raise NotFoundError(f"no user {username!r}")
        end = self.store.papers.latest_feed_day() or self.clock().date()
        start = week_bounds(end)[0] if week else end
        return self.for_period(user.id, user.username, start, end, limit=limit)

    def feed_token(self, user: User) -> str:
        """The secret of the account's private For-you RSS feed (its URL)."""
        if self.tokens is None:
            raise NotFoundError("private feeds are not available here")
        return self.tokens.for_you(user.id, user.username, int(user.created_at.timestamp()))

    def feed(self, token: str, *, week: bool = False, limit: int = 50) -> ForYou:
        """What the private feed behind ``token`` holds: the owner's For you, as on the tab.
        A token that is not ours or names no account: TokenError / NotFoundError."""
        if self.tokens is None:
            raise NotFoundError("private feeds are not available here")
        user_id, username, created = self.tokens.read_for_you(token)
        user = self.store.people.by_id(user_id)
        if user is None or user.username != username or int(user.created_at.timestamp()) != created:
            raise NotFoundError("this feed no longer exists (the account was removed)")
        return self.for_user(user.username, week=week, limit=limit)

    def export(self, username: str, fmt: LibraryFormat, *, week: bool = False) -> LibraryExport:
        """The For-you list as a library file (BibTeX, RIS, CSL-JSON), through the export of
        every list of papers (``Library.export_papers``)."""
        from paperwire.service.library import Library

        found = self.for_user(username, week=week)
        stem = f"for-you-{found.username}-{found.end.isoformat()}{'-week' if week else ''}"
        return Library.export_papers(stem, [pick.paper for pick in found.picks], fmt)

    def for_period(
        self, user_id: int, username: str, start: date, end: date, *, limit: int = 50
    ) -> ForYou:
        """``for_user`` for the papers of feed days ``start`` to ``end`` (the digest's)."""
        from paperwire.recommend.model import MIN_POSITIVES

        ids = self.store.papers.ids_in_days(start, end, limit=MAX_CANDIDATES)
        period = self._period(start, end, ids)
        # Own papers join the positives; "not interested" and muted papers leave the listing.
        mine = self.personal(user_id, period)
        kept = None
        if len(mine.liked) >= MIN_POSITIVES and mine.listing:
            kept = self._ranked(user_id, start, end, period, mine, limit)
        if kept is None or kept.profile.cold:
            positives = len(kept.profile.positives) if kept else len(mine.liked)
            shown = mine.listing[:limit]  # most upvoted first
            papers = self.store.papers.get_papers(shown)
            picks = [
                Pick(papers[i], float(papers[i].upvotes or 0), ()) for i in shown if i in papers
            ]
            return ForYou(username, start, end, positives, picks, mine.muted)
        top = kept.ranked[:limit]
        papers = self.store.papers.get_papers([r.id for r in top])
        picks = [Pick(papers[r.id], r.score, r.why) for r in top if r.id in papers]
        return ForYou(username, start, end, len(kept.profile.positives), picks, mine.muted)

    def personal(self, user_id: int, period: _Period) -> Personal:
        """The user's signals over the period's papers (in the period's order)."""
        space = period.space
        candidates = [space.docs[space.row[i]] for i in period.order if i in space.row]
        return personalise(self.store, user_id, self.store.community.liked(user_id), candidates)

    def embedding_model(self) -> str | None:
        embedder = self.embedder()
        return embedder.name if embedder is not None else None

    # -- the kept state --------------------------------------------------------------------
    def _period(self, start: date, end: date, ids: list[str]) -> _Period:
        from paperwire.recommend import model

        listing = fingerprint(ids)
        with self._lock:
            found = self._periods.get((start, end))
            if found is not None and found.listing == listing:
                self._periods.move_to_end((start, end))
                return found
        papers = self.store.papers.get_papers(ids)
        background = [
            p
            for p in self.store.papers.sample_before(start, model.BACKGROUND)
            if p.id not in papers
        ]
        docs = docs_of(self.store, [*papers.values(), *background], self.embedding_model())
        made = _Period(listing, model.Space(docs), [p.id for p in background], list(ids))
        with self._lock:
            self._periods[(start, end)] = made
            self._periods.move_to_end((start, end))
            while len(self._periods) > SPACES_KEPT:
                self._periods.popitem(last=False)
        return made

    def _ranked(
        self, user_id: int, start: date, end: date, period: _Period, mine: Personal, limit: int
    ) -> _Kept:
        from paperwire.recommend import model

        # What the profile is fitted from (a vote, a collection, an own paper, a negative)
        # keys the kept profile; what it ranks (the listing after mutes) keys the ranking.
        signals = fingerprint(
            [*(f"+{i}" for i in mine.liked), *(f"-{p.id}" for p in mine.negatives)]
        )
        shown = fingerprint(mine.listing)
        key = (user_id, start, end)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is None or kept.listing != period.listing or kept.signals != signals:
            with one_thread():
                kept = self._fit(period, mine, signals)
        if kept.shown != shown or kept.explained < min(limit, len(mine.listing)):
            with one_thread():
                ranked = model.rank(
                    period.space, kept.profile, mine.listing, explain=limit, top=limit
                )
            kept = _Kept(kept.listing, kept.signals, kept.profile, kept.bytes, ranked, limit, shown)
        self._keep(key, kept)
        return kept

    def _fit(self, period: _Period, mine: Personal, signals: str) -> _Kept:
        from paperwire.recommend import model

        space = period.space
        liked = mine.liked
        positives = self.store.papers.get_papers(list(liked))  # signals on deleted papers drop
        outside = [p for p in [*positives.values(), *mine.negatives] if p.id not in space.row]
        state = model.compact(
            model.profile(
                space,
                [(i, liked[i].date()) for i in positives],
                negatives=[p.id for p in mine.negatives],
                background=[i for i in period.background if i not in liked],
                docs=docs_of(self.store, outside, self.embedding_model()),
            )
        )
        return _Kept(period.listing, signals, state, model.size_of(state))

    def _keep(self, key: tuple[int, date, date], kept: _Kept) -> None:
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None:
                self._kept_bytes -= old.bytes
            self._kept[key] = kept
            self._kept_bytes += kept.bytes
            while self._kept_bytes > self.profile_bytes and len(self._kept) > 1:
                _, dropped = self._kept.popitem(last=False)
                self._kept_bytes -= dropped.bytes

    def ranker(self, start: date, end: date) -> PeriodRanker:
        """Rankings of the papers of feed days ``start`` to ``end`` for many users (the
        For-you digest run): one shared space, light profiles, paper vectors cached."""
        ids = self.store.papers.ids_in_days(start, end, limit=MAX_CANDIDATES)
        period = self._period(start, end, ids)
        return PeriodRanker(self.store, start, end, period, model=self.embedding_model())

    def kept(self) -> tuple[int, int]:
        """(profiles kept, their bytes): what the per-user cache holds now."""
        with self._lock:
            return len(self._kept), self._kept_bytes

    def evaluate(
        self,
        files: Sequence[Path],
        corpus: Path,
        *,
        recipe: Recipe | None = None,
        progress: ProgressFn | None = None,
        vectors: Path | None = None,
    ) -> EvalReport:
        """Load ``corpus`` into a temporary store, read it back as the recommender sees papers,
        and replay every user of ``files`` (``recipe`` None: the "For you" ranking).
        ``vectors``: the embeddings of the papers the users touch, as the product has them
        for embedded papers (``benchmark_vectors``); None: text alone."""
        from paperwire.recommend import benchmark, evaluate

        loaded = benchmark.load(files)
        if not loaded.users:
            raise SourceError(f"no usable benchmark lines in {', '.join(map(str, files))}")
        docs = corpus_docs(corpus, self.import_batch_size)
        if vectors is not None:
            docs = benchmark_vectors(docs, loaded.users, vectors, self.embedder)
        results = evaluate.evaluate(
            docs, loaded.users, recipe=recipe or evaluate.for_you, progress=progress
        )
        return EvalReport(results, loaded.problems, len(docs))


@dataclass(frozen=True, slots=True)
class _Vector:
    """One paper's row in a period's space, as arrays (what a light profile is built of)."""

    text: np.ndarray
    weights: np.ndarray
    authors: np.ndarray
    categories: np.ndarray
    title: str
    dense: np.ndarray | None  # the embedding (float16), when the paper has one


class PeriodRanker:
    """One period's rankings for many users, as the For-you digest makes them: each user's
    state is ``model.light_profile`` (no SVM: ~0.15 s a user is too slow for thousands),
    built from the rows of their liked papers, which are read and transformed once per run
    and kept (at most ``VECTORS_KEPT``), so memory follows the papers liked, not the users.
    Every text feature of a light profile is read off the candidates' similarities to the
    liked papers, which are shared too: each liked paper's similarities to the period's
    candidates are computed once and kept (``similarity_bytes`` in all, float32, the same
    numbers as a per-user product); papers beyond that are computed per user, as with
    ``similarity_bytes=0`` (nothing kept). Many users at once (``prefetch`` then
    ``for_users``, a digest run's page) are ranked on every core by forked workers. Callers
    ranking many users hold ``one_thread()`` around the lot."""

    def __init__(
        self,
        store: Store,
        start: date,
        end: date,
        period: _Period,
        *,
        similarity_bytes: int = SIMILARITY_BYTES,
        model: str | None = None,
    ) -> None:
        self.store = store
        self.model = model  # the embedding model whose vectors the liked papers bring
        self.start = start
        self.end = end
        self.period = period
        self.similarity_bytes = similarity_bytes
        self._similar: dict[str, np.ndarray] = {}  # liked paper -> similarity to candidates
        self._similar_bytes = 0
        self._block_t: Any = None  # the candidates' text rows, transposed (see ``_similar_to``)
        self._columns: dict[str, int] = {}  # candidate id -> its column there
        self._vectors: OrderedDict[str, _Vector] = OrderedDict()
        self._papers: dict[str, Paper] = {}  # the period's papers picked so far
        self._mean: np.ndarray | None = None  # see ``background_mean``
        self._docs: list[Doc] | None = None  # see ``_candidates``
        self._signals: dict[int, UserSignals] = {}  # the page's, read by ``prefetch``
        self._warm = False  # see ``_before_forking``

    def for_user(
        self,
        user_id: int,
        username: str,
        *,
        limit: int,
        liked: dict[str, datetime] | None = None,
    ) -> ForYou:
        """``user_id``'s ranking of the period (``liked``: their signals, when the caller
        read many users' at once with ``store.community.liked_by``)."""
        given = None if liked is None else {user_id: liked}
        return self.for_users([(user_id, username)], limit=limit, liked=given)[user_id]

    def for_users(
        self,
        users: Sequence[tuple[int, str]],
        *,
        limit: int,
        liked: Mapping[int, dict[str, datetime]] | None = None,
    ) -> dict[int, ForYou]:
        """``for_user`` for many users (id, name): their signals and papers are read here,
        and the rankings, pure work on what was read, are made on every core (forked
        workers) when there are at least ``PARALLEL_USERS`` of them."""
        from paperwire.recommend import model

        ready: list[tuple[int, Personal, dict[str, _Vector]]] = []
        found: dict[int, ForYou] = {}
        names = dict(users)
        for user_id, username in users:
            signals = liked.get(user_id) if liked is not None else None
            if signals is None:
                signals = self.store.community.liked(user_id)
            mine = personalise(
                self.store, user_id, signals, self._candidates(), self._signals.pop(user_id, None)
            )
            vectors = self._vectors_of(list(mine.liked))
            if len(vectors) >= model.MIN_POSITIVES:
                ready.append((user_id, mine, vectors))
                continue
            papers = self._papers_of(mine.listing[:limit])
            picks = [Pick(papers[i], float(papers[i].upvotes or 0), ()) for i in papers]
            found[user_id] = ForYou(username, self.start, self.end, len(vectors), picks, mine.muted)

        def rank_part(part: list[tuple[int, Personal, dict[str, _Vector]]]) -> list[list[Ranked]]:
            return [self._rank(mine, vectors, limit) for _, mine, vectors in part]

        parts = [ready]
        if len(ready) >= PARALLEL_USERS:
            self._before_forking()
            step = -(-len(ready) // (4 * cores()))  # parts of a few dozen: balanced workers
            parts = [ready[at : at + step] for at in range(0, len(ready), step)]
        rankings = [r for part in fork_map(rank_part, parts) for r in part]
        papers = self._papers_of(list({r.id: None for ranked in rankings for r in ranked}))
        for (user_id, mine, vectors), ranked in zip(ready, rankings, strict=True):
            picks = [Pick(papers[r.id], r.score, r.why) for r in ranked if r.id in papers]
            found[user_id] = ForYou(
                names[user_id], self.start, self.end, len(vectors), picks, mine.muted
            )
        return found

    def _rank(self, mine: Personal, vectors: dict[str, _Vector], limit: int) -> list[Ranked]:
        """One user's ranking from what ``for_users`` read (no I/O: forked workers run it)."""
        from paperwire.recommend import model

        space = self.period.space
        ids = list(vectors)
        state = model.light_profile(
            space,
            self._rows([vectors[i] for i in ids]),
            [mine.liked[i].date() for i in ids],
            [vectors[i].title for i in ids],
            background=self.background_mean(),
        )
        similar = None
        if self.similarity_bytes > 0:
            similar = self._similar_to(ids, vectors, mine.listing)
        return model.rank(space, state, mine.listing, explain=limit, top=limit, similar=similar)

    def prefetch(self, liked: Mapping[int, dict[str, datetime]]) -> None:
        """Read, for a page of users (their signals by user, ``store.community.liked_by``),
        what each of them will need, in a few large reads: their other signals
        (``store.signals.of_users``), and the liked papers no earlier user brought, read and
        transformed in large batches, with their similarities to the period's papers (kept
        while there is room). A new paper's vector and similarities are most of a user's
        cost early in a run; the rankings are unchanged."""
        self._signals = self.store.signals.of_users(list(liked))
        wanted = {i: None for signals in liked.values() for i in signals if i not in self._vectors}
        ids = list(wanted)
        for at in range(0, len(ids), PREFETCH_BATCH):
            self._vectors_of(ids[at : at + PREFETCH_BATCH], keep_similarities=True)

    def _similar_to(
        self, ids: list[str], vectors: dict[str, _Vector], listing: list[str]
    ) -> np.ndarray:
        """The similarities of ``listing`` (candidates) to the papers ``ids`` (liked, in that
        order): what ``model.features`` computes per user, from each liked paper's kept
        similarities (the missing ones computed together, and kept while there is room)."""
        import numpy as np

        found = self._similarities(ids, vectors)
        matrix = np.stack([found[i] for i in ids])
        if len(listing) != matrix.shape[1]:  # the user's mutes and marks left some out
            columns = self._columns
            matrix = matrix[:, [columns[i] for i in listing if i in columns]]
        return matrix.T

    def _similarities(self, ids: list[str], vectors: dict[str, _Vector]) -> dict[str, np.ndarray]:
        """Each of ``ids``'s similarities to all the period's candidates: the kept ones, and
        the others computed in one product and kept while there is room
        (``similarity_bytes``)."""
        from paperwire.recommend import model

        kept = self._similar
        found = {i: kept[i] for i in ids if i in kept}
        missing = [i for i in ids if i not in kept]
        if missing:
            block = self._candidate_block()
            rows = model.similarities(self._rows([vectors[i] for i in missing]).text, block)
            found.update(zip(missing, rows, strict=True))
            room = self._room()
            self._keep_similar(missing[:room], rows[:room])
        return found

    def _room(self) -> int:
        """How many more papers' similarities the kept ones have room for."""
        self._candidate_block()
        row_bytes = 4 * max(len(self._columns), 1)
        return max(0, self.similarity_bytes - self._similar_bytes) // row_bytes

    def _keep_similar(self, ids: list[str], rows: np.ndarray) -> None:
        """Keep the similarities ``rows`` of the papers ``ids`` (a copy: what they were cut
        from is let go)."""
        if ids:
            # A copy when only part is kept, so the rest of ``rows`` is let go.
            kept = rows if len(ids) == len(rows) else rows[: len(ids)].copy()
            self._similar.update(zip(ids, kept, strict=True))
            self._similar_bytes += kept.nbytes

    def _before_forking(self) -> None:
        """Make, once and here, what every ranking reads and would otherwise make in each
        forked worker (and lose with it): the background's mean row, the candidates' rows
        (both ways) and their products with it, and each candidate's words for the "why"
        line (~1 ms a paper)."""
        if self._warm:
            return
        self._candidate_block()
        space = self.period.space
        listing = space.block(space.rows([d.id for d in self._candidates()]))
        listing.times(self.background_mean())  # the Rocchio scores' shared half
        for doc in self._candidates():
            space.terms_of(f"{doc.title} {doc.abstract}")
        self._warm = True

    def _candidate_block(self) -> Any:
        """The period's candidates' text rows, transposed (CSR): the right-hand side of every
        similarity product (``model.similarities``)."""
        from scipy.sparse import csr_matrix

        if self._block_t is None:
            space = self.period.space
            docs = self._candidates()
            self._block_t = csr_matrix(space.text[[space.row[d.id] for d in docs]].T)
            self._columns = {d.id: k for k, d in enumerate(docs)}
        return self._block_t

    def _candidates(self) -> list[Doc]:
        """The period's papers as the recommender sees them, in the period's order."""
        if self._docs is None:
            space = self.period.space
            self._docs = [space.docs[space.row[i]] for i in self.period.order if i in space.row]
        return self._docs

    def background_mean(self) -> np.ndarray:
        """The mean row of the period's background sample (the light profile's Rocchio)."""
        import numpy as np

        if self._mean is None:
            space = self.period.space
            rows = space.rows(self.period.background)
            width = space.text.shape[1]
            self._mean = (
                np.asarray(space.text[rows].mean(0), dtype=np.float32).ravel()
                if rows
                else np.zeros(width, dtype=np.float32)
            )
        return self._mean

    def _papers_of(self, ids: list[str]) -> dict[str, Paper]:
        missing = [i for i in ids if i not in self._papers]
        if missing:
            self._papers.update(self.store.papers.get_papers(missing))
        return {i: self._papers[i] for i in ids if i in self._papers}

    def _vectors_of(self, ids: list[str], *, keep_similarities: bool = False) -> dict[str, _Vector]:
        """The rows of the papers ``ids`` (deleted ones left out), read and transformed for
        those no earlier user brought; ``keep_similarities``: their similarities to the
        candidates made with them and kept while there is room (a prefetch)."""
        import numpy as np

        missing = [i for i in ids if i not in self._vectors]
        if missing:
            texts = self.store.papers.texts(missing)  # deleted papers drop
            docs = docs_of(self.store, texts.values(), self.model)
            if docs:
                room = self._room() if keep_similarities else 0
                rows, similar = self._transform(docs, with_similarities=room > 0)
                if similar is not None:
                    self._keep_similar([d.id for d in docs[:room]], similar[:room])
                # Rows read off the CSR arrays (indexing a sparse matrix row by row cost a
                # third of a new paper's vector).
                text, authors, categories = rows.text, rows.authors, rows.categories
                for k, doc in enumerate(docs):
                    at, to = text.indptr[k], text.indptr[k + 1]
                    self._vectors[doc.id] = _Vector(
                        text.indices[at:to].astype(np.int32),
                        text.data[at:to].astype(np.float32),
                        authors.indices[authors.indptr[k] : authors.indptr[k + 1]].astype(np.int32),
                        categories.indices[categories.indptr[k] : categories.indptr[k + 1]].astype(
                            np.int32
                        ),
                        doc.title,
                        None if doc.vector is None else doc.vector.astype(np.float16, copy=False),
                    )
            while len(self._vectors) > VECTORS_KEPT:
                self._vectors.popitem(last=False)
        return {i: self._vectors[i] for i in ids if i in self._vectors}

    def _transform(
        self, docs: list[Doc], *, with_similarities: bool
    ) -> tuple[Rows, np.ndarray | None]:
        """``space.transform(docs)`` and, when asked, the rows' similarities to the
        candidates, on every core for a large batch (the text analysis is Python-bound;
        each row and similarity depends only on its paper, so they are the same)."""
        import numpy as np
        from scipy.sparse import vstack

        from paperwire.recommend import model

        space = self.period.space
        block = self._candidate_block() if with_similarities else None

        def work(part: list[Doc]) -> tuple[Rows, np.ndarray | None]:
            rows = space.transform(part)
            return rows, None if block is None else model.similarities(rows.text, block)

        parts = [docs[at : at + TRANSFORM_CHUNK] for at in range(0, len(docs), TRANSFORM_CHUNK)]
        if len(parts) == 1:
            return work(docs)
        done = fork_map(work, parts)
        rows = model.Rows(
            vstack([r.text for r, _ in done], format="csr"),
            vstack([r.authors for r, _ in done], format="csr"),
            vstack([r.categories for r, _ in done], format="csr"),
        )
        similar = None if block is None else np.vstack([m for _, m in done if m is not None])
        return rows, similar

    def _rows(self, vectors: list[_Vector]) -> Rows:
        import numpy as np
        from scipy.sparse import csr_matrix

        from paperwire.recommend.model import Rows

        space = self.period.space

        def stack(parts: list[np.ndarray], values: list[np.ndarray] | None, width: int) -> Any:
            indptr = np.zeros(len(parts) + 1, dtype=np.int64)
            np.cumsum([len(p) for p in parts], out=indptr[1:])
            indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
            data = (
                np.concatenate(values)
                if values is not None
                else np.ones(len(indices), dtype=np.float32)
            )
            return csr_matrix((data, indices, indptr), shape=(len(parts), width))

        width = next((len(v.dense) for v in vectors if v.dense is not None), 0)
        missing = np.full(width, np.nan, dtype=np.float32)
        return Rows(
            stack([v.text for v in vectors], [v.weights for v in vectors], space.text.shape[1]),
            stack([v.authors for v in vectors], None, space.authors.shape[1]),
            stack([v.categories for v in vectors], None, space.categories.shape[1]),
            np.vstack([missing if v.dense is None else v.dense for v in vectors]).astype(np.float32)
            if width
            else None,
        )


def benchmark_vectors(
    docs: list[Doc],
    users: Sequence[BenchmarkUser],
    path: Path,
    embedder: Callable[[], Embedder | None],
) -> list[Doc]:
    """``docs`` with the embeddings of the papers ``users`` touch (their profiles and every
    paper of their test days), read from ``path`` (a .npz of ``ids`` and ``vectors``), or,
    when it does not exist, made with the search's model and written there (~10 minutes for
    the two dev files' 59,000 papers on 2 cores)."""
    import numpy as np

    days = {t.day for user in users for t in user.tests}
    wanted = {i for user in users for i, _ in user.profile}
    touched = [d for d in docs if d.id in wanted or d.day in days]
    if path.exists():
        try:
            with np.load(path) as saved:
                ids, rows = saved["ids"], saved["vectors"]
        except (OSError, ValueError, KeyError) as exc:
            raise SourceError(f"{path}: not a .npz of 'ids' and 'vectors' ({exc})") from None
        if rows.ndim != 2 or len(ids) != len(rows):
            raise SourceError(f"{path}: 'vectors' must hold one row per id")
        found = dict(zip(ids.tolist(), rows.astype(np.float32), strict=True))
    else:
        model = embedder()
        if model is None:
            raise SourceError("no embedding model to make the benchmark's vectors with")
        made = model.embed([f"{d.title} {d.abstract}".strip() for d in touched])
        found = {d.id: row for d, row in zip(touched, made, strict=True)}
        with path.open("wb") as out:
            np.savez(out, ids=np.array(list(found)), vectors=np.asarray(made, np.float16))
    return [replace(d, vector=found[d.id]) if d.id in found else d for d in docs]


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
