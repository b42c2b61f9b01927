"""Workspace pages: the search page (/app/search) and the similar-cases panel of a case."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from throughline.cases import repository as cases
from throughline.kit.actors import Actor
from throughline.kit.deps import ReadSession
from throughline.kit.errors import DomainError
from throughline.search import service
from throughline.search.api import search_filter
from throughline.workspace.auth import PageRep
from throughline.workspace.layout import page

router = APIRouter()

PAGE_SIZE = 20


def _date(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{name}: a date like 2026-12-07") from None


@router.get("/app/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    session: ReadSession,
    me: PageRep,
    q: str = "",
    status: str = "",
    owner: str = "",
    team: str = "",
    since: str = "",
    until: str = "",
    offset: int = 0,
) -> HTMLResponse:
    """The page with its form; an htmx request gets only the results."""
    results = problem = None
    if q.strip():
        try:
            filters = await search_filter(
                session,
                Actor.of_rep(me),
                status=status or None,
                owner=owner or None,
                team=team or None,
                since=_date(since, "since"),
                until=_date(until, "until"),
            )
            results = await service.search(
                session, q, filters, service.Paging(PAGE_SIZE, max(offset, 0))
            )
        except DomainError as exc:
            problem = exc.message
    context = {
        "q": q,
        "filters": {"status": status, "owner": owner, "team": team, "since": since, "until": until},
        "results": results,
        "problem": problem,
    }
    name = "app/_search_results.html" if request.headers.get("hx-request") else "app/search.html"
    return page(request, name, me, context, status_code=422 if problem else 200)


@router.get("/app/cases/{number}/similar", response_class=HTMLResponse)
async def similar_panel(
    number: str, request: Request, session: ReadSession, me: PageRep
) -> HTMLResponse:
    case = await cases.get_case(session, number)
    panel = await service.similar_solved(session, case)
    return page(request, "app/_similar.html", me, {"panel": panel})
