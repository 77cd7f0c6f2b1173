"""bench/scale_corpus.py: the arXiv-sized corpus generator is deterministic, its output reads
through the corpus parser without a problem, and its ids never collide with real ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from paperwire.models import Paper
from paperwire.sources.files import read_path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "scale_corpus.py"


def _generate(out: Path) -> str:
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--papers",
            "6000",
            "--base-limit",
            "2000",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def test_generator_is_deterministic_and_parses(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    report = _generate(first)
    _generate(second)
    assert first.read_bytes() == second.read_bytes()
    assert "6,000 papers (2,000 real)" in report

    items = [item for _, item in read_path(first)]
    papers = [item for item in items if isinstance(item, Paper)]
    assert len(papers) == len(items) == 6000  # no Problem, nothing dropped
    ids = [paper.id for paper in papers]
    assert len(set(ids)) == 6000
    # Synthetic ids are numbered above every real id of their month.
    synthetic = [p for p in papers if "." in p.id and int(p.id.rsplit(".", 1)[1]) > 60000]
    assert len(synthetic) == 4000
    days = [p.first_seen for p in papers]
    assert days == sorted(
        days
    )  # the corpus's own order, so imports read it as they do the real one
    assert all(p.title and p.abstract and p.first_seen for p in synthetic)
