"""Known-item search quality (issue 16): does a query made from a paper find that paper?

    python bench/known_item_bench.py build --data-dir DIR [--papers 30000] [--seed 16]
    python bench/known_item_bench.py sets --data-dir DIR [--per-kind 500] [--seed 16]
    python bench/known_item_bench.py eval --data-dir DIR

``build`` makes a store like the issue's: every Hugging Face daily paper of the 200k corpus plus
a seeded sample of the rest (``--papers`` in all), imported with ``paperwire import``, indexed
and embedded. ``sets`` writes one known-item file per kind into ``DIR/sets/`` (JSON lines
``{"query", "id"}``, the format of ``paperwire eval known-item``), from our own seed:

- ``keywords``: a paper's HF ``ai_keywords``, joined with spaces;
- ``summary``: its HF ``ai_summary`` (a paraphrase of the abstract);
- ``fragment``: 3–5 consecutive words of its title;
- ``title``: its exact title;
- ``typo``: its title with one edit (delete, insert, substitute or swap two letters) in one or
  two of its words of 5+ letters.

``eval`` runs ``paperwire eval known-item --json`` on each file and prints a Markdown table
(R@1 / R@10 per mode).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from _common import SHARED_DATA, machine

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
HF_ARCHIVE = SHARED_DATA / "hf-daily" / "hf_daily_papers_2024-05-27_to_2026-08-21.tar.xz"
HF_SOURCE = "2404589803/hf-daily-paper-newsletter-chinese@main"
KINDS = ("keywords", "summary", "fragment", "title", "typo")
PAPERWIRE = [sys.executable, "-m", "paperwire"]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERWIRE_")}
    env["PAPERWIRE_DATA_DIR"] = str(data_dir)
    return env


def _paperwire(data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [*PAPERWIRE, *args], env=_env(data_dir), check=True, capture_output=True, text=True
    )
    return done.stdout


def build(data_dir: Path, papers: int, seed: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    with gzip.open(CORPUS, "rt") as fh:
        rows = [json.loads(line) for line in fh]
    hf = [r for r in rows if HF_SOURCE in r["sources"]]
    rest = [r for r in rows if HF_SOURCE not in r["sources"]]
    chosen = hf + random.Random(seed).sample(rest, max(0, papers - len(hf)))
    chosen.sort(key=lambda r: (r.get("first_seen") or "", r["id"]))
    corpus = data_dir / "corpus.jsonl.gz"
    with gzip.open(corpus, "wt") as out:
        for row in chosen:
            out.write(json.dumps(row) + "\n")
    print(f"{len(chosen):,} papers ({len(hf):,} from HF) -> {corpus}", flush=True)
    for step in (["init"], ["import", str(corpus)], ["index"], ["embed"]):
        started = time.perf_counter()
        _paperwire(data_dir, *step)
        print(f"{step[0]}: {time.perf_counter() - started:.0f} s", flush=True)


def hf_items() -> Iterator[dict[str, object]]:
    """Every paper object of the HF archive (skipping the archiver's repr-string days)."""
    with tarfile.open(HF_ARCHIVE, "r:xz") as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None or not member.name.endswith(".json"):
                continue
            try:
                data = json.load(io.TextIOWrapper(handle, encoding="utf-8"))
            except ValueError:
                continue
            if isinstance(data, dict):
                data = data.get("data", [])
            for item in data if isinstance(data, list) else []:
                paper = item.get("paper") if isinstance(item, dict) else None
                if isinstance(paper, dict) and isinstance(paper.get("id"), str):
                    yield paper


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def misspell(word: str, rng: random.Random) -> str:
    """One edit: delete, insert or substitute a letter, or swap two neighbours (never the first
    letter: people rarely get that wrong)."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("delete", "insert", "substitute", "swap"))
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + rng.choice(_LETTERS) + word[i:]
    if kind == "substitute":
        return word[:i] + rng.choice(_LETTERS.replace(word[i].lower(), "")) + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_sets(data_dir: Path, per_kind: int, seed: int) -> None:
    with gzip.open(data_dir / "corpus.jsonl.gz", "rt") as fh:
        stored = {r["id"]: r for r in map(json.loads, fh)}
    extra: dict[str, dict[str, object]] = {}
    for paper in hf_items():
        if paper["id"] in stored and (paper.get("ai_keywords") or paper.get("ai_summary")):
            extra[str(paper["id"])] = paper
    rng = random.Random(seed)
    hf_ids = sorted(extra)
    all_ids = sorted(stored)
    sets: dict[str, list[dict[str, str]]] = {k: [] for k in KINDS}
    for paper_id in rng.sample(hf_ids, min(per_kind, len(hf_ids))):
        keywords = extra[paper_id].get("ai_keywords")
        if isinstance(keywords, list) and keywords:
            sets["keywords"].append({"query": " ".join(map(str, keywords)), "id": paper_id})
    for paper_id in rng.sample(hf_ids, min(per_kind, len(hf_ids))):
        summary = extra[paper_id].get("ai_summary")
        if isinstance(summary, str) and summary.strip():
            sets["summary"].append({"query": summary.strip(), "id": paper_id})
    titles = {i: " ".join(stored[i]["title"].split()) for i in all_ids}
    for paper_id in rng.sample(all_ids, per_kind):
        sets["title"].append({"query": titles[paper_id], "id": paper_id})
    while len(sets["fragment"]) < per_kind:
        paper_id = rng.choice(all_ids)
        title_words = titles[paper_id].split()
        n = rng.randint(3, 5)
        if len(title_words) < n + 1:
            continue
        start = rng.randrange(0, len(title_words) - n + 1)
        sets["fragment"].append({"query": " ".join(title_words[start : start + n]), "id": paper_id})
    while len(sets["typo"]) < per_kind:
        paper_id = rng.choice(all_ids)
        title_words = titles[paper_id].split()
        long_words = [i for i, w in enumerate(title_words) if re.fullmatch(r"[A-Za-z]{5,}", w)]
        if len(long_words) < 2:
            continue
        for i in rng.sample(long_words, rng.choice((1, 2))):
            title_words[i] = misspell(title_words[i], rng)
        sets["typo"].append({"query": " ".join(title_words), "id": paper_id})
    folder = data_dir / "sets"
    folder.mkdir(exist_ok=True)
    for kind, items in sets.items():
        with (folder / f"{kind}.jsonl").open("w") as out:
            for item in items:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"{kind}: {len(items)} queries -> {folder / kind}.jsonl")


def evaluate(data_dir: Path) -> None:
    print(f"machine: {machine()} · {date.today()} · store {data_dir}")
    print("| set | lexical R@1 / R@10 | semantic R@1 / R@10 | hybrid R@1 / R@10 | hybrid MRR@10 |")
    print("|---|---|---|---|---|")
    for kind in KINDS:
        path = data_dir / "sets" / f"{kind}.jsonl"
        scores = json.loads(_paperwire(data_dir, "eval", "known-item", str(path), "--json"))
        cells = [
            f"{scores[m]['R@1']:.3f} / {scores[m]['R@10']:.3f}"
            for m in ("lexical", "semantic", "hybrid")
        ]
        print(
            f"| {kind} ({scores['queries']}) | {' | '.join(cells)} "
            f"| {scores['hybrid']['MRR@10']:.3f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=("build", "sets", "eval"))
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--papers", type=int, default=30_000)
    parser.add_argument("--per-kind", type=int, default=500)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    if args.step == "build":
        build(args.data_dir, args.papers, args.seed)
    elif args.step == "sets":
        make_sets(args.data_dir, args.per_kind, args.seed)
    else:
        evaluate(args.data_dir)


if __name__ == "__main__":
    main()
