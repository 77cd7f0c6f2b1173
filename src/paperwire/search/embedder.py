"""Sentence embeddings with all-MiniLM-L6-v2 on onnxruntime (DESIGN.md, "Semantic search").

The model ships inside the package (``search/model/``: ``model.onnx``, ``tokenizer.json``,
``NOTICE``), produced by ``scripts/export_onnx.py``; nothing is downloaded at run time. The ONNX
graph returns the token embeddings (``last_hidden_state``); mean pooling over real tokens and L2
normalisation happen here in numpy, exactly as sentence-transformers' ``Pooling`` (mean) and
``Normalize`` modules do, so the vectors match sentence-transformers' to about 1e-6 (fp32 graph).

Only numpy, onnxruntime and tokenizers are imported at module level: importing this module is
cheap and loads nothing; constructing an :class:`Embedder` loads the tokenizer and the session,
which should happen once per process (``make_service``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

from paperwire.forked import cores

__all__ = ["DIM", "MAX_TOKENS", "Embedder", "batch_by_length", "default_model_dir"]

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
DIM = 384
# sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (sentence_bert_config.json); the
# model was trained on at most 128 tokens, but 256 is what sentence-transformers feeds it, and
# matching it keeps our vectors interchangeable with theirs.
MAX_TOKENS = 256
# Keys written into the ONNX file's metadata by scripts/export_onnx.py.
META_NAME = "paperwire.model_name"
META_DIM = "paperwire.dim"
META_MAX_TOKENS = "paperwire.max_tokens"
# "per-tensor" when activations are quantised at run time with one scale per tensor
# (onnxruntime dynamic int8): a text's vector then depends on whatever shares its batch.
META_ACTIVATIONS = "paperwire.activation_quantization"
# Padded tokens per batch on CPU. Long batches are slower per text on a CPU, not faster: at 32 x
# 256 tokens the attention scores alone are ~100 MB and fall out of cache. Measured on SciFact
# abstracts (~240 tokens): fp32 14.1 texts/CPU-s at 1-2 per batch vs 10.9 at 32 on one thread,
# 22.9 vs 21.2 texts/s on two (bench/embed_bench.py); queries (~20 tokens) still gain ~40%
# from batches of 8-32. 512 tokens serves both.
CPU_BATCH_TOKENS = 512

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


def default_model_dir() -> Path:
    """The folder holding the model shipped inside the package."""
    return Path(__file__).resolve().parent / "model"


def _default_providers() -> list[str]:
    available = ort.get_available_providers()
    if "CUDAExecutionProvider" in available:
        # Bulk embedding of a whole archive belongs on a GPU when there is one; ORT falls back
        # to the CPU provider for any node CUDA cannot run.
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def batch_by_length(
    lengths: Sequence[int], max_rows: int, max_tokens: int | None = None
) -> list[list[int]]:
    """Indices ``0..n-1`` grouped into batches of similar token length, shortest first.

    A batch holds at most ``max_rows`` items and, when ``max_tokens`` is set, at most that many
    tokens once padded to its longest item (a single item longer than that still gets a batch).
    """
    # Neighbours in length order share a batch, so padding (wasted work) stays small. The sort
    # is stable, so the batches, hence the floats, are the same for the same input.
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        # Ascending order: the newcomer is the longest, so it sets the padded width.
        too_many = len(current) >= max_rows
        too_long = max_tokens is not None and (len(current) + 1) * lengths[index] > max_tokens
        if current and (too_many or too_long):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


class Embedder:
    """all-MiniLM-L6-v2 sentence embeddings: 384 float32 values, L2-normalised.

    ``name`` identifies the vectors (model and precision); store it next to every vector and
    re-embed when it changes.

    Texts are sorted by token length and batched with their neighbours, each batch padded only
    to its own longest text. A batch holds at most ``batch_size`` texts and, on CPU, at most
    ``max_batch_tokens`` padded tokens (default ``CPU_BATCH_TOKENS``; unlimited on GPU). With a
    dynamically quantised (int8) model every text runs alone, so its vector never depends on
    the other texts of the call.
    """

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        threads: int | None = None,
        providers: list[str] | None = None,
        max_batch_tokens: int | None = None,
    ) -> None:
        model_dir = default_model_dir() if model_dir is None else Path(model_dir)
        model_path = model_dir / MODEL_FILE
        tokenizer_path = model_dir / TOKENIZER_FILE
        for path in (model_path, tokenizer_path):
            if not path.is_file():
                raise FileNotFoundError(
                    f"embedding model file missing: {path} (run scripts/export_onnx.py)"
                )
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")

        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The tokenizer.json shipped with the model truncates at 128 and pads every input to a
        # fixed 128: override both. Truncate like sentence-transformers (256 including [CLS]
        # and [SEP]) and pad per batch ourselves, only to that batch's longest item.
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0

        if max_batch_tokens is not None and max_batch_tokens < 1:
            raise ValueError(f"max_batch_tokens must be >= 1, got {max_batch_tokens}")
        providers = providers if providers is not None else _default_providers()
        on_gpu = providers[0] != "CPUExecutionProvider"
        self._threads = threads if threads is not None else cores()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # On CPU each model call runs on one thread, and several batches run at once, one per
        # core: our batches are one text or a few, too small for onnxruntime to split well.
        # Measured on 2 cores, 500 SciFact abstracts, int8: 68 abstracts/s with one call at a
        # time on 2 intra-op threads vs 94/s with 2 calls of 1 thread (identical vectors); a
        # short query takes 1.05 ms on 1 thread vs 1.27 ms on 2.
        options.intra_op_num_threads = self._threads if on_gpu else 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(
            str(model_path), sess_options=options, providers=providers
        )
        # InferenceSession.run is thread-safe and releases the GIL.
        self._pool = (
            ThreadPoolExecutor(self._threads, thread_name_prefix="embed")
            if self._threads > 1 and self._session.get_providers()[0] == "CPUExecutionProvider"
            else None
        )
        self._batch_tokens: int | None = max_batch_tokens
        if max_batch_tokens is None and not on_gpu:
            self._batch_tokens = CPU_BATCH_TOKENS
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._output_name = self._session.get_outputs()[0].name

        meta = self._session.get_modelmeta().custom_metadata_map
        if META_NAME not in meta:
            raise ValueError(
                f"{model_path} carries no '{META_NAME}' metadata; export it with "
                "scripts/export_onnx.py so the vectors are labelled with what made them"
            )
        self._name = str(meta[META_NAME])
        # One scale per activation tensor mixes the texts of a batch (measured: cosine between
        # a text's vector alone and in a batch of 32 down to 0.966), so run texts one at a time.
        # On CPU this costs nothing for abstracts (faster, in fact) and ~30% for short queries.
        self._rows_per_batch: int | None = 1 if meta.get(META_ACTIVATIONS) == "per-tensor" else None
        exported = (int(meta.get(META_DIM, DIM)), int(meta.get(META_MAX_TOKENS, MAX_TOKENS)))
        if exported != (DIM, MAX_TOKENS):
            raise ValueError(
                f"{model_path} was exported for (dim, max_tokens) {exported}, "
                f"this code expects {(DIM, MAX_TOKENS)}"
            )

    @property
    def name(self) -> str:
        """Model and precision, e.g. ``all-MiniLM-L6-v2-int8``; changes whenever vectors would."""
        return self._name

    @property
    def dim(self) -> int:
        return DIM

    @property
    def max_tokens(self) -> int:
        return MAX_TOKENS

    @property
    def threads(self) -> int:
        """Batches run at once on CPU (one core each); onnxruntime's threads on a GPU."""
        return self._threads

    @property
    def providers(self) -> list[str]:
        """The execution providers the session actually uses, best first."""
        return list(self._session.get_providers())

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> FloatArray:
        """Embed ``texts``; row ``i`` is the unit vector of ``texts[i]`` (shape ``(n, dim)``).

        ``batch_size`` caps the texts per model call; see the class docstring for the rest.
        """
        if isinstance(texts, str):
            # A bare string is a Sequence[str] of characters: almost certainly a mistake.
            raise TypeError("embed() takes a sequence of texts; use embed_query() for one text")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        out = np.empty((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        max_rows = batch_size if self._rows_per_batch is None else self._rows_per_batch
        lengths = [len(e.ids) for e in encodings]
        batches = batch_by_length(lengths, max_rows, self._batch_tokens)

        def run(rows: list[int]) -> FloatArray:
            return self._embed_batch([encodings[i] for i in rows])

        vectors: Iterable[FloatArray]
        if self._pool is not None and len(batches) > 1:
            vectors = self._pool.map(run, batches)
        else:
            vectors = map(run, batches)
        for rows, batch_vectors in zip(batches, vectors, strict=True):
            out[rows] = batch_vectors
        return out

    def embed_query(self, text: str) -> FloatArray:
        """Embed one text; shape ``(dim,)``."""
        vectors = self.embed([text])
        return vectors.reshape(DIM)

    def _embed_batch(self, encodings: list[Encoding]) -> FloatArray:
        width = max(len(e.ids) for e in encodings)
        ids: IntArray = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        types: IntArray = np.zeros((len(encodings), width), dtype=np.int64)
        mask: IntArray = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            types[row, :n] = enc.type_ids
            mask[row, :n] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        # Some exports drop token_type_ids when it is constant; feed only what the graph takes.
        feeds = {k: v for k, v in feeds.items() if k in self._input_names}
        outputs = self._session.run([self._output_name], feeds)
        hidden: FloatArray = np.asarray(outputs[0], dtype=np.float32)
        # Mean over real tokens only (sentence-transformers' Pooling, mean mode): mask @ hidden.
        weights: FloatArray = mask.astype(np.float32)
        summed: FloatArray = np.matmul(weights[:, None, :], hidden).reshape(len(encodings), DIM)
        counts: FloatArray = np.maximum(weights.sum(axis=1, keepdims=True), np.float32(1e-9))
        pooled: FloatArray = summed / counts
        # torch.nn.functional.normalize: x / max(||x||, 1e-12).
        norms: FloatArray = np.maximum(
            np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12)
        )
        return pooled / norms
