"""Setting reps' and teams' hours and days off, and what they tell a customer.

Services change the session and never commit; every change is audited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import Conflict, InvalidInput, NotFound
from throughline.models import Customer, DayOff, Rep, Schedule, Team
from throughline.schedules import repository
from throughline.schedules.rules import (
    Calendar,
    Period,
    back_words,
    check_periods,
    check_zone,
    known_zone,
    next_expected,
    parse_hours,
)
from throughline.schedules.rules import Schedule as Hours

# A day off further back than this no longer matters to "when is the rep back".
PAST_DAYS = 2


def hours_of(row: Schedule) -> Hours:
    return Hours(row.time_zone, tuple(Period(*period) for period in row.hours))


def _whose(rep: Rep | None, team: Team | None) -> tuple[str, int | None]:
    if rep is not None:
        return "rep", rep.id
    if team is not None:
        return "team", team.id
    return "desk", None


async def set_hours(
    session: AsyncSession,
    *,
    rep: Rep | None = None,
    team: Team | None = None,
    time_zone: str,
    hours: str | list[Period],
    actor: Actor,
    now: datetime,
) -> Schedule:
    """A rep's or a team's weekly hours in their zone ("mon-fri 09:00-17:00" or periods)."""
    if (rep is None) == (team is None):
        raise InvalidInput("schedule: give a rep or a team")
    zone = check_zone(time_zone)
    periods = parse_hours(hours) if isinstance(hours, str) else check_periods(hours)
    kind, target_id = _whose(rep, team)
    row = await repository.schedule_of(
        session, rep_id=rep.id if rep else None, team_id=team.id if team else None
    )
    before = hours_of(row).text() if row is not None else None
    if row is None:
        row = Schedule(rep_id=rep.id if rep else None, team_id=team.id if team else None)
        session.add(row)
    row.time_zone = zone
    row.hours = [[p.day, p.start, p.end] for p in periods]
    row.created_at = now
    audit(
        session,
        actor,
        f"{kind}.schedule",
        kind,
        target_id,
        time_zone=zone,
        hours=hours_of(row).text(),
        hours_before=before,
    )
    await session.flush()
    return row


async def clear_hours(
    session: AsyncSession, *, rep: Rep | None = None, team: Team | None = None, actor: Actor
) -> bool:
    """Remove a schedule: from then on nothing is said about when they are back."""
    row = await repository.schedule_of(
        session, rep_id=rep.id if rep else None, team_id=team.id if team else None
    )
    if row is None:
        return False
    kind, target_id = _whose(rep, team)
    audit(session, actor, f"{kind}.schedule_cleared", kind, target_id)
    await session.delete(row)
    await session.flush()
    return True


async def add_day_off(
    session: AsyncSession,
    day: date,
    *,
    rep: Rep | None = None,
    team: Team | None = None,
    name: str = "",
    actor: Actor,
    now: datetime,
) -> DayOff:
    """A day off for a rep, a public holiday for a team, or (neither) for the whole desk."""
    if rep is not None and team is not None:
        raise InvalidInput("day off: for a rep, a team or the whole desk, not two at once")
    name = (name or "").strip()
    if len(name) > 200:
        raise InvalidInput("name: at most 200 characters")
    kind, target_id = _whose(rep, team)
    rep_id, team_id = (rep.id if rep else None), (team.id if team else None)
    if await repository.day_off(session, day, rep_id=rep_id, team_id=team_id) is not None:
        raise Conflict(f"{day.isoformat()} is already a day off there")
    row = DayOff(rep_id=rep_id, team_id=team_id, day=day, name=name, created_at=now)
    session.add(row)
    audit(session, actor, f"{kind}.day_off", kind, target_id, day=day.isoformat(), name=name)
    await session.flush()
    return row


async def remove_day_off(
    session: AsyncSession,
    day: date,
    *,
    rep: Rep | None = None,
    team: Team | None = None,
    actor: Actor,
) -> None:
    kind, target_id = _whose(rep, team)
    row = await repository.day_off(
        session, day, rep_id=rep.id if rep else None, team_id=team.id if team else None
    )
    if row is None:
        raise NotFound(f"{day.isoformat()} is not a day off there")
    audit(session, actor, f"{kind}.day_off_removed", kind, target_id, day=day.isoformat())
    await session.delete(row)
    await session.flush()


async def rep_calendar(session: AsyncSession, rep_id: int, *, now: datetime) -> Calendar | None:
    """The rep's hours with every day off that applies to them; None without a schedule."""
    row = await repository.schedule_of(session, rep_id=rep_id)
    if row is None:
        return None
    since = now.date() - timedelta(days=PAST_DAYS)
    days = await repository.days_off_for_rep(session, rep_id, since=since)
    return Calendar(hours_of(row), frozenset(days))


async def team_calendar(session: AsyncSession, team_id: int, *, now: datetime) -> Calendar | None:
    row = await repository.schedule_of(session, team_id=team_id)
    if row is None:
        return None
    since = now.date() - timedelta(days=PAST_DAYS)
    days = await repository.days_off_for_team(session, team_id, since=since)
    return Calendar(hours_of(row), frozenset(days))


def customer_zone_name(customer: Customer | None) -> object:
    """The zone a customer told us (their profile's environment), if any."""
    return (customer.environment or {}).get("time_zone") if customer is not None else None


async def when_back(
    session: AsyncSession,
    rep: Rep,
    *,
    customer_id: int | None,
    now: datetime,
    name: str | None = None,
) -> str | None:
    """When the rep is next expected, in the customer's time where known; None (say nothing
    about when) without a schedule or without any hours ahead."""
    calendar = await rep_calendar(session, rep.id, now=now)
    if calendar is None:
        return None
    expected = next_expected(calendar.schedule, calendar.days_off, now)
    if expected is None:
        return None
    customer = await session.get(Customer, customer_id) if customer_id is not None else None
    return back_words(
        name or rep.name,
        expected,
        now=now,
        customer_zone=known_zone(customer_zone_name(customer)),
        rep_zone=calendar.schedule.time_zone,
    )


def schedule_out(
    row: Schedule | None, days_off: list[DayOff], calendar: Calendar | None, now: datetime
) -> dict[str, Any]:
    """A schedule as the API and the CLI show it; ``calendar`` holds every day off that
    applies (the rep's, their teams' and the desk's)."""
    hours = hours_of(row) if row is not None else None
    expected = next_expected(calendar.schedule, calendar.days_off, now) if calendar else None
    return {
        "time_zone": hours.time_zone if hours else None,
        "hours": hours.text() if hours else "",
        "periods": [
            {"day": p.day, "start": p.start, "end": p.end} for p in (hours.periods if hours else ())
        ],
        "days_off": [{"day": d.day.isoformat(), "name": d.name} for d in days_off],
        "next_expected": expected.isoformat() if expected else None,
    }


async def admin_overview(session: AsyncSession) -> dict[str, Any]:
    """What the admin page shows: each rep's and team's hours, and every day off entered."""
    rows = await repository.all_schedules(session)
    days = await repository.all_days_off(session)
    return {
        "rep_hours": {row.rep_id: row for row in rows if row.rep_id is not None},
        "team_hours": {row.team_id: row for row in rows if row.team_id is not None},
        "hours_text": lambda row: hours_of(row).text() if row is not None else "",
        "days_off": days,
    }
