"""A ``multipart/alternative`` mail (plain text + HTML) serialised directly.

The standard library's ``email`` package spends about 6 ms building and flattening one such
message (header parsing and folding, pure-Python quoted-printable): a minute for 10,000
digests. The shape here is fixed, so it is written out in 0.1 ms: headers are ASCII or RFC 2047
encoded words (``email.header``), bodies are quoted-printable (``binascii``, in C), lines end
in CRLF. The result is parsed back with ``email.parser`` in the tests.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass
from email.header import decode_header, make_header

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# 45 bytes of UTF-8 -> 60 base64 characters: "=?utf-8?b?" + 60 + "?=" is 72 <= 75 (RFC 2047).
_WORD_BYTES = 45


def encode_header(name: str, value: str) -> str:
    """One header line's value: ASCII as it is, anything else as RFC 2047 encoded words
    (base64, at most 75 characters each, folded). Control characters (CR, LF: header
    injection) never get through."""
    if _CONTROL.search(value):
        raise ValueError(f"{name}: control characters in a header value")
    if value.isascii():
        return value
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for ch in value:
        width = len(ch.encode("utf-8"))
        if size + width > _WORD_BYTES:  # whole characters per word, never half of one
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(ch)
        size += width
    words.append("".join(chunk))
    return "\r\n ".join(
        "=?utf-8?b?" + binascii.b2a_base64(w.encode("utf-8"), newline=False).decode() + "?="
        for w in words
    )


def _qp(text: str) -> bytes:
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    # A line starting with "." is encoded as "=2E": no line of a part ever starts with a dot,
    # so the SMTP layer's dot-stuffing has nothing to do (and a bare "." cannot end DATA).
    if body.startswith(b"."):
        body = b"=2E" + body[1:]
    return body.replace(b"\n.", b"\n=2E").replace(b"\n", b"\r\n")


@dataclass(frozen=True, slots=True)
class Mail:
    headers: tuple[tuple[str, str], ...]  # (name, value) in order; values already encoded
    text: str
    html: str

    def __getitem__(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def decoded(self, name: str) -> str:
        """A header as text (encoded words decoded), for people: logs, the command line."""
        value = self[name] or ""
        return (
            str(make_header(decode_header(value.replace("\r\n ", " ")))) if "=?" in value else value
        )

    def as_bytes(self) -> bytes:
        text, html = _qp(self.text), _qp(self.html)
        digest = hashlib.blake2b(text + html, digest_size=12).hexdigest()
        # "=_" cannot occur in quoted-printable output, so the boundary never appears in a part.
        boundary = f"=_paperwire_{digest}"
        lines = [f"{name}: {value}" for name, value in self.headers]
        lines += [
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
            "",
            "",
        ]
        out = "\r\n".join(lines).encode("ascii")
        for subtype, body in (("plain", text), ("html", html)):
            out += (
                f"--{boundary}\r\n"
                f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            ).encode("ascii")
            out += body if body.endswith(b"\r\n") else body + b"\r\n"
        return out + f"--{boundary}--\r\n".encode("ascii")


def build(headers: list[tuple[str, str]], text: str, html: str) -> Mail:
    return Mail(tuple((name, encode_header(name, value)) for name, value in headers), text, html)
