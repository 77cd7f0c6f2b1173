"""Sniffing a stream without seeking it (decompressed data and tar members cannot seek)."""

from __future__ import annotations

import io
from typing import Any, BinaryIO, Protocol, cast


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class _Prefixed(io.RawIOBase):
    """``head`` followed by the rest of ``stream``: lets us sniff a stream we cannot seek."""

    def __init__(self, head: bytes, stream: _Readable) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            count = min(len(view), len(self._head))
            view[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def peek(stream: _Readable, size: int) -> tuple[bytes, BinaryIO]:
    """The first ``size`` bytes (fewer at end of stream) and a stream that still starts there."""
    chunks: list[bytes] = []
    got = 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    head = b"".join(chunks)
    return head, cast(BinaryIO, io.BufferedReader(_Prefixed(head, stream), 1 << 16))
