"""JSON routes for working hours and days off: of a rep, of a team, and of the whole desk.

Any rep may read them (colleagues plan around each other); a lead sets anyone's, a rep
their own; teams' and the desk's are set by leads.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.actors import Actor
from throughline.kit.deps import CurrentRep, ReadSession, WriteSession
from throughline.kit.errors import Forbidden, NotFound
from throughline.kit.schemas import In
from throughline.models import Rep, Team, utcnow
from throughline.reps import repository as reps
from throughline.schedules import repository, service
from throughline.schedules.rules import Period

router = APIRouter(tags=["schedules"])


class PeriodIn(In):
    day: int = Field(ge=0, le=6, description="0 is Monday")
    start: int = Field(ge=0, lt=1440, description="minutes after local midnight")
    end: int = Field(ge=0, le=1440, description="at or before start: past midnight")


class ScheduleIn(In):
    time_zone: str = Field(max_length=64, description="an IANA zone, e.g. Europe/Berlin")
    hours: str | list[PeriodIn] = Field(
        description="'mon-fri 09:00-17:00, sat 10:00-14:00', or a list of periods",
    )


class DayOffIn(In):
    day: date
    name: str = Field(default="", max_length=200)


class ScheduleOut(BaseModel):
    time_zone: str | None
    hours: str
    periods: list[dict[str, int]]
    days_off: list[dict[str, str]]
    next_expected: str | None


async def _rep(session: AsyncSession, ref: str) -> Rep:
    rep = await reps.by_ref(session, ref)
    if rep is None:
        raise NotFound(f"no rep {ref!r}")
    return rep


async def _team(session: AsyncSession, name: str) -> Team:
    team = await reps.team_by_name(session, name)
    if team is None:
        raise NotFound(f"no team {name!r}")
    return team


def _may_set(actor: Actor, rep: Rep | None) -> None:
    if actor.is_lead or (rep is not None and actor.rep_id == rep.id):
        return
    what = "your own hours" if rep is not None else "nothing here"
    raise Forbidden(f"only a lead may change this schedule; you may change {what}")


def _hours(body: ScheduleIn) -> str | list[Period]:
    if isinstance(body.hours, str):
        return body.hours[:1000]
    return [Period(p.day, p.start, p.end) for p in body.hours]


async def _rep_out(session: AsyncSession, rep: Rep) -> ScheduleOut:
    now = utcnow()
    row = await repository.schedule_of(session, rep_id=rep.id)
    listed = await repository.listed_days_off(session, rep_id=rep.id)
    calendar = await service.rep_calendar(session, rep.id, now=now)
    return ScheduleOut(**service.schedule_out(row, listed, calendar, now))


async def _team_out(session: AsyncSession, team: Team) -> ScheduleOut:
    now = utcnow()
    row = await repository.schedule_of(session, team_id=team.id)
    listed = await repository.listed_days_off(session, team_id=team.id)
    calendar = await service.team_calendar(session, team.id, now=now)
    return ScheduleOut(**service.schedule_out(row, listed, calendar, now))


@router.get("/api/v1/reps/{ref}/schedule", response_model=ScheduleOut)
async def rep_schedule(ref: str, session: ReadSession, actor: CurrentRep) -> ScheduleOut:
    """A rep's hours, days off, and when they are next expected at work."""
    return await _rep_out(session, await _rep(session, ref))


@router.put("/api/v1/reps/{ref}/schedule", response_model=ScheduleOut)
async def set_rep_schedule(
    ref: str, body: ScheduleIn, session: WriteSession, actor: CurrentRep
) -> ScheduleOut:
    rep = await _rep(session, ref)
    _may_set(actor, rep)
    await service.set_hours(
        session, rep=rep, time_zone=body.time_zone, hours=_hours(body), actor=actor, now=utcnow()
    )
    return await _rep_out(session, rep)


@router.delete("/api/v1/reps/{ref}/schedule", status_code=204)
async def clear_rep_schedule(ref: str, session: WriteSession, actor: CurrentRep) -> Response:
    rep = await _rep(session, ref)
    _may_set(actor, rep)
    await service.clear_hours(session, rep=rep, actor=actor)
    return Response(status_code=204)


@router.post("/api/v1/reps/{ref}/days-off", status_code=201, response_model=ScheduleOut)
async def add_rep_day_off(
    ref: str, body: DayOffIn, session: WriteSession, actor: CurrentRep
) -> ScheduleOut:
    rep = await _rep(session, ref)
    _may_set(actor, rep)
    await service.add_day_off(session, body.day, rep=rep, name=body.name, actor=actor, now=utcnow())
    return await _rep_out(session, rep)


@router.delete("/api/v1/reps/{ref}/days-off/{day}", status_code=204)
async def remove_rep_day_off(
    ref: str, day: date, session: WriteSession, actor: CurrentRep
) -> Response:
    rep = await _rep(session, ref)
    _may_set(actor, rep)
    await service.remove_day_off(session, day, rep=rep, actor=actor)
    return Response(status_code=204)


@router.get("/api/v1/teams/{name}/schedule", response_model=ScheduleOut)
async def team_schedule(name: str, session: ReadSession, actor: CurrentRep) -> ScheduleOut:
    return await _team_out(session, await _team(session, name))


@router.put("/api/v1/teams/{name}/schedule", response_model=ScheduleOut)
async def set_team_schedule(
    name: str, body: ScheduleIn, session: WriteSession, actor: CurrentRep
) -> ScheduleOut:
    _may_set(actor, None)
    team = await _team(session, name)
    await service.set_hours(
        session, team=team, time_zone=body.time_zone, hours=_hours(body), actor=actor, now=utcnow()
    )
    return await _team_out(session, team)


@router.post("/api/v1/teams/{name}/days-off", status_code=201, response_model=ScheduleOut)
async def add_team_day_off(
    name: str, body: DayOffIn, session: WriteSession, actor: CurrentRep
) -> ScheduleOut:
    _may_set(actor, None)
    team = await _team(session, name)
    await service.add_day_off(
        session, body.day, team=team, name=body.name, actor=actor, now=utcnow()
    )
    return await _team_out(session, team)


@router.delete("/api/v1/teams/{name}/days-off/{day}", status_code=204)
async def remove_team_day_off(
    name: str, day: date, session: WriteSession, actor: CurrentRep
) -> Response:
    _may_set(actor, None)
    await service.remove_day_off(session, day, team=await _team(session, name), actor=actor)
    return Response(status_code=204)


@router.get("/api/v1/days-off")
async def desk_days_off(session: ReadSession, actor: CurrentRep) -> list[dict[str, str]]:
    """The whole desk's holidays: every rep's and team's hours skip them."""
    rows = await repository.listed_days_off(session)
    return [{"day": row.day.isoformat(), "name": row.name} for row in rows]


@router.post("/api/v1/days-off", status_code=201)
async def add_desk_day_off(
    body: DayOffIn, session: WriteSession, actor: CurrentRep
) -> dict[str, str]:
    _may_set(actor, None)
    row = await service.add_day_off(session, body.day, name=body.name, actor=actor, now=utcnow())
    return {"day": row.day.isoformat(), "name": row.name}


@router.delete("/api/v1/days-off/{day}", status_code=204)
async def remove_desk_day_off(day: date, session: WriteSession, actor: CurrentRep) -> Response:
    _may_set(actor, None)
    await service.remove_day_off(session, day, actor=actor)
    return Response(status_code=204)
