"""Recognition (principle 10): kudos between colleagues and the hard problems a rep solved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository as cases
from throughline.kit.actors import Actor
from throughline.kit.errors import Conflict, Forbidden, NotFound
from throughline.kit.queries import valid_id
from throughline.models import Case, Kudos, Rep
from throughline.reports import repository, service
from throughline.reports.rules import (
    KUDOS_NOTE_CHARS,
    KUDOS_REFUSALS,
    HardSolve,
    Window,
    is_hard_solve,
    kudos_refusal,
    may_see_rep,
)
from throughline.reports.schemas import HardSolve as HardSolveOut
from throughline.reports.schemas import KudosOut, Recognition, RepRef


def _number(case_id: int) -> str:
    return Case(id=case_id).number


async def give_kudos(
    session: AsyncSession, case: Case, *, actor: Actor, note: str | None, now: datetime
) -> KudosOut:
    """A colleague thanks the owner of ``case``; the case's timeline is left as it is."""
    assert actor.rep is not None
    refused = kudos_refusal(
        giver_id=actor.rep.id,
        owner_id=case.owner_id,
        already_given=await repository.kudos_given(session, case.id, actor.rep.id),
    )
    if refused is not None:
        raise (Forbidden if refused == "self" else Conflict)(KUDOS_REFUSALS[refused])
    assert case.owner_id is not None
    text = (note or "").replace("\x00", "").strip()[:KUDOS_NOTE_CHARS] or None
    kudos = Kudos(
        case_id=case.id,
        giver_id=actor.rep.id,
        receiver_id=case.owner_id,
        note=text,
        created_at=now,
    )
    session.add(kudos)
    await session.flush()
    names = await cases.rep_names(session, {actor.rep.id, case.owner_id})
    return KudosOut(
        case=case.number,
        subject=case.subject,
        giver=RepRef(id=actor.rep.id, name=names[actor.rep.id].name),
        receiver=RepRef(id=case.owner_id, name=names[case.owner_id].name),
        note=text,
        at=now,
    )


async def recognition(
    session: AsyncSession, rep_id: int, window: Window, *, actor: Actor, now: datetime
) -> Recognition:
    """The rep page: confirmed resolutions, hard solves and kudos received in the window.

    The same rights as the report: a lead sees anyone's page, a rep their own.
    """
    viewer = await service.viewer_of(session, actor)
    if not may_see_rep(viewer, rep_id):
        raise Forbidden("rep: only leads see another rep's page; yours is linked in Reports")
    rep = await session.get(Rep, rep_id) if valid_id(rep_id) else None
    if rep is None:
        raise NotFound(f"no rep {rep_id}")
    totals = await repository.resolutions(
        session, window, by="desk", scope=repository.Scope(rep_id=rep_id)
    )
    solved = await repository.escalated_confirmed_cases(session, rep_id, window)
    received = await repository.kudos_received(session, rep_id, window)
    givers = await cases.rep_names(session, {k.giver_id for k in received})
    return Recognition(
        rep=RepRef(id=rep.id, name=rep.name),
        since=window.since,
        until=window.until,
        confirmed_resolutions=totals[repository.DESK_KEY].confirmed,
        hard_solves=[
            HardSolveOut(
                case=_number(s.case_id),
                subject=s.subject,
                resolved_at=s.resolved_at,
                escalations=s.escalations,
                steps=s.steps,
            )
            for s in solved
            if is_hard_solve(HardSolve(escalations=s.escalations, steps=s.steps, confirmed=True))
        ],
        kudos=[
            KudosOut(
                case=_number(k.case_id),
                subject=k.subject,
                giver=RepRef(id=k.giver_id, name=givers[k.giver_id].name),
                receiver=RepRef(id=rep.id, name=rep.name),
                note=k.note,
                at=k.created_at,
            )
            for k in received
        ],
    )
