"""Bulk start: where OAI-PMH takes over from arXiv's bulk metadata snapshot.

Loading all of arXiv is ``paperwire import arxiv-metadata-oai-snapshot.json`` (millions of
records, no network) followed by ``paperwire sync arxiv --since-snapshot FILE``: the harvest
window then starts at the snapshot's newest ``update_date``, so every change after the
snapshot was cut arrives by OAI-PMH, and the day of overlap costs only unchanged records.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO, cast

from paperwire.errors import SourceError

# A regular expression, not a JSON parser: this reads a 4 GB file in a minute, not an hour.
_UPDATE_DATE = re.compile(rb'"update_date"\s*:\s*"(\d{4}-\d{2}-\d{2})"')
# Decompressors by suffix; each takes a path and opens it for reading bytes.
_DECOMPRESSORS: dict[str, Callable[[Path], object]] = {
    ".gz": gzip.GzipFile,
    ".xz": lzma.LZMAFile,
    ".bz2": bz2.BZ2File,
}


def _open(path: Path) -> BinaryIO:
    """The file, decompressed by its suffix; the caller closes it."""
    decompressor = _DECOMPRESSORS.get(path.suffix)
    return cast(BinaryIO, decompressor(path)) if decompressor else path.open("rb")


def newest_update_date(path: Path) -> date:
    """The newest ``update_date`` in an arXiv bulk snapshot (JSON lines, maybe compressed)."""
    newest = b""
    try:
        with _open(path) as stream:
            for line in stream:
                match = _UPDATE_DATE.search(line)
                if match and match.group(1) > newest:
                    newest = match.group(1)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise SourceError(f"cannot read the snapshot {path}: {exc}") from exc
    if not newest:
        raise SourceError(f"{path}: no update_date found; is it an arXiv metadata snapshot?")
    return date.fromisoformat(newest.decode())
