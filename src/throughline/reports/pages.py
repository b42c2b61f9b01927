"""HTML routes of the reports: the customer's one-click rating, and the charts in the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository as cases
from throughline.config import Settings
from throughline.kit.actors import Actor
from throughline.kit.deps import AppSettings, ReadSession, WriteSession
from throughline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from throughline.kit.security import status_token
from throughline.models import Case, Rep, utcnow
from throughline.portal.pages import Limited
from throughline.reports import recognition, satisfaction, service
from throughline.reports.charts import Table, as_csv, report_tables, svg
from throughline.reports.repository import Scope
from throughline.reports.rules import (
    RATINGS,
    Rating,
    Viewer,
    Window,
    may_rate,
    rating_of,
    report_window,
)
from throughline.web.templating import render
from throughline.workspace.auth import PageRep
from throughline.workspace.layout import page

router = APIRouter()

PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _rate_page(
    request: Request,
    case: Case,
    settings: Settings,
    *,
    chosen: Rating | None = None,
    rated: Rating | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    open_to_rating = may_rate(case.status, case.resolution_kind)
    token = status_token(settings.resolved_secret_key(), case.status_nonce)
    return render(
        request,
        "portal/rate.html",
        {
            "case": case,
            "chosen": chosen,
            "rated": rated,
            "error": error if error else (None if open_to_rating else satisfaction.NOT_YET),
            "current": rating_of(case.satisfaction),
            "ratings": RATINGS,
            "rating_action": satisfaction.offered(settings, case),
            "status_path": f"/status/{token}",
        },
        status_code=status_code if open_to_rating else 409,
        headers=PRIVATE,
    )


@router.get("/rate/{number}/{token}")
async def rating_page(
    number: str, token: str, request: Request, session: ReadSession, settings: AppSettings
) -> Response:
    """What a rating link in the mail opens: a button to confirm (a GET never records,
    so a mail scanner following the link rates nothing)."""
    case = await satisfaction.case_for_rating(session, number, token, settings=settings)
    return _rate_page(
        request,
        case,
        settings,
        chosen=rating_of(request.query_params.get("score")),
        rated=rating_of(request.query_params.get("rated")),
    )


@router.post("/rate/{number}/{token}", dependencies=[Limited])
async def rate(
    number: str, token: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    case = await satisfaction.case_for_rating(
        session, number, token, settings=settings, for_update=True
    )
    form = await request.form(max_files=0, max_fields=5)
    rating = rating_of(str(form.get("score", "")))
    if rating is None:
        return _rate_page(
            request, case, settings, error="Your rating: choose one of 1 to 5.", status_code=422
        )
    try:
        satisfaction.rate(case, rating)
    except Conflict as refused:
        return _rate_page(request, case, settings, error=refused.message, status_code=409)
    return RedirectResponse(f"/rate/{number}/{token}?rated={rating.score}", status_code=303)


# --- The reports in the workspace: charts, tables, CSV -------------------------------------

PAGE_WINDOW = timedelta(days=56)


def _day(value: str | None, label: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value.strip()), time(), tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{label}: give a date like 2026-12-07") from None


def _whole_number(value: str | None, label: str) -> int | None:
    if not value:
        return None
    if not value.strip().isdecimal() or len(value) > 18:
        raise InvalidInput(f"{label}: choose one from the list")
    return int(value)


@dataclass(frozen=True)
class Asked:
    window: Window
    scope: Scope
    since_day: str
    until_day: str  # the last day shown, inclusive


def _asked(request: Request) -> Asked:
    """The filters of the page and its CSV links: a range of whole days, a team, a rep."""
    now = utcnow()
    query = request.query_params
    first = _day(query.get("since"), "From")
    last = _day(query.get("until"), "To")
    until = last + timedelta(days=1) if last else now
    window = report_window(first or until - PAGE_WINDOW, until, now=now)
    scope = Scope(
        team_id=_whole_number(query.get("team"), "Team"),
        rep_id=_whole_number(query.get("rep"), "Rep"),
    )
    return Asked(
        window=window,
        scope=scope,
        since_day=f"{window.since:%Y-%m-%d}",
        until_day=f"{window.until - timedelta(microseconds=1):%Y-%m-%d}",
    )


async def _tables(session: AsyncSession, me: Rep, asked: Asked) -> tuple[Viewer, list[Table]]:
    viewer = await service.viewer_of(session, Actor.of_rep(me))
    now = utcnow()
    weekly = await service.weekly(session, asked.window, viewer=viewer, scope=asked.scope, now=now)
    total = await service.figures(session, asked.window, viewer=viewer, scope=asked.scope, now=now)
    return viewer, report_tables(weekly, total.desk)


@router.get("/app/reports", response_class=HTMLResponse)
async def reports_page(request: Request, session: ReadSession, me: PageRep) -> Response:
    """Charts of what the desk solved, each with its table and CSV; the same rights as the API."""
    error, status_code = None, 200
    try:
        asked = _asked(request)
        viewer, tables = await _tables(session, me, asked)
    except (InvalidInput, Forbidden) as refused:
        error, status_code = refused.message, refused.status_code
        asked = Asked(report_window(None, None, now=utcnow()), Scope(), "", "")
        viewer, tables = await _tables(session, me, asked)
    teams, people = await service.filter_choices(session, viewer)
    query = urlencode(
        {
            key: value
            for key, value in (
                ("since", asked.since_day),
                ("until", asked.until_day),
                ("team", asked.scope.team_id),
                ("rep", asked.scope.rep_id),
            )
            if value
        }
    )
    return page(
        request,
        "app/reports.html",
        me,
        {
            "section": "reports",
            "tables": [(table, svg(table)) for table in tables],
            "asked": asked,
            "query": query,
            "teams": teams,
            "people": people,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/app/reports/{name}.csv")
async def report_csv(name: str, request: Request, session: ReadSession, me: PageRep) -> Response:
    asked = _asked(request)
    _viewer, tables = await _tables(session, me, asked)
    table = next((t for t in tables if t.name == name), None)
    if table is None:
        raise NotFound(f"no report table {name!r}; the tables are on /app/reports")
    filename = f"{table.name}-{asked.since_day}-to-{asked.until_day}.csv"
    return Response(
        as_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- Recognition: the rep page and kudos from the case page --------------------------------

REP_PAGE_WINDOW = timedelta(days=90)


@router.get("/app/reps/{rep_id}", response_class=HTMLResponse)
async def rep_page(rep_id: int, request: Request, session: ReadSession, me: PageRep) -> Response:
    """A rep's confirmed fixes, hard solves and kudos over the last 90 days."""
    now = utcnow()
    found = await recognition.recognition(
        session,
        rep_id,
        report_window(now - REP_PAGE_WINDOW, now, now=now),
        actor=Actor.of_rep(me),
        now=now,
    )
    return page(request, "app/rep.html", me, {"section": "reports", "page_of": found})


@router.post("/app/cases/{number}/kudos")
async def kudos(number: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    case = await cases.get_case(session, number)
    form = await request.form(max_files=0, max_fields=5)
    note = form.get("note")
    try:
        await recognition.give_kudos(
            session,
            case,
            actor=Actor.of_rep(me),
            note=note if isinstance(note, str) else None,
            now=utcnow(),
        )
    except Conflict:
        return RedirectResponse(f"/app/cases/{case.number}?kudos=twice#kudos", status_code=303)
    return RedirectResponse(f"/app/cases/{case.number}?kudos=sent#kudos", status_code=303)
