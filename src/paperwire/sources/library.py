"""Reference-manager library files (pure): BibTeX, RIS and CSL-JSON as Zotero, Mendeley and
JabRef export them, read into ``LibraryEntry`` records (what a library entry says about a
paper: arXiv id, DOI, title, authors, year) or a ``Problem`` for each entry that cannot be
used (its line, field and reason). One bad entry never stops the file.

- BibTeX: bibtexparser 2.x (its splitter reports blocks that fail to parse and duplicate
  keys, with their lines); TeX accents decoded by ``tex_to_text``.
- RIS: each record (``TY`` .. ``ER``) parsed on its own by rispy, so a broken record is a
  Problem at its own line and unknown tags are ignored.
- CSL-JSON: a JSON array of items (Zotero's "CSL JSON" export), read item by item so each
  Problem has the line where its item starts.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from paperwire.errors import InvalidIdError, LibraryFileError
from paperwire.ids import normalize_id
from paperwire.models import Problem
from paperwire.sources.names import inverted_name
from paperwire.tex import tex_to_text


class LibraryFormat(StrEnum):
    BIBTEX = "bibtex"
    RIS = "ris"
    CSL_JSON = "csl-json"


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One entry of a library file: what it says about its paper (any of it may be missing,
    but not all of arXiv id, DOI and title)."""

    where: str  # "library.bib:12"
    arxiv_id: str | None = None
    doi: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None


@dataclass(slots=True)
class LibraryFile:
    format: LibraryFormat
    entries: list[LibraryEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def add(self, item: LibraryEntry | Problem) -> None:
        if isinstance(item, LibraryEntry):
            self.entries.append(item)
        else:
            self.problems.append(item)


# -- identifiers found in any field -------------------------------------------------------
# "arXiv:2301.00001v2", "arXiv preprint arXiv:2301.00001", "arxiv.org/abs/hep-th/9901001",
# "10.48550/arXiv.2301.00001" (arXiv's own DOIs).
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv(?:\.org/(?:abs|pdf|html))?[:/.\s]\s*|10\.48550/arxiv\.)"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)
_DOI_IN_TEXT = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}]+)", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
MAX_VALUE = 10_000  # a longer title, DOI or name is damage (see sources/common.py)


def arxiv_id_in(text: str) -> str | None:
    """The arXiv id that ``text`` names (a bare id, an ``arXiv:`` reference, an arxiv.org
    link or an arXiv DOI), canonical and without version; None when it names none."""
    text = text.strip()
    candidates = [text] + [m.group(1) for m in _ARXIV_IN_TEXT.finditer(text)]
    for candidate in candidates:
        try:
            return normalize_id(candidate.rstrip(".,;)"))
        except InvalidIdError:
            continue
    return None


def doi_in(text: str) -> str | None:
    """The DOI in ``text`` (bare, ``doi:``-prefixed or a doi.org link), lower case (DOIs are
    case-insensitive); None when there is none."""
    match = _DOI_IN_TEXT.search(text)
    return match.group(1).rstrip(".,;").lower() if match else None


# -- entries ----------------------------------------------------------------------------
T = TypeVar("T")


class _Bad(Exception):
    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field


def _checked(name: str, value: str) -> str:
    if len(value) > MAX_VALUE:
        raise _Bad(f"{name} longer than {MAX_VALUE:,} characters ({len(value):,})", name)
    return value


def _entry(
    where: str,
    *,
    title: str | None,
    authors: list[str],
    year_text: str | None,
    arxiv_texts: list[str],
    doi_texts: list[str],
) -> LibraryEntry:
    title = _checked("title", " ".join(title.split())) if title else None
    arxiv_id = next((found for t in arxiv_texts if (found := arxiv_id_in(t))), None)
    doi = next((found for t in doi_texts if (found := doi_in(_checked("doi", t)))), None)
    if doi is not None and doi.startswith("10.48550/arxiv."):
        arxiv_id = arxiv_id or arxiv_id_in(doi)
    if not (arxiv_id or doi or title):
        raise _Bad("no arXiv id, DOI or title to match the paper by", "title")
    year_match = _YEAR.search(year_text or "")
    names = tuple(name for a in authors if (name := inverted_name(_checked("author", a))))
    return LibraryEntry(
        where, arxiv_id, doi, title, names, int(year_match.group(1)) if year_match else None
    )


def _guarded(
    where: str, build: Callable[[str, T], LibraryEntry], data: T
) -> LibraryEntry | Problem:
    """``build(where, data)``, with a bad entry (or a shape it did not expect) a Problem."""
    try:
        return build(where, data)
    except _Bad as exc:
        return Problem(where, exc.reason, exc.field)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return Problem(where, f"malformed entry ({type(exc).__name__}: {exc})")


# -- BibTeX -----------------------------------------------------------------------------
def _parse_bibtex(text: str, name: str, out: LibraryFile) -> None:
    from bibtexparser import model
    from bibtexparser.entrypoint import parse_string

    # The splitter logs every block it gives up on; they are reported as Problems instead.
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    library = parse_string(text)
    first_line = {e.key: (e.start_line or 0) + 1 for e in library.entries}
    for block in library.blocks:
        where = f"{name}:{(block.start_line or 0) + 1}"
        entry: model.Block | None = block
        if isinstance(block, model.DuplicateBlockKeyBlock):
            out.problems.append(
                Problem(
                    where,
                    f"duplicate key {block.key!r} (first at line {first_line.get(block.key)}); "
                    "this entry is imported too",
                    "key",
                )
            )
            entry = block.ignore_error_block
        elif isinstance(block, model.DuplicateFieldKeyBlock):
            out.problems.append(
                Problem(where, f"a field appears twice ({block.error}); the first is used")
            )
            entry = block.ignore_error_block
        elif isinstance(block, model.ParsingFailedBlock):
            out.problems.append(
                Problem(where, "could not be read: unbalanced braces or quotes, or a missing comma")
            )
            continue
        if isinstance(entry, model.Entry):
            out.add(_guarded(where, _bibtex_entry, entry))


def _unenclosed(value: str) -> str:
    """A value without its enclosing braces or quotes (those of duplicate entries, which
    bibtexparser hands back unprocessed; tex_to_text drops any inner braces)."""
    if len(value) >= 2 and (value[0], value[-1]) in (("{", "}"), ('"', '"')):
        return value[1:-1]
    return value


def _bibtex_entry(where: str, entry: Any) -> LibraryEntry:
    fields: dict[str, str] = {}
    for item in entry.fields:
        fields.setdefault(item.key.lower(), _unenclosed(str(item.value)))

    def get(key: str) -> str | None:
        raw = fields.get(key)
        return tex_to_text(_checked(key, raw)) if raw is not None else None

    authors = [a.strip() for a in (get("author") or "").split(" and ")]
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").lower()
    arxiv_texts = [fields["eprint"]] if "eprint" in fields and "arxiv" in prefix else []
    # Zotero puts "arXiv:ID" in journal or number; JabRef and Google Scholar in journal or
    # note; everyone in url.
    for key in ("journal", "number", "note", "url", "howpublished", "doi", "archiveprefix"):
        if key in fields:
            arxiv_texts.append(fields[key])
    return _entry(
        where,
        title=get("title"),
        authors=authors,
        year_text=fields.get("year") or fields.get("date"),
        arxiv_texts=arxiv_texts,
        doi_texts=[fields[k] for k in ("doi",) if k in fields],
    )


# -- RIS --------------------------------------------------------------------------------
_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")


def _ris_records(text: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of each record; lines before a ``TY`` are skipped."""
    start, lines = 0, list[str]()
    for number, line in enumerate(text.splitlines(), 1):
        tag = _RIS_TAG.match(line)
        if tag and tag.group(1) == "TY":
            if lines:
                yield start, "\n".join(lines)
            start, lines = number, []
        if start:
            lines.append(line)
            if tag and tag.group(1) == "ER":
                yield start, "\n".join(lines) + "\n"
                start, lines = 0, []
    if lines:
        yield start, "\n".join(lines)


def _parse_ris(text: str, name: str, out: LibraryFile) -> None:
    import rispy

    for line, record in _ris_records(text):
        where = f"{name}:{line}"
        if not record.rstrip().endswith("ER  -"):
            out.problems.append(Problem(where, "record has no end (ER  - line)", "ER"))
            continue
        try:
            parsed = rispy.loads(record)
        except (OSError, ValueError, KeyError, IndexError) as exc:
            out.problems.append(Problem(where, f"could not be read ({exc})"))
            continue
        for data in parsed:
            out.add(_guarded(where, _ris_entry, data))


def _ris_entry(where: str, data: dict[str, Any]) -> LibraryEntry:
    def one(*keys: str) -> str | None:
        return next((str(data[k]) for k in keys if data.get(k)), None)

    def many(*keys: str) -> list[str]:
        return [str(v) for k in keys for v in (data.get(k) or [])]

    texts = many("urls") + [v for v in (one("doi"), one("journal_name"), one("notes")) if v]
    texts += many("notes") if isinstance(data.get("notes"), list) else []
    return _entry(
        where,
        title=one("title", "primary_title", "translated_title"),
        authors=many("authors", "first_authors"),
        year_text=one("year", "publication_year", "date"),
        arxiv_texts=[t for t in texts if isinstance(t, str)],
        doi_texts=[v for v in (one("doi"),) if v],
    )


# -- CSL-JSON ---------------------------------------------------------------------------
def _parse_csl_json(text: str, name: str, out: LibraryFile) -> None:
    decoder = json.JSONDecoder()
    position = len(text) - len(text.lstrip())
    single = text.startswith("{", position)
    if not single:
        position += 1  # past "["

    def line_at(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        try:
            data, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            out.problems.append(
                Problem(
                    f"{name}:{exc.lineno}",
                    f"invalid JSON ({exc.msg}, column {exc.colno}); the items after it "
                    "could not be read",
                )
            )
            return
        where = f"{name}:{line_at(position)}"
        if isinstance(data, dict):
            out.add(_guarded(where, _csl_entry, data))
        else:
            out.problems.append(Problem(where, "expected an item (a JSON object)"))
        if single:
            return
        position = end


def _csl_name(person: Any) -> str:
    if isinstance(person, dict):
        if person.get("literal"):
            return str(person["literal"])
        parts = [person.get("given"), person.get("non-dropping-particle"), person.get("family")]
        return " ".join(str(p) for p in parts if p)
    return str(person)


def _csl_year(issued: Any) -> str | None:
    """The year of a CSL date: ``{"date-parts": [[2023, 1, 5]]}`` (numbers or strings, or
    empty), ``{"raw": "2023-01"}``, ``{"literal": "Spring 2020"}``, or a plain string."""
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        return next((str(issued[k]) for k in ("raw", "literal", "season") if issued.get(k)), None)
    return str(issued) if isinstance(issued, str | int) else None


def _csl_entry(where: str, data: dict[str, Any]) -> LibraryEntry:
    def text(key: str) -> str | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str | int | float):
            raise _Bad(f"expected text, found {type(value).__name__}", key)
        return str(value)

    authors = data.get("author") or []
    if not isinstance(authors, list):
        raise _Bad("expected a list of names", "author")
    texts = [t for k in ("number", "URL", "container-title", "note", "DOI", "id") if (t := text(k))]
    return _entry(
        where,
        title=text("title"),
        authors=[_csl_name(a) for a in authors],
        year_text=_csl_year(data.get("issued")),
        arxiv_texts=texts,
        doi_texts=[t for t in (text("DOI"),) if t],
    )


# -- the file ---------------------------------------------------------------------------
_PARSERS: dict[LibraryFormat, Callable[[str, str, LibraryFile], None]] = {
    LibraryFormat.BIBTEX: _parse_bibtex,
    LibraryFormat.RIS: _parse_ris,
    LibraryFormat.CSL_JSON: _parse_csl_json,
}
_BIBTEX_START = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
_RIS_START = re.compile(r"^TY  -", re.MULTILINE)


def detect_library_format(text: str) -> LibraryFormat | None:
    """The format of a library file's text, or None when it is none of the three."""
    head = text[:65536]
    stripped = head.lstrip()
    if stripped.startswith(("[", "{")):
        return LibraryFormat.CSL_JSON
    ris, bib = _RIS_START.search(head), _BIBTEX_START.search(head)
    if ris and (not bib or ris.start() < bib.start()):
        return LibraryFormat.RIS
    return LibraryFormat.BIBTEX if bib else None


def parse_library(data: bytes, name: str, expected: LibraryFormat | None = None) -> LibraryFile:
    """Every entry of a library file, and a Problem for each bad one. Raises LibraryFileError
    (saying what the file looks like) when it is not UTF-8 text in one of the three formats,
    or not in ``expected`` when that is given."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LibraryFileError(
            f"{name}: not a UTF-8 text file (byte {exc.start:,}); export the library as "
            "BibTeX, RIS or CSL-JSON in UTF-8"
        ) from None
    found = detect_library_format(text)
    if found is None:
        raise LibraryFileError(
            f"{name}: not a library file: expected BibTeX (@article{{...}}), RIS (TY  - ...) "
            "or CSL-JSON ([{...}]), as Zotero, Mendeley and JabRef export them"
        )
    if expected is not None and found != expected:
        raise LibraryFileError(
            f"{name}: expected {expected.value}, but the file looks like {found}"
        )
    library = LibraryFile(found)
    _PARSERS[found](text, name, library)
    return library
