"""TeX to MathML: math-core (what the pages use) against latex2mathml (what they used), on
the real formulas of the 200k corpus's abstracts (issue 14: the paper page's math).

    pip install latex2mathml  # the old converter, for the comparison only (bench/requirements.txt)
    python bench/mathml_bench.py [--formulas 3000] [--rounds 5]

A seeded sample of the corpus's distinct formulas, each converted once per round by each
converter in turn, both as the pages convert them, unwrapped of their cache: latex2mathml
through ``web/mathml.py`` as it was at ``OLD`` (read from git: conversion, then the parse and
allow-list rebuild it needed), math-core through today's ``formula`` (conversion and the
allow-list check). Prints the median per formula of the rounds, their ratio, and how many of
the sample each converts (the rest stays TeX source on the page).
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import subprocess
import time
import types
from pathlib import Path

import orjson

from _common import SHARED_DATA, machine
from paperwire.web.mathml import _MATH, formula

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
OLD = "84d13ae"  # the last commit whose pages used latex2mathml


def corpus_formulas() -> list[tuple[str, bool]]:
    found: dict[tuple[str, bool], None] = {}
    with gzip.open(CORPUS, "rb") as lines:
        for line in lines:
            abstract = orjson.loads(line).get("abstract") or ""
            for match in _MATH.finditer(abstract):
                display = match.group("display") is not None
                found[(match.group("display") or match.group("inline"), display)] = None
    return list(found)


def old_formula() -> types.FunctionType:
    """``formula`` of ``web/mathml.py`` at ``OLD``, uncached."""
    source = subprocess.run(
        ["git", "show", f"{OLD}:src/paperwire/web/mathml.py"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    ).stdout
    module = types.ModuleType("old_mathml")
    exec(compile(source, "old_mathml.py", "exec"), module.__dict__)
    convert: types.FunctionType = module.formula.__wrapped__
    return convert


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--formulas", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    everything = corpus_formulas()
    sample = random.Random(14).sample(everything, min(args.formulas, len(everything)))
    convert_now = formula.__wrapped__
    converters = {f"latex2mathml ({OLD})": old_formula(), "math-core (now)": convert_now}
    per_round: dict[str, list[float]] = {name: [] for name in converters}
    converted: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, convert in converters.items():
            started = time.perf_counter()
            results = [convert(tex, display) for tex, display in sample]
            per_round[name].append((time.perf_counter() - started) / len(sample) * 1e6)
            converted[name] = sum(r is not None for r in results)
    old, new = (statistics.median(per_round[n]) for n in converters)
    print(f"{machine()}; {len(sample):,} of the corpus's {len(everything):,} distinct formulas")
    print("| converter | µs per formula (median of rounds) | converted |")
    print("|---|---:|---:|")
    for name in converters:
        print(f"| {name} | {statistics.median(per_round[name]):,.1f} | {converted[name]:,} |")
    print(f"ratio latex2mathml / math-core: {old / new:.0f}x")


if __name__ == "__main__":
    main()
