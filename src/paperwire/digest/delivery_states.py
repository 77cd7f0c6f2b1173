"""Which delivery log state follows which: one table, one pure function.

The order of the states is what makes delivery exactly-once (see ``deliver``): a row is
``claimed`` and committed before anything goes out, ``sending`` (with its papers) before the
final dot, ``sent`` after the reply. The store persists what ``next_state`` returns and never
decides a transition itself.
"""

from __future__ import annotations

from enum import StrEnum

from paperwire.digest.model import DeliveryState

S = DeliveryState


class Event(StrEnum):
    CLAIM = "claim"  # a run takes the period for sending
    SUPERSEDE = "supersede"  # a newer period of the same subscription was claimed
    NOTHING_TO_SEND = "nothing to send"
    DATA_SENT = "data sent"  # the message is out but for its final dot
    DEFERRED = "deferred"  # a 4xx reply to the final dot: the message did not go
    DELIVERED = "delivered"  # the server took the message (or a crash left it ``sending``)
    TEMPORARY_FAILURE = "temporary failure"
    PERMANENT_FAILURE = "permanent failure"


class IllegalTransition(ValueError):
    """A programming error: the log never moves this way."""


# event -> (states it may happen in (None: no row yet), the state it leads to)
_TABLE: dict[Event, tuple[frozenset[DeliveryState | None], DeliveryState]] = {
    # ``claimed``: a run died before the final dot (the server dropped that transaction);
    # ``retry``: only once its wait is over, which the caller checks.
    Event.CLAIM: (frozenset({None, S.CLAIMED, S.RETRY}), S.CLAIMED),
    Event.SUPERSEDE: (frozenset({S.CLAIMED, S.RETRY}), S.SUPERSEDED),
    Event.NOTHING_TO_SEND: (frozenset({None, S.CLAIMED, S.RETRY, S.SUPERSEDED}), S.EMPTY),
    Event.DATA_SENT: (frozenset({S.CLAIMED}), S.SENDING),
    Event.DEFERRED: (frozenset({S.SENDING}), S.CLAIMED),
    Event.DELIVERED: (frozenset({S.SENDING}), S.SENT),
    Event.TEMPORARY_FAILURE: (frozenset({S.CLAIMED, S.SENDING}), S.RETRY),
    Event.PERMANENT_FAILURE: (frozenset({S.CLAIMED, S.SENDING}), S.FAILED),
}


def allowed(current: DeliveryState | None, event: Event) -> bool:
    return current in _TABLE[event][0]


def next_state(current: DeliveryState | None, event: Event) -> DeliveryState:
    """The state after ``event`` happens to a row in ``current`` (None: no row yet)."""
    sources, target = _TABLE[event]
    if current not in sources:
        raise IllegalTransition(f"a delivery cannot go from {current} on {event}")
    return target


def outcome(event: Event) -> DeliveryState:
    """The state ``event`` leads to, from any state it may happen in."""
    return _TABLE[event][1]


def states_allowing(event: Event) -> list[DeliveryState]:
    """The existing states in which ``event`` may happen (for a set-based update)."""
    return sorted(state for state in _TABLE[event][0] if state is not None)
