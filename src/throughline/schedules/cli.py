"""``throughline rep schedule …``: reps' and teams' working hours, days off and holidays."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings
from throughline.kit.actors import CLI
from throughline.kit.errors import InvalidInput, NotFound
from throughline.models import Rep, Team, utcnow
from throughline.reps import repository as reps
from throughline.schedules import repository, service

schedule_app = typer.Typer(
    help="Working hours in a time zone, days off and holidays: when someone is expected.",
    no_args_is_help=True,
)

TeamOption = Annotated[str | None, typer.Option(help="A team instead of a rep")]


async def _rep(session: AsyncSession, ref: str) -> Rep:
    rep = await reps.by_ref(session, ref)
    if rep is None:
        raise NotFound(f"no rep {ref!r}")
    return rep


async def _team(session: AsyncSession, name: str | None) -> Team | None:
    if name is None:
        return None
    team = await reps.team_by_name(session, name)
    if team is None:
        raise NotFound(f"no team {name!r}")
    return team


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"day: {text!r} is not a date like 2026-12-24") from None


def _run(work: object) -> str:
    from throughline.cli import in_session

    result: str = in_session(work)  # type: ignore[arg-type]
    return result


@schedule_app.command("set")
def schedule_set(
    who: Annotated[str, typer.Argument(help="The rep's email or id (or a team with --team)")],
    zone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin")],
    hours: Annotated[str, typer.Option(help="e.g. 'mon-fri 09:00-17:00, sat 10:00-14:00'")],
    team: Annotated[bool, typer.Option(help="WHO is a team name")] = False,
) -> None:
    """Set weekly working hours; a period ending before it starts runs past midnight."""

    async def work(session: AsyncSession, _settings: Settings) -> str:
        rep = None if team else await _rep(session, who)
        row = await service.set_hours(
            session,
            rep=rep,
            team=await _team(session, who) if team else None,
            time_zone=zone,
            hours=hours,
            actor=CLI,
            now=utcnow(),
        )
        return f"Hours of {who} ({row.time_zone}): {service.hours_of(row).text() or 'none'}"

    typer.echo(_run(work))


@schedule_app.command("show")
def schedule_show(
    who: Annotated[str, typer.Argument(help="The rep's email or id (or a team with --team)")],
    team: Annotated[bool, typer.Option(help="WHO is a team name")] = False,
) -> None:
    """Show hours, days off and when they are next expected at work."""

    async def work(session: AsyncSession, _settings: Settings) -> str:
        now = utcnow()
        if team:
            found = await _team(session, who)
            assert found is not None
            row = await repository.schedule_of(session, team_id=found.id)
            listed = await repository.listed_days_off(session, team_id=found.id)
            calendar = await service.team_calendar(session, found.id, now=now)
        else:
            rep = await _rep(session, who)
            row = await repository.schedule_of(session, rep_id=rep.id)
            listed = await repository.listed_days_off(session, rep_id=rep.id)
            calendar = await service.rep_calendar(session, rep.id, now=now)
        shown = service.schedule_out(row, listed, calendar, now)
        if row is None:
            lines = [f"{who}: no schedule (nothing is said about when they are back)"]
        else:
            lines = [f"{who} ({shown['time_zone']}): {shown['hours'] or 'no hours'}"]
            lines.append(f"Next expected: {shown['next_expected'] or 'not within a year'}")
        lines += [f"Day off: {d['day']} {d['name']}".rstrip() for d in shown["days_off"]]
        return "\n".join(lines)

    typer.echo(_run(work))


@schedule_app.command("clear")
def schedule_clear(
    who: Annotated[str, typer.Argument(help="The rep's email or id (or a team with --team)")],
    team: Annotated[bool, typer.Option(help="WHO is a team name")] = False,
) -> None:
    """Remove the hours: customers are then told nothing about when they are back."""

    async def work(session: AsyncSession, _settings: Settings) -> str:
        rep = None if team else await _rep(session, who)
        found = await _team(session, who) if team else None
        removed = await service.clear_hours(session, rep=rep, team=found, actor=CLI)
        return f"Hours of {who} removed." if removed else f"{who} had no hours."

    typer.echo(_run(work))


@schedule_app.command("day-off")
def schedule_day_off(
    day: Annotated[str, typer.Argument(help="The date, e.g. 2026-12-24")],
    rep: Annotated[str | None, typer.Option(help="The rep's email or id")] = None,
    team: TeamOption = None,
    name: Annotated[str, typer.Option(help="What the day is, e.g. Christmas Eve")] = "",
    remove: Annotated[bool, typer.Option(help="Take the day off back")] = False,
) -> None:
    """A rep's day off (--rep), a team's holiday (--team), or with neither the whole desk's."""

    async def work(session: AsyncSession, _settings: Settings) -> str:
        found_rep = await _rep(session, rep) if rep else None
        found_team = await _team(session, team)
        whose = rep or (f"team {team}" if team else "the whole desk")
        if remove:
            await service.remove_day_off(
                session, _day(day), rep=found_rep, team=found_team, actor=CLI
            )
            return f"{day} is no longer a day off for {whose}."
        await service.add_day_off(
            session, _day(day), rep=found_rep, team=found_team, name=name, actor=CLI, now=utcnow()
        )
        return f"{day} is a day off for {whose}."

    typer.echo(_run(work))
