"""A paper as BibTeX, RIS, CSL-JSON and Markdown, and a list of papers as a library file a
reference manager imports (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from paperwire.models import Paper
from paperwire.sources.library import LibraryFormat

# Outside TeX math, the characters LaTeX reads as commands (unless already escaped).
_BIBTEX_SPECIAL = re.compile(r"(?<!\\)([&%#_])")
_MATH = re.compile(r"(?<!\\)\$")


def one_line(text: str) -> str:
    """``text`` on one line: every line break and control character is a space, so that a value
    can never start a field or record of its own (RIS tags, BibTeX ``@``)."""
    return " ".join(
        "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text).split()
    )


def _balanced(text: str) -> str:
    """``text`` without the braces that do not pair up: BibTeX ends a value at its closing
    brace and counts escaped braces too, so one stray ``}`` would let the rest forge fields."""
    keep = [True] * len(text)
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == "{":
            opened.append(i)
        elif ch == "}":
            if opened:
                opened.pop()
            else:
                keep[i] = False
    for i in opened:
        keep[i] = False
    return "".join(ch for ch, k in zip(text, keep, strict=True) if k).rstrip("\\")


def _bib_escape(text: str) -> str:
    """A BibTeX field value: one line, braces balanced, TeX math (``$\\alpha$``) kept as is,
    LaTeX specials escaped outside it."""
    parts = _MATH.split(one_line(text))
    if len(parts) % 2 == 0:  # an unpaired $ is a dollar sign, not math
        parts = [r"\$".join(parts)]
    escaped = [p if n % 2 else _BIBTEX_SPECIAL.sub(r"\\\1", p) for n, p in enumerate(parts)]
    return _balanced("$".join(escaped))


def _ascii(text: str) -> str:
    """``text`` in ASCII, accents transliterated (``Müller`` -> ``Muller``), not dropped."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def citation_key(paper: Paper) -> str:
    surname = (
        re.sub(r"[^A-Za-z]", "", _ascii(paper.authors[0].split()[-1])) if paper.authors else "anon"
    )
    year = (
        paper.published.year
        if paper.published
        else (paper.first_seen.year if paper.first_seen else "")
    )
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", _ascii(paper.title))), "paper")
    return f"{surname.lower()}{year}{word.lower()}"


def bibtex(paper: Paper) -> str:
    fields = [
        ("title", "{" + _bib_escape(paper.title) + "}"),  # the inner braces keep its case
        ("author", " and ".join(_bib_escape(a) for a in paper.authors)),
        ("year", str(paper.published.year) if paper.published else ""),
        ("eprint", paper.id if paper.has_arxiv_id else ""),
        ("archivePrefix", "arXiv" if paper.has_arxiv_id else ""),
        ("primaryClass", _bib_escape(paper.categories[0]) if paper.categories else ""),
        ("doi", _bib_escape(paper.doi) if paper.doi else ""),
        ("journal", _bib_escape(paper.journal_ref) if paper.journal_ref else ""),
        ("url", paper.abs_url or ""),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{citation_key(paper)},\n{body}\n}}\n"


def ris(paper: Paper) -> str:
    """RIS: one ``TAG  - value`` line per field, each value on one line (see ``one_line``)."""
    fields = [("TY", "JOUR" if paper.journal_ref else "RPRT"), ("TI", paper.title)]
    fields += [("AU", a) for a in paper.authors]
    if paper.published:
        fields += [("PY", str(paper.published.year)), ("DA", f"{paper.published:%Y/%m/%d}")]
    fields += [
        ("AB", paper.abstract),
        ("DO", paper.doi or ""),
        ("UR", paper.abs_url or ""),
        ("JO", paper.journal_ref or ""),
    ]
    fields += [("KW", c) for c in paper.categories]
    lines = [f"{tag}  - {one_line(value)}" for tag, value in fields if one_line(value)]
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"


def _csl_name(name: str) -> dict[str, str]:
    words = name.split()
    if len(words) < 2:
        return {"literal": name}
    return {"family": words[-1], "given": " ".join(words[:-1])}


def csl_json(paper: Paper) -> dict[str, Any]:
    """One CSL-JSON item, in the shape Zotero exports and imports (arXiv papers as preprints,
    with arXiv's ``number`` and DOI conventions)."""
    item: dict[str, Any] = {
        "id": citation_key(paper),
        "type": "article-journal" if paper.journal_ref else "article",
        "title": one_line(paper.title),
        "author": [_csl_name(one_line(a)) for a in paper.authors],
    }
    if paper.published:
        item["issued"] = {
            "date-parts": [[paper.published.year, paper.published.month, paper.published.day]]
        }
    if paper.abstract:
        item["abstract"] = one_line(paper.abstract)
    if paper.has_arxiv_id:
        item |= {"number": f"arXiv:{paper.id}", "publisher": "arXiv", "URL": paper.abs_url}
    if paper.doi:
        item["DOI"] = paper.doi
    elif paper.has_arxiv_id:
        item["DOI"] = f"10.48550/arXiv.{paper.id}"  # the DOI arXiv gives every paper
    if paper.journal_ref:
        item["container-title"] = one_line(paper.journal_ref)
    if paper.categories:
        item["keyword"] = ", ".join(paper.categories)
    return item


@dataclass(frozen=True, slots=True)
class Exporter:
    media_type: str
    extension: str
    render: Callable[[Sequence[Paper]], str]


def _csl_json_file(papers: Sequence[Paper]) -> str:
    return orjson.dumps([csl_json(p) for p in papers], option=orjson.OPT_INDENT_2).decode() + "\n"


EXPORTERS: dict[LibraryFormat, Exporter] = {
    LibraryFormat.BIBTEX: Exporter(
        "application/x-bibtex; charset=utf-8", "bib", lambda ps: "\n".join(map(bibtex, ps))
    ),
    LibraryFormat.RIS: Exporter(
        "application/x-research-info-systems; charset=utf-8",
        "ris",
        lambda ps: "".join(map(ris, ps)),
    ),
    LibraryFormat.CSL_JSON: Exporter(
        "application/vnd.citationstyles.csl+json", "json", _csl_json_file
    ),
}


def export(papers: Sequence[Paper], fmt: LibraryFormat) -> str:
    """``papers`` as one library file (any list: a collection, a feed, recommendations)."""
    return EXPORTERS[fmt].render(papers)


def markdown(paper: Paper, base_url: str) -> str:
    """The page as Markdown, like Hugging Face's ``/papers/{id}.md``."""
    parts = [f"# {paper.title}", ""]
    if paper.authors:
        parts += [f"**Authors:** {', '.join(paper.authors)}", ""]
    facts = []
    if paper.published:
        facts.append(f"**Published:** {paper.published:%Y-%m-%d}")
    if paper.categories:
        facts.append(f"**Categories:** {', '.join(paper.categories)}")
    if paper.upvotes is not None:
        facts.append(f"**Upvotes:** {paper.upvotes}")
    if facts:
        parts += [*facts, ""]
    parts += ["## Abstract", "", paper.abstract, ""]
    if paper.ai_summary:
        parts += ["## AI summary", "", paper.ai_summary, ""]
    links = [f"- Page: {base_url.rstrip('/')}/papers/{paper.id}"]
    if paper.abs_url:
        links += [f"- arXiv: {paper.abs_url}", f"- PDF: {paper.pdf_url}"]
    if paper.github_repo:
        links.append(f"- Code: {paper.github_repo}")
    if paper.project_page:
        links.append(f"- Project page: {paper.project_page}")
    parts += ["## Links", "", *links, ""]
    return "\n".join(parts)
