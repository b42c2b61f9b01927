"""JSON routes for the reports: what the desk solved, never how long a call lasted."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from throughline.cases import repository as cases
from throughline.kit.deps import CurrentRep, ReadSession, WriteSession
from throughline.models import utcnow
from throughline.reports import recognition, service
from throughline.reports.repository import Scope
from throughline.reports.rules import report_window
from throughline.reports.schemas import (
    KudosIn,
    KudosOut,
    Recognition,
    ReportFigures,
    ReportSummary,
    WeeklyFigures,
)

router = APIRouter(tags=["reports"])

Since = Annotated[datetime | None, Query(description="ISO 8601; default 30 days before until")]
Until = Annotated[datetime | None, Query(description="ISO 8601, exclusive; default now")]
TeamFilter = Annotated[int | None, Query(description="only cases owned by this team's members")]
RepFilter = Annotated[int | None, Query(description="only this rep's cases")]


@router.get("/api/v1/reports/summary", response_model=ReportSummary)
async def summary(
    session: ReadSession,
    _actor: CurrentRep,
    since: Annotated[
        datetime | None, Query(description="ISO 8601; default 30 days before until")
    ] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive; default now")] = None,
) -> ReportSummary:
    """Confirmed resolutions, reopen rate, time to a confirmed fix, contacts per case,
    repeated steps, escalation round trips, satisfaction, and who solved what.

    Any rep may read it: it is desk-wide and holds no customer data. Times
    without an offset are read as UTC; the window is at most 366 days.
    """
    now = utcnow()
    return await service.summary(session, report_window(since, until, now=now), now=now)


@router.get("/api/v1/reports/figures", response_model=ReportFigures)
async def figures(
    session: ReadSession,
    actor: CurrentRep,
    since: Since = None,
    until: Until = None,
    team: TeamFilter = None,
    rep: RepFilter = None,
) -> ReportFigures:
    """The desk's figures, per team and per rep, for a window.

    Leads see every team and rep; a rep sees the desk and their own figures;
    a specialist also sees the teams they belong to. Asking for another
    team's or rep's figures without that right is a 403.
    """
    now = utcnow()
    viewer = await service.viewer_of(session, actor)
    return await service.figures(
        session,
        report_window(since, until, now=now),
        viewer=viewer,
        scope=Scope(team_id=team, rep_id=rep),
        now=now,
    )


@router.get("/api/v1/reports/weekly", response_model=WeeklyFigures)
async def weekly(
    session: ReadSession,
    actor: CurrentRep,
    since: Since = None,
    until: Until = None,
    team: TeamFilter = None,
    rep: RepFilter = None,
) -> WeeklyFigures:
    """The same figures week by week from since (for the charts), with the same rights."""
    now = utcnow()
    viewer = await service.viewer_of(session, actor)
    return await service.weekly(
        session,
        report_window(since, until, now=now),
        viewer=viewer,
        scope=Scope(team_id=team, rep_id=rep),
        now=now,
    )


@router.post("/api/v1/cases/{number}/kudos", status_code=201, response_model=KudosOut)
async def give_kudos(
    number: str, body: KudosIn, session: WriteSession, actor: CurrentRep
) -> KudosOut:
    """Thank the owner of a case: any other rep, once per case (403 to oneself, 409 twice)."""
    case = await cases.get_case(session, number)
    return await recognition.give_kudos(session, case, actor=actor, note=body.note, now=utcnow())


@router.get("/api/v1/reps/{rep_id}/recognition", response_model=Recognition)
async def rep_recognition(
    rep_id: int, session: ReadSession, actor: CurrentRep, since: Since = None, until: Until = None
) -> Recognition:
    """A rep's confirmed resolutions, hard solves and kudos received (leads: anyone's)."""
    now = utcnow()
    return await recognition.recognition(
        session, rep_id, report_window(since, until, now=now), actor=actor, now=now
    )
