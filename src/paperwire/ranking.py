"""Feed ranking, pure functions of votes and time.

Trending score (the Hacker News form, as DESIGN.md asks):

    score = votes / (age_hours + 2) ** gravity

``votes`` is the curated source's upvotes plus this site's own votes; ``age_hours`` counts from
the start of the paper's feed day to the reference time. The reference time is now, or the end
of the newest feed day with upvoted papers when the store's listings stop earlier (a demo
corpus, a paused sync), so the trending page never goes empty just because nothing was
published today. ``gravity`` (default 1.8) and the window of days considered are settings.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from paperwire.errors import InvalidQueryError

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# A feed period's bounds and its neighbours must be dates: the last full year leaves room for a
# month's end and the day after a week (date.max is 9999-12-31; 0000 is no year).
_LAST_YEAR = 9998


def trending_score(votes: int, feed_day: date, reference: datetime, gravity: float) -> float:
    start = datetime.combine(feed_day, time.min, tzinfo=UTC)
    age_hours = max(0.0, (reference - start).total_seconds() / 3600)
    return float(max(votes, 0) / (age_hours + 2.0) ** gravity)


def reference_time(now: datetime, newest_day: date | None) -> datetime:
    if newest_day is None:
        return now
    end_of_newest = datetime.combine(newest_day + timedelta(days=1), time.min, tzinfo=UTC)
    return min(now, end_of_newest)


# A paper first seen more than this long after arXiv posted its first version was not newly
# announced when we saw it: an import of old papers (a 2007 paper loaded from the bulk
# snapshot today), not a new listing. Hugging Face lists 97% of its papers within 15 days of
# their first version (the demo's 2,800 dated papers); 30 days leaves room for the rest.
LATE_LISTING = timedelta(days=30)


def is_new(
    first_seen: date | None,
    newest_day: date | None,
    window_days: int,
    published: datetime | None = None,
) -> bool:
    """First announced within ``window_days`` of the newest listing: first seen then, and not
    an old paper seen late (its first arXiv version ``LATE_LISTING`` or more before)."""
    if first_seen is None or newest_day is None:
        return False
    if published is not None and first_seen - published.date() > LATE_LISTING:
        return False
    return first_seen > newest_day - timedelta(days=window_days)


def week_bounds(day: date) -> tuple[date, date]:
    """Monday..Sunday of the ISO week containing ``day``."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


# -- naming a period (the web's paths and query parameters, the MCP tools) ------------------
def parse_day(value: str, name: str = "date") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidQueryError(
            f"{name}: expected a date as YYYY-MM-DD, got {value[:40]!r}"
        ) from None


def parse_week(week: str) -> date:
    """The Monday of an ISO week ``YYYY-Www``."""
    match = _WEEK_RE.match(week)
    try:
        if match and 1 <= int(match.group(1)) <= _LAST_YEAR:
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        pass
    raise InvalidQueryError(f"week: expected YYYY-Www such as 2025-W09, got {week[:20]!r}")


def parse_month(month: str) -> date:
    """The first day of a month ``YYYY-MM``."""
    match = _MONTH_RE.match(month)
    if match and 1 <= int(match.group(1)) <= _LAST_YEAR and 1 <= int(match.group(2)) <= 12:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise InvalidQueryError(f"month: expected YYYY-MM such as 2025-02, got {month[:20]!r}")
