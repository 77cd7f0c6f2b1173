"""How every cost grows with the store (issue 14): 200k / 1M / 3M papers, SQLite and PostgreSQL.

    python bench/scale_bench.py --papers 200971 1000000 [--backends sqlite postgres]
        [--work /work/scale] --real-vectors VECTORS.npz [--json docs/scale.json]
        [--plot docs/scale.png] [--table FILE.md] [--duration 5] [--keep]
    python bench/scale_bench.py --plot-only [--json ...] [--plot ...]

For each size and backend, in one process after another (one heavy job at a time):

1. **corpus**: the real 200k file for 200,971; else ``WORK/papers-N.jsonl.gz``, written by
   ``bench/scale_corpus.py --papers N`` when missing (real text recombined; see there).
2. **import**: ``paperwire import --no-index`` into a fresh store (a SQLite folder under WORK,
   or a PostgreSQL database ``scale_N`` on 127.0.0.1:5432, dropped at the end unless
   ``--keep``): papers/s and peak RSS.
3. **lexical index**: ``paperwire index`` (tantivy, from the change sequence): time and size
   (with ``--index-from DIR``, copied from a kept store of the same corpus, checked to be at
   this store's last change: the build does not depend on the backend).
4. **vectors**: ``bench/surrogate_vectors.py --real-vectors VECTORS.npz``: the file's real
   all-MiniLM-L6-v2 vectors for its papers, a *surrogate* (a real vector plus noise,
   renormalised) for every other paper. Every vector number below uses this surrogate: the
   graph's cost depends on the number of vectors and how they cluster, and its recall is
   measured against exact search over the same vectors. Embedding store size: the table's
   bytes (SQLite ``dbstat``, PostgreSQL ``pg_total_relation_size``).
5. **vector index**: ``paperwire index`` again: the vector cache caught up from the store and
   the HNSW graph built and saved (time, peak RSS; with ``--vector-cache DIR``, the cache and
   graph of a kept store of the same size are copied and only loaded: the build does not
   depend on the backend, and at 1M it takes a quarter of an hour here); then in this process
   the graph's own memory and recall@10 of 200 real text queries against exact (numpy) search.
6. **search**: in this process, warm, the query embedding included (its cache cleared),
   p50/p95 of lexical, semantic and hybrid search over plain queries, and hybrid with a
   ``cat:`` or ``since:`` filter.
7. **pages**: ``paperwire serve`` (one worker) loaded by wrk (``web_bench``'s harness) for
   ``--duration`` seconds each after a warm-up: a paper page (2,000 real ids), the home page
   (as kept for 2 s, and built anew), a week and a month page (built anew), ``/api/daily_papers``
   (the latest day, and a month) and the cs.CV category feed (RSS); then the server's RSS (and
   peak) after all of it: the serving RSS.
8. ``paperwire show ID``: median wall time of 10 runs (the process, start-up included).
9. **disk per paper**: the database (file, or ``pg_database_size``) plus the index folder.

Results are merged into ``--json`` (one record per size and backend, so runs of different
sizes add up), and ``--plot`` draws the curves from it (matplotlib). Times on the shared
2-core reference machine are upper bounds: each record carries the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from _common import (
    PAPERWIRE,
    PG_URL,
    SHARED_DATA,
    machine,
    median,
    run_peak_rss,
    serving_env,
    stored_vectors,
    write_report,
)
from import_bench import make_slice
from search_bench import search_latency
from web_bench import corpus_sample, get, git_describe, load_average, server, wrk

REAL_SIZE = 200_971
NEAR_TIE = 0.01  # cosine: a hit this close to the exact 10th counts in "recall@10 near ties"
CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
BENCH = Path(__file__).resolve().parent
# The targets at 3M papers, one process on this machine.
TARGETS = {
    "lexical p50 ms": 5.0,
    "hybrid p50 ms": 15.0,
    "hybrid p95 ms": 50.0,
    "paper req/s": 300.0,
    "home req/s": 1000.0,
    "import papers/s": 5000.0,
    "serving RSS MB": 4096.0,
}
# Feed pages are kept for 2 s per worker (``PageCache``): "cached" is what a visitor mostly
# gets, "uncached" (a throwaway query parameter, a different URL each request) is the cost of
# building the page. The week and month are June 2026, where the generated papers are too (the
# real corpus's last weeks have few papers and no generated ones).
BUST = [f"?_={i}" for i in range(2000)]
PAGES: dict[str, list[str]] = {
    "paper": [],  # filled with the sample's paper ids
    "home (cached)": ["/"],
    "home": [f"/{b}" for b in BUST],
    "week": [f"/papers/week/2026-W24{b}" for b in BUST],
    "month": [f"/papers/month/2026-06{b}" for b in BUST],
    "api daily_papers": ["/api/daily_papers"],
    "api daily_papers (month)": ["/api/daily_papers?month=2026-06"],
    "feed (cs.CV RSS)": ["/feeds/category/cs.CV.xml"],
}


def log(message: str) -> None:
    print(f"[scale_bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def corpus_for(size: int, work: Path) -> Path:
    """The real corpus, its first ``size`` papers (a smoke test), or a generated corpus."""
    if size == REAL_SIZE:
        return CORPUS
    path = work / f"papers-{size}.jsonl.gz"
    if size < REAL_SIZE:
        make_slice(path, size)
    elif not path.exists():
        log(f"writing {path} (bench/scale_corpus.py)")
        tmp = path.with_suffix(".tmp")
        subprocess.run(
            [sys.executable, str(BENCH / "scale_corpus.py"), "--papers", str(size), "--out", tmp],
            check=True,
        )
        tmp.replace(path)
    return path


# -- stores ----------------------------------------------------------------------------------
def _admin() -> Any:
    from sqlalchemy import create_engine

    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


@contextmanager
def store_env(
    backend: str, size: int, work: Path, keep: bool, reuse: bool = False
) -> Iterator[dict[str, str]]:
    """The environment of a fresh store of this backend (its data folder under ``work``), or
    with ``reuse`` of the store a ``--keep`` run left there."""
    from sqlalchemy import text

    data_dir = work / f"store-{size}-{backend}"
    if not reuse:
        shutil.rmtree(data_dir, ignore_errors=True)
    env = serving_env(PAPERWIRE_DATA_DIR=str(data_dir), PAPERWIRE_SECRET_KEY=uuid.uuid4().hex)
    name = f"scale_{size}"
    if backend == "postgres":
        admin = _admin()
        if not reuse:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        env["PAPERWIRE_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        if backend == "postgres" and not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
            log(f"dropped database {name}")
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def last_paper_seq(env: dict[str, str]) -> int:
    url = env.get("PAPERWIRE_DATABASE_URL")
    if url:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            seq = conn.execute(text("SELECT max(seq) FROM papers")).scalar()
        engine.dispose()
        return int(seq or 0)
    import sqlite3

    conn = sqlite3.connect(Path(env["PAPERWIRE_DATA_DIR"]) / "paperwire.db")
    try:
        return int(conn.execute("SELECT max(seq) FROM papers").fetchone()[0] or 0)
    finally:
        conn.close()


def database_bytes(env: dict[str, str]) -> tuple[int, int]:
    """(whole database, embeddings table) in bytes."""
    url = env.get("PAPERWIRE_DATABASE_URL")
    if url:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            whole = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
            emb = conn.execute(text("SELECT pg_total_relation_size('embeddings')")).scalar()
        engine.dispose()
        return int(whole or 0), int(emb or 0)
    import sqlite3

    path = Path(env["PAPERWIRE_DATA_DIR"]) / "paperwire.db"
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        emb = conn.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name = 'embeddings' OR name IN "
            "(SELECT name FROM sqlite_master WHERE tbl_name = 'embeddings')"
        ).fetchone()[0]
    finally:
        conn.close()
    return path.stat().st_size, int(emb or 0)


# -- the steps -------------------------------------------------------------------------------
def build(
    record: dict[str, Any],
    env: dict[str, str],
    corpus: Path,
    vectors: Path,
    vector_cache: Path | None = None,
    index_from: Path | None = None,
) -> None:
    index_dir = Path(env["PAPERWIRE_DATA_DIR"]) / "index"
    lexical_kept = False
    if record.get("import_s"):  # --resume of a run whose import finished
        # Its lexical index is kept when that run finished it (at this store's last change):
        # a 3M build is a quarter of an hour. Anything less is built anew.
        state = index_dir / "lexical.state.json"
        lexical_kept = (
            "lexical_build_s" in record
            and state.exists()
            and json.loads(state.read_text())["seq"] == last_paper_seq(env)
        )
        done = "import and lexical index" if lexical_kept else "import"
        log(f"{done} done by the run of {record['started_build']}; the rest anew")
        if not lexical_kept:
            record.pop("lexical_build_s", None)
            shutil.rmtree(index_dir, ignore_errors=True)
    else:
        run_peak_rss([PAPERWIRE, "init"], env)
        log(f"importing {corpus.name}")
        seconds, rss = run_peak_rss([PAPERWIRE, "import", "--no-index", str(corpus)], env)
        papers = int(
            json.loads(
                subprocess.run(
                    [PAPERWIRE, "stats", "--json"], env=env, capture_output=True, check=True
                ).stdout
            )["papers"]
        )
        record.update(
            papers=papers, import_s=seconds, import_papers_s=papers / seconds, import_rss_mb=rss
        )
    if index_from is not None:
        # The same corpus imported in the same order has the same change sequence on either
        # backend, so the kept store's lexical index is this one's (checked, not assumed).
        kept = json.loads((index_from / "lexical.state.json").read_text())["seq"]
        if kept != last_paper_seq(env):
            raise SystemExit(f"{index_from} was built at change {kept}, not this store's last")
        index_dir.mkdir(parents=True, exist_ok=True)
        shutil.copytree(index_from / "lexical", index_dir / "lexical")
        shutil.copy(index_from / "lexical.state.json", index_dir / "lexical.state.json")
        record["lexical_note"] = f"lexical index copied from {index_from}, not built"
        vector_cache = index_from
    if not lexical_kept:
        log(f"imported {record['papers']:,} in {record['import_s']:.0f} s; lexical index")
        seconds, rss = run_peak_rss([PAPERWIRE, "index"], env)
        record.update(
            lexical_build_s=seconds,
            lexical_rss_mb=rss,
            lexical_mb=folder_bytes(index_dir / "lexical") / 1e6,
        )
        log(f"lexical index in {seconds:.0f} s; surrogate vectors")
    start = time.perf_counter()
    script = str(BENCH / "surrogate_vectors.py")
    out = subprocess.run(
        [
            sys.executable,
            script,
            "--real-vectors",
            vectors,
            "--data-dir",
            env["PAPERWIRE_DATA_DIR"],
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    record.update(surrogate_s=time.perf_counter() - start, vectors_note=out)
    log(out)
    _, embeddings = database_bytes(env)
    record.update(embeddings_mb=embeddings / 1e6)
    if vector_cache is not None:
        # Another store of the same corpus got the same surrogate vectors with the same
        # embedding sequence numbers: its vector cache and graph are this store's too.
        index_dir = Path(env["PAPERWIRE_DATA_DIR"]) / "index"
        for path in vector_cache.glob("vectors-*"):
            shutil.copy(path, index_dir / path.name)
        record["vector_index_note"] = f"graph copied from {vector_cache}, not built"
    log("vector index (HNSW graph)")
    seconds, rss = run_peak_rss([PAPERWIRE, "index"], env)
    record.update(vector_index_s=seconds, vector_index_rss_mb=rss)
    log(f"vector index in {seconds:.0f} s, peak RSS {rss} MB")


def search_costs(record: dict[str, Any], env: dict[str, str], plain: list[str]) -> None:
    from paperwire.service import make_service
    from paperwire.settings import load_settings

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        service = make_service(load_settings())
        start = time.perf_counter()
        service.search.index()
        engine = service.search.engine
        record["index_open_s"] = time.perf_counter() - start
        vectors = engine.index.vectors
        hnsw = vectors._hnsw
        record["vectors"] = vectors.size
        record["hnsw_memory_mb"] = (
            float(getattr(hnsw, "memory_usage", 0)) / 1e6 if hnsw is not None else 0.0
        )
        record["vector_cache_mb"] = vectors.matrix.nbytes / 1e6  # 0 once the graph holds them
        filtered = [
            f"{q} cat:cs.CV" if i % 2 else f"{q} since:2025-06-01" for i, q in enumerate(plain)
        ]
        runs = {
            "lexical": ("lexical", plain),
            "semantic": ("semantic", plain),
            "hybrid": ("hybrid", plain),
            "hybrid + filter": ("hybrid", filtered),
        }
        for name, (mode, texts) in runs.items():
            p50, p95 = search_latency(service, mode, texts)
            record[f"{name} p50 ms"], record[f"{name} p95 ms"] = p50, p95
            log(f"{name}: p50 {p50:.1f} ms p95 {p95:.1f} ms")
        record["recall@10"], record["recall@10 near ties"] = recall_at_10(service, plain)
        log(f"recall@10 {record['recall@10']:.3f} ({record['recall@10 near ties']:.3f} near ties)")
        service.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def recall_at_10(service: Any, texts: list[str]) -> tuple[float, float]:
    """Share of the exact 10 nearest (numpy over every stored vector) the index finds; and
    the share of its 10 that score within ``NEAR_TIE`` of the exact 10th or better."""
    vectors = service.search.engine.index.vectors
    embedder = service.search.embedder()
    ids, stored = stored_vectors(service)
    found, near = [], []
    queries = np.stack([embedder.embed_query(q.strip('"')) for q in texts]).astype(np.float32)
    best = np.full((len(texts), 10), -2.0, dtype=np.float32)
    best_rows = np.zeros((len(texts), 10), dtype=np.int64)
    for start in range(0, len(ids), 100_000):
        rows = np.arange(start, min(start + 100_000, len(ids)))
        scores = queries @ stored[rows].astype(np.float32).T
        merged = np.concatenate([best, scores], axis=1)
        merged_rows = np.concatenate([best_rows, np.broadcast_to(rows, scores.shape)], axis=1)
        top = np.argpartition(-merged, 10, axis=1)[:, :10]
        best = np.take_along_axis(merged, top, axis=1)
        best_rows = np.take_along_axis(merged_rows, top, axis=1)
    position = {paper_id: row for row, paper_id in enumerate(ids)}
    for query, exact_rows, exact_scores in zip(queries, best_rows, best, strict=True):
        exact = {ids[int(r)] for r in exact_rows}
        hits = [h.id for h in vectors.search(query, 10)]
        found.append(len(exact & set(hits)) / 10)
        # A surrogate corpus is tight clusters of near-copies: a "miss" may score within a
        # hair of the exact 10th. Counted again with anything that close as found.
        tenth = float(exact_scores.min()) - NEAR_TIE
        scores = stored[[position[h] for h in hits]].astype(np.float32) @ query
        near.append(min(10, int((scores >= tenth).sum())) / 10)
    return float(np.mean(found)), float(np.mean(near))


def page_costs(
    record: dict[str, Any], env: dict[str, str], ids: list[str], plain: list[str], seconds: float
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    args = {"connections": 4, "threads": 1, "workdir": workdir}
    try:
        start = time.perf_counter()
        with server(env, 1) as (base, proc):
            record["serve_start_s"] = time.perf_counter() - start
            for q in plain[:50]:  # the search stack in memory too, as on a real site
                get(f"{base}/search?q={quote(q)}&mode=hybrid")
            for name, urls in PAGES.items():
                paths = [f"/papers/{i}" for i in ids] if name == "paper" else urls
                accept = "application/json" if name.startswith("api") else "text/html"
                status, _ = get(base + paths[0], accept)
                if status != 200:
                    raise SystemExit(f"{paths[0]} answered {status}")
                wrk(base, paths, seconds=2, accept=accept, **args)  # type: ignore[arg-type]
                data = wrk(base, paths, seconds=seconds, accept=accept, **args)  # type: ignore[arg-type]
                errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
                rps = data["requests"] / (data["duration_us"] / 1e6)
                record[f"{name} req/s"] = rps
                record[f"{name} p50 ms"] = data["p50"] / 1000
                record[f"{name} errors"] = errors
                log(f"{name}: {rps:.0f}/s p50 {data['p50'] / 1000:.1f} ms errors {errors}")
            status_lines = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
        fields = {
            line.split(":")[0]: int(line.split()[1]) / 1024 for line in status_lines if "kB" in line
        }
        record["serving RSS MB"], record["serving peak RSS MB"] = fields["VmRSS"], fields["VmHWM"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def live_ids(env: dict[str, str], ids: list[str]) -> list[str]:
    """The sample's ids the store holds (all of them but in a smoke test's slice)."""
    from paperwire.store import Store

    url = env.get("PAPERWIRE_DATABASE_URL") or f"sqlite:///{env['PAPERWIRE_DATA_DIR']}/paperwire.db"
    store = Store(url)
    try:
        found = store.papers.live_ids(ids)
    finally:
        store.close()
    return [i for i in ids if i in found]


def show_cost(record: dict[str, Any], env: dict[str, str], paper_id: str) -> None:
    times = []
    for _ in range(10):
        start = time.perf_counter()
        subprocess.run(
            [PAPERWIRE, "show", paper_id], env=env, check=True, stdout=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    record["show ms"] = median(times) * 1000


def measure(
    size: int, backend: str, args: argparse.Namespace, ids: list[str], plain: list[str]
) -> dict[str, Any]:
    """Every cost of one size and backend. Stopped part-way (an error, SIGTERM), what was
    measured so far is still written to ``--json``, marked ``incomplete``."""
    corpus = corpus_for(size, args.work)
    record: dict[str, Any] = {
        "size": size,
        "backend": backend,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        # A run from an exported copy of the tree (so edits meanwhile change nothing) names
        # its commit in PAPERWIRE_BENCH_CODE.
        "code": os.environ.get("PAPERWIRE_BENCH_CODE") or git_describe(),
        "load_before": load_average(),
    }
    try:
        measure_store(record, size, backend, args, corpus, ids, plain)
    except BaseException as exc:
        record.update(incomplete=f"stopped: {exc!r}"[:200], load_after=load_average())
        merge(args.json, [record])
        raise
    return record


def measure_store(
    record: dict[str, Any],
    size: int,
    backend: str,
    args: argparse.Namespace,
    corpus: Path,
    ids: list[str],
    plain: list[str],
) -> None:
    with store_env(backend, size, args.work, args.keep, args.reuse or args.resume) as env:
        built = [r for r in _records(args.json) if (r["size"], r["backend"]) == (size, backend)]
        if args.resume and built and built[0].get("import_s"):
            keys = ("papers", "import_s", "import_papers_s", "import_rss_mb")
            record.update({k: built[0][k] for k in keys})
            lexical = ("lexical_build_s", "lexical_rss_mb", "lexical_mb")
            record.update({k: built[0][k] for k in lexical if k in built[0]})
            record["started_build"] = built[0].get("started_build", built[0]["started"])
        if args.reuse:
            # The build's numbers are the kept store's, from the record that built it.
            record.update({k: v for k, v in (built[0] if built else {}).items() if k in BUILT})
            record["reused"] = f"the store kept by the run of {record.get('started_build')}"
            run_peak_rss([PAPERWIRE, "index"], env)  # whatever changed since: none normally
        else:
            record.setdefault("started_build", record["started"])
            build(record, env, corpus, args.real_vectors, args.vector_cache, args.index_from)
        search_costs(record, env, plain)
        ids = live_ids(env, ids)
        page_costs(record, env, ids, plain, args.duration)
        show_cost(record, env, ids[0])
        database, _ = database_bytes(env)
        index = folder_bytes(Path(env["PAPERWIRE_DATA_DIR"]) / "index")
        record.update(
            database_mb=database / 1e6,
            index_mb=index / 1e6,
            disk_bytes_per_paper=(database + index) / record["papers"],
        )
    record["load_after"] = load_average()


# -- report ----------------------------------------------------------------------------------
# What ``build`` measures: a ``--reuse`` run copies these from the record of the build.
BUILT = {
    "papers",
    "import_s",
    "import_papers_s",
    "import_rss_mb",
    "lexical_build_s",
    "lexical_rss_mb",
    "lexical_mb",
    "surrogate_s",
    "vectors_note",
    "embeddings_mb",
    "vector_index_note",
    "vector_index_s",
    "vector_index_rss_mb",
    "lexical_note",
    "started_build",
}


def _records(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(path.read_text()) if path.exists() else []
    return records


def merge(path: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    old = _records(path)
    keys = {(r["size"], r["backend"]) for r in records}
    merged = [r for r in old if (r["size"], r["backend"]) not in keys] + records
    merged.sort(key=lambda r: (r["backend"], r["size"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=1) + "\n")
    return merged


ROWS = [
    ("papers stored", "papers", "{:,.0f}"),
    ("import (papers/s)", "import_papers_s", "{:,.0f}"),
    ("import peak RSS (MB)", "import_rss_mb", "{:,.0f}"),
    ("lexical index build (s)", "lexical_build_s", "{:,.0f}"),
    ("lexical index size (MB)", "lexical_mb", "{:,.0f}"),
    ("embedding store size (MB)", "embeddings_mb", "{:,.0f}"),
    ("vector index build: cache + HNSW graph (s)", "vector_index_s", "{:,.0f}"),
    ("vector index build peak RSS (MB)", "vector_index_rss_mb", "{:,.0f}"),
    ("HNSW graph memory (MB)", "hnsw_memory_mb", "{:,.0f}"),
    ("HNSW recall@10 vs exact", "recall@10", "{:.3f}"),
    (
        f"HNSW recall@10, hits within {NEAR_TIE} of the 10th counted",
        "recall@10 near ties",
        "{:.3f}",
    ),
    ("vector cache beside the graph (MB)", "vector_cache_mb", "{:,.0f}"),
    ("index open in a new process (s)", "index_open_s", "{:.1f}"),
    ("lexical p50 / p95 (ms)", "lexical", "pair"),
    ("semantic p50 / p95 (ms)", "semantic", "pair"),
    ("hybrid p50 / p95 (ms)", "hybrid", "pair"),
    ("hybrid + cat:/since: filter p50 / p95 (ms)", "hybrid + filter", "pair"),
    *[(f"{name} (req/s, p50 ms)", name, "page") for name in PAGES],
    ("`paperwire serve` start to /healthz (s)", "serve_start_s", "{:.1f}"),
    ("serving RSS / peak (MB)", "serving RSS MB", "rss"),
    ("`paperwire show` (ms, whole process)", "show ms", "{:.0f}"),
    ("database (MB)", "database_mb", "{:,.0f}"),
    ("index folder (MB)", "index_mb", "{:,.0f}"),
    ("disk per paper (bytes)", "disk_bytes_per_paper", "{:,.0f}"),
    ("load average before / after", "load_before", "load"),
]


def cell(record: dict[str, Any], key: str, fmt: str) -> str:
    if fmt == "pair":
        p50, p95 = record.get(f"{key} p50 ms"), record.get(f"{key} p95 ms")
        return "" if p50 is None else f"{p50:.1f} / {p95:.1f}"
    if fmt == "page":
        rps, p50 = record.get(f"{key} req/s"), record.get(f"{key} p50 ms")
        return "" if rps is None else f"{rps:,.0f} ({p50:.1f})"
    if fmt == "rss":
        rss = record.get(key)
        return "" if rss is None else f"{rss:,.0f} / {record['serving peak RSS MB']:,.0f}"
    if key == "vector_index_s" and record.get("vector_index_note"):
        return f"copied, not built (load {record[key]:.0f})"
    if key == "lexical_build_s" and record.get("lexical_note"):
        return "copied, not built"
    if fmt == "load":
        return f"{record.get('load_before', '')} / {record.get('load_after', '')}"
    value = record.get(key)
    return "" if value is None else fmt.format(value)


def table(records: list[dict[str, Any]]) -> str:
    """The Markdown table of every record (columns by backend and size), with the targets."""
    columns = sorted(records, key=lambda r: (r["backend"] != "sqlite", r["size"]))
    head = " | ".join(
        f"{r['backend']} {r['size']:,}" + (" (incomplete)" if r.get("incomplete") else "")
        for r in columns
    )
    lines = [f"| measure | {head} |", "|---|" + "---|" * len(columns)]
    for label, key, fmt in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(r, key, fmt) for r in columns) + " |")
    lines.append("")
    lines.append("Targets at 3M (issue 14): " + ", ".join(f"{k} {v:g}" for k, v in TARGETS.items()))
    return "\n".join(lines)


PANELS = [
    ("import (papers/s)", ["import_papers_s"]),
    ("build (s)", ["lexical_build_s", "vector_index_s"]),
    (
        "search p50 (ms, query embedding included)",
        ["lexical p50 ms", "semantic p50 ms", "hybrid p50 ms", "hybrid + filter p50 ms"],
    ),
    ("search p95 (ms)", ["lexical p95 ms", "hybrid p95 ms", "hybrid + filter p95 ms"]),
    ("pages (requests/s, 1 worker)", [f"{name} req/s" for name in PAGES]),
    ("memory (MB)", ["serving RSS MB", "hnsw_memory_mb", "vector_cache_mb"]),
    ("disk (bytes per paper)", ["disk_bytes_per_paper"]),
    ("`paperwire show` (ms)", ["show ms"]),
]


def plot(records: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(20, 9))
    styles = {"sqlite": "-", "postgres": "--"}
    for ax, (title, keys) in zip(axes.flat, PANELS, strict=True):
        for backend, style in styles.items():
            rows = sorted((r for r in records if r["backend"] == backend), key=lambda r: r["size"])
            for color, key in enumerate(keys):
                points = [
                    (r["size"], r[key])
                    for r in rows
                    if r.get(key) is not None
                    and not (key == "vector_index_s" and r.get("vector_index_note"))
                ]
                if points:
                    xs, ys = zip(*points, strict=True)
                    ax.plot(
                        xs,
                        ys,
                        style,
                        marker="o",
                        color=f"C{color}",
                        label=f"{key.replace(' req/s', '')} ({backend})",
                    )
        ax.set_title(title, fontsize=10)
        ax.set_xscale("log")
        if title.startswith(("search", "pages")):
            ax.set_yscale("log")
        ax.set_xlabel("papers in the store")
        ax.legend(fontsize=6)
        ax.grid(alpha=0.3)
    fig.suptitle(
        "paperwire cost growth (issue 14): solid SQLite, dashed PostgreSQL; vectors are the "
        "surrogate (real vectors + noise); shared 2-core machine, times are upper bounds",
        fontsize=11,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    log(f"plot -> {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, nargs="*", default=[REAL_SIZE])
    parser.add_argument("--backends", nargs="*", default=["sqlite", "postgres"])
    parser.add_argument("--work", type=Path, default=Path("/work/scale"))
    parser.add_argument("--real-vectors", type=Path, help=".npz of real vectors (ids, vectors)")
    parser.add_argument("--json", type=Path, default=BENCH.parent / "docs" / "scale.json")
    parser.add_argument("--table", type=Path, help="also write the Markdown table here")
    parser.add_argument("--plot", type=Path, default=BENCH.parent / "docs" / "scale.png")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per page row")
    parser.add_argument("--keep", action="store_true", help="keep the stores and databases")
    parser.add_argument("--plot-only", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the stores a --keep run left (search, pages, show, sizes) without "
        "building them again; the build's numbers are copied from that run's record",
    )
    parser.add_argument(
        "--vector-cache",
        type=Path,
        help="index folder of a kept store of the same size: copy its vector cache and HNSW "
        "graph instead of building them (the build is the same on either backend)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="go on with the store a stopped --keep run left: its import (when it finished) "
        "is kept with its numbers from that run's record; the rest is built and measured",
    )
    parser.add_argument(
        "--index-from",
        type=Path,
        help="index folder of a kept store of the same corpus: copy its lexical index too "
        "(checked to be at this store's last change), and its vector cache and graph",
    )
    args = parser.parse_args()
    # SIGTERM (a run stopped for time) unwinds like Ctrl-C: the partial record is written
    # and the PostgreSQL database dropped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    records: list[dict[str, Any]] = []
    if not args.plot_only:
        if args.real_vectors is None and not args.reuse:
            raise SystemExit("--real-vectors FILE.npz is needed (the surrogate's real vectors)")
        args.work.mkdir(parents=True, exist_ok=True)
        ids, queries = corpus_sample(2000, 400)
        plain = [q for q in queries if ":" not in q][:200]
        for size in args.papers:
            for backend in args.backends:
                log(f"== {size:,} papers, {backend}")
                record = measure(size, backend, args, ids, plain)
                merge(args.json, [record])
                records.append(record)
    merged = merge(args.json, records)
    plot(merged, args.plot)
    write_report(table(merged), args.table)


if __name__ == "__main__":
    main()
