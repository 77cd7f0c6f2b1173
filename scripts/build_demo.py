"""Rebuild the bundled demo corpus (src/paperwire/demo/) from ../shared/data, reproducibly.

The demo is: the 97 papers of the copied Hugging Face Papers page, the metadata of those of them
that the 200k corpus knows (so they get real arXiv ids, authors and dates when imported), and
the most recent days of the Hugging Face daily-papers archive (with upvotes and featured dates).

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

    archive = args.data / "hf-daily" / "hf_daily_papers_2024-05-27_to_2026-08-21.tar.xz"
    with tarfile.open(archive, "r:xz") as tar:
        members = sorted(
            (m for m in tar.getmembers() if m.isfile() and m.name.endswith(".json")),
            key=lambda m: Path(m.name).name,
        )[-args.days :]
        with tarfile.open(DEMO / "hf-daily-recent.tar.xz", "w:xz") as out:
            for member in members:
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                info = tarfile.TarInfo(Path(member.name).name)
                info.size = len(data)
                info.mtime = 0
                out.addfile(info, io.BytesIO(data))
    print(
        f"page papers matched in corpus: {len(matched)} of {len(wanted)}; "
        f"daily days: {len(members)} "
        f"({Path(members[0].name).name} .. {Path(members[-1].name).name})"
    )


if __name__ == "__main__":
    main()
