"""Reps and teams: creating them, their tokens, and coming on and off shift."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.assignment import service as assignment
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import Conflict, InvalidInput, NotFound
from throughline.kit.security import hash_secret, new_rep_token
from throughline.models import Rep, Team, TeamMember
from throughline.reps import repository


async def add_team(session: AsyncSession, name: str, *, actor: Actor, now: datetime) -> Team:
    name = name.strip()
    if not name:
        raise InvalidInput("name: a team needs a name")
    if await repository.team_by_name(session, name) is not None:
        raise Conflict(f"team {name!r} already exists")
    team = Team(name=name, created_at=now)
    session.add(team)
    await session.flush()
    audit(session, actor, "team.add", "team", team.id, name=name)
    return team


async def add_rep(
    session: AsyncSession,
    *,
    name: str,
    email: str,
    actor: Actor,
    now: datetime,
    capacity: int = 5,
    teams: list[str] | None = None,
    lead: bool = False,
    extension: str | None = None,
    phone: str | None = None,
    on_shift: bool = False,
) -> tuple[Rep, str]:
    """A new rep and their API token (shown once; only its hash is kept)."""
    email = email.strip().lower()
    if capacity < 0:
        raise InvalidInput("capacity: must be 0 or more")
    if "@" not in email:
        raise InvalidInput(f"email: {email!r} is not an email address")
    if await repository.by_ref(session, email) is not None:
        raise Conflict(f"a rep with email {email} already exists")
    team_rows = []
    for team_name in teams or []:
        team = await repository.team_by_name(session, team_name)
        if team is None:
            raise NotFound(f"no team {team_name!r}; create it with 'throughline team add'")
        team_rows.append(team)
    token = new_rep_token()
    rep = Rep(
        name=name.strip(),
        email=email,
        capacity=capacity,
        is_lead=lead,
        extension=extension,
        phone=phone,
        token_hash=hash_secret(token),
        on_shift=False,
        is_active=True,
        active_cases=0,
        created_at=now,
    )
    session.add(rep)
    await session.flush()
    for team in team_rows:
        session.add(TeamMember(team_id=team.id, rep_id=rep.id))
    audit(
        session,
        actor,
        "rep.add",
        "rep",
        rep.id,
        email=email,
        lead=lead,
        capacity=capacity,
        teams=[team.name for team in team_rows],
    )
    if on_shift:
        await set_shift(session, rep, on=True, actor=actor, now=now)
    return rep, token


async def new_token(session: AsyncSession, rep: Rep, *, actor: Actor) -> str:
    token = new_rep_token()
    rep.token_hash = hash_secret(token)
    audit(session, actor, "rep.token", "rep", rep.id)
    return token


# The default of THROUGHLINE_RETURNING_CUSTOMER_DAYS, for callers without settings.
DEFAULT_RETURNING_WINDOW = timedelta(days=30)


async def set_shift(
    session: AsyncSession,
    rep: Rep,
    *,
    on: bool,
    actor: Actor,
    now: datetime,
    returning_window: timedelta = DEFAULT_RETURNING_WINDOW,
) -> None:
    """Coming on shift takes back the rep's queued returning customers, then pulls waiting
    cases; going off keeps every case with its owner."""
    if rep.on_shift == on:
        return
    rep.on_shift = on
    rep.shift_changed_at = now
    if on:
        # Idle time counts from the start of the shift, not from yesterday's last case.
        rep.last_assigned_at = now
    audit(session, actor, "rep.shift", "rep", rep.id, on=on)
    await session.flush()
    if on:
        await assignment.assign_returning(session, rep.id, window=returning_window, now=now)
        await assignment.assign_waiting(session, now=now)
