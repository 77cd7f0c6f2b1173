"""The "For you" model and `paperwire eval recommend` on real benchmark users and real corpus
papers (a slice of the 200k corpus: their profiles and a few test days' whole listings)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperwire.recommend import benchmark, evaluate, model
from paperwire.service.wiring import Service
from paperwire.settings import Settings

PAPERWIRE = str(Path(sys.executable).parent / "paperwire")


@pytest.fixture(scope="module")
def sample(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two real users per benchmark (their first two test days each) and a corpus slice
    holding their profiles and those days' full listings."""
    lines = []
    for name in ("hf-submitters", "authors"):
        rows = (shared_data / "recsys" / f"{name}-dev.jsonl").read_text().splitlines()[:2]
        for row in map(json.loads, rows):
            row["tests"] = row["tests"][:2]
            lines.append(row)
    wanted = {p["id"] for row in lines for p in row["profile"]}
    days = {t["day"] for row in lines for t in row["tests"]}
    out = tmp_path_factory.mktemp("recs")
    corpus = out / "corpus.jsonl"
    with gzip.open(shared_data / "corpus" / "papers-200k.jsonl.gz", "rt") as src:
        kept = [
            line
            for line in src
            if json.loads(line)["id"] in wanted or json.loads(line)["first_seen"] in days
        ]
    corpus.write_text("".join(kept))
    users = out / "users.jsonl"
    bad = [
        "{not json",
        json.dumps({"benchmark": "authors", "user": "x", "profile": [], "tests": []}),
        json.dumps(
            {
                "benchmark": "authors",
                "user": "y",
                "profile": [{"id": "1", "day": "2025"}],
                "tests": [{"day": "2025-10-01", "relevant": ["2"]}],
            }
        ),
    ]
    users.write_text("\n".join([json.dumps(r) for r in lines] + bad) + "\n")
    return users, corpus


def test_bad_lines_are_reported_with_file_line_and_field(sample: tuple[Path, Path]) -> None:
    users, _ = sample
    loaded = benchmark.load([users])
    assert [u.benchmark for u in loaded.users] == ["hf-submitters"] * 2 + ["authors"] * 2
    reasons = [str(p) for p in loaded.problems]
    assert reasons[0].startswith("users.jsonl:5") and "Expecting property name" in reasons[0]
    assert reasons[1].startswith("users.jsonl:6") and "non-empty" in reasons[1]
    assert reasons[2].startswith("users.jsonl:7") and "profile[0].day" in reasons[2]


def test_metrics_on_known_rankings() -> None:
    assert benchmark.score_day(["a", "b", "c"], frozenset({"a"})) == (1.0, 1.0, 1.0)
    ndcg, hit, mrr = benchmark.score_day(["b", "a"], frozenset({"a", "z"}))
    assert hit == 0.5 and mrr == 0.5
    assert ndcg == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625), rel=1e-6)


def test_eval_recommend_cli(sample: tuple[Path, Path], tmp_path: Path) -> None:
    users, corpus = sample
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path / "d")}
    done = subprocess.run(
        [PAPERWIRE, "eval", "recommend", str(users), "--corpus", str(corpus), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "skipped 3 bad lines" in done.stderr
    scores = json.loads(done.stdout)
    assert set(scores) == {"hf-submitters", "authors"}
    # A test day counts when one of its relevant papers is in that day's listing.
    listed = {(p["first_seen"], p["id"]) for p in map(json.loads, corpus.read_text().splitlines())}
    for name, found in scores.items():
        expected = sum(
            any((str(t.day), r) in listed for r in t.relevant)
            for u in benchmark.load([users]).users
            if u.benchmark == name
            for t in u.tests
        )
        assert found["users"] == 2 and found["days"] == expected > 0, name
        assert set(benchmark.METRICS) <= set(found)
    # Random ranking of ~230 papers scores about 0.02; the profile must carry signal.
    assert scores["hf-submitters"]["ndcg@10"] > 0.3
    assert scores["authors"]["ndcg@10"] > 0.1


def test_hidden_fields_never_reach_the_model(sample: tuple[Path, Path]) -> None:
    users, corpus = sample
    from paperwire.service.recommend import corpus_docs

    docs = corpus_docs(corpus, 500)
    user = next(u for u in benchmark.load([users]).users if u.benchmark == "authors")
    seen: list[model.Space] = []

    def spy(space: model.Space, who: benchmark.User, rng: object) -> object:
        seen.append(space)
        return lambda listing: listing

    evaluate.evaluate(docs, [user], recipe=spy)  # type: ignore[arg-type]
    assert seen and all(not d.authors for d in seen[0].docs)
    assert seen[0].authors.shape[1] == 1  # the empty author space


def test_why_lines_and_cold_start(sample: tuple[Path, Path]) -> None:
    users, corpus = sample
    from paperwire.service.recommend import corpus_docs

    docs = corpus_docs(corpus, 500)
    space = model.Space(docs)
    user = benchmark.load([users]).users[0]  # an HF submitter: authors visible
    rng = __import__("numpy").random.default_rng(0)
    state = model.profile(space, user.profile, background=evaluate.background(space, user, rng))
    assert not state.cold
    listing = [d.id for d in docs if d.day == user.tests[0].day]
    ranked = model.rank(space, state, listing, explain=3)
    assert len(ranked) == len(set(listing) & set(space.row))
    assert all(r.why for r in ranked[:3]) and not any(r.why for r in ranked[3:])
    titles = {d.title for d in docs}
    for line in (w for r in ranked[:3] for w in r.why):
        assert (
            line == "by an author of papers you saved"
            or line.startswith("matches your words: ")
            or line.removeprefix("like “").removesuffix("” you saved") in titles
        )
    assert model.profile(space, user.profile[:2]).cold


def test_recommend_cli_ranks_a_users_signals(
    sample: tuple[Path, Path], settings: Settings, service: Service
) -> None:
    """Upvotes and a collection become the user's positives; the CLI ranks the newest day."""
    users, corpus = sample
    service.papers.import_files([corpus])
    person = benchmark.load([users]).users[0]  # an HF submitter: their earlier submissions
    newest = service.feeds.newest_day()
    assert newest is not None
    alice = service.accounts.add_user("alice", None, "correct horse battery", admin=False)
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(settings.data_dir),
        "PAPERWIRE_DATABASE_URL": settings.database_url,
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PAPERWIRE, "recommend", "alice", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    service.community.toggle_vote(alice, person.profile[0][0])
    cold = json.loads(run("--json").stdout)
    assert cold["cold_start"] is True and all(p["why"] == [] for p in cold["papers"])
    assert "fewer than 3" in run().stderr

    for paper_id, _ in person.profile[1:]:
        service.community.toggle_vote(alice, paper_id)
    done = run("--json", "--limit", "5")
    assert done.returncode == 0, done.stderr
    warm = json.loads(done.stdout)
    assert warm["cold_start"] is False and warm["end"] == newest.isoformat()
    assert len(warm["papers"]) == 5 and all(p["why"] for p in warm["papers"])
    liked = {i for i, _ in person.profile}
    assert not liked & {p["id"] for p in warm["papers"]}
    scores = [p["score"] for p in warm["papers"]]
    assert scores == sorted(scores, reverse=True)
    assert (
        "no user 'bob'"
        in subprocess.run(
            [PAPERWIRE, "recommend", "bob"], env=env, capture_output=True, text=True, check=False
        ).stderr
    )


def test_eval_recommend_reads_or_makes_the_papers_embeddings(
    sample: tuple[Path, Path], tmp_path: Path
) -> None:
    """``--vectors``: a file of embeddings is read (and a broken one refused, saying so);
    a missing one is made with the search's model for the papers the users touch."""
    import numpy as np

    from paperwire.errors import SourceError
    from paperwire.search.embedder import Embedder
    from paperwire.service.recommend import benchmark_vectors, corpus_docs

    users, corpus = sample
    docs = corpus_docs(corpus, 500)
    ids = [d.id for d in docs]
    rng = np.random.default_rng(0)
    given = tmp_path / "given.npz"
    np.savez(given, ids=np.array(ids), vectors=rng.normal(size=(len(ids), 8)).astype("f2"))
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path / "d")}
    run = [PAPERWIRE, "eval", "recommend", str(users), "--corpus", str(corpus), "--json"]
    done = subprocess.run(
        [*run, "--vectors", str(given)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"hf-submitters", "authors"}
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a numpy file")
    done = subprocess.run(
        [*run, "--vectors", str(broken)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0 and "broken.npz: not a .npz of 'ids' and 'vectors'" in done.stderr
    assert "Traceback" not in done.stderr

    # Made when missing: one user with one test day, over a few of its day's papers.
    user = benchmark.load([users]).users[0]
    one = benchmark.User(user.benchmark, user.name, user.hide, user.profile[:3], user.tests[:1])
    few = [d for d in docs if d.id in {i for i, _ in one.profile}]
    few += [d for d in docs if d.day == one.tests[0].day][:5]
    made = tmp_path / "made.npz"
    found = benchmark_vectors(few, [one], made, Embedder)
    assert made.exists() and all(d.vector is not None and d.vector.shape == (384,) for d in found)
    again = benchmark_vectors(few, [one], made, lambda: None)  # read back, no model needed
    pairs = zip(found, again, strict=True)
    assert all(np.allclose(a.vector, b.vector, atol=1e-3) for a, b in pairs)
    with pytest.raises(SourceError, match="no embedding model"):
        benchmark_vectors(few, [one], tmp_path / "other.npz", lambda: None)


def test_hiding_the_text_hides_its_embedding() -> None:
    import numpy as np

    doc = model.Doc("1", "T", "A", ("Ann",), ("cs.LG",), None, np.ones(2, np.float32))
    (no_authors,) = evaluate.hidden([doc], frozenset({"authors"}))
    assert no_authors.authors == () and no_authors.vector is not None
    (no_title,) = evaluate.hidden([doc], frozenset({"title"}))
    assert no_title.title == "" and no_title.vector is None
