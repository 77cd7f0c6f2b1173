"""Imports on PostgreSQL under concurrency and crashes (issue 14), with real `paperwire
import` processes over slices of the real corpus (/work/shared/data/corpus):

- two importers at once keep the change sequence gap-free and ordered: every snapshot a
  reader takes while they run holds exactly the numbers 1..max (an indexer that applied up to
  N never later sees a smaller number appear), and the two files' papers end up numbered
  1..total;
- an import killed with SIGKILL (early, and in the middle) and run again leaves the same store
  as one clean run: every row of ``papers``, sequence numbers included, and the counter.
"""

from __future__ import annotations

import gzip
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nodes_helpers import node_env, paperwire

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SLICE = 1500  # papers per file
BATCH = "100"  # papers per transaction: many commits to interleave or to kill between


def _slices(shared_data: Path, folder: Path, count: int) -> list[Path]:
    """``count`` files of SLICE consecutive real papers each, no paper in two of them."""
    corpus = shared_data / "corpus" / "papers-200k.jsonl.gz"
    files = []
    with gzip.open(corpus, "rt") as lines:
        for number in range(count):
            path = folder / f"slice{number}.jsonl"
            path.write_text("".join(itertools.islice(lines, SLICE)))
            files.append(path)
    return files


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT")


def _import(env: dict[str, str], path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "paperwire", "import", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def second_database(postgresql_url: str) -> Iterator[str]:
    """Another throw-away database on the same server (the clean run's store)."""
    from sqlalchemy import text

    name = f"paperwire_test_{uuid.uuid4().hex[:8]}"
    admin = _engine(postgresql_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgresql_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_two_importers_at_once_keep_the_sequence_gap_free_and_ordered(
    postgresql_url: str, tmp_path: Path, shared_data: Path
) -> None:
    from sqlalchemy import text

    env = node_env(postgresql_url, tmp_path / "importer", import_batch_size=BATCH)
    paperwire(env, "init")
    files = _slices(shared_data, tmp_path, 2)
    engine = _engine(postgresql_url)
    snapshots: list[tuple[int, int]] = []
    done = threading.Event()

    def watch() -> None:
        # What an indexer reading the change feed sees, as often as it can look.
        with engine.connect() as conn:
            while not done.is_set():
                row = conn.execute(text("SELECT count(*), coalesce(max(seq), 0) FROM papers")).one()
                snapshots.append((int(row[0]), int(row[1])))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        importers = [_import(env, path) for path in files]
        outputs = [proc.communicate(timeout=240)[0] for proc in importers]
    finally:
        done.set()
        watcher.join(30)
    assert [proc.returncode for proc in importers] == [0, 0], outputs
    with engine.connect() as conn:
        seqs = [int(s) for s in conn.execute(text("SELECT seq FROM papers ORDER BY seq")).scalars()]
        counter = conn.execute(text("SELECT value FROM counters WHERE name = 'paper_seq'")).scalar()
    engine.dispose()
    total = len(seqs)
    assert total > 2 * SLICE * 0.95  # a few records of the real corpus are refused
    assert seqs == list(range(1, total + 1)) and counter == total
    # Both importers wrote while the other did (their batches interleaved) ...
    assert len({count for count, _ in snapshots}) > 2
    # ... and no reader ever saw a hole: a number is visible only with all below it.
    holes = [(count, top) for count, top in snapshots if count != top]
    assert not holes, holes[:5]


def _kill_when(proc: subprocess.Popen[str], url: str, papers: int) -> None:
    """SIGKILL the importer once the store holds at least ``papers`` papers."""
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            deadline = time.monotonic() + 120
            while conn.execute(text("SELECT count(*) FROM papers")).scalar_one() < papers:
                assert proc.poll() is None, "the import ended before it was killed"
                assert time.monotonic() < deadline
                time.sleep(0.01)
    finally:
        engine.dispose()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _dump(url: str) -> tuple[list[tuple[Any, ...]], Any]:
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            rows = [tuple(row) for row in conn.execute(text("SELECT * FROM papers ORDER BY id"))]
            counter = conn.execute(
                text("SELECT value FROM counters WHERE name = 'paper_seq'")
            ).scalar()
    finally:
        engine.dispose()
    return rows, counter


def test_an_import_killed_anywhere_resumes_to_the_same_store(
    postgresql_url: str, second_database: str, tmp_path: Path, shared_data: Path
) -> None:
    (papers,) = _slices(shared_data, tmp_path, 1)
    clean = node_env(second_database, tmp_path / "clean", import_batch_size=BATCH)
    paperwire(clean, "init")
    paperwire(clean, "import", str(papers))

    killed = node_env(postgresql_url, tmp_path / "killed", import_batch_size=BATCH)
    paperwire(killed, "init")
    for at in (1, SLICE // 2):  # just after its first commit, then in the middle
        _kill_when(_import(killed, papers), postgresql_url, at)
    rerun = _import(killed, papers)
    output = rerun.communicate(timeout=240)[0]
    assert rerun.returncode == 0, output

    expected, expected_counter = _dump(second_database)
    got, got_counter = _dump(postgresql_url)
    assert len(got) == len(expected) > SLICE * 0.95
    assert got_counter == expected_counter
    differ = [(a, b) for a, b in zip(got, expected, strict=True) if a != b]
    assert not differ, differ[:1]
