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

from datetime import UTC, date, datetime, time, timedelta


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
