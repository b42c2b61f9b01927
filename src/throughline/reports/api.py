"""JSON routes for the reports: what the desk solved, never how long a call lasted."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from throughline.kit.deps import CurrentRep, ReadSession
from throughline.models import utcnow
from throughline.reports import service
from throughline.reports.rules import report_window
from throughline.reports.schemas import ReportSummary

router = APIRouter(tags=["reports"])


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
