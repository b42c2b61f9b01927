"""Assignment: pulling waiting cases into reps' work lists, and moving owners explicitly."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from throughline.assignment import repository
from throughline.assignment.repository import raise_statement
from throughline.assignment.rules import (
    RepLoad,
    can_take_returning,
    has_free_capacity,
    room_for_returning,
)
from throughline.cases.rules import Reason, is_active
from throughline.cases.timeline import Kind, record
from throughline.kit.actors import SYSTEM, Actor
from throughline.models import Case, CaseAttention, Rep
from throughline.workspace.changes import touch

# Bounds the work one trigger does inside one transaction; the worker's sweep does the rest.
MAX_PER_TRIGGER = 50
HELD = "held_rows"


def _load(rep: Rep) -> RepLoad:
    return RepLoad(
        rep.id, rep.on_shift and rep.is_active, rep.capacity, rep.active_cases, rep.last_assigned_at
    )


async def _give(
    session: AsyncSession,
    case: Case,
    rep: Rep,
    *,
    now: datetime,
    why: str,
    actor: Actor = SYSTEM,
    note: str | None = None,
) -> None:
    """Record the case's owner and put it on the owner's work list as new to them."""
    # The session's identity map holds rows weakly: keep the owner for the rest of the unit
    # of work, which names them (the API's answer, the customer's notice) without a reload.
    session.info.setdefault(HELD, []).append(rep)
    previous = case.owner_id
    case.owner_id = rep.id
    case.assigned_at = now
    record(
        session,
        case,
        Kind.OWNER,
        actor,
        now=now,
        body=note,
        why=why,
        rep_id=rep.id,
        rep_name=rep.name,
        previous_owner_id=previous,
    )
    await raise_attention(session, case, Reason.NEW, since=now, due_at=case.due_at)


async def raise_attention(
    session: AsyncSession, case: Case, reason: Reason, *, since: datetime, due_at: datetime
) -> None:
    """Put the case on its owner's list for ``reason``; raised again, the earlier due time
    stands. One statement, no read (every arrival raises one)."""
    loaded = session.identity_map.get(identity_key(CaseAttention, (case.id, reason.value)))
    if isinstance(loaded, CaseAttention):  # read earlier in this unit of work: keep it true
        loaded.due_at = min(loaded.due_at, due_at)
        return
    await session.execute(
        raise_statement(session),
        {"case_id": case.id, "reason": reason.value, "since": since, "due_at": due_at},
    )
    touch(session, cases=[case.id], reps=[case.owner_id])


async def assign_waiting(
    session: AsyncSession, *, now: datetime, limit: int = MAX_PER_TRIGGER, held: Case | None = None
) -> list[tuple[int, int]]:
    """Pull waiting cases into the work lists of reps with room; returns (case, rep) pairs.

    Invariants, however many processes run this at once: a case gets one
    owner; a rep never goes above capacity through this function.

    After every pull either nothing waits or nobody has room. So an event that
    adds one case to the queue, or frees one place, allows one pull at most:
    those pass ``limit=1`` and spare the queries that would only find nothing
    more to do. Events that free many places (a shift starting, a capacity
    raised) and the worker's sweep pull up to ``MAX_PER_TRIGGER``. ``held``: the case
    this unit of work just opened, not read again when it is the one due first.
    """
    pairs: list[tuple[int, int]] = []
    for _ in range(limit):
        rep = await repository.lock_free_rep(session)
        if rep is None or not has_free_capacity(_load(rep)):
            break
        # Both rows are locked (or, on SQLite, the whole database is ours): the case
        # is still unowned and the rep still has room when we write.
        case = await repository.lock_next_waiting_case(session, held=held)
        if case is None:
            break
        await repository.mark_assigned(session, rep.id, now)
        await _give(session, case, rep, now=now, why="pulled from the queue")
        pairs.append((case.id, rep.id))
    return pairs


async def assign_new_case(
    session: AsyncSession, case: Case, *, previous_owner_id: int | None, now: datetime
) -> None:
    """A new case goes to the customer's previous rep if they can take it, else to the queue."""
    if previous_owner_id is not None:
        rep = await repository.lock_rep(session, previous_owner_id)
        if rep is not None and can_take_returning(_load(rep)):
            await repository.mark_assigned(session, rep.id, now)
            await _give(session, case, rep, now=now, why="returning customer")
            return
        case.previous_owner_id = previous_owner_id
        name = rep.name if rep else "their previous rep"
        record(
            session,
            case,
            Kind.NOTE,
            SYSTEM,
            now=now,
            body=f"Returning customer: {name} helped them last but cannot take the case now "
            "(off shift or full); it waits in the queue.",
            previous_owner_id=previous_owner_id,
        )
    await assign_waiting(session, now=now, limit=1, held=case)


async def assign_returning(
    session: AsyncSession, rep_id: int, *, window: timedelta, now: datetime
) -> list[int]:
    """A rep back on shift takes back their returning customers still in the queue.

    Those are cases that arrived within ``window`` and were queued because this rep, who
    helped the customer last, was off shift or full. The rep's row and the cases' rows are
    locked, so no case gets two owners and the rep never goes past ``can_take_returning``.
    """
    rep = await repository.lock_rep(session, rep_id)
    if rep is None:
        return []
    room = min(room_for_returning(_load(rep)), MAX_PER_TRIGGER)
    queued = await repository.lock_queued_for(session, rep.id, since=now - window, limit=room)
    for case in queued:
        await repository.mark_assigned(session, rep.id, now)
        await _give(session, case, rep, now=now, why="returning customer, owner back on shift")
    return [case.id for case in queued]


async def status_changed(
    session: AsyncSession, case: Case, old_status: str, *, now: datetime
) -> None:
    """Keep the owner's load true when a case starts or stops needing them."""
    if case.owner_id is None:
        return
    was, now_active = is_active(old_status), is_active(case.status)
    if was and not now_active:
        await repository.add_load(session, {case.owner_id: -1})
        await assign_waiting(session, now=now, limit=1)
    elif now_active and not was:
        await repository.add_load(session, {case.owner_id: +1})


async def hand_off(
    session: AsyncSession, case: Case, to_rep: Rep, *, actor: Actor, note: str, now: datetime
) -> None:
    """Ownership moves only here, explicitly, with a note (principle 1)."""
    old_owner = case.owner_id
    if is_active(case.status):
        changes = {to_rep.id: +1}
        if old_owner is not None:
            changes[old_owner] = changes.get(old_owner, 0) - 1
        await repository.add_load(session, changes)
    await _give(session, case, to_rep, now=now, why="hand-off", actor=actor, note=note)
    if old_owner is not None:
        await assign_waiting(session, now=now, limit=1)
