"""The parser registry: one streaming Parser per format name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from paperwire.models import Item
from paperwire.sources.atom import parse_atom
from paperwire.sources.corpus import parse_corpus
from paperwire.sources.export import parse_export
from paperwire.sources.hf_daily import parse_hf_daily
from paperwire.sources.hf_page import parse_hf_page
from paperwire.sources.oai import parse_oai
from paperwire.sources.snapshot import parse_snapshot

# A binary stream and its display name (for Problem.where) in; items in file order out.
Parser = Callable[[BinaryIO, str], Iterator[Item]]

FORMATS: dict[str, Parser] = {
    "hf-page": parse_hf_page,
    "arxiv-atom": parse_atom,
    "oai-pmh": parse_oai,
    "arxiv-snapshot": parse_snapshot,
    "hf-daily": parse_hf_daily,
    "corpus": parse_corpus,
    "paperwire": parse_export,
}
