"""Lexical search engines for paperwire: tantivy (tantivy-py) vs SQLite FTS5, both BM25.

Measures, in one run (DESIGN.md, "Lexical search"):

1. index build on the 200k arXiv corpus (title, abstract, authors, categories): wall time, index
   size on disk, peak RSS. Each build runs in a child process of this script, which reports its
   own ``getrusage(RUSAGE_SELF).ru_maxrss`` (threads included) and its VmRSS just before the
   build starts, so the engine's own memory is the difference;
2. warm query latency on that index in this process: 200 deterministic queries, top 10 with ids,
   OR and AND semantics, plus a Python full-scan baseline, two-thread throughput, snippets and
   incremental updates;
3. quality on SciFact (BEIR): field weights and tokenizer tuned on the train qrels only,
   reported on the test qrels.

Prints a Markdown report for docs/benchmarks.md and writes raw numbers to bench/out/lexical.json.

    python bench/lexical_bench.py [--quick] [--runs 3] [--build-runs 1]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import importlib.metadata
import itertools
import json
import math
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import tantivy

from paperwire.search.metrics import mrr_at_k, ndcg_at_k, recall_at_k

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PAPERWIRE_SHARED_DATA", REPO.parent / "shared" / "data"))
CORPUS = DATA / "corpus" / "papers-200k.jsonl.gz"
SCIFACT = DATA / "scifact"
OUT_DIR = REPO / "bench" / "out"

SEED = 20240601
FIELDS = ("title", "abstract", "authors", "categories")
# Fields analysed with the stemmer when the configuration stems; names are never stemmed.
STEMMABLE = frozenset({"title", "abstract"})
# Field weights that cannot be tuned on SciFact (it has no authors or categories).
AUTHORS_BOOST = 1.0
CATEGORIES_BOOST = 0.5
# Title boost grids (abstract = 1), tuned on SciFact train. tantivy sums per-field BM25 scores,
# FTS5's bm25() weights term frequencies inside one BM25 over all columns, so their optima
# differ: the tantivy grid extends below 1 (its optimum was at the edge of 1-3 in a first run).
TITLE_BOOSTS = {
    "tantivy": (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
    "FTS5": (1.0, 1.5, 2.0, 3.0, 4.0),
}
TANTIVY_TOKENIZERS = ("default", "en_stem")
FTS5_TOKENIZERS = ("unicode61", "porter unicode61")
TANTIVY_HEAP = 128_000_000  # the writer's default; split between its threads

Mode = str  # "or" | "and" | "or_nostop"


# --------------------------------------------------------------------------- text analysis


def _analyzer(*, stem: bool = False, stop: bool = False) -> tantivy.TextAnalyzer:
    """The chain of tantivy's built-in "default" (and "en_stem") tokenizers, plus options."""
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
    )
    if stop:
        builder = builder.filter(tantivy.Filter.stopword("english"))
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


PLAIN = _analyzer()
STEMMER = _analyzer(stem=True)
STOPPER = _analyzer(stop=True)


@functools.lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    out = STEMMER.analyze(token)
    return out[0] if out else token


@functools.lru_cache(maxsize=200_000)
def is_stop(token: str) -> bool:
    return not STOPPER.analyze(token)


def terms(text: str, *, drop_stop: bool = False) -> tuple[str, ...]:
    """Lowercased word tokens of a query, deduplicated in order; query syntax is never parsed."""
    seen: dict[str, None] = {}
    for tok in PLAIN.analyze(text):
        if not (drop_stop and is_stop(tok)):
            seen.setdefault(tok, None)
    return tuple(seen)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Paper:
    id: str
    title: str
    abstract: str
    authors: str
    categories: str


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def load_corpus(limit: int | None) -> list[Paper]:
    papers = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in itertools.islice(fh, limit):
            row = json.loads(line)
            papers.append(
                Paper(
                    id=row["id"],
                    title=_clean(row.get("title")),
                    abstract=_clean(row.get("abstract")),
                    authors=", ".join(row.get("authors") or []),
                    categories=" ".join(row.get("categories") or []),
                )
            )
    return papers


@dataclass(frozen=True)
class BenchQuery:
    kind: str  # "phrase" (2-4 title words), "word", "author", "quoted" (exact phrase)
    text: str  # as a user would type it
    tokens: tuple[str, ...]
    tokens_nostop: tuple[str, ...]
    quoted: bool = False


def _word_ok(word: str) -> bool:
    return len(word) >= 2 and word.isascii() and word.isalpha()


def _words(text: str) -> list[str]:
    return [w.strip(".,:;()[]?!\"'") for w in text.split()]


def make_queries(papers: Sequence[Paper], seed: int = SEED) -> list[BenchQuery]:
    """200 queries drawn deterministically from the corpus."""
    rng = random.Random(seed)
    out: list[BenchQuery] = []

    def add(kind: str, text: str, quoted: bool = False) -> None:
        toks = tuple(PLAIN.analyze(text)) if quoted else terms(text)
        nostop = toks if quoted else terms(text, drop_stop=True)
        out.append(BenchQuery(kind, text, toks, nostop or toks, quoted))

    def window(text: str, lengths: Sequence[int]) -> list[str] | None:
        words = _words(text)
        n = rng.choice(lengths)
        if len(words) < n:
            return None
        start = rng.randrange(len(words) - n + 1)
        chunk = words[start : start + n]
        return chunk if all(_word_ok(w) for w in chunk) else None

    plan = (("phrase", 130), ("word", 30), ("author", 20), ("quoted", 20))
    for kind, count in plan:
        made = 0
        while made < count:
            paper = papers[rng.randrange(len(papers))]
            if kind == "phrase":
                chunk = window(paper.title, (2, 3, 4))
                if chunk:
                    add(kind, " ".join(chunk))
                    made += 1
            elif kind == "word":
                words = [w for w in _words(paper.title) if _word_ok(w) and len(w) >= 5]
                if words:
                    add(kind, rng.choice(words))
                    made += 1
            elif kind == "author":
                names = [a.strip() for a in paper.authors.split(",") if a.strip()]
                if names:
                    parts = rng.choice(names).split()
                    if len(parts) >= 2 and all(_word_ok(p) for p in parts):
                        add(kind, " ".join(parts))
                        made += 1
            else:
                chunk = window(paper.abstract, (2, 3))
                if chunk:
                    add(kind, '"' + " ".join(w.lower() for w in chunk) + '"', quoted=True)
                    made += 1
    return out


# --------------------------------------------------------------------------- engines


class Engine(Protocol):
    name: str

    def search(self, query: BenchQuery, mode: Mode, k: int) -> list[str]: ...


def tantivy_schema(tokenizer: str, fields: Sequence[str]) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in fields:
        builder.add_text_field(name, tokenizer_name=tokenizer if name in STEMMABLE else "default")
    return builder.build()


def tantivy_doc(paper: Paper) -> tantivy.Document:
    return tantivy.Document(
        id=paper.id,
        title=paper.title,
        abstract=paper.abstract,
        authors=paper.authors,
        categories=paper.categories,
    )


class TantivyEngine:
    """Queries are built from terms with Query.term_query / boolean_query, never parsed."""

    name = "tantivy"

    def __init__(self, index: tantivy.Index, *, stemmed: bool, boosts: dict[str, float]) -> None:
        self.index = index
        self.schema = index.schema
        self.stemmed = stemmed
        self.boosts = boosts

    def _token(self, field: str, tok: str) -> str:
        return stem(tok) if self.stemmed and field in STEMMABLE else tok

    def _boost(self, field: str, query: tantivy.Query) -> tantivy.Query:
        boost = self.boosts[field]
        return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)

    def _any_field(self, tok: str) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        should = tantivy.Occur.Should
        return [
            (should, self._boost(f, tantivy.Query.term_query(self.schema, f, self._token(f, tok))))
            for f in self.boosts
        ]

    def build(self, query: BenchQuery, mode: Mode) -> tantivy.Query:
        should = tantivy.Occur.Should
        toks = query.tokens_nostop if mode == "or_nostop" else query.tokens
        if query.quoted and len(toks) > 1:
            phrases = [
                (
                    should,
                    self._boost(
                        f,
                        tantivy.Query.phrase_query(
                            self.schema, f, [self._token(f, t) for t in toks]
                        ),
                    ),
                )
                for f in ("title", "abstract")
            ]
            return tantivy.Query.boolean_query(phrases)
        if mode == "and":
            return tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, tantivy.Query.boolean_query(self._any_field(t)))
                    for t in toks
                ]
            )
        return tantivy.Query.boolean_query([c for t in toks for c in self._any_field(t)])

    def search(self, query: BenchQuery, mode: Mode, k: int) -> list[str]:
        if not query.tokens:
            return []
        searcher = self.index.searcher()
        hits = searcher.search(self.build(query, mode), k, count=False).hits
        return [searcher.doc(addr).get_first("id") for _, addr in hits]


class Fts5Engine:
    """External-content FTS5 table ``fts`` over ``papers``; every token is quoted."""

    name = "FTS5"

    def __init__(
        self,
        path: str,
        columns: Sequence[str],
        boosts: dict[str, float],
        con: sqlite3.Connection | None = None,
    ) -> None:
        """``con``: one shared connection (an in-memory database); else one per thread."""
        self.path = path
        self.columns = tuple(columns)
        # ORDER BY bm25(fts, <literal weights>) measured ~1.7x faster on OR queries than
        # "AND rank MATCH 'bm25(...)' ORDER BY rank" (SQLite 3.40), so the weights go in the SQL.
        self.bm25 = "bm25(fts, " + ", ".join(repr(float(boosts[c])) for c in columns) + ")"
        self.sql = (
            f"SELECT p.id FROM (SELECT rowid, {self.bm25} AS score FROM fts WHERE fts MATCH ? "
            "ORDER BY score LIMIT ?) AS r JOIN papers AS p ON p.rowid = r.rowid ORDER BY r.score"
        )
        self._local = threading.local()
        self._keep = con

    @property
    def con(self) -> sqlite3.Connection:
        if self._keep is not None:
            return self._keep
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            self._local.con = con
        return con

    @staticmethod
    def match(query: BenchQuery, mode: Mode) -> str:
        toks = query.tokens_nostop if mode == "or_nostop" else query.tokens
        if query.quoted and len(toks) > 1:
            return '{title abstract} : "' + " ".join(toks) + '"'
        return (" AND " if mode == "and" else " OR ").join(f'"{t}"' for t in toks)

    def search(self, query: BenchQuery, mode: Mode, k: int) -> list[str]:
        if not query.tokens:
            return []
        rows = self.con.execute(self.sql, (self.match(query, mode), k))
        return [r[0] for r in rows]


def fts5_create(con: sqlite3.Connection, tokenizer: str, columns: Sequence[str]) -> None:
    cols = ", ".join(columns)
    con.execute(f"CREATE TABLE papers(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, {cols})")
    con.execute(
        f"CREATE VIRTUAL TABLE fts USING fts5({cols}, content='papers', "
        f"content_rowid='rowid', tokenize='{tokenizer}')"
    )


def fts5_index_bytes(con: sqlite3.Connection) -> int:
    row = con.execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'fts!_%' ESCAPE '!'"
    ).fetchone()
    return int(row[0] or 0)


# --------------------------------------------------------------------------- measurement

_T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.0f} s] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def timed_ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - start) / 1e6


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def vm_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so it measures only what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def lifetime_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --------------------------------------------------------------------------- index builds


def child_build(engine: str, path: Path, limit: int | None, tokenizer: str) -> dict[str, Any]:
    """Runs in a child process: load the corpus, then build one index and measure it."""
    papers = load_corpus(limit)
    result: dict[str, Any] = {"engine": engine, "tokenizer": tokenizer, "docs": len(papers)}
    if engine == "tantivy":
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(tantivy_schema(tokenizer, FIELDS), path=str(path), reuse=False)
        result["hwm_reset"] = reset_peak_rss()
        result["rss_before_mb"] = vm_rss_mb()
        start = time.perf_counter()
        writer = index.writer(heap_size=TANTIVY_HEAP, num_threads=0)
        for paper in papers:
            writer.add_document(tantivy_doc(paper))
        writer.commit()
        result["commit_s"] = time.perf_counter() - start
        writer.wait_merging_threads()
        result["build_s"] = time.perf_counter() - start
        index.reload()
        result["segments"] = index.searcher().num_segments
        result["index_bytes"] = dir_bytes(path)
    else:
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        fts5_create(con, tokenizer, FIELDS)
        with con:
            con.executemany(
                "INSERT INTO papers(id, title, abstract, authors, categories) VALUES (?,?,?,?,?)",
                ((p.id, p.title, p.abstract, p.authors, p.categories) for p in papers),
            )
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        result["hwm_reset"] = reset_peak_rss()
        result["rss_before_mb"] = vm_rss_mb()
        start = time.perf_counter()
        with con:
            con.execute("INSERT INTO fts(fts) VALUES('rebuild')")
        result["rebuild_s"] = time.perf_counter() - start
        with con:
            con.execute("INSERT INTO fts(fts) VALUES('optimize')")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        result["build_s"] = time.perf_counter() - start
        result["index_bytes"] = fts5_index_bytes(con)
        result["content_bytes"] = int(
            con.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'papers'").fetchone()[0]
        )
        result["file_bytes"] = path.stat().st_size
        con.close()
    result["peak_rss_mb"] = vm_hwm_mb()  # since the reset just before the build
    result["lifetime_peak_rss_mb"] = lifetime_peak_rss_mb()
    result["engine_rss_mb"] = result["peak_rss_mb"] - result["rss_before_mb"]
    return result


def run_child_build(engine: str, path: Path, limit: int | None, tokenizer: str) -> dict[str, Any]:
    args = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--path", str(path)]
    args += ["--limit", str(limit or 0), "--tokenizer", tokenizer]
    start = time.perf_counter()
    proc = subprocess.run(args, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = time.perf_counter() - start
    return result


# --------------------------------------------------------------------------- SciFact


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        next(fh)  # header
        for line in fh:
            qid, did, score = line.split()
            out.setdefault(qid, {})[did] = int(score)
    return out


def evaluate(
    engine: Engine, queries: dict[str, BenchQuery], qrels: dict[str, dict[str, int]]
) -> dict[str, float]:
    ndcg, rec, mrr = [], [], []
    for qid, relevant in qrels.items():
        ranking = engine.search(queries[qid], "or", 100)
        ndcg.append(ndcg_at_k(ranking, relevant, 10))
        rec.append(recall_at_k(ranking, relevant, 100))
        mrr.append(mrr_at_k(ranking, relevant, 10))
    return {
        "ndcg@10": statistics.fmean(ndcg),
        "recall@100": statistics.fmean(rec),
        "mrr@10": statistics.fmean(mrr),
        "queries": len(qrels),
    }


def parse_query_agreement(engine: TantivyEngine, queries: dict[str, BenchQuery]) -> float:
    """Share of queries whose top 10 is the same from our term-built query as from
    ``Index.parse_query`` on the bare tokens: checks that our analysis matches the index's."""
    same = 0
    sample = list(queries.values())[:200]
    for q in sample:
        parsed = engine.index.parse_query(
            " ".join(q.tokens), list(engine.boosts), field_boosts=engine.boosts
        )
        searcher = engine.index.searcher()
        hits = searcher.search(parsed, 10, count=False).hits
        same += [searcher.doc(a).get_first("id") for _, a in hits] == engine.search(q, "or", 10)
    return same / len(sample)


def scifact_bench() -> dict[str, Any]:
    docs = [
        Paper(d["_id"], _clean(d.get("title")), _clean(d.get("text")), "", "")
        for d in _jsonl(SCIFACT / "corpus.jsonl")
    ]
    train = _qrels(SCIFACT / "qrels" / "train.tsv")
    test = _qrels(SCIFACT / "qrels" / "test.tsv")
    texts = {q["_id"]: q["text"] for q in _jsonl(SCIFACT / "queries.jsonl")}
    variants: dict[bool, dict[str, BenchQuery]] = {}
    for drop in (False, True):
        variants[drop] = {}
        for qid, text in texts.items():
            toks = terms(text, drop_stop=drop)
            variants[drop][qid] = BenchQuery("claim", text, toks, toks)

    factories: list[tuple[str, str, Callable[[dict[str, float]], Engine]]] = []
    checks: dict[str, float] = {}
    for tok in TANTIVY_TOKENIZERS:
        index = tantivy.Index(tantivy_schema(tok, ("title", "abstract")))
        writer = index.writer(heap_size=64_000_000, num_threads=1)
        for d in docs:
            writer.add_document(tantivy.Document(id=d.id, title=d.title, abstract=d.abstract))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()

        def make_t(b: dict[str, float], ix: tantivy.Index = index, s: bool = tok != "default"):
            return TantivyEngine(ix, stemmed=s, boosts=b)

        factories.append(("tantivy", tok, make_t))
        checks[tok] = parse_query_agreement(
            make_t({"title": 2.0, "abstract": 1.0}), variants[False]
        )
    for tok in FTS5_TOKENIZERS:
        con = sqlite3.connect(":memory:", check_same_thread=False)
        fts5_create(con, tok, ("title", "abstract"))
        with con:
            con.executemany(
                "INSERT INTO papers(id, title, abstract) VALUES (?,?,?)",
                ((d.id, d.title, d.abstract) for d in docs),
            )
            con.execute("INSERT INTO fts(fts) VALUES('rebuild')")

        def make_f(b: dict[str, float], c: sqlite3.Connection = con) -> Engine:
            return Fts5Engine(":memory:", ("title", "abstract"), b, con=c)

        factories.append(("FTS5", tok, make_f))

    rows = []
    for engine_name, tok, factory in factories:
        # Title boost: grid on train with the query as written; then the same boost with the
        # stop words dropped from the query, also scored on train, so the choice stays on train.
        grid = {
            tb: evaluate(factory({"title": tb, "abstract": 1.0}), variants[False], train)
            for tb in TITLE_BOOSTS[engine_name]
        }
        best = max(grid, key=lambda b: (grid[b]["ndcg@10"], -b))
        engine = factory({"title": best, "abstract": 1.0})
        for drop in (False, True):
            on_train = grid[best] if not drop else evaluate(engine, variants[True], train)
            rows.append(
                {
                    "engine": engine_name,
                    "tokenizer": tok,
                    "query_stopwords_removed": drop,
                    "train_ndcg@10_by_title_boost": {str(b): v["ndcg@10"] for b, v in grid.items()},
                    "title_boost": best,
                    "train_ndcg@10": on_train["ndcg@10"],
                    "test": evaluate(engine, variants[drop], test),
                }
            )
    chosen = {}
    for engine_name in ("tantivy", "FTS5"):
        mine = [r for r in rows if r["engine"] == engine_name]
        chosen[engine_name] = max(mine, key=lambda r: r["train_ndcg@10"])
    return {
        "docs": len(docs),
        "train_queries": len(train),
        "test_queries": len(test),
        "rows": rows,
        "chosen": chosen,
        "tantivy_parse_query_agreement": checks,
    }


# --------------------------------------------------------------------------- 200k corpus


Results = dict[str, dict[Mode, list[list[str]]]]  # engine -> mode -> top-10 ids per query


def latency_runs(
    engines: Sequence[Engine], queries: Sequence[BenchQuery], modes: Sequence[Mode], runs: int
) -> tuple[dict[str, dict[str, Any]], Results]:
    """Warm-up pass (its results are returned), then ``runs`` timed passes."""
    results: Results = {
        e.name: {m: [e.search(q, m, 10) for q in queries] for m in modes} for e in engines
    }
    per_run: dict[str, dict[str, list[list[float]]]] = {
        e.name: {m: [] for m in modes} for e in engines
    }
    for _ in range(runs):
        for mode in modes:
            for engine in engines:
                per_run[engine.name][mode].append(
                    [timed_ms(lambda q=q, e=engine, m=mode: e.search(q, m, 10)) for q in queries]
                )
    out: dict[str, dict[str, Any]] = {}
    for engine in engines:
        out[engine.name] = {}
        for mode in modes:
            samples = per_run[engine.name][mode]
            by_kind: dict[str, float] = {}
            for kind in sorted({q.kind for q in queries}):
                idx = [i for i, q in enumerate(queries) if q.kind == kind]
                by_kind[kind] = median(percentile([s[i] for i in idx], 0.5) for s in samples)
            out[engine.name][mode] = {
                "p50_ms": median(percentile(s, 0.5) for s in samples),
                "p95_ms": median(percentile(s, 0.95) for s in samples),
                "mean_ms": median(statistics.fmean(s) for s in samples),
                "p50_ms_by_kind": by_kind,
                "p50_ms_per_run": [percentile(s, 0.5) for s in samples],
                "p95_ms_per_run": [percentile(s, 0.95) for s in samples],
            }
    return out, results


def overlap(a: list[list[str]], b: list[list[str]]) -> dict[str, float]:
    """How similar two engines' top-10 lists are (same hits, any order); empty-result counts."""
    pairs = [(set(x), set(y)) for x, y in zip(a, b, strict=True) if x or y]
    shares = [len(x & y) / max(len(x), len(y)) for x, y in pairs]
    return {
        "mean_top10_overlap": statistics.fmean(shares),
        "tantivy_empty": sum(not x for x in a),
        "FTS5_empty": sum(not y for y in b),
    }


def full_scan(papers: Sequence[Paper], queries: Sequence[BenchQuery], runs: int) -> dict[str, Any]:
    """Python baseline: every lowercased title+abstract string, every term as a substring."""
    haystack = [f"{p.title} {p.abstract}".lower() for p in papers]

    def scan(tokens: tuple[str, ...]) -> list[str]:
        hits = [i for i, s in enumerate(haystack) if all(t in s for t in tokens)]
        return [papers[i].id for i in hits[:10]]

    samples = [[timed_ms(lambda q=q: scan(q.tokens)) for q in queries] for _ in range(runs)]
    return {
        "queries": len(queries),
        "p50_ms": median(percentile(s, 0.5) for s in samples),
        "mean_ms": median(statistics.fmean(s) for s in samples),
    }


def throughput(engine: Engine, queries: Sequence[BenchQuery], threads: int, runs: int) -> float:
    """Queries per second for OR queries spread over ``threads`` threads (median of runs)."""
    qps = []
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda q: engine.search(q, "or", 10), queries[:threads]))  # start threads
        for _ in range(runs):
            start = time.perf_counter()
            list(pool.map(lambda q: engine.search(q, "or", 10), queries))
            qps.append(len(queries) / (time.perf_counter() - start))
    return median(qps)


def snippet_latency(
    t_engine: TantivyEngine,
    f_engine: Fts5Engine,
    abstracts: dict[str, str],
    queries: Sequence[BenchQuery],
    runs: int,
) -> dict[str, float]:
    """Top 10 (OR) with a highlighted abstract snippet for each hit."""

    def with_tantivy(q: BenchQuery) -> list[str]:
        searcher = t_engine.index.searcher()
        query = t_engine.build(q, "or")
        hits = searcher.search(query, 10, count=False).hits
        gen = tantivy.SnippetGenerator.create(searcher, query, t_engine.schema, "abstract")
        gen.set_max_num_chars(200)
        out = []
        for _, addr in hits:
            pid = searcher.doc(addr).get_first("id")
            # The text is not stored in the index: the snippet is made from the DB's copy.
            doc = tantivy.Document(abstract=abstracts[pid])
            out.append(gen.snippet_from_doc(doc).to_html())
        return out

    sql = (
        "SELECT rowid, snippet(fts, 1, '<b>', '</b>', '…', 24) FROM fts "
        f"WHERE fts MATCH ? ORDER BY {f_engine.bm25} LIMIT 10"
    )

    def with_fts5(q: BenchQuery) -> list[str]:
        con = f_engine.con
        rows = con.execute(sql, (f_engine.match(q, "or"),)).fetchall()
        ids = dict(
            con.execute(
                f"SELECT rowid, id FROM papers WHERE rowid IN ({','.join('?' * len(rows))})",
                [r[0] for r in rows],
            ).fetchall()
        )
        return [f"{ids[r[0]]}: {r[1]}" for r in rows]

    result: dict[str, Any] = {"queries": len(queries)}
    for name, fn in (("tantivy", with_tantivy), ("FTS5", with_fts5)):
        result[name + "_example"] = fn(queries[0])[:1]
        samples = [[timed_ms(lambda q=q, f=fn: f(q)) for q in queries] for _ in range(runs)]
        result[name + "_p50_ms"] = median(percentile(s, 0.5) for s in samples)
        result[name + "_p95_ms"] = median(percentile(s, 0.95) for s in samples)
    return result


def update_bench(
    t_engine: TantivyEngine, f_engine: Fts5Engine, papers: Sequence[Paper], runs: int
) -> dict[str, Any]:
    """Re-index existing papers (delete + add, then commit), as a new arXiv version would."""
    rng = random.Random(SEED + 1)
    singles = rng.sample(list(papers), 5)
    batch = rng.sample(list(papers), 100)
    out: dict[str, Any] = {}

    index, schema = t_engine.index, t_engine.schema
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    try:
        index.writer(heap_size=50_000_000, num_threads=1)
        out["tantivy_second_writer"] = "allowed"
    except ValueError as exc:
        out["tantivy_second_writer"] = str(exc).split(".")[0]

    def t_update(items: Sequence[Paper]) -> None:
        for p in items:
            writer.delete_documents_by_term("id", p.id)
            writer.add_document(tantivy_doc(p))
        writer.commit()

    out["tantivy_1doc_commit_ms"] = median(timed_ms(lambda p=p: t_update([p])) for p in singles)
    out["tantivy_100doc_commit_ms"] = median(timed_ms(lambda: t_update(batch)) for _ in range(runs))
    # Reload semantics: is a commit visible to a searcher taken right after it?
    new = Paper("lexbench-new-doc", "zzyzxqv probe", "zzyzxqv", "", "")
    probe = tantivy.Query.term_query(schema, "id", new.id)
    before = index.searcher()
    writer.add_document(tantivy_doc(new))
    writer.commit()
    committed = time.perf_counter()
    out["tantivy_commit_visible_to_new_searcher"] = bool(index.searcher().search(probe, 1).hits)
    while not index.searcher().search(probe, 1).hits and time.perf_counter() - committed < 5:
        time.sleep(0.001)
    out["tantivy_commit_visible_after_ms"] = (time.perf_counter() - committed) * 1000
    out["tantivy_commit_visible_to_old_searcher"] = bool(before.search(probe, 1).hits)
    writer.delete_documents_by_term("id", new.id)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    out["tantivy_docs_after_updates"] = index.searcher().num_docs
    out["tantivy_segments_after_updates"] = index.searcher().num_segments

    con = f_engine.con
    cols = ", ".join(FIELDS)

    def f_update(items: Sequence[Paper]) -> None:
        with con:
            for p in items:
                row = con.execute(
                    f"SELECT rowid, {cols} FROM papers WHERE id = ?", (p.id,)
                ).fetchone()
                con.execute(
                    f"INSERT INTO fts(fts, rowid, {cols}) VALUES('delete', ?, ?, ?, ?, ?)", row
                )
                values = (p.title, p.abstract, p.authors, p.categories)
                con.execute(
                    "UPDATE papers SET title=?, abstract=?, authors=?, categories=? WHERE rowid=?",
                    (*values, row[0]),
                )
                con.execute(
                    f"INSERT INTO fts(rowid, {cols}) VALUES(?, ?, ?, ?, ?)", (row[0], *values)
                )

    out["fts5_1doc_commit_ms"] = median(timed_ms(lambda p=p: f_update([p])) for p in singles)
    out["fts5_100doc_commit_ms"] = median(timed_ms(lambda: f_update(batch)) for _ in range(runs))
    con.execute("PRAGMA synchronous=FULL")  # fsync the WAL at each commit, as tantivy does
    out["fts5_1doc_commit_full_sync_ms"] = median(
        timed_ms(lambda p=p: f_update([p])) for p in singles
    )
    con.execute("PRAGMA synchronous=NORMAL")
    out["fts5_integrity_ok"] = _fts5_integrity(con)
    return out


def _fts5_integrity(con: sqlite3.Connection) -> bool:
    try:
        con.execute("INSERT INTO fts(fts) VALUES('integrity-check')")
        return True
    except sqlite3.DatabaseError:
        return False


def corpus_bench(
    limit: int | None, runs: int, build_runs: int, scifact: dict[str, Any], work: Path
) -> dict[str, Any]:
    t_cfg, f_cfg = scifact["chosen"]["tantivy"], scifact["chosen"]["FTS5"]
    builds: dict[str, list[dict[str, Any]]] = {"tantivy": [], "FTS5": []}
    for i in range(build_runs):
        log(f"index builds, run {i + 1}")
        t_path, f_path = work / f"tantivy-{i}", work / f"fts5-{i}.db"
        builds["tantivy"].append(run_child_build("tantivy", t_path, limit, t_cfg["tokenizer"]))
        builds["FTS5"].append(run_child_build("fts5", f_path, limit, f_cfg["tokenizer"]))
        if i + 1 < build_runs:
            shutil.rmtree(t_path)
            f_path.unlink()
    last = build_runs - 1

    papers = load_corpus(limit)
    queries = make_queries(papers)
    boosts_t = {
        "title": t_cfg["title_boost"],
        "abstract": 1.0,
        "authors": AUTHORS_BOOST,
        "categories": CATEGORIES_BOOST,
    }
    boosts_f = {**boosts_t, "title": f_cfg["title_boost"]}
    index = tantivy.Index.open(str(work / f"tantivy-{last}"))
    t_engine = TantivyEngine(index, stemmed=t_cfg["tokenizer"] != "default", boosts=boosts_t)
    f_engine = Fts5Engine(str(work / f"fts5-{last}.db"), FIELDS, boosts_f)
    engines: list[Engine] = [t_engine, f_engine]
    assert index.searcher().num_docs == len(papers)

    result: dict[str, Any] = {
        "docs": len(papers),
        "boosts": {"tantivy": boosts_t, "FTS5": boosts_f},
        "builds": builds,
        "queries": [asdict(q) for q in queries],
    }
    modes = ("or", "and", "or_nostop")
    log("query latency")
    result["latency"], top10 = latency_runs(engines, queries, modes, runs)
    result["overlap"] = {m: overlap(top10["tantivy"][m], top10["FTS5"][m]) for m in modes}
    scan_queries = [q for q in queries if q.kind == "phrase"][:20]
    log("full scan")
    scan = full_scan(papers, scan_queries, runs)
    # The same 20 queries with AND semantics through each engine, for the ratio.
    for engine in engines:
        samples = [
            [timed_ms(lambda q=q, e=engine: e.search(q, "and", 10)) for q in scan_queries]
            for _ in range(runs)
        ]
        scan[engine.name + "_and_p50_ms"] = median(percentile(s, 0.5) for s in samples)
    result["full_scan"] = scan
    mixed = list(queries[::5])  # 40 queries, every kind
    log("throughput")
    result["throughput_queries"] = len(mixed)
    result["throughput_qps"] = {
        e.name: {f"{n}_threads": throughput(e, mixed, n, runs) for n in (1, 2)} for e in engines
    }
    abstracts = {p.id: p.abstract for p in papers}
    log("snippets")
    result["snippets"] = snippet_latency(t_engine, f_engine, abstracts, queries[::7], runs)
    log("updates")
    result["updates"] = update_bench(t_engine, f_engine, papers, runs)
    log("done")
    return result


# --------------------------------------------------------------------------- report


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def _x(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "n/a"


def report(res: dict[str, Any]) -> str:
    c, s = res["corpus"], res["scifact"]
    lines = [
        f"### Lexical search: tantivy vs SQLite FTS5 ({res['date']})",
        "",
        f"Machine: {res['machine']['cpu']}, nproc {res['machine']['nproc']}, "
        f"Python {res['machine']['python']}, tantivy-py {res['machine']['tantivy']}, "
        f"SQLite {res['machine']['sqlite']}. Corpus: {c['docs']:,} arXiv papers "
        f"(title, abstract, authors, categories). Timings are medians of {res['runs']} runs "
        f"unless stated; index builds: {res['build_runs']} run(s) per engine, each in its own "
        "child process. The machine was shared with other work (load average "
        f"{res['loadavg_start'][0]:.1f} at the start, {res['loadavg_end'][0]:.1f} at the end).",
        "",
        "**Index build**",
        "",
        "| engine | tokenizer | build | index on disk | peak RSS during build (rise) |",
        "|---|---|---|---|---|",
    ]
    for name, runs in c["builds"].items():
        build = median(r["build_s"] for r in runs)
        size = median(r["index_bytes"] for r in runs)
        peak = median(r["peak_rss_mb"] for r in runs)
        own = median(r["engine_rss_mb"] for r in runs)
        lines.append(
            f"| {name} | {runs[0]['tokenizer']} | {build:.1f} s | {_mb(size)} "
            f"| {peak:,.0f} MB ({own:+,.0f} MB) |"
        )
    tb = median(r["build_s"] for r in c["builds"]["tantivy"])
    fb = median(r["build_s"] for r in c["builds"]["FTS5"])
    ts = median(r["index_bytes"] for r in c["builds"]["tantivy"])
    fs = median(r["index_bytes"] for r in c["builds"]["FTS5"])
    f0 = c["builds"]["FTS5"][-1]
    t0 = c["builds"]["tantivy"][-1]
    lines += [
        f"| FTS5 / tantivy | | {_x(fb, tb)} | {_x(fs, ts)} | |",
        "",
        f"tantivy: writer heap {TANTIVY_HEAP // 1_000_000} MB, threads auto, one commit, "
        f"then wait_merging_threads ({t0['segments']} segments); only the id is stored. "
        "FTS5: external-content table over the papers table ('rebuild' "
        f"{f0['rebuild_s']:.1f} s + 'optimize'); index = its shadow tables "
        f"(the papers content table itself is {_mb(f0['content_bytes'])}). Peak RSS: the "
        "child's VmHWM, reset (/proc/self/clear_refs) just before the build, so it covers the "
        "build only but includes the corpus held in Python lists; the bracket is the rise over "
        "VmRSS at that moment, i.e. the engine's own memory.",
        "",
        "**Query latency** (200 queries, warm, one process, top 10 with ids, ms)",
        "",
        "| engine | OR p50 | OR p95 | AND p50 | AND p95 | OR without stop words p50 | p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    lat = c["latency"]
    for name in ("tantivy", "FTS5"):
        m = lat[name]
        lines.append(
            f"| {name} | {m['or']['p50_ms']:.2f} | {m['or']['p95_ms']:.2f} "
            f"| {m['and']['p50_ms']:.2f} | {m['and']['p95_ms']:.2f} "
            f"| {m['or_nostop']['p50_ms']:.2f} | {m['or_nostop']['p95_ms']:.2f} |"
        )
    t, f = lat["tantivy"], lat["FTS5"]
    lines.append(
        "| FTS5 / tantivy | "
        + " | ".join(
            _x(f[m][p], t[m][p]) for m in ("or", "and", "or_nostop") for p in ("p50_ms", "p95_ms")
        )
        + " |"
    )
    kinds = list(t["or"]["p50_ms_by_kind"])
    counts = {k: sum(1 for q in c["queries"] if q["kind"] == k) for k in kinds}
    lines += [
        "",
        "p50 by query kind (ms, OR / AND): "
        + "; ".join(
            f"{k} ({counts[k]}): tantivy {t['or']['p50_ms_by_kind'][k]:.2f} / "
            f"{t['and']['p50_ms_by_kind'][k]:.2f}, FTS5 {f['or']['p50_ms_by_kind'][k]:.2f} / "
            f"{f['and']['p50_ms_by_kind'][k]:.2f}"
            for k in kinds
        )
        + ". Kinds: phrase = 2–4 consecutive title words; word = one title word; author = "
        "a full author name; quoted = an exact 2–3 word phrase from an abstract (a phrase query "
        "on title and abstract, the same in both modes).",
        "",
    ]
    o = c["overlap"]
    scan = c["full_scan"]
    thr = c["throughput_qps"]
    sn = c["snippets"]
    up = c["updates"]
    lines += [
        f"Same top 10 (as sets) between the engines: OR {o['or']['mean_top10_overlap']:.0%}, "
        f"AND {o['and']['mean_top10_overlap']:.0%}, OR without stop words "
        f"{o['or_nostop']['mean_top10_overlap']:.0%}; AND queries with no hit: "
        f"{o['and']['tantivy_empty']} (tantivy), {o['and']['FTS5_empty']} (FTS5).",
        "",
        f"Full scan baseline ({scan['queries']} title-phrase queries, Python substring test of "
        f"every term in all {c['docs']:,} lowercased title+abstract strings): p50 "
        f"{scan['p50_ms']:.0f} ms, i.e. {_x(scan['p50_ms'], scan['tantivy_and_p50_ms'])} "
        f"tantivy AND ({scan['tantivy_and_p50_ms']:.2f} ms) and "
        f"{_x(scan['p50_ms'], scan['FTS5_and_p50_ms'])} FTS5 AND "
        f"({scan['FTS5_and_p50_ms']:.2f} ms) on the same queries.",
        "",
        "| | tantivy | FTS5 |",
        "|---|---|---|",
        f"| OR throughput, 1 thread ({c['throughput_queries']} queries) "
        f"| {thr['tantivy']['1_threads']:,.0f} q/s "
        f"| {thr['FTS5']['1_threads']:,.0f} q/s |",
        f"| OR throughput, 2 threads | {thr['tantivy']['2_threads']:,.0f} q/s "
        f"| {thr['FTS5']['2_threads']:,.0f} q/s |",
        f"| top 10 + abstract snippets, p50 / p95 ({sn['queries']} OR queries) "
        f"| {sn['tantivy_p50_ms']:.2f} / {sn['tantivy_p95_ms']:.2f} ms "
        f"| {sn['FTS5_p50_ms']:.2f} / {sn['FTS5_p95_ms']:.2f} ms |",
        f"| re-index 1 paper + commit | {up['tantivy_1doc_commit_ms']:.1f} ms "
        f"| {up['fts5_1doc_commit_ms']:.1f} ms (synchronous=FULL: "
        f"{up['fts5_1doc_commit_full_sync_ms']:.1f} ms) |",
        f"| re-index 100 papers + commit | {up['tantivy_100doc_commit_ms']:.1f} ms "
        f"| {up['fts5_100doc_commit_ms']:.1f} ms |",
        "",
        "Two threads can only beat one when a second core is idle (see the load average). "
        "FTS5 runs in WAL mode with synchronous=NORMAL (no fsync per commit); tantivy fsyncs "
        "every commit. tantivy: a commit is seen by a searcher taken right after it: "
        f"{up['tantivy_commit_visible_to_new_searcher']} (the default reload policy reloads "
        f"asynchronously; visible after {up['tantivy_commit_visible_after_ms']:.0f} ms, at once "
        "with index.reload()); by a searcher taken before it: "
        f"{up['tantivy_commit_visible_to_old_searcher']}; a second IndexWriter on the same "
        f'index: "{up["tantivy_second_writer"]}".',
        "",
        f"**Quality on SciFact** ({s['docs']:,} docs, title + text; OR over query tokens, "
        f"top 100; title boost (abstract = 1) chosen on train ({s['train_queries']} queries), "
        f"test = {s['test_queries']} queries). "
        "Reference: BM25 (Elasticsearch, BEIR paper) nDCG@10 = 0.665.",
        "",
        "| engine | tokenizer | query stop words | title boost | train nDCG@10 "
        "| test nDCG@10 | test R@100 | test MRR@10 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in s["rows"]:
        chosen = r is s["chosen"][r["engine"]] or r == s["chosen"][r["engine"]]
        mark = "**" if chosen else ""
        lines.append(
            f"| {mark}{r['engine']}{mark} | {r['tokenizer']} "
            f"| {'removed' if r['query_stopwords_removed'] else 'kept'} | {r['title_boost']:g} "
            f"| {r['train_ndcg@10']:.3f} | {mark}{r['test']['ndcg@10']:.3f}{mark} "
            f"| {r['test']['recall@100']:.3f} | {r['test']['mrr@10']:.3f} |"
        )
    grids = "; ".join(
        f"{r['engine']} {r['tokenizer']}: "
        + ", ".join(f"{b}→{v:.3f}" for b, v in r["train_ndcg@10_by_title_boost"].items())
        for r in s["rows"]
        if not r["query_stopwords_removed"]
    )
    lines += [
        "",
        f"Train nDCG@10 by title boost: {grids}.",
        "",
        "Check: tantivy queries built from terms return the same top 10 as Index.parse_query "
        "on the bare tokens for "
        + ", ".join(f"{v:.0%} ({k})" for k, v in s["tantivy_parse_query_agreement"].items())
        + " of 200 SciFact queries, so the query-side analysis matches the index's tokenizers.",
        "",
        "Bold: the configuration each engine's train split chose (used for the 200k index). "
        "Neither engine drops stop words by default (tantivy's default/en_stem tokenizers and "
        "FTS5's unicode61/porter have no stop list); 'removed' drops tantivy's English stop "
        "list from the query only. Identical query/doc ids are not dropped (BEIR's "
        "ignore_identical_ids).",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20k-paper slice (smoke test)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measurement")
    parser.add_argument("--build-runs", type=int, default=1, help="index builds per engine")
    parser.add_argument("--child", choices=("tantivy", "fts5"), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--tokenizer", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        result = child_build(args.child, Path(args.path), args.limit or None, args.tokenizer)
        print(json.dumps(result))
        return

    limit = 20_000 if args.quick else None
    started = time.perf_counter()
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    res: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": {
            "nproc": os.cpu_count(),
            "cpu": cpu,
            "python": platform.python_version(),
            "tantivy": importlib.metadata.version("tantivy"),
            "sqlite": sqlite3.sqlite_version,
        },
        "quick": args.quick,
        "runs": args.runs,
        "build_runs": args.build_runs,
        "loadavg_start": os.getloadavg(),
    }
    log("SciFact")
    res["scifact"] = scifact_bench()
    log("corpus")
    work = Path(tempfile.mkdtemp(prefix="lexical-bench-"))
    try:
        res["corpus"] = corpus_bench(limit, args.runs, args.build_runs, res["scifact"], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res["loadavg_end"] = os.getloadavg()
    res["total_s"] = time.perf_counter() - started
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "lexical.json").write_text(json.dumps(res, indent=2))
    text = report(res)
    (OUT_DIR / "lexical.md").write_text(text + "\n")
    print(text)
    print(f"\n(total {res['total_s']:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
