"""The team view (specialists), the lead view and the admin view of the workspace."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, Response

from throughline.cases import repository as cases
from throughline.cases.rules import Status
from throughline.config import Settings
from throughline.escalations import repository as escalation_rows
from throughline.escalations import service as escalations
from throughline.kit.actors import Actor
from throughline.kit.deps import ReadSession, WriteSession
from throughline.kit.errors import DomainError, InvalidInput, NotFound
from throughline.models import Case, Escalation, Rep, Team, TeamMember, utcnow
from throughline.policy import service as policy
from throughline.remedies import repository as remedy_rows
from throughline.remedies import service as remedies
from throughline.remedies.rules import shown
from throughline.reports import service as reports
from throughline.reports.rules import report_window
from throughline.reps import repository as reps
from throughline.reps import service as rep_service
from throughline.schedules import service as schedules
from throughline.workspace import admin, auth, forms, inbound_pages
from throughline.workspace.auth import AdminRep, LeadRep, PageRep
from throughline.workspace.layout import page

router = APIRouter()
ONLINE_SECONDS = 60


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# --- Team view --------------------------------------------------------------------------


async def _team_context(session: AsyncSession, me: Rep) -> dict[str, Any]:
    if auth.is_lead(me):
        teams = list(await session.scalars(select(Team).order_by(Team.name)))
    else:
        ids = await reps.team_ids_of(session, me.id)
        teams = list(
            await session.scalars(select(Team).where(Team.id.in_(ids)).order_by(Team.name))
        )
    queues = []
    for team in teams:
        rows = await escalation_rows.for_team(session, team.id, open_only=True)
        case_rows = await cases.cases_by_id(session, {row.case_id for row in rows})
        askers = await cases.rep_names(session, {row.asked_by_id for row in rows})
        queues.append(
            {
                "team": team,
                "items": [
                    {
                        "escalation": row,
                        "case": case_rows.get(row.case_id),
                        "asked_by": askers.get(row.asked_by_id),
                    }
                    for row in rows
                ],
            }
        )
    return {"queues": queues}


@router.get("/team", response_class=HTMLResponse)
async def team_page(request: Request, session: ReadSession, me: PageRep) -> HTMLResponse:
    """Open escalations of my teams, by due time, each with its answer form."""
    context = await _team_context(session, me)
    answered = request.query_params.get("answered", "")
    flash = (
        f"Answer sent to the case owner (escalation {answered})." if answered.isdecimal() else None
    )
    return page(request, "app/team.html", me, {**context, "flash": flash, "form": {}})


@router.post("/escalations/{escalation_id}/answer")
async def answer(
    escalation_id: int, request: Request, session: WriteSession, me: PageRep
) -> Response:
    form = await forms.read_form(request)
    try:
        body = forms.text(form, "body", label="your answer")
        escalation = await escalation_rows.get(session, escalation_id, for_update=True)
        await escalations.answer(
            session,
            escalation,
            Actor.of_rep(me),
            body=body,
            settings=_settings(request),
            now=utcnow(),
        )
        await session.flush()
    except DomainError as exc:
        await session.rollback()
        context = await _team_context(session, me)
        return page(
            request,
            "app/team.html",
            me,
            {**context, "error": exc.message, "form": {"id": escalation_id, **dict(form)}},
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/app/team?answered={escalation_id}", status_code=303)


# --- Lead view --------------------------------------------------------------------------


async def _approvals(session: AsyncSession, me: Rep) -> list[remedies.ActionDetails]:
    return await remedies.details(
        session, await remedy_rows.waiting_for(session, me.id), viewer_id=me.id
    )


@router.get("/lead", response_class=HTMLResponse)
async def lead_page(request: Request, session: ReadSession, me: LeadRep) -> HTMLResponse:
    """All queues, waiting cases, who is on shift with what load, approvals, and the report."""
    now = utcnow()
    waiting = list(
        await session.scalars(
            select(Case)
            .where(Case.owner_id.is_(None), Case.status != Status.RESOLVED)
            .order_by(Case.due_at, Case.id)
            .limit(100)
        )
    )
    waiting_total = await session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.owner_id.is_(None), Case.status != Status.RESOLVED)
    )
    open_escalations = select(
        Escalation.team_id,
        func.count().label("open"),
        func.sum(case((Escalation.due_at <= now, 1), else_=0)).label("overdue"),
        func.min(Escalation.due_at).label("next_due"),
    ).where(Escalation.answered_at.is_(None))
    queue_rows = {
        row.team_id: row
        for row in await session.execute(open_escalations.group_by(Escalation.team_id))
    }
    teams = list(await session.scalars(select(Team).order_by(Team.name)))
    people = list(
        await session.scalars(
            select(Rep).where(Rep.is_active.is_(True)).order_by(Rep.on_shift.desc(), Rep.name)
        )
    )
    approvals = await _approvals(session, me)
    report = await reports.summary(session, report_window(None, None, now=now), now=now)
    unreadable = await inbound_pages.unreadable_count(session)
    return page(
        request,
        "app/lead.html",
        me,
        {
            "waiting": waiting,
            "waiting_total": waiting_total or 0,
            "teams": teams,
            "queues": queue_rows,
            "people": people,
            "online_since": now.timestamp() - ONLINE_SECONDS,
            "approvals": approvals,
            "report": report,
            "flash": _decision_flash(request),
            "unreadable": unreadable,
        },
    )


def _decision_flash(request: Request) -> str | None:
    decided = request.query_params.get("decided", "")
    words = {"approved": "Approved: the remedy is granted.", "rejected": "Rejected."}
    return words.get(decided)


@router.post("/actions/{action_id}/decision")
async def decide(action_id: int, request: Request, session: WriteSession, me: PageRep) -> Response:
    """The named approver approves or rejects, in one step (the service checks who may)."""
    form = await forms.read_form(request)
    decision = forms.choice(
        form, "decision", label="approve or reject", options=("approve", "reject")
    )
    note = forms.text(form, "note", label="a note", required=False) or None
    action = await remedy_rows.get_action(session, action_id, for_update=True)
    await remedies.decide(
        session, action, Actor.of_rep(me), approve=decision == "approve", note=note, now=utcnow()
    )
    target = "/app/lead" if auth.is_lead(me) else "/app"
    return RedirectResponse(
        f"{target}?{urlencode({'decided': decision + ('d' if decision == 'approve' else 'ed')})}",
        status_code=303,
    )


# --- Admin view -------------------------------------------------------------------------


async def _admin_context(session: AsyncSession, settings: Settings) -> dict[str, Any]:
    people = list(await session.scalars(select(Rep).order_by(Rep.is_active.desc(), Rep.name)))
    teams = list(await session.scalars(select(Team).order_by(Team.name)))
    members = dict(
        (row.team_id, row.members)
        for row in await session.execute(
            select(TeamMember.team_id, func.count().label("members")).group_by(TeamMember.team_id)
        )
    )
    catalogue = await remedy_rows.catalogue(session, active_only=False)
    # The saved targets, read now (and applied to this process) rather than up to 10 s old.
    targets = await policy.refresh(session, settings)
    return {
        "people": people,
        "teams": teams,
        "members": members,
        "team_names": await admin.teams_by_rep(session),
        "catalogue": [(remedy, shown(remedy.default_limit, remedy.unit)) for remedy in catalogue],
        "roles": auth.ROLES,
        "role_words": auth.ROLE_WORDS,
        "role_of": auth.role_of,
        "severity_targets": targets.severity_hours,
        "escalation_targets": targets.escalation_hours,
        "targets_updated_at": targets.updated_at,
        "targets_updated_by": await policy.updated_by_name(session, targets.updated_by_id),
        "units": ("money", "days", "items"),
        "business_hours": targets.business_hours,
        "hours_team_id": targets.hours_team_id,
        **await schedules.admin_overview(session),
    }


async def _admin_page(
    request: Request,
    session: AsyncSession,
    me: Rep,
    *,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    secret: dict[str, str] | None = None,
) -> HTMLResponse:
    context = await _admin_context(session, _settings(request))
    return page(
        request,
        "app/admin.html",
        me,
        {
            **context,
            "flash": flash,
            "error": error,
            "secret": secret,
            # What the admin typed into a refused form, shown again to correct.
            "typed": getattr(request.state, "typed", {}),
        },
        status_code=status_code,
    )


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request, session: ReadSession, me: AdminRep) -> HTMLResponse:
    done = request.query_params.get("done", "")
    return await _admin_page(request, session, me, flash=ADMIN_DONE.get(done))


ADMIN_DONE = {
    "rep": "Rep saved.",
    "team": "Team added.",
    "remedy": "Remedy added.",
    "limit": "Limit saved.",
    "approver": "Approver named.",
    "targets": "Targets saved: new cases and escalations use them from now on.",
    "default_limit": "Default limit saved.",
    "schedule": "Working hours saved: customers are told when their owner is expected back.",
    "day_off": "Day off added.",
    "day_off_removed": "Day off removed.",
}


async def admin_act(request: Request, session: AsyncSession, me: Rep, work: Any) -> Response:
    form = await forms.read_form(request)
    try:
        result = await work(form)
        await session.flush()
    except DomainError as exc:
        await session.rollback()
        return await _admin_page(
            request, session, me, error=exc.message, status_code=exc.status_code
        )
    if isinstance(result, dict):
        # A new password is shown once, on this response only; nothing keeps it.
        return await _admin_page(request, session, me, flash=result.pop("flash"), secret=result)
    return RedirectResponse(f"/app/admin?done={result}", status_code=303)


async def _rep(session: AsyncSession, rep_id: int) -> Rep:
    rep = await reps.by_ref(session, rep_id)
    if rep is None:
        raise NotFound(f"no rep {rep_id}")
    return rep


@router.post("/admin/reps")
async def add_rep(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> dict[str, str]:
        name = forms.text(form, "name", label="the rep's name", max_length=200)
        email = forms.text(form, "email", label="their email address", max_length=320)
        role = forms.choice(form, "role", label="a role", options=auth.ROLES)
        capacity = forms.integer(form, "capacity", label="capacity", high=1000)
        rep, _token = await rep_service.add_rep(
            session,
            name=name,
            email=email,
            capacity=capacity,
            lead=role in ("lead", "admin"),
            extension=forms.text(
                form, "extension", label="extension", required=False, max_length=40
            )
            or None,
            phone=forms.text(form, "phone", label="phone", required=False, max_length=40) or None,
            actor=Actor.of_rep(me),
            now=utcnow(),
        )
        auth.set_role(session, rep, role, actor=Actor.of_rep(me))
        password = auth.new_password()
        await auth.set_password(session, rep, password, actor=Actor.of_rep(me), now=utcnow())
        return {
            "flash": f"{rep.name} added as {role}.",
            "email": rep.email,
            "password": password,
        }

    return await admin_act(request, session, me, work)


@router.post("/admin/reps/{rep_id}")
async def update_rep(
    rep_id: int, request: Request, session: WriteSession, me: AdminRep
) -> Response:
    async def work(form: Any) -> str:
        rep = await _rep(session, rep_id)
        team_ids = set()
        for value in form.getlist("teams"):
            if not isinstance(value, str) or not value.isdecimal():
                raise InvalidInput("teams: choose teams from the list")
            team_ids.add(int(value))
        await admin.update_rep(
            session,
            rep,
            role=forms.choice(form, "role", label="a role", options=auth.ROLES),
            capacity=forms.integer(form, "capacity", label="capacity", high=1000),
            extension=forms.text(
                form, "extension", label="extension", required=False, max_length=40
            ),
            phone=forms.text(form, "phone", label="phone", required=False, max_length=40),
            team_ids=team_ids,
            actor=Actor.of_rep(me),
            now=utcnow(),
        )
        return "rep"

    return await admin_act(request, session, me, work)


@router.post("/admin/reps/{rep_id}/password")
async def reset_password(
    rep_id: int, request: Request, session: WriteSession, me: AdminRep
) -> Response:
    async def work(_form: Any) -> dict[str, str]:
        rep = await _rep(session, rep_id)
        password = auth.new_password()
        await auth.set_password(session, rep, password, actor=Actor.of_rep(me), now=utcnow())
        return {"flash": f"New password for {rep.name}.", "email": rep.email, "password": password}

    return await admin_act(request, session, me, work)


@router.post("/admin/teams")
async def add_team(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> str:
        name = forms.text(form, "name", label="the team's name", max_length=100)
        await rep_service.add_team(session, name, actor=Actor.of_rep(me), now=utcnow())
        return "team"

    return await admin_act(request, session, me, work)


@router.post("/admin/remedies")
async def add_remedy(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> str:
        limit = forms.decimal(form, "limit", label="the default limit")
        assert limit is not None
        await remedies.add_remedy(
            session,
            key=forms.text(form, "key", label="a key", max_length=60),
            label=forms.text(form, "label", label="a label", max_length=200),
            unit=forms.choice(form, "unit", label="a unit", options=("money", "days", "items")),
            limit=limit,
            actor=Actor.of_rep(me),
            now=utcnow(),
        )
        return "remedy"

    return await admin_act(request, session, me, work)


@router.post("/admin/limits")
async def set_limit(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> str:
        rep = await _rep(session, forms.integer(form, "rep", label="a rep", low=1, high=2**62))
        remedy = await remedies.get_remedy(session, forms.text(form, "remedy", label="a remedy"))
        limit = forms.decimal(form, "limit", label="the limit")
        assert limit is not None
        await remedies.set_rep_limit(session, rep, remedy, limit=limit, actor=Actor.of_rep(me))
        return "limit"

    return await admin_act(request, session, me, work)


@router.post("/admin/approver")
async def set_approver(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> str:
        rep = await _rep(session, forms.integer(form, "rep", label="a rep", low=1, high=2**62))
        approver = await _rep(
            session, forms.integer(form, "approver", label="an approver", low=1, high=2**62)
        )
        await remedies.set_approver(session, rep, approver, actor=Actor.of_rep(me))
        return "approver"

    return await admin_act(request, session, me, work)


def _team_id(value: object) -> int | None:
    text = value if isinstance(value, str) else ""
    return int(text) if text.isdecimal() and len(text) <= 18 else None


@router.post("/admin/targets")
async def save_targets(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> str:
        fields = [f"{kind}_{n}" for kind in ("severity", "escalation") for n in (1, 2, 3, 4)]
        request.state.typed = {
            name: value[:20] for name in fields if isinstance(value := form.get(name), str)
        }
        await policy.save(
            session,
            _settings(request),
            Actor.of_rep(me),
            [form.get(f"severity_{n}") for n in (1, 2, 3, 4)],
            [form.get(f"escalation_{n}") for n in (1, 2, 3, 4)],
            business_hours=forms.flag(form, "business_hours"),
            hours_team_id=_team_id(form.get("hours_team")),
        )
        return "targets"

    return await admin_act(request, session, me, work)


@router.post("/admin/remedies/{key}/limit")
async def set_default_limit(
    key: str, request: Request, session: WriteSession, me: AdminRep
) -> Response:
    async def work(form: Any) -> str:
        remedy = await remedies.get_remedy(session, key)
        limit = forms.decimal(form, "limit", label="the default limit")
        assert limit is not None
        await remedies.set_default_limit(session, remedy, limit=limit, actor=Actor.of_rep(me))
        return "default_limit"

    return await admin_act(request, session, me, work)
