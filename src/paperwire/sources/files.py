"""From a path to items: folders, compression, tar archives and format detection.

Everything is streamed: a compressed file is decompressed as it is parsed, an archive is read
member by member in one pass (``tarfile`` stream mode, so a ``.tar.xz`` is decompressed once),
and the format is sniffed from the first bytes through ``peek``, which needs no seeking.
Whatever goes wrong with a file (missing, unreadable, corrupt compression, unknown format)
becomes a Problem for that file; the next file is read as usual.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

from paperwire.models import Item, Problem
from paperwire.sources.detect import HEAD_SIZE, detect_format
from paperwire.sources.formats import FORMATS
from paperwire.sources.streams import peek

# What a folder walk reads; anything else (.xsd, .tsv, .md, ...) is not a data file.
DATA_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".xml", ".atom", ".txt"})
ARCHIVE_SUFFIXES = frozenset({".tar", ".tgz", ".txz", ".tbz", ".tbz2"})

_Opener = Callable[[BinaryIO], BinaryIO]


def _gzip(stream: BinaryIO) -> BinaryIO:
    return cast(BinaryIO, gzip.GzipFile(fileobj=stream, mode="rb"))


def _xz(stream: BinaryIO) -> BinaryIO:
    return cast(BinaryIO, lzma.LZMAFile(stream))


def _bzip2(stream: BinaryIO) -> BinaryIO:
    return cast(BinaryIO, bz2.BZ2File(stream))


# Recognised by magic bytes, not by suffix: a mislabelled file is still read right. Closing the
# decompressor is not needed: it holds no descriptor, the file under it is closed by its owner.
_COMPRESSIONS: dict[bytes, tuple[str, _Opener]] = {
    b"\x1f\x8b": ("gzip", _gzip),
    b"\xfd7zXZ\x00": ("xz", _xz),
    b"BZh": ("bzip2", _bzip2),
}
_SUFFIX_COMPRESSION = {".gz": "gzip", ".tgz": "gzip", ".xz": "xz", ".txz": "xz", ".bz2": "bzip2"}
# What a damaged or unreadable stream raises while it is read.
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error, tarfile.TarError)


def read_path(path: Path, fmt: str | None = None) -> Iterator[tuple[str, Item]]:
    """Yield ``(display name, item)`` for a file, a folder (walked recursively in name order,
    hidden and non-data files skipped) or an archive; ``fmt`` forces one parser for all."""
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        known = ", ".join(FORMATS)
        yield str(path), Problem(str(path), f"unknown format {fmt!r} (known: {known})")
    elif path.is_dir():
        yield from _read_dir(path, path, fmt)
    elif path.exists():
        yield from _read_file(path, path.name, fmt)
    else:
        yield str(path), Problem(str(path), "no such file or directory")


def is_data_name(name: str) -> bool:
    """Whether a folder walk or an archive listing should read a file of this name."""
    base = PurePosixPath(name).name
    if base.startswith("."):
        return False
    suffixes = [suffix.lower() for suffix in PurePosixPath(base).suffixes]
    if suffixes and suffixes[-1] in ARCHIVE_SUFFIXES:
        return True
    if suffixes and suffixes[-1] in _SUFFIX_COMPRESSION:
        suffixes.pop()
        if suffixes and suffixes[-1] == ".tar":
            return True
    return bool(suffixes) and suffixes[-1] in DATA_SUFFIXES


def _read_dir(root: Path, folder: Path, fmt: str | None) -> Iterator[tuple[str, Item]]:
    shown = folder.relative_to(root).as_posix() if folder != root else str(folder)
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError as exc:
        yield shown, Problem(shown, f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if not entry.is_symlink():  # a link back up the tree would never end
                yield from _read_dir(root, entry, fmt)
        elif entry.is_file() and is_data_name(entry.name):
            yield from _read_file(entry, entry.relative_to(root).as_posix(), fmt)


def _read_file(path: Path, shown: str, fmt: str | None) -> Iterator[tuple[str, Item]]:
    try:
        with path.open("rb") as raw:
            yield from _read_stream(cast(BinaryIO, raw), shown, fmt)
    except OSError as exc:
        yield shown, Problem(shown, f"cannot read file: {exc.strerror or exc}")


def _read_stream(
    stream: BinaryIO, shown: str, fmt: str | None, kind: str = "file"
) -> Iterator[tuple[str, Item]]:
    """Decompress, unpack or detect, then parse; a read error ends this stream with a Problem.

    ``kind`` names what a read error is an error of: an archive member inherits its archive's
    compression, so a cut ``.tar.xz`` says "xz stream" for the member it was cut in."""
    try:
        magic, stream = peek(stream, 6)
        found = next((c for prefix, c in _COMPRESSIONS.items() if magic.startswith(prefix)), None)
        if found is not None:
            kind = f"{found[0]} stream"
            stream = found[1](stream)
        elif magic and (expected := _expected_compression(shown)):
            yield shown, Problem(shown, f"not a valid {expected} file")
            return
        head, stream = peek(stream, HEAD_SIZE)
        if head[257:262] == b"ustar" or _tar_name(shown):
            yield from _read_tar(stream, shown, fmt, kind)
            return
        if not head.strip():
            yield shown, Problem(shown, "empty file")
            return
        name = fmt or detect_format(head, shown)
        if name is None:
            yield shown, Problem(shown, "unrecognised format; pass --format")
            return
        for item in FORMATS[name](stream, shown):
            yield shown, item
    except _READ_ERRORS as exc:
        yield shown, Problem(shown, f"corrupt or truncated {kind}: {exc}")


def _suffixes(shown: str) -> list[str]:
    """Lower-case suffixes of a display name (of the member, for ``archive:member``)."""
    return [s.lower() for s in PurePosixPath(shown.rsplit(":", 1)[-1]).suffixes]


def _expected_compression(shown: str) -> str | None:
    suffixes = _suffixes(shown)
    return _SUFFIX_COMPRESSION.get(suffixes[-1]) if suffixes else None


def _tar_name(shown: str) -> bool:
    suffixes = _suffixes(shown)
    if suffixes and suffixes[-1] in ARCHIVE_SUFFIXES:
        return True
    return suffixes[-2:-1] == [".tar"] and suffixes[-1] in _SUFFIX_COMPRESSION


def _read_tar(
    stream: BinaryIO, shown: str, fmt: str | None, kind: str
) -> Iterator[tuple[str, Item]]:
    # "r|": one forward pass over the (already decompressed) stream, no seeking.
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            if not member.isfile() or not is_data_name(member.name):
                continue
            extracted = archive.extractfile(member)
            if extracted is not None:
                member_name = f"{shown}:{member.name}"
                yield from _read_stream(cast(BinaryIO, extracted), member_name, fmt, kind)
