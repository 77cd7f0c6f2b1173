"""arXiv API client: papers by id (a submission, a version refresh) and search queries.

Same politeness group as OAI-PMH (arXiv's 3 s rule covers both). Errors the API reports in its
Atom error format (an entry whose id is ``.../api/errors#...``, often with HTTP 400) become a
``SourceError`` that quotes the API's own message and the URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from paperwire.errors import SourceError
from paperwire.ids import normalize_id
from paperwire.models import Item, Problem
from paperwire.sources.atom import AtomFeed, parse_atom_feed
from paperwire.sync.http import Budget, PoliteClient

PAGE_SIZE = 100  # ids per lookup request, entries per query page
_MALFORMED = "malformed XML"


@dataclass(frozen=True, slots=True)
class ApiPage:
    url: str
    feed: AtomFeed


class ArxivApi:
    def __init__(self, client: PoliteClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    def page(
        self,
        budget: Budget,
        *,
        search_query: str = "",
        id_list: Iterable[str] = (),
        start: int = 0,
        max_results: int = PAGE_SIZE,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> ApiPage:
        """One API request, parsed; SourceError for an error feed or a damaged response."""
        params = {
            "search_query": search_query,
            "id_list": ",".join(id_list),
            "start": str(start),
            "max_results": str(max_results),
        }
        if sort_by:
            params["sortBy"] = sort_by
        if sort_order:
            params["sortOrder"] = sort_order
        response = self.client.get(self.base_url, params, budget=budget)
        feed = parse_atom_feed(response.body, response.url)
        if response.status >= 400 or feed.error:
            detail = feed.error or "no error message"
            raise SourceError(
                f"arXiv API error for {response.url}: {detail} (HTTP {response.status})"
            )
        broken = next(
            (i for i in feed.items if isinstance(i, Problem) and i.reason.startswith(_MALFORMED)),
            None,
        )
        if broken is not None:
            raise SourceError(f"damaged arXiv API response: {broken}")
        return ApiPage(response.url, feed)

    def lookup(self, ids: Iterable[str], budget: Budget) -> Iterator[tuple[str, Item]]:
        """``(url, item)`` for the given ids, any spelling (versions dropped: the API answers
        with the latest version). Ids arXiv does not know are simply absent."""
        canonical = list(dict.fromkeys(normalize_id(i) for i in ids))
        for first in range(0, len(canonical), PAGE_SIZE):
            chunk = canonical[first : first + PAGE_SIZE]
            page = self.page(budget, id_list=chunk, max_results=PAGE_SIZE)
            yield from ((page.url, item) for item in page.feed.items)

    def search(
        self, query: str, budget: Budget, *, limit: int, page_size: int = PAGE_SIZE
    ) -> Iterator[tuple[str, Item]]:
        """``(url, item)`` for up to ``limit`` results of ``search_query=query``, paging by
        ``start``/``max_results``."""
        start = 0
        while start < limit:
            size = min(page_size, limit - start)
            page = self.page(budget, search_query=query, start=start, max_results=size)
            yield from ((page.url, item) for item in page.feed.items)
            got = len(page.feed.items)
            total = page.feed.total_results
            start += got
            if got < size or (total is not None and start >= total):
                return
