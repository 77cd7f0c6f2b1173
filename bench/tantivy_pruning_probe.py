"""Does the installed tantivy-py prune a top-k search (block-max WAND)? (issue 14, keywords at 3M)

    python bench/tantivy_pruning_probe.py [--docs 500000]

A synthetic index (one text field, ``--docs`` documents of 5-60 random words from 5,000, each
holding ``common`` 1-4 times and every 50th holding ``rare``), then the top 10 of three
queries with and without counting every match, median of 30. A binding that collects with
``TopDocs`` alone would answer the top 10 of ``common`` in microseconds (WAND skips the
blocks that cannot beat the 10th score); one that scores every match takes about as long
as counting them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from importlib.metadata import version

import tantivy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=500_000)
    args = parser.parse_args()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", tokenizer_name="default")
    schema = builder.build()
    index = tantivy.Index(schema, path=tempfile.mkdtemp(prefix="pruning-probe-"))
    writer = index.writer(heap_size=500_000_000, num_threads=1)
    rng = random.Random(1)
    vocabulary = [f"w{i}" for i in range(5000)]
    for number in range(args.docs):
        words = rng.choices(vocabulary, k=rng.randint(5, 60)) + ["common"] * rng.randint(1, 4)
        if number % 50 == 0:
            words.append("rare")
        doc = tantivy.Document()
        doc.add_text("body", " ".join(words))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    print(
        f"tantivy-py {version('tantivy')}, "
        f"{args.docs:,} documents, {searcher.num_segments} segment(s)"
    )
    for text in ("common", "common rare", "w1 w2 common"):
        query = index.parse_query(text, ["body"])
        for count in (False, True):
            times = []
            for _ in range(30):
                start = time.perf_counter()
                searcher.search(query, 10, count=count)
                times.append(time.perf_counter() - start)
            label = "top 10 and a count" if count else "top 10 only"
            print(f"{text!r:16} {label:20} median {statistics.median(times) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
