"""Every query about remedies: the catalogue, reps' limits, and actions."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.errors import NotFound
from throughline.kit.queries import one_or_404, valid_id
from throughline.models import Action, Remedy, RepRemedyLimit, TeamMember
from throughline.remedies.rules import ActionStatus


async def catalogue_size(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Remedy)) or 0)


async def catalogue(session: AsyncSession, *, active_only: bool) -> list[Remedy]:
    query = select(Remedy)
    if active_only:
        query = query.where(Remedy.is_active.is_(True))
    return list(await session.scalars(query.order_by(Remedy.key)))


async def remedy_by_key(session: AsyncSession, key: str) -> Remedy | None:
    return await session.scalar(select(Remedy).where(Remedy.key == key.strip().lower()))


async def remedies_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Remedy]:
    if not ids:
        return {}
    rows = await session.scalars(select(Remedy).where(Remedy.id.in_(ids)))
    return {remedy.id: remedy for remedy in rows}


async def limit_override(
    session: AsyncSession, rep_id: int, remedy_id: int
) -> RepRemedyLimit | None:
    return await session.get(RepRemedyLimit, (rep_id, remedy_id))


async def overrides_for(session: AsyncSession, rep_ids: set[int]) -> dict[tuple[int, int], Decimal]:
    """Per-rep limits, keyed by (rep id, remedy id)."""
    if not rep_ids:
        return {}
    rows = await session.scalars(select(RepRemedyLimit).where(RepRemedyLimit.rep_id.in_(rep_ids)))
    return {(row.rep_id, row.remedy_id): row.limit for row in rows}


async def team_ids_by_rep(session: AsyncSession, rep_ids: set[int]) -> dict[int, frozenset[int]]:
    if not rep_ids:
        return {}
    rows = await session.execute(
        select(TeamMember.rep_id, TeamMember.team_id).where(TeamMember.rep_id.in_(rep_ids))
    )
    found: dict[int, set[int]] = {rep_id: set() for rep_id in rep_ids}
    for rep_id, team_id in rows:
        found[rep_id].add(team_id)
    return {rep_id: frozenset(teams) for rep_id, teams in found.items()}


async def get_action(session: AsyncSession, action_id: int, *, for_update: bool = False) -> Action:
    if not valid_id(action_id):
        raise NotFound(f"no action {action_id}")
    return await one_or_404(
        session,
        select(Action).where(Action.id == action_id),
        missing=f"no action {action_id}",
        for_update=for_update,
    )


async def waiting_for(session: AsyncSession, approver_id: int) -> list[Action]:
    """Actions waiting for this approver's decision, oldest first."""
    return list(
        await session.scalars(
            select(Action)
            .where(Action.approver_id == approver_id, Action.status == ActionStatus.PENDING)
            .order_by(Action.id)
        )
    )


async def involving(session: AsyncSession, rep_id: int, *, limit: int) -> list[Action]:
    """Actions this rep took or was named to decide, newest first."""
    return list(
        await session.scalars(
            select(Action)
            .where(or_(Action.rep_id == rep_id, Action.approver_id == rep_id))
            .order_by(Action.id.desc())
            .limit(limit)
        )
    )
