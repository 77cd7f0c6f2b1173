"""arXiv OAI-PMH responses: ListRecords and GetRecord in the ``arXiv``, ``arXivRaw`` and
``oai_dc`` metadata formats, deleted records, and OAI error documents.

Which format a record uses is read from the record itself (its metadata element), not from the
request, so a file that mixes them still parses. ``noRecordsMatch`` is the normal answer to a
harvest with nothing new, so it yields nothing; every other OAI error is a Problem.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from paperwire.models import Deleted, Item, Paper, Problem, Version, set_text
from paperwire.sources.common import RecordError, guarded
from paperwire.sources.fields import (
    arxiv_id,
    first_doi,
    iso_datetime,
    required_text,
    rfc2822_datetime,
    split_categories,
    text,
    version_number,
)
from paperwire.sources.names import inverted_name, join_name, split_authors
from paperwire.sources.xmlutil import (
    child,
    child_text,
    children,
    children_text,
    iter_elements,
    local,
)

FORMAT = "oai-pmh"
_WANTED = frozenset({"record", "error", "resumptionToken", "responseDate"})
NO_RECORDS = "noRecordsMatch"


@dataclass(slots=True)
class OaiPage:
    """One OAI-PMH response: its items and what a harvester needs to ask for the next page."""

    items: list[Item] = field(default_factory=list)
    resumption_token: str | None = None  # None: this was the last page
    complete_list_size: int | None = None
    response_date: str | None = None
    error_code: str | None = None
    error_message: str | None = None


def parse_oai(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The ``oai-pmh`` Parser: records streamed one by one."""
    return _iter_page(stream, name, OaiPage())


def parse_oai_page(data: bytes, name: str) -> OaiPage:
    """Parse one whole response for the harvester (items plus paging and error fields)."""
    page = OaiPage()
    page.items.extend(_iter_page(io.BytesIO(data), name, page))
    return page


def _iter_page(stream: BinaryIO, name: str, page: OaiPage) -> Iterator[Item]:
    record = 0
    for elem in iter_elements(stream, name, _WANTED):
        if isinstance(elem, Problem):
            yield elem
            continue
        tag = local(elem.tag)
        if tag == "record":
            record += 1
            yield guarded(f"{name} record {record}", _record, elem)
        elif tag == "error":
            code = elem.get("code") or "unknown"
            message = " ".join("".join(elem.itertext()).split())
            page.error_code = page.error_code or code
            page.error_message = page.error_message or message
            if code != NO_RECORDS:
                yield Problem(name, f"OAI-PMH error {code}: {message}")
        elif tag == "resumptionToken":
            # An empty token is how OAI-PMH says "that was the last page".
            page.resumption_token = (elem.text or "").strip() or None
            size = (elem.get("completeListSize") or "").strip()
            page.complete_list_size = int(size) if size.isdigit() else None
        else:
            page.response_date = (elem.text or "").strip() or None


def _record(record: ET.Element) -> Paper | Deleted:
    header = child(record, "header")
    if header is None:
        raise RecordError("record without header")
    identifier = child_text(header, "identifier")
    if header.get("status") == "deleted":
        return Deleted(arxiv_id(identifier, "identifier")[0])
    metadata = child(record, "metadata")
    inner = None if metadata is None else next(iter(metadata), None)
    if inner is None:
        raise RecordError("record without metadata", "metadata")
    kind = local(inner.tag)
    build = _BUILDERS.get(kind)
    if build is None:
        raise RecordError(f"unsupported metadata format {kind!r}", "metadata")
    return build(inner, identifier)


def _arxiv(meta: ET.Element, identifier: str | None) -> Paper:
    """metadataPrefix=arXiv: structured authors, created/updated dates, no version list."""
    paper_id, _ = arxiv_id(child_text(meta, "id") or identifier)
    created = iso_datetime(child_text(meta, "created"), "created")
    paper = _paper(meta, paper_id)
    authors = child(meta, "authors")
    names = [] if authors is None else [_author_name(a) for a in children(authors, "author")]
    paper.authors = [name for name in names if name]
    paper.published = created
    # ``updated`` is the latest version's date; which version that is, this format does not say.
    paper.updated = iso_datetime(child_text(meta, "updated"), "updated") or created
    paper.versions = [Version(1, created)] if created else []
    return paper


def _author_name(author: ET.Element) -> str:
    """``<keyname>W.</keyname><forenames>R.</forenames><suffix>IV</suffix>`` -> ``R. W. IV``."""
    return join_name(
        child_text(author, "forenames"),
        child_text(author, "keyname"),
        child_text(author, "suffix"),
    )


def _arxiv_raw(meta: ET.Element, identifier: str | None) -> Paper:
    """metadataPrefix=arXivRaw: every version with its date, authors as one string."""
    paper_id, _ = arxiv_id(child_text(meta, "id") or identifier)
    paper = _paper(meta, paper_id)
    paper.submitter = text(child_text(meta, "submitter"), "submitter")
    paper.authors = split_authors(child_text(meta, "authors") or "")
    paper.versions = sorted(
        (
            Version(
                version_number(elem.get("version")),
                rfc2822_datetime(child_text(elem, "date"), "versions"),
            )
            for elem in children(meta, "version")
        ),
        key=lambda v: v.number,
    )
    if paper.versions:
        paper.published = paper.versions[0].created
        paper.updated = paper.versions[-1].created
    return paper


def _paper(meta: ET.Element, paper_id: str) -> Paper:
    """The fields arXiv and arXivRaw spell the same way."""
    paper = Paper(
        id=paper_id,
        categories=split_categories(child_text(meta, "categories")),
        comment=text(child_text(meta, "comments"), "comments"),
        journal_ref=text(child_text(meta, "journal-ref"), "journal-ref"),
        doi=first_doi(text(child_text(meta, "doi"), "doi")),
        license=text(child_text(meta, "license"), "license"),
        sources=[FORMAT],
    )
    set_text(
        paper,
        title=required_text(child_text(meta, "title"), "title"),
        abstract=child_text(meta, "abstract") or "",
    )
    return paper


# An arXiv category code ("math.AP", "hep-th"); oai_dc subjects are mostly names
# ("Mathematics - Analysis of PDEs"), which are not categories and are left out.
_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z\-]{2,})?$")
_COMMENT = "Comment:"


def _dc(meta: ET.Element, identifier: str | None) -> Paper:
    """metadataPrefix=oai_dc: creators "Last, First", one dc:date per version."""
    urls = [v.strip() for v in children_text(meta, "identifier")]
    abs_url = next((u for u in urls if "arxiv.org/abs/" in u), None)
    paper_id, _ = arxiv_id(abs_url or identifier)
    # The abstract is one dc:description, the author's comment another, marked "Comment:".
    descriptions = [d for d in children_text(meta, "description") if d.strip()]
    comments = [d.strip()[len(_COMMENT) :] for d in descriptions if _is_comment(d)]
    abstracts = [d for d in descriptions if not _is_comment(d)]
    dates = [iso_datetime(d, "date") for d in children_text(meta, "date")]
    others = [u for u in urls if u and u != abs_url]
    paper = Paper(
        id=paper_id,
        authors=[name for c in children_text(meta, "creator") if (name := inverted_name(c))],
        categories=[s.strip() for s in children_text(meta, "subject") if _CATEGORY.match(s)],
        comment=text(comments[0], "comment") if comments else None,
        doi=next((u[4:].strip() for u in others if u.lower().startswith("doi:")), None),
        # arXiv lists the journal reference as a further dc:identifier.
        journal_ref=next((u for u in others if not _is_link(u)), None),
        versions=[Version(i, d) for i, d in enumerate(dates, 1)],
        sources=[FORMAT],
    )
    if paper.versions:
        paper.published = paper.versions[0].created
        paper.updated = paper.versions[-1].created
    set_text(
        paper,
        title=required_text(child_text(meta, "title"), "title"),
        abstract=abstracts[0] if abstracts else "",
    )
    return paper


def _is_comment(description: str) -> bool:
    return description.strip().startswith(_COMMENT)


def _is_link(value: str) -> bool:
    return value.lower().startswith(("doi:", "http://", "https://", "oai:", "arxiv:"))


_BUILDERS: dict[str, Callable[[ET.Element, str | None], Paper]] = {
    "arXiv": _arxiv,
    "arXivRaw": _arxiv_raw,
    "dc": _dc,
}
