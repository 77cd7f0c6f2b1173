"""Issue 13: the bundled demo, as `make run` loads it, opens on its newest real day (papers
with authors, upvotes and arXiv ids), dates nothing "today", and carries the arXiv categories
that `cat:` and the category pages need."""

from __future__ import annotations

from datetime import date

from paperwire.demo import demo_files
from paperwire.service import Service

IMPORT_DAY = date(2026, 12, 1)


def test_the_demo_opens_on_its_newest_real_day(service: Service) -> None:
    report = service.papers.import_files(demo_files(), today=IMPORT_DAY)
    assert report.problem_count == 0
    service.search.index()
    # The copied page's papers are dated by its "Mar 11" line, in the year its known papers
    # say (the newest was published 2 Mar 2025), never by the import day.
    title = "WebArena: A Realistic Web Environment for Building Autonomous Agents"
    page = service.store.papers.get_paper(service.store.papers.ids_by_title([title])[title])
    assert page is not None and page.first_seen == date(2025, 3, 11)
    assert service.feeds.daily(IMPORT_DAY).total == 0

    home = service.feeds.daily()
    assert home.start == date(2026, 7, 1) and home.total > 10
    papers = [card.paper for card in home.cards]
    assert all(p.has_arxiv_id and p.authors and p.upvotes for p in papers)
    assert sum(1 for p in papers if p.categories) * 2 >= len(papers)
    found = service.search.search("cat:cs.CL", mode="lexical", limit=5)
    assert found.total > 100 and all("cs.CL" in r.paper.categories for r in found.results)
