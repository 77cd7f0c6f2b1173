"""The delivery log's transitions, as a table: no database needed."""

from __future__ import annotations

import pytest

from paperwire.digest.delivery_states import (
    Event,
    IllegalTransition,
    allowed,
    next_state,
    outcome,
    states_allowing,
)
from paperwire.digest.model import DeliveryState as S

E = Event
LEGAL: list[tuple[S | None, Event, S]] = [
    (None, E.CLAIM, S.CLAIMED),
    (S.CLAIMED, E.CLAIM, S.CLAIMED),  # a run died before the final dot
    (S.RETRY, E.CLAIM, S.CLAIMED),  # its wait is over (the caller checks the time)
    (S.CLAIMED, E.SUPERSEDE, S.SUPERSEDED),
    (S.RETRY, E.SUPERSEDE, S.SUPERSEDED),
    (None, E.NOTHING_TO_SEND, S.EMPTY),
    (S.CLAIMED, E.NOTHING_TO_SEND, S.EMPTY),
    (S.RETRY, E.NOTHING_TO_SEND, S.EMPTY),
    (S.SUPERSEDED, E.NOTHING_TO_SEND, S.EMPTY),
    (S.CLAIMED, E.DATA_SENT, S.SENDING),
    (S.SENDING, E.DEFERRED, S.CLAIMED),
    (S.SENDING, E.DELIVERED, S.SENT),
    (S.CLAIMED, E.TEMPORARY_FAILURE, S.RETRY),
    (S.SENDING, E.TEMPORARY_FAILURE, S.RETRY),
    (S.CLAIMED, E.PERMANENT_FAILURE, S.FAILED),
    (S.SENDING, E.PERMANENT_FAILURE, S.FAILED),
]
STATES: list[S | None] = [None, *S]
ILLEGAL = [
    (state, event)
    for state in STATES
    for event in Event
    if not any(s == state and e == event for s, e, _ in LEGAL)
]


@pytest.mark.parametrize(("current", "event", "expected"), LEGAL)
def test_legal_transitions(current: S | None, event: Event, expected: S) -> None:
    assert allowed(current, event)
    assert next_state(current, event) == expected
    assert outcome(event) == expected


@pytest.mark.parametrize(("current", "event"), ILLEGAL)
def test_every_other_transition_is_refused(current: S | None, event: Event) -> None:
    assert not allowed(current, event)
    with pytest.raises(IllegalTransition):
        next_state(current, event)


@pytest.mark.parametrize("done", [S.SENDING, S.SENT, S.EMPTY, S.FAILED])
def test_a_done_period_is_never_claimed_again(done: S) -> None:
    assert not allowed(done, Event.CLAIM)


def test_only_unfinished_rows_are_superseded() -> None:
    assert states_allowing(Event.SUPERSEDE) == [S.CLAIMED, S.RETRY]


def test_stored_values_are_unchanged() -> None:
    values = {"claimed", "sending", "sent", "retry", "failed", "empty", "superseded"}
    assert {state.value for state in S} == values
