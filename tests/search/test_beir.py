"""`paperwire eval beir` on a slice of the real SciFact benchmark, intact and damaged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperwire.errors import SourceError
from paperwire.search import beir

PAPERWIRE = str(Path(sys.executable).parent / "paperwire")
QUERIES = 20


@pytest.fixture
def scifact_slice(shared_data: Path, tmp_path: Path) -> Path:
    """The first 20 test queries, their relevant documents and 200 others, in BEIR layout,
    with real SciFact lines: small enough to embed in seconds."""
    source = shared_data / "scifact"
    qrels_lines = (source / "qrels" / "test.tsv").read_text().splitlines()
    header, rows = qrels_lines[0], [line.split("\t") for line in qrels_lines[1:]]
    query_ids = list(dict.fromkeys(r[0] for r in rows))[:QUERIES]
    kept = [r for r in rows if r[0] in query_ids]
    relevant = {r[1] for r in kept}
    corpus = []
    with (source / "corpus.jsonl").open() as lines:
        for number, line in enumerate(lines):
            if json.loads(line)["_id"] in relevant or number < 200:
                corpus.append(line)
    queries = [
        line
        for line in (source / "queries.jsonl").read_text().splitlines(keepends=True)
        if json.loads(line)["_id"] in query_ids
    ]
    out = tmp_path / "scifact-slice"
    (out / "qrels").mkdir(parents=True)
    (out / "corpus.jsonl").write_text("".join(corpus))
    (out / "queries.jsonl").write_text("".join(queries))
    (out / "qrels" / "test.tsv").write_text(
        "\n".join([header, *("\t".join(r) for r in kept)]) + "\n"
    )
    return out


def damage(folder: Path) -> None:
    """A truncated document, a non-object line, a document without an id, a bad score and a
    short qrels row, each in the middle of otherwise good data."""
    corpus = (folder / "corpus.jsonl").read_text().splitlines(keepends=True)
    corpus[3] = corpus[3][: len(corpus[3]) // 2] + "\n"
    corpus.insert(5, "[1, 2, 3]\n")
    corpus.insert(7, json.dumps({"title": "no id here", "text": "orphan"}) + "\n")
    (folder / "corpus.jsonl").write_text("".join(corpus))
    qrels = folder / "qrels" / "test.tsv"
    qrels.write_text(qrels.read_text() + "1\t31715818\tmaybe\n1\t31715818\n")


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [PAPERWIRE, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow  # embeds a SciFact slice and scores every mode: about 8 s
def test_eval_beir_scores_every_mode_as_json(scifact_slice: Path, tmp_path: Path) -> None:
    run = cli("eval", "beir", str(scifact_slice), "--json", data_dir=tmp_path / "d")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["split"] == "test" and report["skipped"] == []
    assert set(report["scores"]) == {"lexical", "semantic", "hybrid"}
    for mode, scores in report["scores"].items():
        assert scores["queries"] == QUERIES
        # Each query's relevant documents are in this small corpus: all three modes rank
        # most of them first (the full benchmark's numbers are in docs/benchmarks.md).
        assert 0.6 < scores["ndcg@10"] <= 1.0, mode
        assert scores["recall@100"] > 0.9, mode
        assert 0.0 < scores["mrr@10"] <= 1.0
    # The evaluation used a throw-away store: the user's data folder holds no benchmark.
    assert not (tmp_path / "d" / "paperwire.db").exists()


def test_damaged_benchmark_is_scored_and_the_bad_lines_named(scifact_slice: Path) -> None:
    intact = beir.load(scifact_slice)
    damage(scifact_slice)
    damaged = beir.load(scifact_slice)
    assert len(damaged.docs) == len(intact.docs) - 1  # the truncated one
    assert damaged.qrels == intact.qrels and damaged.queries == intact.queries
    where = {p.where: p for p in damaged.problems}
    assert "corpus.jsonl:4" in where and "not JSON" in where["corpus.jsonl:4"].reason
    assert where["corpus.jsonl:6"].reason == "not a JSON object"
    assert where["corpus.jsonl:8"].field == "_id"
    bad_score = [p for p in damaged.problems if p.field == "score"]
    assert len(bad_score) == 1 and "'maybe'" in bad_score[0].reason
    assert any("expected 3 tab-separated columns, got 2" in p.reason for p in damaged.problems)
    assert len(damaged.problems) == 5


def test_cli_reports_skipped_lines_and_missing_splits(scifact_slice: Path, tmp_path: Path) -> None:
    damage(scifact_slice)
    run = cli("eval", "beir", str(scifact_slice), "--mode", "lexical", data_dir=tmp_path / "d")
    assert run.returncode == 0, run.stderr
    assert "skipped 5 bad lines" in run.stderr and "corpus.jsonl:4" in run.stderr
    assert "lexical" in run.stdout and "nDCG@10" in run.stdout
    missing = cli("eval", "beir", str(scifact_slice), "--split", "dev", data_dir=tmp_path / "d")
    assert missing.returncode == SourceError.exit_code
    assert "qrels/dev.tsv: no such file" in missing.stderr and "Traceback" not in missing.stderr
    wrong_mode = cli("eval", "beir", str(scifact_slice), "-m", "fuzzy", data_dir=tmp_path / "d")
    assert wrong_mode.returncode == 2 and "unknown mode 'fuzzy'" in wrong_mode.stderr
