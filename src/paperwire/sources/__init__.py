"""Pure, streaming parsers: bytes in, ``Paper | Deleted | Problem`` out, in file order.

- ``FORMATS``: format name -> ``Parser`` (binary stream, display name -> items).
- ``detect_format``: which format, from the first bytes of the decompressed content.
- ``read_path``: files, folders, ``.gz``/``.xz``/``.bz2`` and tar archives; never raises for
  bad data, yields Problems instead.

No parser touches the network or the store; the harvesters call ``oai.parse_oai_page``,
``atom.parse_atom_feed`` and ``hf_daily.parse_daily`` on response bodies.
"""

from paperwire.sources.detect import detect_format
from paperwire.sources.files import read_path
from paperwire.sources.formats import FORMATS, Parser

__all__ = ["FORMATS", "Parser", "detect_format", "read_path"]
