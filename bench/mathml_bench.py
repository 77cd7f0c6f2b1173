"""TeX to MathML: math-core (what the pages use) against latex2mathml (what they used), on
the real formulas of the 200k corpus's abstracts (issue 14: the paper page's math).

    pip install latex2mathml  # the old converter, for the comparison only (bench/requirements.txt)
    python bench/mathml_bench.py [--formulas 3000] [--rounds 5]

A seeded sample of the corpus's distinct formulas, each converted once per round by each
converter in turn (latex2mathml with the allow-list rebuild it needed, math-core through
``paperwire.web.mathml.formula`` unwrapped of its cache: conversion and rebuild). Prints the
median per formula of each round, their ratio, and how many of the sample each converts.
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import time
import xml.etree.ElementTree as ET

import orjson

from _common import SHARED_DATA, machine
from paperwire.web.mathml import _MATH, formula

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"


def corpus_formulas() -> list[tuple[str, bool]]:
    found: dict[tuple[str, bool], None] = {}
    with gzip.open(CORPUS, "rb") as lines:
        for line in lines:
            abstract = orjson.loads(line).get("abstract") or ""
            for match in _MATH.finditer(abstract):
                display = match.group("display") is not None
                found[(match.group("display") or match.group("inline"), display)] = None
    return list(found)


def latex2mathml_formula(tex: str, display: bool) -> str | None:
    """The old path: latex2mathml, then parsed (the allow-list rebuild needed a tree)."""
    from latex2mathml.converter import convert

    try:
        raw = convert(tex, display="block" if display else "inline")
        return ET.tostring(ET.fromstring(raw), encoding="unicode")
    except Exception:  # it raises many kinds on bad TeX, as the old module caught
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--formulas", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    everything = corpus_formulas()
    sample = random.Random(14).sample(everything, min(args.formulas, len(everything)))
    convert_now = formula.__wrapped__
    converters = {"latex2mathml": latex2mathml_formula, "math-core": convert_now}
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
