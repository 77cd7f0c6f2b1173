"""Community actions (votes, comments, submissions, collections). Every action takes the
acting user explicitly."""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime

from paperwire.errors import (
    AccountError,
    ForbiddenError,
    NotFoundError,
    OfflineError,
    PaperwireError,
    RateLimitedError,
    UnreachableError,
    WaitingError,
)
from paperwire.ids import normalize_id
from paperwire.models import Collection, Comment, Paper, User
from paperwire.service.cards import Cards
from paperwire.service.limits import RateLimiter
from paperwire.service.papers import Papers
from paperwire.service.views import Clock, CollectionPage, PaperCard
from paperwire.store import Store

log = logging.getLogger(__name__)

MAX_COMMENT = 5000
MAX_COLLECTION_NAME = 120
MAX_DESCRIPTION = 2000


@dataclasses.dataclass(frozen=True, slots=True)
class Submitted:
    """A submission's outcome: the paper, and when it was on the feed already, a sentence
    saying so (None when this submission put it there)."""

    paper: Paper
    already: str | None


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "collection"


def clean_body(text: str, limit: int, what: str) -> str:
    """User text: control characters (but newlines and tabs) dropped, trimmed, bounded."""
    cleaned = "".join(
        ch
        for ch in text.replace("\r\n", "\n")
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
    ).strip()
    if not cleaned:
        raise AccountError(f"{what}: write something first")
    if len(cleaned) > limit:
        raise AccountError(f"{what}: at most {limit:,} characters ({len(cleaned):,})")
    return cleaned


class Community:
    """Votes, comments, submissions and collections; every action names its user."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        papers: Papers,
        cards: Cards,
        fetch_from_arxiv: Callable[[str], Paper] | None,
        limits: RateLimiter,
    ) -> None:
        self.store = store
        self.limits = limits
        self.clock = clock
        self.papers = papers
        self.cards = cards
        # None when the server is offline (no arXiv API set): only stored papers can be
        # submitted.
        self.fetch_from_arxiv = fetch_from_arxiv

    # -- votes and comments --------------------------------------------------------------
    def _spend(self, action: str, user: User) -> None:
        """One of the user's ``action`` budget (``vote``, ``collection``), on the site and the
        API alike; RateLimitedError when it is spent."""
        if not self.limits.allow(action, user.username):
            raise RateLimitedError("too many changes in a short time; wait a few minutes")

    def toggle_vote(self, user: User, paper_id: str) -> PaperCard:
        self._spend("vote", user)
        paper = self.papers.get(paper_id)
        voted = self.store.community.toggle_vote(user.id, paper.id, self.clock())
        # The card's counts are read after the toggle and may include later toggles of other
        # requests; its ``voted`` is this toggle's own outcome.
        return dataclasses.replace(self.cards([paper], user)[0], voted=voted)

    def add_comment(self, user: User, paper_id: str, body: str) -> int:
        paper = self.papers.get(paper_id)
        return self.store.community.add_comment(
            user.id, paper.id, clean_body(body, MAX_COMMENT, "comment"), self.clock()
        )

    def comment(self, comment_id: int) -> Comment:
        found = self.store.community.comment(comment_id)
        if found is None:
            raise NotFoundError(f"no comment {comment_id}")
        return found

    def edit_comment(self, user: User, comment_id: int, body: str) -> None:
        text = clean_body(body, MAX_COMMENT, "comment")
        if not self.store.community.edit_comment(user.id, comment_id, text, self.clock()):
            raise ForbiddenError("you can only edit your own comments")

    def delete_comment(self, user: User, comment_id: int) -> None:
        if not self.store.community.delete_comment(user.id, comment_id):
            raise ForbiddenError("you can only delete your own comments")

    def hide_comment(self, user: User, comment_id: int, hidden: bool = True) -> None:
        if not user.is_admin:
            raise ForbiddenError("only an admin can hide comments")
        if not self.store.community.set_comment_hidden(comment_id, hidden):
            raise NotFoundError(f"no comment {comment_id}")

    # -- submissions ---------------------------------------------------------------------
    def submit_paper(self, user: User, text: str) -> Submitted:
        """Put a paper (arXiv id or URL) on today's community feed, fetching it from arXiv
        when the store lacks it; WaitingError when arXiv cannot be reached (the submission
        is kept and the "submissions" job completes it). A paper someone featured already
        stays as it was, and the answer says who featured it."""
        paper_id = normalize_id(text)
        try:
            paper = self.papers.get(paper_id)
        except NotFoundError:
            if self.fetch_from_arxiv is None:
                raise OfflineError(
                    f"{paper_id} is not in this paperwire yet, and fetching from arXiv is not "
                    "available here (offline); try again when the server is online"
                ) from None
            try:
                paper = self.fetch_from_arxiv(paper_id)
            except UnreachableError:
                # Kept, not lost: the "submissions" job fetches it once arXiv answers.
                self.store.community.add_waiting(user.id, paper_id, self.clock())
                raise WaitingError(
                    f"arXiv cannot be reached from this server right now: {paper_id} is "
                    "waiting for arXiv, and will be fetched and submitted as soon as it answers"
                ) from None
        return self._feature(user, paper)

    def waiting(self, user: User) -> list[tuple[str, datetime]]:
        """The user's submissions waiting for arXiv: (paper id, when submitted)."""
        return self.store.community.waiting_for(user.id)

    def submit_waiting(self, limit: int = 100) -> int:
        """Fetch and submit what waits for arXiv (the "submissions" job); how many went
        through. Stops at the first sign that arXiv is still unreachable."""
        done = 0
        fetch = self.fetch_from_arxiv
        if fetch is None:
            return 0
        for user_id, paper_id in self.store.community.all_waiting(limit):
            user = self.store.people.by_id(user_id)
            if user is None:  # the account is gone (its rows go with it; a race)
                self.store.community.drop_waiting(user_id, paper_id)
                continue
            try:
                paper = self.papers.get(paper_id)
            except NotFoundError:
                try:
                    paper = fetch(paper_id)
                except UnreachableError:
                    self.store.community.count_waiting_attempt(user_id, paper_id)
                    return done
                except NotFoundError:
                    log.warning("waiting submission %s: arXiv has no such paper", paper_id)
                    self.store.community.drop_waiting(user_id, paper_id)
                    continue
                except PaperwireError as exc:  # an error document: try again next run
                    log.warning("waiting submission %s: %s", paper_id, exc)
                    self.store.community.count_waiting_attempt(user_id, paper_id)
                    continue
            self._feature(user, paper)
            self.store.community.drop_waiting(user_id, paper_id)
            done += 1
        return done

    def _feature(self, user: User, paper: Paper) -> Submitted:
        from paperwire.ingest import import_items

        today = self.clock().date()
        already = None
        if paper.submitted_by:
            on = f" on {paper.submitted_on.isoformat()}" if paper.submitted_on else ""
            already = f"{paper.id} is already featured: submitted by {paper.submitted_by}{on}."
        if self.store.community.record_submission(user.id, paper.id, self.clock()):
            # Merged like any source: a paper already featured keeps its earlier feed day,
            # and whoever featured it first (a Hugging Face curator) keeps the credit.
            update = Paper(
                id=paper.id,
                submitted_by=None if paper.submitted_by else user.username,
                submitted_on=today,
                sources=["community"],
            )
            import_items(self.store, [("submission", update)], today=today)
        elif already is None:  # the submission that featured it was removed by an admin
            already = f"{paper.id} was submitted here before, and an admin removed it."
        return Submitted(self.papers.get(paper.id), already)

    def remove_submission(self, user: User, paper_id: str) -> None:
        if not user.is_admin:
            raise ForbiddenError("only an admin can remove a submission")
        paper = self.papers.get(paper_id)
        if not self.store.community.remove_submission(paper.id):
            raise NotFoundError(f"{paper_id} was not submitted here")
        credited = paper.submitted_by and self.store.people.by_username(paper.submitted_by)
        if "community" in paper.sources and credited:
            # The credit and the feed day came from this site's submission (a Hugging Face
            # pick keeps its curator and day): take them back, the paper returns to the day
            # it was first seen.
            def unsubmit(found: dict[str, Paper]) -> list[Paper]:
                current = found.get(paper.id)
                if current is None:
                    return []
                return [
                    dataclasses.replace(
                        current,
                        submitted_by=None,
                        submitted_on=None,
                        sources=[s for s in current.sources if s != "community"],
                    )
                ]

            self.store.papers.update_papers({paper.id}, unsubmit)

    # -- collections ---------------------------------------------------------------------
    def create_collection(
        self, user: User, name: str, description: str = "", public: bool = False
    ) -> Collection:
        self._spend("collection", user)
        name = clean_body(name, MAX_COLLECTION_NAME, "name").replace("\n", " ")
        description = description.strip()[:MAX_DESCRIPTION]
        slug = slugify(name)
        self.store.community.create_collection(
            user.id, slug, name, description, public, self.clock()
        )
        found = self.store.community.collection(user.username, slug, user.id)
        assert found is not None
        return found

    def update_collection(
        self, user: User, collection_id: int, *, name: str, description: str, public: bool
    ) -> None:
        self._spend("collection", user)
        name = clean_body(name, MAX_COLLECTION_NAME, "name").replace("\n", " ")
        if not self.store.community.update_collection(
            user.id,
            collection_id,
            name=name,
            description=description.strip()[:MAX_DESCRIPTION],
            public=public,
            now=self.clock(),
        ):
            raise ForbiddenError("you can only change your own collections")

    def delete_collection(self, user: User, collection_id: int) -> None:
        self._spend("collection", user)

        if not self.store.community.delete_collection(user.id, collection_id):
            raise ForbiddenError("you can only delete your own collections")

    def set_in_collection(
        self, user: User, collection_id: int, paper_id: str, member: bool
    ) -> None:
        self._spend("collection", user)
        paper = self.papers.get(paper_id)
        if not self.store.community.set_membership(
            user.id, collection_id, paper.id, member, self.clock()
        ):
            raise ForbiddenError("you can only change your own collections")

    def add_to_named_collection(
        self, user: User, name: str, paper_ids: Sequence[str]
    ) -> tuple[Collection, int]:
        """Add papers to the user's collection called ``name``, made (private) if they have
        none of that name yet; the collection and how many papers were new in it. One change
        of the ``collection`` budget, however many papers (a library import)."""
        self._spend("collection", user)
        name = clean_body(name, MAX_COLLECTION_NAME, "name").replace("\n", " ")
        found = self.store.community.collection(user.username, slugify(name), user.id)
        if found is None:
            self.store.community.create_collection(
                user.id, slugify(name), name, "", False, self.clock()
            )
            found = self.store.community.collection(user.username, slugify(name), user.id)
            assert found is not None
        added = self.store.community.add_to_collection(user.id, found.id, paper_ids, self.clock())
        assert added is not None  # found by the user's own name and slug
        return found, added

    def collection_papers(
        self, owner: str, slug: str, viewer: User | None
    ) -> tuple[Collection, list[Paper]]:
        """A collection the viewer may see and its live papers, in the collection's order."""
        found = self.store.community.collection(owner, slug, viewer.id if viewer else None)
        if found is None:  # private collections look exactly like missing ones to others
            raise NotFoundError(f"no collection {owner}/{slug}")
        ids = self.store.community.collection_paper_ids(found.id)
        papers = self.store.papers.get_papers(ids)
        return found, [papers[i] for i in ids if i in papers and not papers[i].deleted]

    def collection_page(self, owner: str, slug: str, viewer: User | None) -> CollectionPage:
        found, live = self.collection_papers(owner, slug, viewer)
        return CollectionPage(
            found,
            self.cards(live, viewer),
            editable=viewer is not None and viewer.id == found.owner_id,
        )

    def collections_of(self, owner: str, viewer: User | None) -> list[Collection]:
        user = self.store.people.by_username(owner)
        if user is None:
            raise NotFoundError(f"no user {owner}")
        return self.store.community.collections_of(user.id, viewer.id if viewer else None)
