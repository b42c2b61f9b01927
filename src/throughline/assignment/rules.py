"""Who owns a case and why: the pull model of PRODUCT.md principles 1, 2 and 7.

A case waits unowned until an on-shift rep has free capacity. Then the waiting
case that is due first goes to the on-shift rep with free capacity who holds
the fewest active cases; ties go to the rep idle the longest. The customer's
plan tier takes no part in any of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RepLoad:
    id: int
    on_shift: bool
    capacity: int
    active_cases: int
    last_assigned_at: datetime | None


@dataclass(frozen=True)
class WaitingCase:
    id: int
    due_at: datetime


@dataclass(frozen=True)
class PastCase:
    owner_id: int | None
    created_at: datetime


def has_free_capacity(rep: RepLoad) -> bool:
    return rep.on_shift and rep.active_cases < rep.capacity


def can_take_returning(rep: RepLoad) -> bool:
    """A returning customer goes back to their rep even when that rep is full, by one."""
    return rep.on_shift and rep.active_cases < rep.capacity + 1


def room_for_returning(rep: RepLoad) -> int:
    """How many queued returning customers a rep coming on shift takes back: as many as
    ``can_take_returning`` allows one after another (up to capacity + 1)."""
    return max(0, rep.capacity + 1 - rep.active_cases) if rep.on_shift else 0


def rep_order_key(rep: RepLoad) -> tuple[int, int, datetime | None, int]:
    """Fewest active cases first; then longest idle (never assigned counts as idlest)."""
    return (
        rep.active_cases,
        0 if rep.last_assigned_at is None else 1,
        rep.last_assigned_at,
        rep.id,
    )


def next_rep(reps: Iterable[RepLoad]) -> RepLoad | None:
    """The rep who takes the next waiting case, or None when nobody has room."""
    free = [rep for rep in reps if has_free_capacity(rep)]
    return min(free, key=rep_order_key) if free else None


def next_case_for(waiting: Iterable[WaitingCase]) -> WaitingCase | None:
    """The waiting case due first; among equals, the one that arrived first."""
    return min(waiting, key=lambda case: (case.due_at, case.id), default=None)


def previous_owner(
    past_cases: Sequence[PastCase], *, now: datetime, window: timedelta
) -> int | None:
    """The rep who helped this customer last, if that was within the window."""
    recent = [
        case for case in past_cases if case.owner_id is not None and now - case.created_at <= window
    ]
    if not recent:
        return None
    return max(recent, key=lambda case: case.created_at).owner_id
