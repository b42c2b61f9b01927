"""Every query of schedules: a rep's or a team's hours, and the days off that apply."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.models import DayOff, Schedule, TeamMember


async def schedule_of(
    session: AsyncSession, *, rep_id: int | None = None, team_id: int | None = None
) -> Schedule | None:
    if rep_id is not None:
        return await session.scalar(select(Schedule).where(Schedule.rep_id == rep_id))
    return await session.scalar(select(Schedule).where(Schedule.team_id == team_id))


async def days_off_for_rep(session: AsyncSession, rep_id: int, *, since: date) -> list[date]:
    """The rep's own days off, their teams' holidays and the desk's, from ``since`` on."""
    teams = select(TeamMember.team_id).where(TeamMember.rep_id == rep_id)
    rows = await session.scalars(
        select(DayOff.day).where(
            DayOff.day >= since,
            or_(
                DayOff.rep_id == rep_id,
                DayOff.team_id.in_(teams),
                and_(DayOff.rep_id.is_(None), DayOff.team_id.is_(None)),
            ),
        )
    )
    return list(rows)


async def days_off_for_team(session: AsyncSession, team_id: int, *, since: date) -> list[date]:
    """The team's holidays and the desk's, from ``since`` on."""
    rows = await session.scalars(
        select(DayOff.day).where(
            DayOff.day >= since,
            DayOff.rep_id.is_(None),
            or_(DayOff.team_id == team_id, DayOff.team_id.is_(None)),
        )
    )
    return list(rows)


async def listed_days_off(
    session: AsyncSession, *, rep_id: int | None = None, team_id: int | None = None
) -> list[DayOff]:
    """Days off as entered for one rep, one team, or (neither) the whole desk, by date."""
    return list(
        await session.scalars(
            select(DayOff)
            .where(
                DayOff.rep_id.is_(None) if rep_id is None else DayOff.rep_id == rep_id,
                DayOff.team_id.is_(None) if team_id is None else DayOff.team_id == team_id,
            )
            .order_by(DayOff.day, DayOff.id)
        )
    )


async def day_off(
    session: AsyncSession, day: date, *, rep_id: int | None, team_id: int | None
) -> DayOff | None:
    return await session.scalar(
        select(DayOff).where(
            DayOff.day == day,
            DayOff.rep_id.is_(None) if rep_id is None else DayOff.rep_id == rep_id,
            DayOff.team_id.is_(None) if team_id is None else DayOff.team_id == team_id,
        )
    )


async def all_schedules(session: AsyncSession) -> list[Schedule]:
    return list(await session.scalars(select(Schedule).order_by(Schedule.id)))


async def all_days_off(session: AsyncSession, *, limit: int = 500) -> list[DayOff]:
    return list(await session.scalars(select(DayOff).order_by(DayOff.day, DayOff.id).limit(limit)))
