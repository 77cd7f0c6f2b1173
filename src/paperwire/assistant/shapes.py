"""What the tools answer: pydantic models (the structured content, whose JSON schema the SDK
publishes as each tool's output schema) and the compact markdown an assistant reads."""

from __future__ import annotations

from pydantic import BaseModel, Field

from paperwire.models import Collection, Paper
from paperwire.service.views import PaperCard

AUTHORS_SHOWN = 6


def page_url(base_url: str, paper_id: str) -> str:
    return f"{base_url.rstrip('/')}/papers/{paper_id}"


class PaperItem(BaseModel):
    id: str = Field(description="arXiv id (or paperwire's derived id); get_paper takes it")
    title: str
    authors: list[str]
    published: str | None = Field(None, description="first version, YYYY-MM-DD")
    categories: list[str]
    upvotes: int = Field(description="the curated source's upvotes plus this site's votes")
    comments: int
    url: str = Field(description="the paper's page on this paperwire")


class PaperList(BaseModel):
    title: str
    total: int = Field(description="how many match in all (the list holds the first ones)")
    total_at_least: bool = Field(
        default=False, description="true when more match than total (counting stopped there)"
    )
    papers: list[PaperItem]


class PaperDetail(PaperItem):
    abstract: str
    ai_summary: str | None = None
    github_repo: str | None = None
    project_page: str | None = None
    arxiv_url: str | None = None
    pdf_url: str | None = None
    latest_version: int | None = None
    submitted_by: str | None = None
    submitted_on: str | None = None


class CollectionInfo(BaseModel):
    owner: str
    slug: str
    name: str
    description: str
    public: bool
    size: int
    reference: str = Field(description="owner/slug, what the collection tool takes")


class CollectionList(BaseModel):
    collections: list[CollectionInfo]


class CollectionDetail(BaseModel):
    collection: CollectionInfo
    papers: list[PaperItem]


class VoteResult(BaseModel):
    id: str
    upvotes: int
    voted: bool
    changed: bool = Field(description="False when the vote was there already")


class NotInterestedResult(BaseModel):
    id: str
    not_interested: bool = Field(description="True: your For you list leaves this paper out")
    changed: bool = Field(description="False when it was marked already")


class Membership(BaseModel):
    collection: str = Field(description="owner/slug")
    paper: str
    added: bool = Field(description="False when the paper was in the collection already")


def item(card: PaperCard, base_url: str) -> PaperItem:
    paper = card.paper
    return PaperItem(
        id=paper.id,
        title=paper.title,
        authors=paper.authors,
        published=f"{paper.published:%Y-%m-%d}" if paper.published else None,
        categories=paper.categories,
        upvotes=card.upvotes,
        comments=card.comments,
        url=page_url(base_url, paper.id),
    )


def detail(card: PaperCard, base_url: str) -> PaperDetail:
    paper: Paper = card.paper
    return PaperDetail(
        **item(card, base_url).model_dump(),
        abstract=paper.abstract,
        ai_summary=paper.ai_summary,
        github_repo=paper.github_repo,
        project_page=paper.project_page,
        arxiv_url=paper.abs_url,
        pdf_url=paper.pdf_url,
        latest_version=paper.latest_version,
        submitted_by=paper.submitted_by,
        submitted_on=f"{paper.submitted_on:%Y-%m-%d}" if paper.submitted_on else None,
    )


def collection_info(found: Collection) -> CollectionInfo:
    return CollectionInfo(
        owner=found.owner,
        slug=found.slug,
        name=found.name,
        description=found.description,
        public=found.public,
        size=found.size,
        reference=f"{found.owner}/{found.slug}",
    )


def _one_line(text: str) -> str:
    """Stored text on one markdown line: line breaks and the list's own markers defused."""
    return " ".join(text.split()).replace("*", r"\*")


def items_markdown(
    heading: str, items: list[PaperItem], total: int | None = None, at_least: bool = False
) -> str:
    more = "+" if at_least else ""
    shown = f" ({total:,}{more} in all, {len(items)} shown)" if total is not None else ""
    lines = [f"## {_one_line(heading)}{shown}", ""]
    if not items:
        lines.append("No papers.")
    for number, paper in enumerate(items, 1):
        authors = ", ".join(paper.authors[:AUTHORS_SHOWN])
        if len(paper.authors) > AUTHORS_SHOWN:
            authors += f" and {len(paper.authors) - AUTHORS_SHOWN} more"
        facts = [f"`{paper.id}`"]
        if paper.published:
            facts.append(paper.published)
        if paper.upvotes:
            facts.append(f"{paper.upvotes} upvote{'s' if paper.upvotes != 1 else ''}")
        lines.append(f"{number}. **{_one_line(paper.title)}** — {_one_line(authors)}")
        lines.append(f"   {' · '.join(facts)} · {paper.url}")
    return "\n".join(lines)


def collections_markdown(heading: str, found: list[CollectionInfo]) -> str:
    lines = [f"## {_one_line(heading)}", ""]
    if not found:
        lines.append("No collections.")
    for info in found:
        access = "public" if info.public else "private"
        lines.append(
            f"- **{_one_line(info.name)}** (`{info.reference}`) · {info.size} "
            f"paper{'s' if info.size != 1 else ''} · {access}"
        )
    return "\n".join(lines)
