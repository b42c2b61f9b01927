"""Escalation keeps the owner (principle 3).

Specialists answer the owner, who stays responsible and tells the customer.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.assignment.service import raise_attention
from throughline.cases import repository as cases
from throughline.cases.rules import OwnerAct, Reason, Status, case_summary, due_at
from throughline.cases.service import (
    case_due,
    escalation_targets,
    owner_worked,
    require_may_work,
    set_status,
)
from throughline.cases.timeline import Kind, record
from throughline.config import Settings
from throughline.escalations import repository
from throughline.kit.actors import SYSTEM, Actor
from throughline.kit.errors import Conflict, Forbidden, NotFound
from throughline.models import Case, Escalation, Step, Team
from throughline.policy import service as policy
from throughline.reps import repository as reps


def steps_digest(steps: list[Step]) -> list[dict[str, object]]:
    """Each distinct step once, with its latest outcome and how often it was tried."""
    first: dict[str, Step] = {}
    latest: dict[str, Step] = {}
    times: Counter[str] = Counter()
    for step in steps:
        first.setdefault(step.normalized, step)
        latest[step.normalized] = step
        times[step.normalized] += 1
    return [
        {
            "description": step.description,
            "outcome": latest[key].outcome,
            "times_tried": times[key],
            "at": latest[key].created_at.isoformat(),
        }
        for key, step in first.items()
    ]


async def may_see_team(session: AsyncSession, actor: Actor, team: Team) -> bool:
    if actor.is_lead:
        return True
    return actor.rep_id is not None and team.id in await reps.team_ids_of(session, actor.rep_id)


async def escalate(
    session: AsyncSession,
    case: Case,
    actor: Actor,
    *,
    team_name: str,
    question: str,
    settings: Settings,
    now: datetime,
) -> Escalation:
    """Ask a team for help, carrying the summary and every step already tried."""
    require_may_work(actor, case, "escalate")
    if case.status == Status.RESOLVED:
        raise Conflict(f"{case.number} is resolved")
    team = await reps.team_by_name(session, team_name)
    if team is None:
        raise NotFound(f"no team {team_name!r}")
    steps = await cases.steps(session, case.id)
    escalation = Escalation(
        case_id=case.id,
        team_id=team.id,
        asked_by_id=actor.rep_id,
        question=question,
        summary=case_summary(case.subject, await cases.first_customer_message(session, case.id)),
        steps_tried=steps_digest(steps),
        due_at=due_at(
            case.severity,
            now,
            escalation_targets(settings),
            await policy.escalation_calendar(session, settings, team.id, now=now),
        ),
        created_at=now,
    )
    session.add(escalation)
    await session.flush()
    record(
        session,
        case,
        Kind.ESCALATION,
        actor,
        now=now,
        body=question,
        escalation_id=escalation.id,
        team=team.name,
        due_at=escalation.due_at.isoformat(),
    )
    await owner_worked(session, case, actor, OwnerAct.ESCALATE, now=now)
    return escalation


async def answer(
    session: AsyncSession,
    escalation: Escalation,
    actor: Actor,
    *,
    body: str,
    settings: Settings,
    now: datetime,
) -> Case:
    """The specialist reports back to the owner; the case lands on the owner's work list."""
    team = await session.get(Team, escalation.team_id)
    assert team is not None
    if not await may_see_team(session, actor, team):
        raise Forbidden(f"only members of {team.name} (or a lead) may answer its escalations")
    if escalation.answered_at is not None:
        raise Conflict(f"escalation {escalation.id} was already answered")
    case = await cases.get_case(session, escalation.case_id, for_update=True)
    escalation.answered_at = now
    escalation.answered_by_id = actor.rep_id
    escalation.answer = body
    record(
        session,
        case,
        Kind.ESCALATION_ANSWER,
        actor,
        now=now,
        body=body,
        escalation_id=escalation.id,
        team=team.name,
    )
    if case.owner_id is not None:
        await raise_attention(
            session,
            case,
            Reason.ESCALATION_ANSWERED,
            since=now,
            due_at=case_due(settings, case.severity, now),
        )
    await session.flush()
    if case.status == Status.WAITING_ON_TEAM and not await cases.open_escalation_count(
        session, case.id
    ):
        await set_status(session, case, Status.OPEN, actor=SYSTEM, now=now)
    return case


async def note_overdue(session: AsyncSession, *, now: datetime) -> int:
    """Put each escalation that passed its due time on the case's timeline, once."""
    overdue = await repository.overdue_unnoted(session, now, limit=200)
    for escalation in overdue:
        case = await cases.get_case(session, escalation.case_id)
        team = await session.get(Team, escalation.team_id)
        escalation.overdue_noted_at = now
        record(
            session,
            case,
            Kind.ESCALATION_OVERDUE,
            SYSTEM,
            now=now,
            body=f"{team.name if team else 'The team'} has not answered; it was due "
            f"{escalation.due_at:%Y-%m-%d %H:%M} UTC.",
            escalation_id=escalation.id,
        )
    return len(overdue)
