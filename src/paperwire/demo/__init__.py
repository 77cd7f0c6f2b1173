"""The bundled demo corpus; see NOTICE in this folder for sources and licences.

Rebuilt by scripts/build_demo.py. Files are imported in this order so the page's papers
(which carry no ids) match the corpus records imported before them by title.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).parent
_FILES = (
    "page-papers.jsonl.gz",
    "daily-papers-arxiv.jsonl.gz",
    "hf-daily-recent.tar.xz",
    "hf-papers-page.txt",
)


def demo_files() -> list[Path]:
    return [_HERE / name for name in _FILES]
