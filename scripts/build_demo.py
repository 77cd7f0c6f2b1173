"""Rebuild the bundled demo corpus (src/paperwire/demo/) from ../shared/data, reproducibly.

The demo is: the 97 papers of the copied Hugging Face Papers page, the metadata of those of them
that the 200k corpus knows (so they get real arXiv ids, authors and dates when imported), the
most recent days of the Hugging Face daily-papers archive (with upvotes and featured dates),
and the corpus's arXiv metadata of those days' papers where it has their categories (so
`cat:cs.CL`, category pages and feeds work on the demo; abstracts are left out, the daily
archive brings them, to keep the package small).

    python scripts/build_demo.py [--data ../shared/data] [--days 120]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import shutil
import tarfile
from pathlib import Path

from paperwire.store.rows import title_key

DEMO = Path(__file__).resolve().parents[1] / "src" / "paperwire" / "demo"


def page_titles(page: Path) -> list[str]:
    from paperwire.sources import FORMATS

    with page.open("rb") as stream:
        return [p.title for p in FORMATS["hf-page"](stream, page.name) if hasattr(p, "title")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args()

    page = args.data / "seed" / "hf-papers-page.txt"
    shutil.copyfile(page, DEMO / "hf-papers-page.txt")

    wanted = {title_key(t) for t in page_titles(page)}
    matched = []
    with gzip.open(args.data / "corpus" / "papers-200k.jsonl.gz", "rt", encoding="utf-8") as corpus:
        for line in corpus:
            record = json.loads(line)
            if title_key(record["title"]) in wanted:
                matched.append(line)
    # mtime=0 keeps the gzip byte-identical across rebuilds.
    with gzip.GzipFile(DEMO / "page-papers.jsonl.gz", "wb", mtime=0) as out:
        out.write("".join(matched).encode())

    corpus_path = args.data / "corpus" / "papers-200k.jsonl.gz"
    categorised: dict[str, str] = {}  # id -> the corpus line, for papers with categories
    with gzip.open(corpus_path, "rt", encoding="utf-8") as corpus:
        for line in corpus:
            record = json.loads(line)
            if record.get("categories"):
                categorised[record["id"]] = json.dumps(
                    {k: record[k] for k in ARXIV_FIELDS if k in record}
                )

    archive = args.data / "hf-daily" / "hf_daily_papers_2024-05-27_to_2026-08-21.tar.xz"
    daily_ids: set[str] = set()
    with tarfile.open(archive, "r:xz") as tar:
        members = sorted(
            (m for m in tar.getmembers() if m.isfile() and m.name.endswith(".json")),
            key=lambda m: Path(m.name).name,
        )
        days = {m.name: tar.extractfile(m).read() for m in members}  # type: ignore[union-attr]
    # The demo ends on the newest day whose papers the corpus mostly has categories for (its
    # arXiv part stops before the archive does): the first page then shows categories too.
    while members:
        ids = daily_paper_ids(days[members[-1].name])
        if ids and sum(i in categorised for i in ids) * 2 >= len(ids):
            break
        members.pop()
    members = members[-args.days :]
    with tarfile.open(DEMO / "hf-daily-recent.tar.xz", "w:xz") as out:
        for member in members:
            data = days[member.name]
            daily_ids.update(daily_paper_ids(data))
            info = tarfile.TarInfo(Path(member.name).name)
            info.size = len(data)
            info.mtime = 0
            out.addfile(info, io.BytesIO(data))
    kept = [categorised[i] for i in sorted(daily_ids) if i in categorised]
    with gzip.GzipFile(DEMO / "daily-papers-arxiv.jsonl.gz", "wb", mtime=0) as out:
        out.write(("\n".join(kept) + "\n").encode())
    print(
        f"page papers matched in corpus: {len(matched)} of {len(wanted)}; "
        f"daily days: {len(members)} "
        f"({Path(members[0].name).name} .. {Path(members[-1].name).name}); "
        f"daily papers with arXiv categories: {len(kept)} of {len(daily_ids)}"
    )


# What the demo keeps of a corpus record for a daily paper: its arXiv metadata, not its
# abstract (the daily archive has it). "first_seen" marks the corpus format for detection.
ARXIV_FIELDS = ("id", "title", "authors", "categories", "comment", "published", "first_seen")


def daily_paper_ids(data: bytes) -> list[str]:
    """The arXiv ids of one day of the daily archive (a list of items, or the 2025-01-10
    wrapper; repr-string items, which the demo's recent days do not have, are skipped)."""
    day = json.loads(data)
    items = day.get("data", []) if isinstance(day, dict) else day
    return [item["paper"]["id"] for item in items if isinstance(item, dict)]


if __name__ == "__main__":
    main()
