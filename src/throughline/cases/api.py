"""JSON routes for reps working cases."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Query

from throughline.cases import repeats, repository, service, views
from throughline.cases.rules import Status
from throughline.cases.schemas import (
    CaseCreate,
    CaseCreated,
    CaseList,
    CaseOut,
    CaseState,
    EntryCreated,
    FollowUpIn,
    FollowUpOut,
    HandoffIn,
    MessageIn,
    ProposeIn,
    StepCreated,
    StepIn,
    StepJudged,
    StepJudgementIn,
    WorkList,
)
from throughline.cases.steps import load_synonyms
from throughline.cases.worklist import work_list
from throughline.escalations import repository as escalations
from throughline.kit.deps import AppSettings, CurrentRep, ReadSession, WriteSession
from throughline.kit.errors import InvalidInput
from throughline.kit.queries import valid_id
from throughline.models import Rep, utcnow
from throughline.reps import repository as reps

router = APIRouter(tags=["cases"])


async def _state(session: WriteSession, case_number: str) -> CaseState:
    case = await repository.get_case(session, case_number)
    owner = await session.get(Rep, case.owner_id) if case.owner_id else None
    return CaseState(number=case.number, status=case.status, owner=views.rep_out(owner))


@router.post("/api/v1/cases", status_code=201, response_model=CaseCreated)
async def create_case(
    body: CaseCreate, session: WriteSession, settings: AppSettings, _actor: CurrentRep
) -> CaseCreated:
    """Open a case for a customer (reps and integrations; customers use the portal)."""
    case, token = await service.open_case(
        session,
        service.NewCase(
            email=str(body.customer.email),
            name=body.customer.name,
            subject=body.subject,
            body=body.body,
            severity=body.severity,
            channel=body.channel,
            plan_tier=body.plan_tier,
            environment=body.environment,
        ),
        settings=settings,
        now=utcnow(),
    )
    owner = await session.get(Rep, case.owner_id) if case.owner_id else None
    return CaseCreated(
        number=case.number,
        status=case.status,
        owner=views.rep_out(owner),
        status_token=token,
        status_url=service.status_url(settings, token),
    )


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        case_id = int(value.removeprefix("before:"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor: not a cursor this API gave out") from None
    # A forged number beyond a 64-bit id would make the database itself fail.
    if not valid_id(case_id):
        raise InvalidInput("cursor: not a cursor this API gave out")
    return case_id


def _encode_cursor(case_id: int) -> str:
    return base64.urlsafe_b64encode(f"before:{case_id}".encode()).decode().rstrip("=")


@router.get("/api/v1/cases", response_model=CaseList)
async def list_cases(
    session: ReadSession,
    actor: CurrentRep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    owner: Annotated[str | None, Query(description="rep id, email, or 'me'")] = None,
    unowned: bool = False,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CaseList:
    if status is not None and status not in {s.value for s in Status}:
        raise InvalidInput(f"status: {status!r} is not one of {', '.join(s.value for s in Status)}")
    owner_id = None
    if owner is not None:
        if owner == "me":
            owner_id = actor.rep_id
        else:
            rep = await reps.by_ref(session, owner)
            if rep is None:
                raise InvalidInput(f"owner: no rep {owner!r}")
            owner_id = rep.id
    if unowned and owner_id is not None:
        raise InvalidInput("owner: cannot be combined with unowned=true")
    cases = await repository.list_cases(
        session,
        repository.CaseFilter(status=status, owner_id=owner_id, unowned=unowned, channel=channel),
        before_id=_decode_cursor(cursor),
        limit=limit + 1,
    )
    page = cases[:limit]
    owners = await repository.rep_names(session, {c.owner_id for c in page if c.owner_id})
    return CaseList(
        items=[views.summary_out(case, owners) for case in page],
        next_cursor=_encode_cursor(page[-1].id) if len(cases) > limit else None,
    )


@router.get("/api/v1/cases/{number}", response_model=CaseOut)
async def get_case(number: str, session: ReadSession, _actor: CurrentRep) -> CaseOut:
    """A case with its whole timeline: every channel, note, step, escalation and action."""
    return await views.case_out(session, await repository.get_case(session, number))


@router.get("/api/v1/worklist", response_model=WorkList)
async def get_work_list(session: ReadSession, actor: CurrentRep) -> WorkList:
    rep = await session.get(Rep, actor.rep_id)
    assert rep is not None
    return WorkList(
        rep=views.rep_out(rep),
        on_shift=rep.on_shift,
        capacity=rep.capacity,
        active_cases=rep.active_cases,
        items=await work_list(session, rep, now=utcnow()),
    )


@router.post("/api/v1/cases/{number}/messages", status_code=201, response_model=EntryCreated)
async def add_message(
    number: str, body: MessageIn, session: WriteSession, actor: CurrentRep
) -> EntryCreated:
    """A reply to the customer (owner or lead), or an internal note (any rep)."""
    case = await repository.get_case(session, number, for_update=True)
    entry = await service.add_message(
        session, case, actor, body=body.body, internal=body.internal, now=utcnow()
    )
    await session.flush()
    return EntryCreated(id=entry.id, kind=entry.kind, status=case.status)


@router.post("/api/v1/cases/{number}/steps", status_code=201, response_model=StepCreated)
async def add_step(
    number: str, body: StepIn, session: WriteSession, settings: AppSettings, actor: CurrentRep
) -> StepCreated:
    """Record a troubleshooting step; a repeat is kept but comes back with a warning."""
    case = await repository.get_case(session, number, for_update=True)
    teams = await escalations.helping_team_ids(session, case.id, actor.rep_id)
    if not service.may_record_step(actor, case, teams):
        service.require_may_work(actor, case, "record a step")
    result = await service.record_step(
        session,
        case,
        actor,
        description=body.description,
        outcome=body.outcome,
        now=utcnow(),
        synonyms=load_synonyms(settings.step_synonyms_file),
    )
    return StepCreated(
        id=result.step.id,
        description=result.step.description,
        outcome=result.step.outcome,
        repeated=result.warning is not None,
        warning=result.warning,
    )


@router.post("/api/v1/cases/{number}/follow-ups", status_code=201, response_model=FollowUpOut)
async def add_follow_up(
    number: str, body: FollowUpIn, session: WriteSession, actor: CurrentRep
) -> FollowUpOut:
    case = await repository.get_case(session, number, for_update=True)
    follow_up = await service.schedule_follow_up(
        session, case, actor, due=body.due_at, note=body.note, now=utcnow()
    )
    return FollowUpOut(id=follow_up.id, due_at=follow_up.due_at, note=follow_up.note)


@router.post("/api/v1/cases/{number}/handoff", response_model=CaseState)
async def hand_off(
    number: str, body: HandoffIn, session: WriteSession, actor: CurrentRep
) -> CaseState:
    """Give the case to another rep, explicitly, with a note for them."""
    case = await repository.get_case(session, number, for_update=True)
    to_rep = await reps.by_ref(session, body.to_rep)
    if to_rep is None:
        raise InvalidInput(f"to_rep: no rep {body.to_rep!r}")
    await service.hand_off(session, case, actor, to_rep=to_rep, note=body.note, now=utcnow())
    return await _state(session, number)


@router.post("/api/v1/cases/{number}/propose-resolution", response_model=CaseState)
async def propose_resolution(
    number: str, body: ProposeIn, session: WriteSession, settings: AppSettings, actor: CurrentRep
) -> CaseState:
    case = await repository.get_case(session, number, for_update=True)
    await service.propose_resolution(
        session, case, actor, summary=body.summary, settings=settings, now=utcnow()
    )
    return await _state(session, number)


@router.post("/api/v1/cases/{number}/steps/{step_id}/judgement", response_model=StepJudged)
async def judge_step(
    number: str,
    step_id: int,
    body: StepJudgementIn,
    session: WriteSession,
    settings: AppSettings,
    actor: CurrentRep,
) -> StepJudged:
    """Teach the repeat warning: this step is the same as an earlier one, or not a repeat."""
    case = await repository.get_case(session, number, for_update=True)
    teams = await escalations.helping_team_ids(session, case.id, actor.rep_id)
    if not service.may_record_step(actor, case, teams):
        service.require_may_work(actor, case, "judge a step")
    step = await repeats.judge_step(
        session,
        case,
        actor,
        step_id=step_id,
        same_as=body.same_as,
        synonyms=load_synonyms(settings.step_synonyms_file),
        now=utcnow(),
    )
    return StepJudged(
        id=step.id, repeated=step.repeat_of_id is not None, repeat_of=step.repeat_of_id
    )
