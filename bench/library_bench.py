"""Library import (issue 12): a 5,000-entry BibTeX file, as Zotero exports it, matched against
the 200k store, with its report; in process, through ``service.library.import_file``.

    python bench/library_bench.py [--data-dir DIR] [--runs 5] [--pg] [--out FILE]

1. DIR (default bench/out/library-store) holds, or gets (`paperwire import --no-index`), a
   SQLite store with the 200k corpus. The corpus has no DOIs, so 1,000 of its papers are
   given one (``10.5555/bench.<id>``) through the ordinary merge, once.
2. The file: 3,000 entries naming their arXiv id (eprint, url, or Zotero's
   ``journal = {arXiv preprint arXiv:...}`` in turn), 1,000 naming only a DOI, 700 only a title
   (in TeX: braces and accents), 300 unmatched (150 of them with an arXiv id the store lacks:
   offline, they are reported as not fetched). Every entry has authors with TeX accents and
   its abstract, as Zotero writes them (~4 MB).
3. Each run imports the file into a new collection of one user (parse, match, write) and
   checks the report's counts. Medians of --runs; the parse alone is timed apart.
4. Baseline in the same run: parsing the first 500 entries with bibtexparser's own
   LatexDecodingMiddleware (pylatexenc on every field) against our parse of the same 500.
   With --pg the whole import is also run on a fresh PostgreSQL database (corpus imported
   into it, dropped at the end).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from _common import PAPERWIRE, PG_URL, REPO, SHARED_DATA, machine, median
from paperwire.store.rows import title_key

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
CORPUS_SIZE = 200_971  # lines; the import skips 146 of them (over-long categories)
ACCENTS = [("ü", r"{\"u}"), ("é", r"{\'e}"), ("ö", r"{\"o}"), ("ç", r"{\c c}"), ("ß", r"{\ss}")]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tex(text: str) -> str:
    for plain, coded in ACCENTS:
        text = text.replace(plain, coded)
    for special in "&%_":  # as Zotero writes them
        text = text.replace(special, "\\" + special)
    return text


def balanced(text: str) -> bool:
    """Braces pair up, as bibtexparser counts them (an escaped one does not count)."""
    depth = 0
    for before, ch in zip(" " + text, text, strict=False):
        depth += {"{": 1, "}": -1}.get(ch, 0) if before != "\\" else 0
        if depth < 0:
            return False
    return depth == 0


def corpus_sample(n: int, rng: random.Random) -> list[dict[str, object]]:
    """``n`` corpus records with a title and authors, spread over the file."""
    keep: list[dict[str, object]] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number % 37 == 0:
                record = json.loads(line)
                # Records the import skips (categories over 40 characters) are not stored.
                categories = record.get("categories") or []
                if (
                    record.get("title")
                    and record.get("authors")
                    # TeX commands outside math, and titles too short to match by
                    # (service/library.py MIN_TITLE_KEY), would not match by title.
                    and "{" not in record["title"]
                    and "\\" not in record["title"]
                    and len(title_key(str(record["title"]))) >= 12
                    and balanced(str(record.get("abstract", "")))
                    and all(len(c) <= 40 for c in categories)
                ):
                    keep.append(record)
    rng.shuffle(keep)
    return keep[:n]


def entry(key: str, record: dict[str, object], how: str) -> str:
    title = " ".join(str(record["title"]).split())
    authors = " and ".join(
        tex(f"{a.split()[-1]}, {' '.join(a.split()[:-1])}")
        for a in record["authors"][:8]  # type: ignore[attr-defined]
    )
    fields = [f"\ttitle = {{{{{tex(title)}}}}}", f"\tauthor = {{{authors}}}"]
    fields.append(f"\tabstract = {{{tex(' '.join(str(record.get('abstract', '')).split()))}}}")
    fields.append(f"\tyear = {{{str(record.get('published') or '2024')[:4]}}}")
    if how == "eprint":
        fields += [f"\teprint = {{{record['id']}}}", "\tarchivePrefix = {arXiv}"]
    elif how == "url":
        fields.append(f"\turl = {{http://arxiv.org/abs/{record['id']}v1}}")
    elif how == "journal":
        fields.append(f"\tjournal = {{arXiv preprint arXiv:{record['id']}}}")
    elif how == "doi":
        fields.append(f"\tdoi = {{10.5555/BENCH.{record['id']}}}")
    elif how == "missing-id":
        fields.append(f"\teprint = {{{record['id']}}}")
    return f"@article{{{key},\n" + ",\n".join(fields) + ",\n}\n"


def build_file(rng: random.Random) -> tuple[str, list[str]]:
    """The BibTeX text and the ids to give DOIs."""
    sample = corpus_sample(4_700, rng)
    by_id, by_doi, by_title = sample[:3_000], sample[3_000:4_000], sample[4_000:4_700]
    parts = [entry(f"id{i}", r, ("eprint", "url", "journal")[i % 3]) for i, r in enumerate(by_id)]
    parts += [entry(f"doi{i}", r, "doi") for i, r in enumerate(by_doi)]
    parts += [entry(f"title{i}", r, "title") for i, r in enumerate(by_title)]
    for i in range(300):
        made_up = {"id": f"2912.{90000 + i}", "title": f"An unstored paper number {i} on nothing",
                   "authors": ["Jörg Müller", "Ana Gómez"], "abstract": "None at all."}  # fmt: skip
        parts.append(entry(f"none{i}", made_up, "missing-id" if i % 2 else "title"))
    rng.shuffle(parts)
    return "\n".join(parts), [str(r["id"]) for r in by_doi]


def ensure_corpus(env: dict[str, str]) -> None:
    subprocess.run([PAPERWIRE, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    stats = subprocess.run([PAPERWIRE, "stats", "--json"], env=env, capture_output=True)
    if stats.returncode or json.loads(stats.stdout)["papers"] < CORPUS_SIZE - 1_000:
        log(f"importing {CORPUS.name} (a minute or two)")
        subprocess.run(
            [PAPERWIRE, "import", "--no-index", str(CORPUS)], env=env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip


def run_imports(url: str, data_dir: Path, text: str, doi_ids: list[str], runs: int) -> list[float]:
    from paperwire.ingest import import_items
    from paperwire.models import Paper
    from paperwire.service import make_service
    from paperwire.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=url, arxiv_api_url="")
    service = make_service(settings)
    service.check_schema()
    if len(service.store.papers.ids_by_doi({f"10.5555/bench.{i}" for i in doi_ids})) < len(doi_ids):
        log("giving 1,000 stored papers a DOI")
        updates = [
            ("bench", Paper(id=i, doi=f"10.5555/BENCH.{i}", sources=["bench"])) for i in doi_ids
        ]
        import_items(service.store, updates, today=date(2026, 12, 1))
    username = f"bench{uuid.uuid4().hex[:6]}"
    user = service.accounts.sign_up(username, None, "a bench password")
    data = text.encode()
    times = []
    for run in range(runs):
        start = time.perf_counter()
        report = service.library.import_file(user, data, "library.bib", f"Bench {run}")
        times.append(time.perf_counter() - start)
        counts = report.to_dict()["matched"]
        assert counts == {"arxiv id": 3_000, "doi": 1_000, "title": 700, "fetched": 0}, counts
        assert len(report.unmatched) == 150 and len(report.not_fetched) == 150, report.to_dict()
        assert report.added == 4_700 and not report.problems
        log(f"run {run + 1}: {times[-1]:.2f} s")
    service.close()
    return times


def parse_times(text: str, runs: int) -> tuple[float, float, float]:
    """Our parse of the whole file; ours and bibtexparser's LatexDecodingMiddleware on the
    first 500 entries (medians)."""
    from bibtexparser import middlewares
    from bibtexparser.entrypoint import parse_string

    from paperwire.sources.library import parse_library

    head = "@article".join(text.split("@article")[:501])
    whole, ours, theirs = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        parse_library(text.encode(), "library.bib")
        whole.append(time.perf_counter() - start)
        start = time.perf_counter()
        parse_library(head.encode(), "head.bib")
        ours.append(time.perf_counter() - start)
    start = time.perf_counter()
    parse_string(head, append_middleware=[middlewares.LatexDecodingMiddleware()])
    theirs.append(time.perf_counter() - start)  # once: it takes seconds
    return median(whole), median(ours), median(theirs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=REPO / "bench" / "out" / "library-store")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", action="store_true", help="also on a fresh PostgreSQL database")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    rng = random.Random(12)
    text, doi_ids = build_file(rng)
    log(f"file: 5,000 entries, {len(text.encode()) / 1e6:.1f} MB")
    sqlite_url = f"sqlite:///{args.data_dir / 'paperwire.db'}"
    env = {"PAPERWIRE_DATA_DIR": str(args.data_dir), "PAPERWIRE_DATABASE_URL": sqlite_url}
    ensure_corpus({**os.environ, **env})
    whole, ours, theirs = parse_times(text, args.runs)
    log(
        f"parse: {whole:.2f} s; 500 entries: ours {ours:.3f} s, "
        f"LatexDecodingMiddleware {theirs:.2f} s"
    )
    sqlite = run_imports(sqlite_url, args.data_dir, text, doi_ids, args.runs)
    rows = [
        f"| SQLite | import 5,000 entries (parse, match, write) | {median(sqlite):.2f} s | "
        f"min {min(sqlite):.2f} s, max {max(sqlite):.2f} s |",
        f"| - | parse alone (all 5,000) | {whole:.2f} s | "
        f"{whole / median(sqlite):.0%} of the import |",
        f"| - | parse 500 entries: ours / bibtexparser + LatexDecodingMiddleware | "
        f"{ours:.3f} s / {theirs:.2f} s | **{theirs / ours:.0f}x** faster |",
    ]
    if args.pg:
        from sqlalchemy import create_engine
        from sqlalchemy import text as sql

        name = f"paperwire_library_{uuid.uuid4().hex[:8]}"
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sql(f'CREATE DATABASE "{name}"'))
        pg_url = PG_URL.rsplit("/", 1)[0] + "/" + name
        try:
            pg_dir = args.data_dir.parent / f"{name}-data"
            ensure_corpus({**os.environ, "PAPERWIRE_DATA_DIR": str(pg_dir),
                           "PAPERWIRE_DATABASE_URL": pg_url})  # fmt: skip
            pg = run_imports(pg_url, pg_dir, text, doi_ids, args.runs)
            rows.insert(
                1,
                f"| PostgreSQL | import 5,000 entries | {median(pg):.2f} s | "
                f"min {min(pg):.2f} s, max {max(pg):.2f} s |",
            )
        finally:
            with engine.connect() as conn:
                conn.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
    table = "\n".join(
        [
            f"{machine()} · {date.today()} · {args.runs} runs, medians",
            "",
            "| store | what | median | notes |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
