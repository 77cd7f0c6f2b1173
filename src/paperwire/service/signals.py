"""A user's private "For you" signals besides votes and collections (issue 12): "not
interested" on a paper (an explicit negative, and the paper leaves their "For you" list),
muted authors, categories and words (For you, and only For you, drops what they match), and
"this is me" author names (the papers by those names are the user's own: positives).

Every method takes the user; the signals are never shown to anyone else, never in a public
feed, exported with `paperwire export --user` and deleted with the account."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from paperwire.errors import AccountError, RateLimitedError
from paperwire.models import Paper, SignalKind, User, UserSignals
from paperwire.service.limits import RateLimiter
from paperwire.service.papers import Papers
from paperwire.service.views import Clock
from paperwire.store import Store

if TYPE_CHECKING:
    from paperwire.recommend.model import Doc

MAX_TERMS = 200  # muted authors, categories, words and own names together, per user
MAX_NOT_INTERESTED = 5000
MAX_NAME = 120  # an author name (arXiv's longest are under 100 characters)
MAX_WORD = 60  # a muted word or phrase
MAX_CATEGORY = 40
MAX_OWN_PAPERS = 500  # newest papers of one claimed name taken as positives
MAX_OWN_TOTAL = 2000  # papers of all the user's names together
MAX_NEGATIVES = 1000  # "not interested" papers the model learns from per request

_LABEL = {
    SignalKind.MUTED_AUTHOR: "muted author",
    SignalKind.MUTED_CATEGORY: "muted category",
    SignalKind.MUTED_WORD: "muted word",
    SignalKind.OWN_NAME: "your author name",
}
# A word or phrase: letters and digits, with the joiners technical words use (C++, C#,
# non-linear, Schrödinger's, 3.5, I/O). Anything else (markup, quotes, brackets) is refused.
_WORD = re.compile(r"[\w][\w +#'./-]*", re.UNICODE)
_CATEGORY = re.compile(r"[A-Za-z][A-Za-z-]*(\.[A-Za-z][A-Za-z-]*)?")
_NAME_REFUSED = set('<>{}[]"\\`|;')


def clean_term(kind: SignalKind, raw: str) -> str:
    """The term as kept (whitespace collapsed); AccountError saying what is wrong."""
    label = _LABEL[kind]
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in " \t\n\r" for ch in raw):
        raise AccountError(f"{label}: control characters are not allowed")
    term = " ".join(raw.split())
    if not term:
        raise AccountError(f"{label}: empty; type the {label.split()[-1]} to add")
    limit = {
        SignalKind.MUTED_WORD: MAX_WORD,
        SignalKind.MUTED_CATEGORY: MAX_CATEGORY,
    }.get(kind, MAX_NAME)
    if len(term) > limit:
        raise AccountError(f"{label}: at most {limit} characters ({len(term):,} given)")
    if kind is SignalKind.MUTED_WORD and not _WORD.fullmatch(term):
        raise AccountError(
            f"{label}: letters, digits and spaces only, with - ' . + # / inside words"
        )
    if kind is SignalKind.MUTED_CATEGORY and not _CATEGORY.fullmatch(term):
        raise AccountError(f"{label}: an arXiv category such as cs.LG or hep-th")
    if kind in (SignalKind.MUTED_AUTHOR, SignalKind.OWN_NAME):
        refused = sorted({ch for ch in term if ch in _NAME_REFUSED})
        if refused or not any(ch.isalpha() for ch in term):
            raise AccountError(f"{label}: a person's name, as papers spell it")
    return term


def term_key(term: str) -> str:
    return term.casefold()


@dataclass
class Personal:
    """What a user's signals make of one period's candidates (``personalise``)."""

    liked: dict[str, datetime]  # votes and collections, plus their own papers
    listing: list[str]  # candidates left (ids, in order): not liked, not marked, not muted
    negatives: list[Paper]  # "not interested" papers, for the model
    muted: int  # candidates the mutes hid


def personalise(
    store: Store,
    user_id: int,
    liked: dict[str, datetime],
    candidates: Sequence[Doc],
    signals: UserSignals | None = None,
) -> Personal:
    """The one place "For you" reads a user's signals (one store call, plus the "not
    interested" papers when there are some), over the period's candidates as the recommender
    sees them. ``signals``: the user's, when the caller read a page of users' at once
    (``store.signals.of_users``)."""
    from paperwire.recommend.signals import Mutes

    if signals is None:
        signals = store.signals.of_user(user_id)
    own = dict(signals.own_papers)  # found when each name was claimed
    if signals.own_names:  # and the period's papers under those names, published since
        names = {name.casefold() for name in signals.own_names}
        for doc in candidates:
            if doc.id not in own and any(a.casefold() in names for a in doc.authors):
                own[doc.id] = datetime.combine(doc.day or date.min, time(), UTC)
    liked = {**own, **liked}
    mutes = Mutes.of(signals)
    marked = signals.not_interested
    listing = [d.id for d in candidates if d.id not in liked and d.id not in marked]
    muted = 0
    if mutes:
        shown = len(listing)
        kept = {d.id for d in candidates if not mutes.hides(d)}
        listing = [i for i in listing if i in kept]
        muted = shown - len(listing)
    unwanted = sorted(signals.not_interested - liked.keys())[:MAX_NEGATIVES]
    negatives = list(store.papers.get_papers(unwanted).values()) if unwanted else []
    return Personal(liked, listing, negatives, muted)


class Signals:
    def __init__(self, store: Store, clock: Clock, papers: Papers, limits: RateLimiter) -> None:
        self.store = store
        self.clock = clock
        self.papers = papers
        self.limits = limits

    def of_user(self, user: User) -> UserSignals:
        return self.store.signals.of_user(user.id)

    def _spend(self, user: User) -> None:
        if not self.limits.allow("signal", user.username):
            raise RateLimitedError("too many changes in a short time; wait a few minutes")

    def not_interested(self, user: User, paper_id: str) -> Paper:
        """Mark a paper "not interested" (again is no error); NotFoundError for no paper."""
        paper = self.papers.get(paper_id)
        self._spend(user)
        papers, _ = self.store.signals.counts(user.id)
        if papers >= MAX_NOT_INTERESTED:
            raise AccountError(
                f"not interested: at most {MAX_NOT_INTERESTED:,} papers; undo a few first"
            )
        self.store.signals.mark_not_interested(user.id, paper.id, self.clock())
        return paper

    def not_interested_papers(self, user: User, limit: int = 100) -> tuple[list[Paper], int]:
        """(up to ``limit`` of the papers the user marked "not interested", how many there
        are), for their account page."""
        ids = sorted(self.store.signals.of_user(user.id).not_interested)
        found = self.store.papers.get_papers(ids[:limit])
        return [found[i] for i in ids[:limit] if i in found], len(ids)

    def undo_not_interested(self, user: User, paper_id: str) -> Paper:
        paper = self.papers.get(paper_id)
        self._spend(user)
        self.store.signals.unmark_not_interested(user.id, paper.id)
        return paper

    def add(self, user: User, kind: SignalKind, raw: str) -> str:
        """Add a term of ``kind`` (a mute, or a name of the user's); the term as kept."""
        term = clean_term(kind, raw)
        self._spend(user)
        _, terms = self.store.signals.counts(user.id)
        if terms >= MAX_TERMS:
            raise AccountError(
                f"{_LABEL[kind]}: at most {MAX_TERMS} mutes and names together; remove some first"
            )
        papers = None
        if kind is SignalKind.OWN_NAME:  # their papers, found once (a scan of every paper)
            room = MAX_OWN_TOTAL - self.store.signals.own_paper_count(user.id)
            papers = self.store.signals.papers_by_names([term], min(room, MAX_OWN_PAPERS))
        self.store.signals.add_term(user.id, kind, term_key(term), term, self.clock(), papers)
        return term

    def remove(self, user: User, kind: SignalKind, raw: str) -> None:
        """Remove a term (one that is not there is no error: the outcome is the same)."""
        self._spend(user)
        term = " ".join(raw.split())[:MAX_NAME]
        self.store.signals.remove_term(user.id, kind, term_key(term))
