"""The "For you" model: per-user scores over a shared text space, combined by weights learned
across the dev users of the recommendation benchmarks (issue 12, docs/benchmarks.md).

Pipeline for one user and one listing:

1. ``Space.fit`` (once per corpus): hashed tf-idf of title (counted twice) and abstract, 1-2
   grams, terms kept when they occur in 2 papers or more and in at most 10% of them; authors
   as whole-name tokens; categories one-hot.
2. ``profile(...)``: a LinearSVC (C=1, balanced) of the user's positives against random
   background papers and their "not interested" papers, plus the centroid of the positives
   (recency-weighted as zotero-arxiv-daily does) and their authors and categories.
3. ``rank(...)``: per candidate, the SVM score, cosine to the centroid, mean of the 3 nearest
   positives, the recency-weighted centroid, the category prior, author overlap and, for
   papers with an embedding (``Doc.vector``, the search's all-MiniLM-L6-v2 vector), cosine to
   the positives' mean embedding; each z-scored within the listing and summed with
   ``WEIGHTS``.

Hashing (scikit-learn's ``HashingVectorizer``) instead of a fitted vocabulary: no vocabulary
to keep per corpus, and the rare terms a researcher's own method names are made of stay in
(arxiv-sanity-lite's 20,000-term vocabulary drops them; see docs/benchmarks.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

HASH_FEATURES = 2**20
MIN_DF = 2
MAX_DF = 0.1
SVM_C = 1.0
BACKGROUND = 5000

# The text weights were learned on the dev users of both benchmarks (logistic regression over
# z-scored features of every candidate of every test day) and re-checked on the hashed
# features: re-learning them there (5-fold over users) or tuning them for nDCG did no better
# on held-out users (docs/design.md). ``authors`` was raised from 0.55 to 1.5: hf-submitters
# nDCG@10 is flat from 1.0 to 3.0 (0.971 vs 0.948 at 0.55), and the authors benchmark hides
# authors, so it does not move there. ``dense`` (the embedding centroid's cosine) was added
# at 1.0 on a grid over 400 authors users (0.8 / 1.2 / 1.6: +0.006 / +0.007 / +0.007 nDCG@10
# over the weights without it, 2.2: +0.004; docs/design.md "Embeddings").
# bench/recommend_bench.py re-measures them.
WEIGHTS: dict[str, float] = {
    "svm": 1.04,
    "centroid": -0.70,
    "nearest3": 0.22,
    "nearest1": 0.19,
    "recent_centroid": 0.37,
    "category": -0.10,
    "authors": 1.5,
    "dense": 1.0,
}
MIN_POSITIVES = 3  # fewer: cold start (the page says so and shows trending papers)


@dataclass(frozen=True)
class Doc:
    """What the model may see of a paper (benchmarks blank the fields they hide)."""

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    day: date | None = None
    # The paper's embedding (the search's all-MiniLM-L6-v2 vector) when it has one.
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


def _dense(items: Sequence[Doc]) -> np.ndarray | None:
    """The documents' embeddings as rows, NaN where a document has none; None when none
    has one (no memory spent on a corpus that was never embedded)."""
    present = [k for k, item in enumerate(items) if item.vector is not None]
    if not present:
        return None
    first = items[present[0]].vector
    assert first is not None
    rows = np.full((len(items), len(first)), np.nan, dtype=np.float32)
    for k in present:
        rows[k] = items[k].vector
    return rows


def _stack_dense(parts: Sequence[np.ndarray | None], counts: Sequence[int]) -> np.ndarray | None:
    """``_dense`` rows of several groups of documents (``counts`` of each) as one."""
    width = next((part.shape[1] for part in parts if part is not None), None)
    if width is None:
        return None
    return np.vstack(
        [
            part if part is not None else np.full((count, width), np.nan, dtype=np.float32)
            for part, count in zip(parts, counts, strict=True)
        ]
    )


def _dense_centroid(rows: np.ndarray | None) -> np.ndarray | None:
    """The unit mean of the embedded rows of ``rows``; None when none is embedded."""
    if rows is None:
        return None
    embedded = rows[~np.isnan(rows[:, 0])]
    return _unit(embedded.mean(axis=0)) if len(embedded) else None


def _as_given(terms: list[str]) -> list[str]:
    return terms


def _name(author: str) -> str:
    return re.sub(r"\s+", " ", author).strip().casefold()


@dataclass(frozen=True)
class Rows:
    """Documents outside a space, as vectors in its columns (``Space.transform``)."""

    text: csr_matrix
    authors: csr_matrix
    categories: csr_matrix
    dense: np.ndarray | None = None  # embeddings (``_dense``)


@dataclass(frozen=True)
class Block:
    """Some rows of a space (``Space.block``): a listing's candidates."""

    rows: tuple[int, ...]
    text: csr_matrix
    text_t: csr_matrix  # ``text`` transposed, as CSR
    authors: csr_matrix
    categories: csr_matrix
    dense: np.ndarray | None
    _last: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def times(self, vector: np.ndarray) -> np.ndarray:
        """``text @ vector``, remembered for the last vector (the same array: a period's
        background mean, the same for every user of a digest run)."""
        if not self._last or self._last[0][0] is not vector:
            self._last[:] = [(vector, np.asarray(self.text @ vector))]
        return self._last[0][1]


class Space:
    """The corpus's vectors: text (hashed tf-idf), authors and categories, row per item."""

    def __init__(self, items: Sequence[Doc]) -> None:
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import (
            CountVectorizer,
            HashingVectorizer,
            TfidfTransformer,
        )

        self.docs = list(items)
        self.row = {item.id: k for k, item in enumerate(self.docs)}
        self._terms: dict[str, dict[int, str]] = {}
        self._block: Block | None = None
        self._rows: tuple[tuple[str, ...], list[int]] | None = None  # see ``rows``
        self._hasher = HashingVectorizer(
            ngram_range=(1, 2),
            stop_words="english",
            alternate_sign=False,
            norm=None,
            n_features=HASH_FEATURES,
            dtype=np.float32,
        )
        self._term_hasher = HashingVectorizer(
            analyzer=_as_given, alternate_sign=False, norm=None, n_features=HASH_FEATURES
        )
        counts = self._hasher.transform(f"{i.title} {i.title} {i.abstract}" for i in self.docs)
        df = np.bincount(counts.indices, minlength=HASH_FEATURES)
        most = max(MAX_DF * len(self.docs), MIN_DF)
        self._keep = np.flatnonzero((df >= MIN_DF) & (df <= most))
        self._tfidf = TfidfTransformer(sublinear_tf=True)
        self.text: csr_matrix = csr_matrix(
            self._tfidf.fit_transform(counts[:, self._keep]), dtype=np.float32
        )

        def tokens(values: tuple[str, ...]) -> list[str]:
            return [_name(v) for v in values if v.strip()]

        self._authors = CountVectorizer(analyzer=tokens, binary=True, dtype=np.float32)
        self.authors: csr_matrix = self._fit_or_empty(self._authors, [i.authors for i in self.docs])
        self._categories = CountVectorizer(analyzer=tokens, binary=True, dtype=np.float32)
        self.categories: csr_matrix = self._fit_or_empty(
            self._categories, [i.categories for i in self.docs]
        )
        self.dense = _dense(self.docs)

    def _fit_or_empty(self, vectorizer: Any, values: list[tuple[str, ...]]) -> csr_matrix:
        from scipy.sparse import csr_matrix

        if not any(values):  # every item hides the field: an empty column space
            return csr_matrix((len(values), 1), dtype=np.float32)
        return csr_matrix(vectorizer.fit_transform(values), dtype=np.float32)

    def transform(self, items: Sequence[Doc]) -> Rows:
        """Vectors of documents that are not rows of the space (a user's older papers), in
        its columns: the same hashing, kept terms, idf, author and category vocabularies."""
        from scipy.sparse import csr_matrix

        counts = self._hasher.transform(f"{i.title} {i.title} {i.abstract}" for i in items)
        text = csr_matrix(self._tfidf.transform(counts[:, self._keep]), dtype=np.float32)

        def known(vectorizer: Any, values: list[tuple[str, ...]], width: int) -> csr_matrix:
            if not hasattr(vectorizer, "vocabulary_"):  # the field was hidden when fitted
                return csr_matrix((len(values), width), dtype=np.float32)
            return csr_matrix(vectorizer.transform(values), dtype=np.float32)

        return Rows(
            text,
            known(self._authors, [i.authors for i in items], self.authors.shape[1]),
            known(self._categories, [i.categories for i in items], self.categories.shape[1]),
            _dense(items),
        )

    def rows(self, ids: Sequence[str]) -> list[int]:
        """The rows of the ids that are in the space, remembered for the last ``ids`` asked
        (a period's listing is ranked for user after user)."""
        key = tuple(ids)
        if self._rows is None or self._rows[0] != key:
            self._rows = (key, [self.row[i] for i in ids if i in self.row])
        return list(self._rows[1])

    def block(self, rows: Sequence[int]) -> Block:
        """The rows ``rows`` of every field, and the text rows' transpose (as CSR),
        remembered for the last ``rows`` asked: a period's candidates are scored for user
        after user, and ``liked @ block.T`` costs a fraction of ``block @ liked.T`` (no
        per-user conversion of a matrix as wide as the vocabulary)."""
        from scipy.sparse import csr_matrix

        key = tuple(rows)
        found = self._block
        if found is None or found.rows != key:
            picked = list(rows)
            text = self.text[picked]
            found = self._block = Block(
                key,
                text,
                csr_matrix(text.T),
                self.authors[picked],
                self.categories[picked],
                None if self.dense is None else self.dense[picked],
            )
        return found

    def terms_of(self, text: str) -> dict[int, str]:
        """Column -> one of the words of ``text`` that lands there (for the "why" line).
        Remembered per text (a period's candidates are explained for user after user)."""
        found = self._terms.get(text)
        if found is None:
            if len(self._terms) > 2 * len(self.docs) + 1000:
                self._terms.clear()
            found = self._terms[text] = self._terms_of(text)
        return found

    def _terms_of(self, text: str) -> dict[int, str]:
        terms = self._hasher.build_analyzer()(text)
        if not terms:
            return {}
        # One hashing call for all the terms, each hashed as it is (not analysed again into
        # its words): one row and one column per term. Kept columns are sorted.
        hashed = self._term_hasher.transform([[term] for term in terms]).indices
        place = np.searchsorted(self._keep, hashed)
        found: dict[int, str] = {}
        for term, column, at in zip(terms, hashed, place, strict=True):
            if at < len(self._keep) and self._keep[at] == column:
                found.setdefault(int(at), term)
        return found


@dataclass
class Profile:
    """One user's state: the SVM's weights, the centroids and the author/category priors (no
    copies of papers; ``positives`` are row numbers in the space)."""

    positives: list[int]
    svm: Any  # the fitted LinearSVC, or None when there are no negatives to learn from
    centroid: np.ndarray
    recent_centroid: np.ndarray
    category_prior: np.ndarray
    author_weights: np.ndarray
    titles: dict[int, str] = field(default_factory=dict)
    # The positives' text rows when some are not rows of the space (``profile(docs=...)``):
    # row numbers from ``len(space.docs)`` on name them, in the order they were given.
    liked: Any = None
    dense: np.ndarray | None = None  # the unit mean of the positives' embeddings

    @property
    def cold(self) -> bool:
        return len(self.positives) < MIN_POSITIVES


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def profile(
    space: Space,
    positives: Sequence[tuple[str, date | None]],
    *,
    negatives: Sequence[str] = (),
    background: Sequence[str] = (),
    docs: Sequence[Doc] = (),
) -> Profile:
    """Fit one user's state from their positives (paper id, day liked), explicit negatives
    and background papers (random papers the user did not like). ``docs``: positives that
    are not rows of ``space`` (a space fitted on a period's papers, shared by every user),
    brought into it with ``Space.transform``; their rows are kept in ``Profile.liked``."""
    from scipy.sparse import vstack
    from sklearn.svm import LinearSVC

    outside = [d for d in dict((d.id, d) for d in docs).values() if d.id not in space.row]
    if outside:
        space = _Extended(space, outside)
    known = [(space.row[i], day) for i, day in positives if i in space.row]
    rows = [r for r, _ in known]
    chosen = set(rows)
    negative_rows = [r for r in space.rows(list(negatives)) + space.rows(list(background))]
    negative_rows = list(dict.fromkeys(r for r in negative_rows if r not in chosen))
    width = space.text.shape[1]
    if not rows:
        empty = np.zeros(width, dtype=np.float32)
        return Profile(
            [],
            None,
            empty,
            empty,
            np.zeros(space.categories.shape[1]),
            np.zeros(space.authors.shape[1]),
        )
    svm = None
    if negative_rows:
        x = vstack([space.text[rows], space.text[negative_rows]])
        y = np.r_[np.ones(len(rows)), np.zeros(len(negative_rows))]
        svm = LinearSVC(C=SVM_C, class_weight="balanced").fit(x, y)
    liked = space.text[rows]
    weights = _recency([day for _, day in known])
    categories = np.asarray(space.categories[rows].sum(0)).ravel()
    return Profile(
        rows,
        svm,
        _unit(np.asarray(liked.mean(0)).ravel()),
        _unit(np.asarray(liked.T @ (weights / weights.sum())).ravel()),
        categories / max(float(categories.sum()), 1.0),
        np.asarray(space.authors[rows].sum(0)).ravel(),
        {r: space.docs[r].title for r in rows},
        liked if outside else None,
        _dense_centroid(None if space.dense is None else space.dense[rows]),
    )


def _recency(days: Sequence[date | None]) -> np.ndarray:
    """zotero-arxiv-daily's recency weights: the k-th newest counts 1 / (1 + log10(k + 1))."""
    newest_first = sorted(range(len(days)), key=lambda k: days[k] or date.min, reverse=True)
    weights = np.zeros(len(days))
    for rank_, k in enumerate(newest_first):
        weights[k] = 1 / (1 + math.log10(rank_ + 1))
    return weights


def light_profile(
    space: Space,
    liked: Rows,
    days: Sequence[date | None],
    titles: Sequence[str],
    *,
    background: np.ndarray | None = None,
) -> LightProfile | Profile:
    """A profile without the SVM fit, from the positives' rows (``Space.transform``, in the
    order of ``days`` and ``titles``): the centroids, nearest positives, category prior and
    author overlap; with ``background`` (the mean row of the background papers, one per
    space) a Rocchio direction, the positives' mean minus it, stands in for the SVM. What the
    For-you digest ranks thousands of users with (an SVM fit per user is ~0.15 s;
    docs/benchmarks.md "For you" measures what it costs in quality). No vector as wide as
    the vocabulary is built: every text feature is read off the candidates' similarities to
    the positives (``features``), which a digest run shares across users."""
    count = liked.text.shape[0]
    if count == 0:
        return profile(space, [])
    base = len(space.docs)
    weights = _recency(days)
    categories = _column_sums(liked.categories)
    return LightProfile(
        list(range(base, base + count)),
        liked.text,
        (weights / weights.sum()).astype(np.float32),
        background,
        categories / max(float(categories.sum()), 1.0),
        _column_sums(liked.authors),
        {base + k: title for k, title in enumerate(titles)},
        _dense_centroid(liked.dense),
    )


def _column_sums(rows: csr_matrix) -> np.ndarray:
    """``rows.sum(0)`` as a flat array (a bincount: a few times faster than scipy's sum)."""
    return np.bincount(rows.indices, weights=rows.data, minlength=rows.shape[1])


@dataclass
class LightProfile:
    """The digest's state of one user (``light_profile``): the positives' rows and what
    weighs them, no fitted model. Its text features are linear in the candidates'
    similarities to the positives: the centroid's cosine is their mean over the centroid's
    norm, the recency-weighted centroid's their weighted sum over its norm, and the Rocchio
    direction's score their mean minus the candidate's product with the background's mean.
    The norms are the same for every candidate and the features are z-scored within the
    listing, so the norms are left out: the ranking is the one the vectors would give."""

    positives: list[int]  # row numbers from ``len(space.docs)`` on, in the order given
    liked: csr_matrix  # the positives' text rows
    recency: np.ndarray  # each positive's recency weight, summing to 1
    background: np.ndarray | None  # the background's mean row (None: no Rocchio direction)
    category_prior: np.ndarray
    author_weights: np.ndarray
    titles: dict[int, str]
    dense: np.ndarray | None = None  # the unit mean of the positives' embeddings

    @property
    def cold(self) -> bool:
        return len(self.positives) < MIN_POSITIVES


class _Extended(Space):
    """A space with a few more rows (a user's positives outside it), for fitting a profile:
    what ``profile`` reads of a space, nothing else (no refitting: ``Space.__init__`` is not
    run)."""

    def __init__(self, space: Space, extra: Sequence[Doc]) -> None:
        from scipy.sparse import csr_matrix, vstack

        added = space.transform(extra)
        self._rows = None
        self.docs = [*space.docs, *extra]
        self.row = {**space.row, **{d.id: len(space.docs) + k for k, d in enumerate(extra)}}
        self.text = csr_matrix(vstack([space.text, added.text]))
        self.authors = csr_matrix(vstack([space.authors, added.authors]))
        self.categories = csr_matrix(vstack([space.categories, added.categories]))
        self.dense = _stack_dense([space.dense, added.dense], [len(space.docs), len(extra)])


@dataclass
class Linear:
    """A fitted linear model's weights alone (``coef_``, ``intercept_`` as scikit-learn
    names them), float32: what a kept profile needs to score and explain."""

    coef_: np.ndarray
    intercept_: np.ndarray

    def decision_function(self, x: Any) -> np.ndarray:
        return np.asarray(x @ self.coef_[0]).ravel() + float(self.intercept_[0])


def compact(user: Profile) -> Profile:
    """``user`` made small to keep (per-user caches): the model's weights as float32 arrays
    instead of the estimator, vectors as float32."""
    from dataclasses import replace

    svm = user.svm
    if svm is not None:
        svm = Linear(
            np.asarray(svm.coef_, dtype=np.float32), np.asarray(svm.intercept_, dtype=np.float32)
        )
    return replace(
        user,
        svm=svm,
        centroid=np.asarray(user.centroid, dtype=np.float32),
        recent_centroid=np.asarray(user.recent_centroid, dtype=np.float32),
        category_prior=np.asarray(user.category_prior, dtype=np.float32),
        author_weights=np.asarray(user.author_weights, dtype=np.float32),
        dense=None if user.dense is None else np.asarray(user.dense, dtype=np.float32),
    )


def size_of(user: Profile) -> int:
    """Bytes a kept profile holds (arrays and the positives' rows; not Python overhead)."""
    total = sum(
        a.nbytes
        for a in (user.centroid, user.recent_centroid, user.category_prior, user.author_weights)
    )
    if user.dense is not None:
        total += user.dense.nbytes
    if user.svm is not None:
        total += int(np.asarray(user.svm.coef_).nbytes)
    if user.liked is not None:
        total += int(user.liked.data.nbytes + user.liked.indices.nbytes + user.liked.indptr.nbytes)
    return total + sum(len(t) for t in user.titles.values())


@dataclass(frozen=True)
class Ranked:
    id: str
    score: float
    why: tuple[str, ...]


def similarities(liked: csr_matrix, text_t: csr_matrix) -> np.ndarray:
    """Cosine of each liked row to each candidate (rows: liked, columns: the candidates of
    ``text_t``, a block's transpose), float32. Each value depends only on its two papers:
    computed for many users' papers at once, or for more candidates, it is the same number."""
    return np.asarray((liked @ text_t).toarray())


def features(
    space: Space,
    user: Profile | LightProfile,
    rows: Sequence[int],
    *,
    similar: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The per-candidate features ``WEIGHTS`` combines (raw, before z-scoring). ``similar``:
    the candidates' similarities to the user's positives (candidates x positives, in the
    order of ``user.positives``) when the caller has them (a digest run keeps each liked
    paper's, ``service.recommend.PeriodRanker``); None: computed here."""
    block = space.block(rows)
    text = block.text
    n = len(rows)
    if similar is None:
        liked = user.liked if user.liked is not None else space.text[user.positives]
        similar = similarities(liked, block.text_t).T if user.positives else np.zeros((n, 1))
    # One memory layout whoever computed them: numpy's sums follow the layout, and a digest
    # run's shared similarities must rank exactly as a per-user product does.
    similar = np.ascontiguousarray(similar)
    found = {
        "category": np.log(block.categories @ user.category_prior + 1e-3),
        "authors": block.authors @ user.author_weights,
        "dense": _dense_scores(block.dense, user.dense, n),
        **_nearest(similar, bool(user.positives)),
    }
    if isinstance(user, LightProfile):
        mean = similar.mean(axis=1)
        found["centroid"] = mean
        found["recent_centroid"] = similar @ user.recency
        background = user.background
        found["svm"] = mean - block.times(background) if background is not None else np.zeros(n)
        return found
    found["svm"] = user.svm.decision_function(text) if user.svm is not None else np.zeros(n)
    found["centroid"] = text @ user.centroid
    found["recent_centroid"] = text @ user.recent_centroid
    return found


def _dense_scores(dense: np.ndarray | None, centroid: np.ndarray | None, n: int) -> np.ndarray:
    """Each candidate's cosine to the positives' mean embedding; a candidate not embedded
    yet gets the listing's mean (it neither gains nor loses by it); no embeddings: zeros."""
    if dense is None or centroid is None:
        return np.zeros(n)
    scores = dense @ centroid
    missing = np.isnan(scores)
    if missing.all():
        return np.zeros(n)
    scores[missing] = scores[~missing].mean()
    return np.asarray(scores)


def _nearest(similar: np.ndarray, any_positive: bool) -> dict[str, np.ndarray]:
    """Each candidate's similarity to its nearest positive, the mean of its 3 nearest, and
    which positive is nearest (a partial sort: only the top 3 are needed)."""
    count = similar.shape[1]
    top = min(3, count)
    nearest = np.partition(similar, count - top, axis=1)[:, count - top :]
    return {
        "nearest1": nearest.max(axis=1),
        "nearest3": nearest.mean(axis=1),
        "_nearest": similar.argmax(axis=1) if any_positive else np.zeros(len(similar), int),
    }


def _z(values: np.ndarray) -> np.ndarray:
    spread = float(values.std())
    return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)


def _total(found: dict[str, np.ndarray]) -> np.ndarray:
    parts = [w * _z(np.asarray(found[k], dtype=np.float64)) for k, w in WEIGHTS.items()]
    return np.asarray(np.sum(parts, axis=0))


def rank(
    space: Space,
    user: Profile | LightProfile,
    candidates: Sequence[str],
    *,
    explain: int = 0,
    top: int | None = None,
    similar: np.ndarray | None = None,
) -> list[Ranked]:
    """``candidates`` (ids in the space; unknown ones are left out) best first (the first
    ``top`` of them, all when None); the first ``explain`` carry the reasons a person can
    check. ``similar``: see ``features`` (rows: ``candidates`` known to the space)."""
    rows = space.rows(candidates)
    if not rows:
        return []
    found = features(space, user, rows, similar=similar)
    total = _total(found)
    order = np.argsort(-total, kind="stable")
    direction = _direction(space, user) if explain else None
    return [
        Ranked(
            space.docs[rows[k]].id,
            float(total[k]),
            _why(space, user, rows[k], found, int(k), direction) if place < explain else (),
        )
        for place, k in enumerate(order[:top])
    ]


def _why(
    space: Space,
    user: Profile | LightProfile,
    row: int,
    found: dict[str, np.ndarray],
    k: int,
    direction: np.ndarray | None,
) -> tuple[str, ...]:
    reasons = []
    if found["authors"][k] > 0:
        reasons.append("by an author of papers you saved")
    if user.positives and found["nearest1"][k] > 0.1:
        nearest = user.positives[int(found["_nearest"][k])]
        reasons.append(f"like “{user.titles[nearest]}” you saved")
    if direction is not None:
        item = space.docs[row]
        terms = space.terms_of(f"{item.title} {item.abstract}")
        columns = np.fromiter(terms, dtype=np.int64, count=len(terms))
        weights = direction[columns]
        best = np.argsort(-weights, kind="stable")[:3]
        words = [terms[int(columns[b])] for b in best if weights[b] > 0]
        if words:
            reasons.append("matches your words: " + ", ".join(words))
    return tuple(reasons)


def _direction(space: Space, user: Profile | LightProfile) -> np.ndarray | None:
    """The user's model as one weight per term (the SVM's, or the light profile's Rocchio
    direction: the positives' mean row minus the background's), for the "why" words; None
    when there is no model."""
    if isinstance(user, LightProfile):
        if user.background is None:
            return None
        liked = user.liked
        total = np.bincount(liked.indices, liked.data, minlength=space.text.shape[1])
        return np.asarray(total / liked.shape[0] - user.background)
    if user.svm is None:
        return None
    return np.asarray(np.asarray(user.svm.coef_)[0])
