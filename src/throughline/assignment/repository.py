"""Every query of assignment. Row locks live here and only here.

On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets many processes assign at once
without ever giving one case two owners or one rep more than their room: a
rep row or case row another transaction is working on is skipped, not
shared. SQLite renders no FOR UPDATE; there the writer's ``BEGIN IMMEDIATE``
already makes each assignment the only one running.

The locks are ``FOR NO KEY UPDATE``: they exclude each other and every UPDATE
of the row, but not the key-share lock PostgreSQL takes on a row that a new
row refers to. So a rep writing a reply (a timeline entry naming them) neither
waits for an assignment that holds their row nor is passed over by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from throughline.cases.rules import Status
from throughline.kit.queries import table_of, upsert_insert
from throughline.models import Case, CaseAttention, Rep

# Built once (statements are immutable): every arrival asks it.
_FREE_REP = (
    select(Rep)
    .where(Rep.on_shift, Rep.is_active, Rep.active_cases < Rep.capacity)
    .order_by(Rep.active_cases, Rep.last_assigned_at.asc().nulls_first(), Rep.id)
    .limit(1)
    .with_for_update(skip_locked=True, key_share=True)
    .execution_options(populate_existing=True)
)


_RAISES: dict[str, Any] = {}


def raise_statement(session: AsyncSession) -> Any:
    """Insert a reason a case needs its owner, or keep the earlier due time of the one there
    (parameters case_id, reason, since, due_at). Built once per database kind."""
    dialect = session.get_bind().dialect.name
    found = _RAISES.get(dialect)
    if found is None:
        table = table_of(CaseAttention)
        insert = upsert_insert(dialect)(table)
        due = case(
            (insert.excluded.due_at < table.c.due_at, insert.excluded.due_at), else_=table.c.due_at
        )
        found = _RAISES[dialect] = insert.on_conflict_do_update(
            index_elements=[table.c.case_id, table.c.reason], set_={"due_at": due}
        )
    return found


async def lock_free_rep(session: AsyncSession) -> Rep | None:
    """The on-shift rep with room who has the fewest active cases, then the longest idle."""
    return await session.scalar(_FREE_REP)


# Only the id: the case is most often the one this unit of work just opened, already held.
_NEXT_WAITING = (
    select(Case.id)
    .where(Case.owner_id.is_(None), Case.status != Status.RESOLVED)
    .order_by(Case.due_at, Case.id)
    .limit(1)
    .with_for_update(skip_locked=True, key_share=True)
)


async def lock_next_waiting_case(session: AsyncSession, *, held: Case | None = None) -> Case | None:
    """The unowned case that is due first (plan tier plays no part); locked.

    ``held``: a case this unit of work wrote itself (a new arrival), used as it is when it
    is the one found rather than read again.
    """
    case_id = await session.scalar(_NEXT_WAITING)
    if case_id is None:
        return None
    if held is not None and held.id == case_id:
        return held
    # Locked now, by the statement above: read it as it is now, not as the session had it.
    return await session.get(Case, case_id, populate_existing=True)


async def lock_queued_for(
    session: AsyncSession, rep_id: int, *, since: datetime, limit: int
) -> list[Case]:
    """Unowned cases of returning customers whose previous owner is this rep, due first."""
    if limit <= 0:
        return []
    return list(
        await session.scalars(
            select(Case)
            .where(
                Case.previous_owner_id == rep_id,
                Case.owner_id.is_(None),
                Case.status != Status.RESOLVED,
                Case.created_at >= since,
            )
            .order_by(Case.due_at, Case.id)
            .limit(limit)
            .with_for_update(skip_locked=True, key_share=True)
            .execution_options(populate_existing=True)
        )
    )


async def lock_rep(session: AsyncSession, rep_id: int) -> Rep | None:
    return await session.scalar(
        select(Rep)
        .where(Rep.id == rep_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


_REPS = table_of(Rep)
_ADD_LOAD = (
    update(_REPS)
    .where(_REPS.c.id == bindparam("rep_id"))
    .values(active_cases=_REPS.c.active_cases + bindparam("delta"))
)
_MARK_ASSIGNED = (
    update(_REPS)
    .where(_REPS.c.id == bindparam("rep_id"))
    .values(
        active_cases=_REPS.c.active_cases + 1,
        last_assigned_at=bindparam("now", type_=_REPS.c.last_assigned_at.type),
    )
    .returning(_REPS.c.active_cases)
)


async def add_load(session: AsyncSession, changes: Mapping[int, int]) -> None:
    """Move reps' active-case counts, in id order so that two transactions never deadlock."""
    for rep_id in sorted(changes):
        delta = changes[rep_id]
        if delta:
            await session.execute(_ADD_LOAD, {"rep_id": rep_id, "delta": delta})


async def mark_assigned(session: AsyncSession, rep_id: int, now: datetime) -> None:
    counted = await session.scalar(_MARK_ASSIGNED, {"rep_id": rep_id, "now": now})
    # The rep's row in this session says what the database now says (no reload needed).
    rep = session.identity_map.get(identity_key(Rep, rep_id))
    if isinstance(rep, Rep) and counted is not None:
        set_committed_value(rep, "active_cases", counted)
        set_committed_value(rep, "last_assigned_at", now)
