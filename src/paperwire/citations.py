"""A paper as BibTeX, RIS and Markdown (pure functions)."""

from __future__ import annotations

import re

from paperwire.models import Paper

_BIBTEX_SPECIAL = re.compile(r"([{}\\&%$#_])")


def _bib_escape(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", text)


def citation_key(paper: Paper) -> str:
    surname = re.sub(r"[^A-Za-z]", "", paper.authors[0].split()[-1]) if paper.authors else "anon"
    year = (
        paper.published.year
        if paper.published
        else (paper.first_seen.year if paper.first_seen else "")
    )
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", paper.title)), "paper")
    return f"{surname.lower()}{year}{word.lower()}"


def bibtex(paper: Paper) -> str:
    fields = [
        ("title", "{" + _bib_escape(paper.title) + "}"),
        ("author", " and ".join(_bib_escape(a) for a in paper.authors)),
        ("year", str(paper.published.year) if paper.published else ""),
        ("eprint", paper.id if paper.has_arxiv_id else ""),
        ("archivePrefix", "arXiv" if paper.has_arxiv_id else ""),
        ("primaryClass", paper.categories[0] if paper.categories else ""),
        ("doi", paper.doi or ""),
        ("journal", _bib_escape(paper.journal_ref) if paper.journal_ref else ""),
        ("url", paper.abs_url or ""),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{citation_key(paper)},\n{body}\n}}\n"


def ris(paper: Paper) -> str:
    lines = ["TY  - RPRT" if not paper.journal_ref else "TY  - JOUR", f"TI  - {paper.title}"]
    lines += [f"AU  - {a}" for a in paper.authors]
    if paper.published:
        lines.append(f"PY  - {paper.published.year}")
        lines.append(f"DA  - {paper.published:%Y/%m/%d}")
    if paper.abstract:
        lines.append(f"AB  - {paper.abstract}")
    if paper.doi:
        lines.append(f"DO  - {paper.doi}")
    if paper.abs_url:
        lines.append(f"UR  - {paper.abs_url}")
    if paper.journal_ref:
        lines.append(f"JO  - {paper.journal_ref}")
    lines += [f"KW  - {c}" for c in paper.categories]
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"


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
