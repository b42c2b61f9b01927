"""Who owns a case and why (assignment/rules.py), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from throughline.assignment.rules import (
    PastCase,
    RepLoad,
    WaitingCase,
    can_take_returning,
    has_free_capacity,
    next_case_for,
    next_rep,
    previous_owner,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)


def rep(
    id: int,
    *,
    active: int = 0,
    capacity: int = 5,
    on_shift: bool = True,
    last: datetime | None = None,
) -> RepLoad:
    return RepLoad(
        id=id, on_shift=on_shift, capacity=capacity, active_cases=active, last_assigned_at=last
    )


# --- next_rep: fewest active cases, then longest idle


def test_next_rep_is_the_one_with_fewest_active_cases() -> None:
    reps = [
        rep(1, active=3, last=T0 - timedelta(days=9)),
        rep(2, active=1, last=T0),
        rep(3, active=2),
    ]
    chosen = next_rep(reps)
    assert chosen is not None
    assert chosen.id == 2


def test_next_rep_breaks_ties_by_longest_idle() -> None:
    reps = [
        rep(1, active=2, last=T0),
        rep(2, active=2, last=T0 - timedelta(hours=3)),
        rep(3, active=2, last=T0 - timedelta(hours=1)),
    ]
    chosen = next_rep(reps)
    assert chosen is not None
    assert chosen.id == 2


def test_a_rep_never_assigned_counts_as_idle_longest() -> None:
    reps = [rep(1, active=1, last=T0 - timedelta(days=300)), rep(2, active=1, last=None)]
    chosen = next_rep(reps)
    assert chosen is not None
    assert chosen.id == 2


def test_next_rep_skips_reps_off_shift_or_full() -> None:
    reps = [
        rep(1, active=0, on_shift=False),
        rep(2, active=3, capacity=3),
        rep(3, active=4, capacity=5),
    ]
    chosen = next_rep(reps)
    assert chosen is not None
    assert chosen.id == 3


def test_next_rep_is_none_when_nobody_has_room() -> None:
    assert next_rep([rep(1, on_shift=False), rep(2, active=2, capacity=2)]) is None
    assert next_rep([]) is None


# --- capacity


def test_has_free_capacity() -> None:
    assert has_free_capacity(rep(1, active=4, capacity=5))
    assert not has_free_capacity(rep(1, active=5, capacity=5))
    assert not has_free_capacity(rep(1, active=0, capacity=5, on_shift=False))
    assert not has_free_capacity(rep(1, active=0, capacity=0))


def test_a_returning_customer_may_take_their_rep_one_past_capacity() -> None:
    assert can_take_returning(rep(1, active=5, capacity=5))
    assert not can_take_returning(rep(1, active=6, capacity=5))
    assert not can_take_returning(rep(1, active=0, capacity=5, on_shift=False))


# --- the queue order


def test_next_case_for_takes_the_case_due_first_then_the_oldest() -> None:
    waiting = [
        WaitingCase(id=3, due_at=T0 + timedelta(hours=2)),
        WaitingCase(id=2, due_at=T0 + timedelta(hours=1)),
        WaitingCase(id=1, due_at=T0 + timedelta(hours=1)),
    ]
    chosen = next_case_for(waiting)
    assert chosen is not None
    assert chosen.id == 1
    assert next_case_for([]) is None


# --- returning customers


def test_previous_owner_is_the_rep_of_the_latest_case_in_the_window() -> None:
    past = [
        PastCase(owner_id=7, created_at=T0 - timedelta(days=10)),
        PastCase(owner_id=8, created_at=T0 - timedelta(days=2)),
        PastCase(owner_id=9, created_at=T0 - timedelta(days=20)),
    ]
    assert previous_owner(past, now=T0, window=WINDOW) == 8


def test_previous_owner_ignores_cases_outside_the_window() -> None:
    past = [
        PastCase(owner_id=7, created_at=T0 - timedelta(days=31)),
        PastCase(owner_id=8, created_at=T0 - timedelta(days=45)),
    ]
    assert previous_owner(past, now=T0, window=WINDOW) is None


def test_previous_owner_includes_the_edge_of_the_window() -> None:
    past = [PastCase(owner_id=7, created_at=T0 - WINDOW)]
    assert previous_owner(past, now=T0, window=WINDOW) == 7


def test_previous_owner_skips_cases_nobody_owned() -> None:
    past = [
        PastCase(owner_id=None, created_at=T0 - timedelta(days=1)),
        PastCase(owner_id=7, created_at=T0 - timedelta(days=5)),
    ]
    assert previous_owner(past, now=T0, window=WINDOW) == 7
    assert previous_owner([PastCase(None, T0)], now=T0, window=WINDOW) is None
    assert previous_owner([], now=T0, window=WINDOW) is None


def test_room_for_returning_customers_is_capacity_plus_one_and_none_off_shift() -> None:
    from throughline.assignment.rules import RepLoad, room_for_returning

    assert room_for_returning(RepLoad(1, True, 3, 1, None)) == 3
    assert room_for_returning(RepLoad(1, True, 3, 4, None)) == 0
    assert room_for_returning(RepLoad(1, True, 3, 9, None)) == 0
    assert room_for_returning(RepLoad(1, False, 3, 0, None)) == 0
