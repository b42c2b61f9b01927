"""What an admin changes about a rep from the workspace: role, capacity, contact, teams.

Services change the session and never commit; every change is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.assignment import service as assignment
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import InvalidInput
from throughline.models import Rep, Team, TeamMember
from throughline.workspace import auth


async def teams_by_rep(session: AsyncSession) -> dict[int, list[str]]:
    rows = await session.execute(
        select(TeamMember.rep_id, Team.name)
        .join(Team, Team.id == TeamMember.team_id)
        .order_by(Team.name)
    )
    found: dict[int, list[str]] = {}
    for rep_id, name in rows:
        found.setdefault(rep_id, []).append(name)
    return found


async def update_rep(
    session: AsyncSession,
    rep: Rep,
    *,
    role: str,
    capacity: int,
    extension: str | None,
    phone: str | None,
    team_ids: set[int],
    actor: Actor,
    now: datetime,
) -> None:
    """Change a rep's role, capacity, contact and teams; more room pulls waiting cases now."""
    if capacity < 0:
        raise InvalidInput("capacity: must be 0 or more")
    if actor.rep_id == rep.id and auth.role_of(rep) == "admin" and role != "admin":
        raise InvalidInput("role: you cannot remove your own admin role; ask another admin")
    known = set(await session.scalars(select(Team.id)))
    if not team_ids <= known:
        raise InvalidInput("teams: no such team")
    auth.set_role(session, rep, role, actor=actor)
    before = rep.capacity
    rep.capacity = capacity
    rep.extension = extension or None
    rep.phone = phone or None
    await session.execute(delete(TeamMember).where(TeamMember.rep_id == rep.id))
    for team_id in sorted(team_ids):
        session.add(TeamMember(team_id=team_id, rep_id=rep.id))
    audit(
        session,
        actor,
        "rep.update",
        "rep",
        rep.id,
        capacity=capacity,
        capacity_before=before,
        extension=rep.extension,
        phone=rep.phone,
        teams=sorted(team_ids),
    )
    await session.flush()
    if capacity > before and rep.on_shift:
        await assignment.assign_waiting(session, now=now)
