from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.errors import NotFound
from throughline.kit.queries import one_or_404, valid_id
from throughline.models import Escalation, TeamMember


async def get(session: AsyncSession, escalation_id: int, *, for_update: bool = False) -> Escalation:
    if not valid_id(escalation_id):
        raise NotFound(f"no escalation {escalation_id}")
    return await one_or_404(
        session,
        select(Escalation).where(Escalation.id == escalation_id),
        missing=f"no escalation {escalation_id}",
        for_update=for_update,
    )


async def for_team(session: AsyncSession, team_id: int, *, open_only: bool) -> list[Escalation]:
    query = select(Escalation).where(Escalation.team_id == team_id)
    if open_only:
        query = query.where(Escalation.answered_at.is_(None)).order_by(Escalation.due_at)
    else:
        query = query.order_by(Escalation.id.desc()).limit(200)
    return list(await session.scalars(query))


async def for_case(session: AsyncSession, case_id: int) -> list[Escalation]:
    return list(
        await session.scalars(
            select(Escalation).where(Escalation.case_id == case_id).order_by(Escalation.id)
        )
    )


async def helping_team_ids(session: AsyncSession, case_id: int, rep_id: int | None) -> set[int]:
    """Teams of this rep that the case has been escalated to: their specialists help on it."""
    if rep_id is None:
        return set()
    rows = await session.scalars(
        select(Escalation.team_id)
        .join(TeamMember, TeamMember.team_id == Escalation.team_id)
        .where(Escalation.case_id == case_id, TeamMember.rep_id == rep_id)
    )
    return set(rows)


async def overdue_unnoted(session: AsyncSession, now: object, limit: int) -> list[Escalation]:
    return list(
        await session.scalars(
            select(Escalation)
            .where(
                Escalation.answered_at.is_(None),
                Escalation.overdue_noted_at.is_(None),
                Escalation.due_at <= now,
            )
            .order_by(Escalation.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
