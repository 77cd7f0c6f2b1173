"""The "For you" state kept per process (issue 12): a text space per period shared by every
user, per-user compact profiles keyed by a fingerprint of their signals (a vote refits at the
next load) under a bound in bytes, and the digest run's light profiles, on real papers (the
arXiv snapshot sample) and real stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from paperwire.models import Paper, SignalKind, User
from paperwire.recommend import model
from paperwire.service.recommend import ForYou, Recommend, doc_of
from paperwire.service.wiring import Service

DAY = date(2026, 3, 2)
EARLIER = date(2026, 2, 2)
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _papers(shared_data: Path) -> list[Paper]:
    path = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        Paper(
            id=r["id"],
            title=" ".join(r["title"].split()),
            abstract=" ".join(r["abstract"].split()),
            authors=[a.strip() for a in re.split(r",| and ", r["authors"]) if a.strip()],
            categories=r["categories"].split(),
            first_seen=EARLIER if k < 100 else DAY,
            upvotes=k % 5,
            sources=["test"],
        )
        for k, r in enumerate(rows)
    ]


@pytest.fixture
def papers(service: Service, shared_data: Path) -> list[Paper]:
    found = _papers(shared_data)
    service.store.papers.update_papers([p.id for p in found], lambda _old: found)
    return found


def _user(service: Service, name: str, liked: list[Paper]) -> User:
    user = service.store.people.create_user(name, None, "x", is_admin=False, now=NOW)
    for paper in liked:
        service.store.community.toggle_vote(user.id, paper.id, NOW)
    return user


def test_transform_gives_the_fitted_rows(shared_data: Path) -> None:
    docs = [doc_of(p) for p in _papers(shared_data)]
    space = model.Space(docs)
    rows = space.transform(docs[:20])
    assert np.allclose(rows.text.toarray(), space.text[:20].toarray(), atol=1e-6)
    assert (rows.authors != space.authors[:20]).nnz == 0
    assert (rows.categories != space.categories[:20]).nnz == 0


def test_outside_positives_and_a_compact_profile_rank_as_the_full_one(
    shared_data: Path,
) -> None:
    docs = [doc_of(p) for p in _papers(shared_data)]
    older, listing = docs[:100], docs[100:]
    liked = older[:6]
    everything = model.Space(docs)
    full = model.profile(
        everything, [(d.id, d.day) for d in liked], background=[d.id for d in older[6:]]
    )
    # A space without the positives: they come in through transform (same vectors here, as
    # the idf is fitted on the same documents), so the ranking is the same.
    period = model.Space([*listing, *older[6:]])
    kept = model.compact(
        model.profile(
            period, [(d.id, d.day) for d in liked], background=[d.id for d in older[6:]], docs=liked
        )
    )
    assert kept.liked is not None and kept.liked.shape[0] == 6
    assert set(kept.titles.values()) == {d.title for d in liked}
    ids = [d.id for d in listing]
    ours = model.rank(period, kept, ids, explain=5, top=20)
    assert len(ours) == 20 and all(r.why for r in ours[:5]) and not any(r.why for r in ours[5:])
    theirs = model.rank(everything, full, ids)[:20]
    overlap = len({r.id for r in ours[:10]} & {r.id for r in theirs[:10]})
    assert overlap >= 7, (ours[:10], theirs[:10])  # idf and df cut differ a little
    assert model.size_of(kept) < model.size_of(model.compact(full)) * 4


def test_a_vote_refits_at_the_next_load_and_the_cache_is_bounded(
    service: Service, papers: list[Paper]
) -> None:
    recommend = Recommend(service.store, lambda: NOW, 500, profile_bytes=1)
    older = [p for p in papers if p.first_seen == EARLIER]
    alice = _user(service, "alice", older[:4])
    bob = _user(service, "bob", older[10:15])
    first = recommend.for_user("alice")
    assert not first.cold and first.positives == 4 and first.end == DAY
    assert all(p.why for p in first.picks[:3])
    again = recommend.for_user("alice")
    assert [p.paper.id for p in again.picks] == [p.paper.id for p in first.picks]
    service.store.community.toggle_vote(alice.id, older[5].id, NOW)
    assert recommend.for_user("alice").positives == 5  # the vote shows at once
    today = [p for p in papers if p.first_seen == DAY]
    service.store.community.toggle_vote(alice.id, today[0].id, NOW)  # a paper of the day
    shown = recommend.for_user("alice")
    assert shown.positives == 6 and today[0].id not in {p.paper.id for p in shown.picks}
    recommend.for_user("bob")
    assert recommend.kept()[0] == 1  # over the byte bound: only the newest profile stays
    big = Recommend(service.store, lambda: NOW, 500)
    big.for_user("alice")
    big.for_user("bob")
    big.for_user("alice", week=True)  # Monday: its week so far is the day, the same state
    count, size = big.kept()
    assert count == 2 and 0 < size < 2 * 2**20
    assert bob.id != alice.id


def test_the_digest_ranker_ranks_many_users_from_shared_vectors(
    service: Service, papers: list[Paper]
) -> None:
    older = [p for p in papers if p.first_seen == EARLIER]
    users = [_user(service, f"u{k}", older[k * 5 : k * 5 + 5]) for k in range(6)]
    cold = _user(service, "cold", older[:1])
    recommend = Recommend(service.store, lambda: NOW, 500)
    ranker = recommend.ranker(DAY, DAY)
    liked = service.store.community.liked_by([u.id for u in [*users, cold]])
    assert {len(v) for k, v in liked.items() if k != cold.id} == {5}
    for user in users:
        found = ranker.for_user(user.id, user.username, limit=10, liked=liked[user.id])
        assert not found.cold and found.positives == 5 and len(found.picks) == 10
        # The same ranking as the model's light profile built the slow way.
        space = ranker.period.space
        mine = [p for p in older if p.id in liked[user.id]]
        rows = space.transform([doc_of(p) for p in mine])
        state = model.light_profile(
            space,
            rows,
            [NOW.date()] * 5,
            [p.title for p in mine],
            background=ranker.background_mean(),
        )
        assert isinstance(state, model.LightProfile) and state.background is not None
        listing = [i for i in ranker.period.order if i not in liked[user.id]]
        expected = [r.id for r in model.rank(space, state, listing, top=10)]
        assert {p.paper.id for p in found.picks} == set(expected)
    shy = ranker.for_user(cold.id, cold.username, limit=5)
    assert shy.cold and shy.positives == 1 and len(shy.picks) == 5


def test_shared_similarities_rank_as_the_per_user_path(
    service: Service, papers: list[Paper], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest's ranker keeps each liked paper's similarities to the period's papers and
    shares them across users: the same picks, scores and reasons, in the same order, as the
    per-user product (``similarity_bytes=0``) and as the model's light profile built the
    slow way, on real papers, with users sharing liked papers, one whose mute leaves
    candidates out, and a cap that keeps only some papers' similarities. The liked papers
    are transformed by forked workers, 3 at a time, as a large digest run does."""
    from paperwire.service import recommend as part
    from paperwire.service.recommend import PeriodRanker

    monkeypatch.setattr(part, "TRANSFORM_CHUNK", 3)
    monkeypatch.setattr(part, "PARALLEL_USERS", 2)

    older = [p for p in papers if p.first_seen == EARLIER]
    users = [_user(service, f"s{k}", older[k * 3 : k * 3 + 8]) for k in range(8)]
    author = next(p for p in papers if p.first_seen == DAY and p.authors).authors[0]
    service.store.signals.add_term(
        users[2].id, SignalKind.MUTED_AUTHOR, author.casefold(), author, NOW
    )
    recommend = Recommend(service.store, lambda: NOW, 500)
    shared = recommend.ranker(DAY, DAY)
    row_bytes = 4 * len(shared.period.order)
    capped = PeriodRanker(service.store, DAY, DAY, shared.period, similarity_bytes=12 * row_bytes)
    alone = PeriodRanker(service.store, DAY, DAY, shared.period, similarity_bytes=0)
    space = shared.period.space

    def picks(found: ForYou) -> list[tuple[str, float, tuple[str, ...]]]:
        return [(p.paper.id, p.score, p.why) for p in found.picks]

    wanted = {}
    for user in users:
        want = wanted[user.id] = picks(alone.for_user(user.id, user.username, limit=30))
        assert len(want) == 30
        assert picks(shared.for_user(user.id, user.username, limit=30)) == want
        assert picks(capped.for_user(user.id, user.username, limit=30)) == want
        mine = [p for p in older if p.id in service.store.community.liked(user.id)]
        state = model.light_profile(
            space,
            space.transform([doc_of(p) for p in mine]),
            [NOW.date()] * len(mine),
            [p.title for p in mine],
            background=shared.background_mean(),
        )
        listing = [i for i in shared.period.order if i not in {p.id for p in mine}]
        if user is users[2]:
            kept = [i for i in listing if author not in space.docs[space.row[i]].authors]
            assert len(kept) < len(listing)  # the mute hides some of the period's papers
            listing = kept
        slow = model.rank(space, state, listing, top=30, explain=30)
        assert [(r.id, r.score, r.why) for r in slow] == want
    assert shared._similar_bytes == row_bytes * len(shared._similar) > 12 * row_bytes
    assert capped._similar_bytes == 12 * row_bytes  # the rest computed per user
    # Many users at once, as a digest run's page: ranked by forked workers, the same.
    together = PeriodRanker(service.store, DAY, DAY, shared.period)
    liked = service.store.community.liked_by([u.id for u in users])
    together.prefetch(liked)
    found = together.for_users([(u.id, u.username) for u in users], limit=30, liked=liked)
    assert {u: picks(f) for u, f in found.items()} == wanted


def test_not_interested_and_mutes_reach_the_kept_ranking_and_the_digest(
    service: Service, papers: list[Paper]
) -> None:
    """The kept state is keyed by every signal, not only votes: a "not interested" or a
    mute made after a ranking was kept changes the next load, and the digest's ranker (which
    has no kept state) honours them too."""
    older = [p for p in papers if p.first_seen == EARLIER]
    alice = _user(service, "alice", older[:5])
    recommend = Recommend(service.store, lambda: NOW, 500)
    first = recommend.for_user("alice")
    top = first.picks[0].paper
    service.store.signals.mark_not_interested(alice.id, top.id, NOW)
    after = recommend.for_user("alice")
    assert top.id not in {p.paper.id for p in after.picks}
    author = after.picks[0].paper.authors[0]
    service.store.signals.add_term(
        alice.id, SignalKind.MUTED_AUTHOR, author.casefold(), author, NOW
    )
    muted = recommend.for_user("alice")
    shown = {p.paper.id for p in muted.picks}
    assert muted.muted >= 1 and all(author not in p.paper.authors for p in muted.picks)
    ranker = recommend.ranker(DAY, DAY)
    mailed = ranker.for_user(alice.id, "alice", limit=50)
    assert mailed.picks and {p.paper.id for p in mailed.picks[:5]} & shown
    assert top.id not in {p.paper.id for p in mailed.picks}
    assert all(author not in p.paper.authors for p in mailed.picks)
    assert mailed.muted == muted.muted


def test_a_cold_start_shows_the_most_upvoted_first(service: Service, papers: list[Paper]) -> None:
    _user(service, "new", [])
    found = Recommend(service.store, lambda: NOW, 500).for_user("new")
    upvotes = [p.paper.upvotes or 0 for p in found.picks]
    assert found.cold and len(upvotes) > 5 and upvotes == sorted(upvotes, reverse=True)


def test_embeddings_join_the_ranking_where_papers_have_them(
    service: Service, papers: list[Paper]
) -> None:
    """Papers embedded by the search's model bring their vectors to For you (page and
    digest): a candidate whose embedding is nearest the liked papers' climbs; papers not
    embedded yet are neither helped nor hurt (the listing's mean)."""
    embedder = service.search.embedder()
    assert embedder is not None
    older = [p for p in papers if p.first_seen == EARLIER]
    today = [p for p in papers if p.first_seen == DAY]
    rng = np.random.default_rng(3)
    liked_direction = rng.normal(size=384)
    vectors = {p.id: rng.normal(size=384) for p in [*older[:5], *today[:50]]}
    for p in older[:5]:
        vectors[p.id] = liked_direction + 0.1 * rng.normal(size=384)
    chosen = today[7].id  # far down by text; its embedding now matches the liked papers'
    vectors[chosen] = liked_direction
    rows = [
        (i, "h", (v / np.linalg.norm(v)).astype(np.float16).tobytes()) for i, v in vectors.items()
    ]
    service.store.embeddings.put_embeddings(embedder.name, 384, rows)
    alice = _user(service, "alice", older[:5])
    plain = Recommend(service.store, lambda: NOW, 500).for_user("alice", limit=100)
    embedded = service.recommend.for_user("alice", limit=100)
    place = {p.paper.id: k for k, p in enumerate(plain.picks)}
    climbed = {p.paper.id: k for k, p in enumerate(embedded.picks)}
    assert climbed[chosen] < place[chosen]
    mailed = service.recommend.ranker(DAY, DAY).for_user(alice.id, "alice", limit=100)
    assert {p.paper.id: k for k, p in enumerate(mailed.picks)}[chosen] < 10

    # The model's rule for papers without an embedding: the listing's mean.
    space = model.Space([doc_of(p) for p in today[:3]])
    scores = model._dense_scores(
        np.array([[1, 0], [np.nan, np.nan], [0, 1]], dtype=np.float32), np.array([1.0, 0.0]), 3
    )
    assert scores.tolist() == [1.0, 0.5, 0.0] and space.dense is None


def test_texts_read_what_the_recommender_sees(service: Service, papers: list[Paper]) -> None:
    """``store.papers.texts``: the fields ``doc_of`` reads, as ``get_papers`` has them, live
    papers only."""
    gone = papers[3]
    service.store.papers.update_papers([gone.id], lambda old: [replace(old[gone.id], deleted=True)])
    ids = [p.id for p in papers[:10]]
    texts = service.store.papers.texts(ids)
    full = service.store.papers.get_papers(ids)
    assert gone.id not in texts and len(texts) == 9
    assert all(doc_of(texts[i]) == doc_of(full[i]) for i in texts)
