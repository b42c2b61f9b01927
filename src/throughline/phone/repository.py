"""Every query of the phone directory: calls, the caller's open case, who can take a call."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.rules import Status
from throughline.models import Case, PhoneCall, Rep, Team, TeamMember


async def call_by_sid(session: AsyncSession, call_sid: str) -> PhoneCall | None:
    return await session.scalar(
        select(PhoneCall).where(PhoneCall.call_sid == call_sid).with_for_update()
    )


async def open_case_of(session: AsyncSession, customer_id: int) -> Case | None:
    """The customer's most recent case that is not resolved."""
    return await session.scalar(
        select(Case)
        .where(Case.customer_id == customer_id, Case.status != Status.RESOLVED)
        .order_by(Case.id.desc())
        .limit(1)
    )


def _reachable() -> list[object]:
    return [
        Rep.on_shift.is_(True),
        Rep.is_active.is_(True),
        (Rep.phone.is_not(None)) | (Rep.extension.is_not(None)),
    ]


async def free_rep(
    session: AsyncSession, *, team: str | None = None, exclude: int | None = None
) -> Rep | None:
    """An on-shift rep with a number (of ``team`` when given): the least busy first."""
    query = select(Rep).where(*_reachable())  # type: ignore[arg-type]
    if team is not None:
        query = (
            query.join(TeamMember, TeamMember.rep_id == Rep.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.name == team)
        )
    if exclude is not None:
        query = query.where(Rep.id != exclude)
    return await session.scalar(query.order_by(Rep.active_cases, Rep.id).limit(1))


async def team_of(session: AsyncSession, rep_id: int) -> str | None:
    return await session.scalar(
        select(Team.name)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.rep_id == rep_id)
        .order_by(Team.name)
        .limit(1)
    )
