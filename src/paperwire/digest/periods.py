"""When digests are due (pure; no clock, no I/O: ``now`` is always passed in).

- A **daily** digest for the subscriber's local date D is due at ``send_hour`` local time on D
  and covers feed days up to D - 1.
- A **weekly** digest is due on the local Monday at ``send_hour`` and covers up to the Sunday
  before.

A period is identified by its last day (``period_end``). When several send times passed without
a run (the server was down), only the latest period is due and its window reaches back over the
gap, so one digest covers it: nothing is skipped and the reader gets one mail, not a backlog.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paperwire.digest.model import Period, Subscription


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The time zone, UTC for a name the system does not know (checked at subscribe time; a
    zone removed from tzdata later must not stop the run)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def valid_zone(name: str) -> bool:
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _local(now: datetime, tz: str) -> datetime:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    # Wall-clock time without its zone: compared with wall-clock send times below, so a send
    # hour means the same on DST change days as on any other.
    return now.astimezone(zone(tz)).replace(tzinfo=None)


def due_period_end(now: datetime, tz: str, frequency: str, send_hour: int) -> date:
    """The last day of the latest period whose send time has passed at ``now``."""
    local = _local(now, tz)
    today = local.date()
    sent_today = local >= datetime.combine(today, time(send_hour))
    if frequency == "weekly":
        monday = today - timedelta(days=today.weekday())
        if monday == today and not sent_today:
            monday -= timedelta(days=7)
        return monday - timedelta(days=1)
    return today - timedelta(days=1 if sent_today else 2)


def next_send(now: datetime, tz: str, frequency: str, send_hour: int) -> datetime:
    """When the next digest is due (aware, in the subscriber's zone), for display."""
    local = _local(now, tz)
    day = local.date()
    while True:
        at = datetime.combine(day, time(send_hour))
        if at > local and (frequency == "daily" or day.weekday() == 0):
            return at.replace(tzinfo=zone(tz))
        day += timedelta(days=1)


def due(subscription: Subscription, tz: str, now: datetime) -> date | None:
    """The period_end a digest is due for now, or None when the latest is already covered."""
    end = due_period_end(now, tz, subscription.frequency, subscription.send_hour)
    covered = subscription.covered_through
    return end if covered is None or end > covered else None


def period_length(frequency: str) -> int:
    return 7 if frequency == "weekly" else 1


def window(subscription: Subscription, period_end: date, grace_days: int) -> tuple[date, date]:
    """Feed days to look at, ``(after, through]``: from ``grace_days`` before the covered day
    (papers that reached the store late: a sync that ran after the send time, a paper featured
    days after its listing) to the period's end. Papers already mailed are removed by the
    caller, so the overlap never repeats one."""
    covered = subscription.covered_through
    if covered is None or covered >= period_end:
        covered = period_end - timedelta(days=period_length(subscription.frequency))
    return covered - timedelta(days=grace_days), period_end


def period(subscription: Subscription, period_end: date, grace_days: int) -> Period:
    """What the reader is told the digest covers: since the day after the last digest that was
    sent (empty days in between send nothing, so the next one covers the gap), but never more
    than the window looked at."""
    after, _ = window(subscription, period_end, grace_days)
    covered = subscription.covered_through or after
    start = covered + timedelta(days=1)
    last_sent = subscription.last_sent_through
    if last_sent is not None and last_sent < covered:
        start = max(last_sent, after) + timedelta(days=1)
    return Period(start=min(start, period_end), end=period_end, frequency=subscription.frequency)
