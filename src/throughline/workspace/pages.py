"""Pages of the rep workspace (/app): sign-in, the work list, live events and the shift toggle.

The case page lives in case_pages.py; team, lead and admin views in desk_pages.py.
Pages call the same services as the JSON API, so every rule is kept in one place.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.responses import HTMLResponse, Response

from throughline.cases import repository as cases
from throughline.cases.repository import parse_number
from throughline.cases.worklist import work_list
from throughline.config import Settings
from throughline.cues import service as frustration
from throughline.db import Database
from throughline.kit.deps import ReadSession, WriteSession
from throughline.kit.errors import DomainError
from throughline.models import Rep, utcnow
from throughline.remedies import repository as remedy_rows
from throughline.reps import service as reps
from throughline.web.templating import render
from throughline.workspace import (
    auth,
    case_pages,
    customer_pages,
    desk_pages,
    forms,
    inbound_pages,
    live,
    schedule_pages,
)
from throughline.workspace.auth import PageRep
from throughline.workspace.layout import page

router = APIRouter(prefix="/app")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _safe_next(target: str | None) -> str:
    # Only our own workspace pages: never another site ("//evil", "https://…").
    if target and target.startswith("/app") and not target.startswith("//") and "\\" not in target:
        return target
    return "/app"


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "app/sign_in.html", {"next": _safe_next(next), "email": ""})


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, session: WriteSession) -> Response:
    form = await forms.read_form(request)
    email = forms.text(form, "email", label="your email address", required=False, max_length=320)
    password = form.get("password")
    target = _safe_next(str(form.get("next") or ""))
    client = request.client.host if request.client else "unknown"
    settings = _settings(request)
    try:
        if not email or not isinstance(password, str) or not password:
            raise auth.SignInFailed("Please enter your email address and your password.")
        token = await auth.sign_in(
            session, email=email, password=password, client=client, settings=settings, now=utcnow()
        )
    except DomainError as exc:
        # The failure is counted (committed) even though the sign-in is refused.
        await session.commit()
        return render(
            request,
            "app/sign_in.html",
            {"next": target, "email": email, "error": exc.message},
            status_code=exc.status_code,
        )
    response = RedirectResponse(target, status_code=303)
    auth.set_session_cookie(response, token, settings)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: WriteSession) -> Response:
    token = request.cookies.get(auth.COOKIE)
    if token:
        await auth.sign_out(session, token)
    response = RedirectResponse("/app/sign-in", status_code=303)
    auth.clear_session_cookie(response, _settings(request))
    return response


async def _worklist_context(session: ReadSession, me: Rep) -> dict[str, Any]:
    rep = await session.get(Rep, me.id)
    assert rep is not None
    approvals = len(await remedy_rows.waiting_for(session, rep.id))
    items = await work_list(session, rep, now=utcnow())
    return {
        "rep": rep,
        "items": items,
        "approvals": approvals,
        "frustration": {
            f"TL-{case_id}": cue
            for case_id, cue in (
                await frustration.badges(session, [parse_number(item.number) for item in items])
            ).items()
        },
    }


@router.get("", response_class=HTMLResponse)
async def work_list_page(request: Request, session: ReadSession, me: PageRep) -> HTMLResponse:
    return page(request, "app/worklist.html", me, await _worklist_context(session, me))


@router.get("/worklist", response_class=HTMLResponse)
async def work_list_fragment(request: Request, session: ReadSession, me: PageRep) -> HTMLResponse:
    """The list alone: what the page re-fetches when its live connection says it changed."""
    return page(request, "app/_worklist.html", me, await _worklist_context(session, me))


@router.post("/shift")
async def set_shift(request: Request, session: WriteSession, me: PageRep) -> Response:
    form = await forms.read_form(request)
    on = forms.flag(form, "on")
    rep = await session.get(Rep, me.id, with_for_update=True, populate_existing=True)
    assert rep is not None
    await reps.set_shift(
        session,
        rep,
        on=on,
        actor=auth.actor_of(rep),
        now=utcnow(),
        returning_window=_settings(request).returning_window,
    )
    return RedirectResponse("/app", status_code=303)


@router.get("/events")
async def events(
    request: Request,
    rep_id: Annotated[int, Depends(live.stream_rep)],
    case: str | None = None,
) -> Response:
    """Server-sent events for the open page: ``worklist`` and, with ?case=TL-n, ``timeline``."""
    database: Database = request.app.state.database
    case_id = cases.parse_number(case) if case else None
    token = request.cookies.get(auth.COOKIE, "")
    return StreamingResponse(
        live.events(
            database,
            rep_id=rep_id,
            token=token,
            case_id=case_id,
            last_event_id=request.headers.get("last-event-id"),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


router.include_router(case_pages.router)
router.include_router(desk_pages.router)
router.include_router(schedule_pages.router)
router.include_router(inbound_pages.router)
router.include_router(customer_pages.router)
