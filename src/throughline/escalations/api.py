from __future__ import annotations

from fastapi import APIRouter

from throughline.cases import repository as cases
from throughline.escalations import repository, service
from throughline.escalations.schemas import AnswerIn, EscalateIn, EscalationOut, TeamEscalations
from throughline.kit.deps import AppSettings, CurrentRep, ReadSession, WriteSession
from throughline.kit.errors import Forbidden, NotFound
from throughline.models import Escalation, Rep, Team, utcnow
from throughline.reps import repository as reps

router = APIRouter(tags=["escalations"])


def _out(escalation: Escalation, team: Team, asked_by: Rep | None) -> EscalationOut:
    return EscalationOut(
        id=escalation.id,
        case=f"TL-{escalation.case_id}",
        team=team.name,
        question=escalation.question,
        summary=escalation.summary,
        steps_tried=escalation.steps_tried,
        asked_by=asked_by.name if asked_by else None,
        created_at=escalation.created_at,
        due_at=escalation.due_at,
        overdue=escalation.answered_at is None and escalation.due_at <= utcnow(),
        answered_at=escalation.answered_at,
        answer=escalation.answer,
    )


@router.post("/api/v1/cases/{number}/escalations", status_code=201, response_model=EscalationOut)
async def escalate(
    number: str, body: EscalateIn, session: WriteSession, settings: AppSettings, actor: CurrentRep
) -> EscalationOut:
    case = await cases.get_case(session, number, for_update=True)
    escalation = await service.escalate(
        session,
        case,
        actor,
        team_name=body.team,
        question=body.question,
        settings=settings,
        now=utcnow(),
    )
    team = await session.get(Team, escalation.team_id)
    assert team is not None
    return _out(escalation, team, actor.rep)


@router.get("/api/v1/teams/{team}/escalations", response_model=TeamEscalations)
async def team_escalations(
    team: str, session: ReadSession, actor: CurrentRep, state: str = "open"
) -> TeamEscalations:
    """A team's escalations, open ones by due time (state=all for the recent history)."""
    found = await reps.team_by_name(session, team)
    if found is None:
        raise NotFound(f"no team {team!r}")
    if not await service.may_see_team(session, actor, found):
        raise Forbidden(f"only members of {found.name} (or a lead) see its escalations")
    rows = await repository.for_team(session, found.id, open_only=state != "all")
    askers = await cases.rep_names(session, {row.asked_by_id for row in rows})
    return TeamEscalations(
        team=found.name, items=[_out(row, found, askers.get(row.asked_by_id)) for row in rows]
    )


@router.post("/api/v1/escalations/{escalation_id}/answer", response_model=EscalationOut)
async def answer(
    escalation_id: int,
    body: AnswerIn,
    session: WriteSession,
    settings: AppSettings,
    actor: CurrentRep,
) -> EscalationOut:
    escalation = await repository.get(session, escalation_id, for_update=True)
    await service.answer(
        session, escalation, actor, body=body.body, settings=settings, now=utcnow()
    )
    team = await session.get(Team, escalation.team_id)
    asker = await session.get(Rep, escalation.asked_by_id)
    assert team is not None
    return _out(escalation, team, asker)
