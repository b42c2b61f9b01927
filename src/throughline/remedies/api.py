"""JSON routes for remedies: the catalogue, taking an action, and the approver's decision."""

from __future__ import annotations

from fastapi import APIRouter

from throughline.cases import repository as cases
from throughline.kit.deps import CurrentRep, ReadSession, WriteSession
from throughline.models import Rep, utcnow
from throughline.remedies import repository, service
from throughline.remedies.rules import shown
from throughline.remedies.schemas import (
    ActionIn,
    ActionList,
    ActionOut,
    Catalogue,
    DecisionIn,
    PersonOut,
    RemedyOut,
)

router = APIRouter(tags=["remedies"])


def _person(rep: Rep | None) -> PersonOut | None:
    return PersonOut(id=rep.id, name=rep.name) if rep is not None else None


def _out(found: service.ActionDetails) -> ActionOut:
    action, remedy = found.action, found.remedy
    return ActionOut(
        id=action.id,
        case=f"TL-{action.case_id}",
        kind=remedy.key,
        label=remedy.label,
        amount=shown(action.amount, remedy.unit),
        unit=remedy.unit,
        status=action.status,
        rep=_person(found.rep),
        approver=_person(found.approver),
        limit=shown(found.limit, remedy.unit),
        words=found.words,
        note=action.note,
        created_at=action.created_at,
        decided_at=action.decided_at,
    )


@router.get("/api/v1/remedies", response_model=Catalogue)
async def catalogue(session: ReadSession, actor: CurrentRep) -> Catalogue:
    """What you may grant, with your own limit for each: within it, no approval needed."""
    assert actor.rep_id is not None
    return Catalogue(
        items=[
            RemedyOut(
                kind=remedy.key,
                label=remedy.label,
                unit=remedy.unit,
                limit=shown(limit, remedy.unit),
                default_limit=shown(remedy.default_limit, remedy.unit),
            )
            for remedy, limit in await service.catalogue_for(session, actor.rep_id)
        ]
    )


@router.post("/api/v1/cases/{number}/actions", status_code=201, response_model=ActionOut)
async def take_action(
    number: str, body: ActionIn, session: WriteSession, actor: CurrentRep
) -> ActionOut:
    """Take a remedy: done at once within your limit, else waiting for one named approver."""
    case = await cases.get_case(session, number, for_update=True)
    action = await service.take_action(
        session, case, actor, kind=body.kind, amount=body.amount, note=body.note, now=utcnow()
    )
    [found] = await service.details(session, [action], viewer_id=actor.rep_id)
    return _out(found)


@router.post("/api/v1/actions/{action_id}/decision", response_model=ActionOut)
async def decide(
    action_id: int, body: DecisionIn, session: WriteSession, actor: CurrentRep
) -> ActionOut:
    """The named approver's one decision: approve (granted) or reject."""
    action = await repository.get_action(session, action_id, for_update=True)
    await service.decide(session, action, actor, approve=body.approve, note=body.note, now=utcnow())
    [found] = await service.details(session, [action], viewer_id=actor.rep_id)
    return _out(found)


@router.get("/api/v1/actions", response_model=ActionList)
async def list_actions(session: ReadSession, actor: CurrentRep, pending: bool = True) -> ActionList:
    """pending=true: actions waiting for your decision; false: the latest you took or decide."""
    assert actor.rep_id is not None
    if pending:
        actions = await repository.waiting_for(session, actor.rep_id)
    else:
        actions = await repository.involving(session, actor.rep_id, limit=100)
    found = await service.details(session, actions, viewer_id=actor.rep_id)
    return ActionList(items=[_out(item) for item in found])
