"""The case page (/app/cases/TL-n): everything about one problem, and every way to work it.

Each form posts to its own route, which calls the same service as the JSON API.
A refusal (a non-owner replying, a remedy without an approver...) re-renders the
page with the reason and keeps what the rep typed; success redirects back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from throughline.cases import repeats, service, views
from throughline.cases import repository as cases
from throughline.cases.rules import normalize_step
from throughline.cases.schemas import StepOut
from throughline.cases.steps import load_synonyms
from throughline.channels.email.text import sanitise_html
from throughline.channels.files import read_content
from throughline.channels.reports import repository as report_rows
from throughline.config import Settings
from throughline.cues import proficiency
from throughline.cues import service as frustration
from throughline.escalations import repository as escalation_rows
from throughline.escalations import service as escalations
from throughline.kit.actors import Actor
from throughline.kit.deps import ReadSession, WriteSession
from throughline.kit.errors import Conflict, DomainError, InvalidInput, NotFound
from throughline.kit.queries import valid_id
from throughline.models import (
    Case,
    Customer,
    Identity,
    InboundMessage,
    MessageLink,
    Rep,
    Step,
    StoredFile,
    Team,
    utcnow,
)
from throughline.portal.rules import PROFICIENCY_WORDS
from throughline.remedies import repository as remedy_rows
from throughline.remedies import service as remedies
from throughline.remedies.rules import amount_words
from throughline.reps import repository as reps
from throughline.workspace import customer_card, forms
from throughline.workspace.auth import PageRep
from throughline.workspace.glossary import Jargon, load_glossary
from throughline.workspace.layout import page

router = APIRouter()
OUTCOMES = ("did_not_work", "worked", "unknown")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def jargon_for(settings: Settings, customer: Customer, text: str) -> list[Jargon]:
    """Terms to flag in a reply: only for customers who said they are beginners."""
    if (customer.proficiency or "").lower() != "novice" or not text:
        return []
    return load_glossary(settings.glossary_file).find(text)


async def _repeat_warning(session: AsyncSession, step_id: int) -> str | None:
    step = await session.get(Step, step_id) if valid_id(step_id) else None
    if step is None or step.repeat_of_id is None:
        return None
    earlier = await session.get(Step, step.repeat_of_id)
    if earlier is None:
        return None
    who = "the customer"
    if earlier.rep_id is not None:
        rep = await session.get(Rep, earlier.rep_id)
        who = rep.name if rep else "a rep"
    return (
        f"Already tried on {earlier.created_at:%Y-%m-%d %H:%M} UTC by {who} "
        f"(outcome: {earlier.outcome.replace('_', ' ')}): {earlier.description}. "
        "The step is recorded again; consider something the customer has not tried yet."
    )


DONE_WORDS = {
    "reply": "Reply sent to the customer.",
    "note": "Internal note added.",
    "step": "Step recorded.",
    "escalated": "Escalated. You stay the owner; the answer comes back to your work list.",
    "proposed": "Resolution proposed. The customer is asked to confirm it is fixed.",
    "follow_up": "Follow-up scheduled: the case comes back to your list when it is due.",
    "handoff": "Case handed off with your note.",
    "merged": "Customers merged: their identities and cases are now on this customer.",
    "proficiency": "Comfort with technology saved; the jargon hint follows it.",
    "judged": "Noted: the repeated-step warning uses your judgement on every case from now on.",
}


async def _messages(
    session: AsyncSession, request: Request, me: Rep
) -> tuple[str | None, str | None]:
    """The flash and warning a redirect after a successful form asks for."""
    params = request.query_params
    flash = DONE_WORDS.get(params.get("done", ""))
    warning = None
    step = params.get("step", "")
    if step.isdecimal():
        warning = await _repeat_warning(session, int(step))
    action = params.get("action", "")
    if action.isdecimal() and valid_id(int(action)):
        try:
            found = await remedy_rows.get_action(session, int(action))
        except NotFound:
            found = None
        if found is not None:
            [details] = await remedies.details(session, [found], viewer_id=me.id)
            flash = f"{details.remedy.label}: {details.words}"
    return flash, warning


async def case_context(
    session: AsyncSession, request: Request, me: Rep, case: Case
) -> dict[str, Any]:
    settings = _settings(request)
    view = await views.case_out(session, case)
    customer = await session.get(Customer, case.customer_id)
    assert customer is not None
    identities = list(
        await session.scalars(
            select(Identity).where(Identity.customer_id == customer.id).order_by(Identity.id)
        )
    )
    files: dict[int | None, list[StoredFile]] = defaultdict(list)
    for stored in await session.scalars(
        select(StoredFile).where(StoredFile.case_id == case.id).order_by(StoredFile.id)
    ):
        files[stored.timeline_entry_id].append(stored)
    raw_by_entry = {
        row.timeline_entry_id: row.inbound_message_id
        for row in await session.execute(
            select(MessageLink.timeline_entry_id, MessageLink.inbound_message_id).where(
                MessageLink.case_id == case.id,
                MessageLink.inbound_message_id.is_not(None),
                MessageLink.timeline_entry_id.is_not(None),
            )
        )
    }
    inbound = list(
        await session.execute(
            select(
                InboundMessage.id,
                InboundMessage.channel,
                InboundMessage.size,
                InboundMessage.created_at,
            )
            .where(InboundMessage.case_id == case.id)
            .order_by(InboundMessage.id)
        )
    )
    html = {}
    for entry in view.timeline:
        email = entry.data.get("email")
        email = email if isinstance(email, dict) else {}
        inbound_id = email.get("inbound_id")
        if isinstance(inbound_id, int):
            raw_by_entry.setdefault(entry.id, inbound_id)
        markup = email.get("html") or entry.data.get("html")
        if isinstance(markup, str) and markup.strip():
            # Sanitised again on the way out: whatever wrote it, nothing unsafe reaches the page.
            html[entry.id] = Markup(sanitise_html(markup))  # noqa: S704 - sanitised by nh3
    case_escalations = await escalation_rows.for_case(session, case.id)
    teams = list(await session.scalars(select(Team).order_by(Team.name)))
    team_names = {team.id: team.name for team in teams}
    others = list(
        await session.scalars(
            select(Rep).where(Rep.is_active.is_(True), Rep.id != case.owner_id).order_by(Rep.name)
        )
    )
    rep = await session.get(Rep, me.id)
    assert rep is not None
    catalogue = await remedies.catalogue_for(session, me.id)
    try:
        approver: Rep | None = await remedies.approver_for(session, rep)
    except Conflict:
        approver = None
    actor = Actor.of_rep(rep)
    owner = await session.get(Rep, case.owner_id) if case.owner_id else None
    tried = _tried(view.steps)
    pairs = [(identity.kind, identity.value) for identity in identities]
    reply_email = customer_card.reply_email(customer.email, pairs)
    return {
        "case": case,
        "view": view,
        "customer": customer,
        "identities": identities,
        "identity_words": [customer_card.identity_words(kind, value) for kind, value in pairs],
        "reply_to": customer_card.reply_route(case.channel, email=reply_email, identities=pairs),
        "reply_channel": customer_card.reply_channel(case.channel, email=reply_email),
        "reports": await _reports(session, case.id),
        "merge": None,
        "files": files,
        "raw_by_entry": raw_by_entry,
        "inbound": inbound,
        "html": html,
        "escalations": case_escalations,
        "team_names": team_names,
        "teams": teams,
        "others": others,
        "catalogue": [(remedy, amount_words(limit, remedy.unit)) for remedy, limit in catalogue],
        "approver": approver,
        "owner": owner,
        "may_work": service.may_work(actor, case),
        "tried": tried,
        "frustration": (await frustration.badges(session, [case.id])).get(case.id),
        "proficiency_answers": await proficiency.answers(session, customer.id),
        "proficiency_words": PROFICIENCY_WORDS,
        "novice": (customer.proficiency or "").lower() == "novice",
        "outcomes": OUTCOMES,
        "form": {},
        "jargon": [],
        "settings_company": settings.company_name,
    }


async def _reports(session: AsyncSession, case_id: int) -> list[dict[str, Any]]:
    """The case's in-app error reports; diagnostics as indented JSON (escaped by the template)."""
    rows = await report_rows.reports_of_case(session, case_id)
    names = await report_rows.product_names(session, {row.product_id for row in rows})
    return [
        {
            "report": row,
            "product": names.get(row.product_id, "?"),
            "environment": row.environment or {},
            "diagnostics": (
                json.dumps(row.diagnostics, indent=2, sort_keys=True, ensure_ascii=False)
                if row.diagnostics
                else None
            ),
        }
        for row in rows
    ]


def _tried(steps: list[StepOut]) -> list[dict[str, Any]]:
    """Each distinct step once, with its latest outcome and how often it was tried."""
    seen: dict[str, dict[str, Any]] = {}
    for step in steps:
        key = normalize_step(step.description)
        item = seen.setdefault(key, {"description": step.description, "times": 0})
        item["times"] += 1
        item["outcome"] = step.outcome
        item["by"] = step.by.name or step.by.kind
        item["at"] = step.at
    return list(seen.values())


async def render_case(
    session: AsyncSession,
    request: Request,
    me: Rep,
    case: Case,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: FormData | None = None,
    jargon: list[Jargon] | None = None,
    name: str = "app/case.html",
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = await case_context(session, request, me, case)
    context.update(extra or {})
    flash, warning = await _messages(session, request, me)
    context.update(
        error=error,
        flash=None if error else flash,
        warning=warning,
        form=dict(form) if form is not None else {},
        jargon=jargon or [],
    )
    return page(request, name, me, context, status_code=status_code)


@router.get("/cases/{number}", response_class=HTMLResponse)
async def case_page(
    number: str, request: Request, session: ReadSession, me: PageRep
) -> HTMLResponse:
    case = await cases.get_case(session, number)
    return await render_case(session, request, me, case)


@router.get("/cases/{number}/live", response_class=HTMLResponse)
async def case_live(
    number: str, request: Request, session: ReadSession, me: PageRep
) -> HTMLResponse:
    """The parts that change while the page is open: status, steps tried, timeline."""
    case = await cases.get_case(session, number)
    return await render_case(session, request, me, case, name="app/_case_live.html")


Work = Callable[[AsyncSession, Case, Actor, FormData], Awaitable[str]]


async def _act(
    request: Request, session: AsyncSession, me: Rep, number: str, work: Work
) -> Response:
    form = await forms.read_form(request)
    case = await cases.get_case(session, number, for_update=True)
    rep = await session.get(Rep, me.id)
    assert rep is not None
    try:
        done = await work(session, case, Actor.of_rep(rep), form)
        await session.flush()
    except DomainError as exc:
        await session.rollback()
        case = await cases.get_case(session, number)
        return await render_case(
            session, request, me, case, status_code=exc.status_code, error=exc.message, form=form
        )
    return RedirectResponse(f"/app/cases/{case.number}?{done}", status_code=303)


@router.post("/cases/{number}/reply")
async def reply(number: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    form = await forms.read_form(request)
    case = await cases.get_case(session, number)
    customer = await session.get(Customer, case.customer_id)
    assert customer is not None
    body = form.get("body")
    found = jargon_for(_settings(request), customer, body if isinstance(body, str) else "")
    if found and not forms.flag(form, "send_anyway") and service.may_work(Actor.of_rep(me), case):
        # Nothing is sent yet: the rep sees the plain alternatives and chooses.
        return await render_case(session, request, me, case, form=form, jargon=found)

    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        text = forms.text(form, "body", label="your reply")
        await service.add_message(session, case, actor, body=text, internal=False, now=utcnow())
        return urlencode({"done": "reply"})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/jargon", response_class=HTMLResponse)
async def jargon_check(
    number: str, request: Request, session: ReadSession, me: PageRep
) -> HTMLResponse:
    """The hint under the reply box while the rep types (htmx, on input)."""
    form = await forms.read_form(request)
    case = await cases.get_case(session, number)
    customer = await session.get(Customer, case.customer_id)
    assert customer is not None
    body = form.get("body")
    found = jargon_for(_settings(request), customer, body if isinstance(body, str) else "")
    return page(request, "app/_jargon.html", me, {"jargon": found, "customer": customer})


@router.post("/cases/{number}/note")
async def note(number: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        text = forms.text(form, "note", label="the note")
        await service.add_message(session, case, actor, body=text, internal=True, now=utcnow())
        return urlencode({"done": "note"})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/steps")
async def add_step(number: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        description = forms.text(form, "description", label="the step", max_length=2000)
        outcome = forms.choice(form, "outcome", label="what happened", options=OUTCOMES)
        teams = await escalation_rows.helping_team_ids(session, case.id, actor.rep_id)
        if not service.may_record_step(actor, case, teams):
            service.require_may_work(actor, case, "record a step")
        result = await service.record_step(
            session,
            case,
            actor,
            description=description,
            outcome=outcome,
            now=utcnow(),
            synonyms=load_synonyms(_settings(request).step_synonyms_file),
        )
        return urlencode({"done": "step", "step": result.step.id})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/proficiency")
async def set_proficiency(
    number: str, request: Request, session: WriteSession, me: PageRep
) -> Response:
    """The rep's own judgement of the customer's comfort with technology; it wins."""

    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        customer = await session.get(Customer, case.customer_id)
        assert customer is not None
        value = form.get("proficiency") or None
        if value is not None and not isinstance(value, str):
            raise InvalidInput("comfort with technology: choose one answer")
        await proficiency.record(session, customer, value, by=actor, now=utcnow())
        return urlencode({"done": "proficiency"})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/steps/{step_id}/judgement")
async def judge_step(
    number: str, step_id: int, request: Request, session: WriteSession, me: PageRep
) -> Response:
    """Teach the repeat warning: not the same step after a warning, or the same as one."""

    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        teams = await escalation_rows.helping_team_ids(session, case.id, actor.rep_id)
        if not service.may_record_step(actor, case, teams):
            service.require_may_work(actor, case, "judge a step")
        chosen = form.get("same_as") or ""
        if not isinstance(chosen, str) or (chosen and not chosen.isdecimal()):
            raise InvalidInput("same as: choose one of the earlier steps")
        await repeats.judge_step(
            session,
            case,
            actor,
            step_id=step_id,
            same_as=int(chosen) if chosen else None,
            synonyms=load_synonyms(_settings(request).step_synonyms_file),
            now=utcnow(),
        )
        return urlencode({"done": "judged"})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/escalate")
async def escalate(number: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    settings = _settings(request)

    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        team = forms.text(form, "team", label="a team", max_length=300)
        question = forms.text(form, "question", label="your question for the team")
        await escalations.escalate(
            session, case, actor, team_name=team, question=question, settings=settings, now=utcnow()
        )
        return urlencode({"done": "escalated"})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/propose")
async def propose(number: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    settings = _settings(request)

    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        summary = forms.text(form, "summary", label="what fixed it")
        await service.propose_resolution(
            session, case, actor, summary=summary, settings=settings, now=utcnow()
        )
        return urlencode({"done": "proposed"})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/follow-up")
async def follow_up(number: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        due = forms.moment(form, "due_at", label="when")
        text = forms.text(form, "note", label="what to follow up")
        await service.schedule_follow_up(session, case, actor, due=due, note=text, now=utcnow())
        return urlencode({"done": "follow_up"})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/action")
async def take_action(
    number: str, request: Request, session: WriteSession, me: PageRep
) -> Response:
    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        kind = forms.text(form, "kind", label="a remedy", max_length=300)
        amount = forms.decimal(form, "amount", label="the amount", required=False)
        why = forms.text(form, "note", label="why (kept on the internal timeline)")
        action = await remedies.take_action(
            session, case, actor, kind=kind, amount=amount, note=why, now=utcnow()
        )
        return urlencode({"action": action.id})

    return await _act(request, session, me, number, work)


@router.post("/cases/{number}/handoff")
async def hand_off(number: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    async def work(session: AsyncSession, case: Case, actor: Actor, form: FormData) -> str:
        ref = forms.text(form, "to_rep", label="who takes the case", max_length=320)
        text = forms.text(form, "note", label="a note for them")
        to_rep = await reps.by_ref(session, ref)
        if to_rep is None:
            raise InvalidInput(f"to_rep: no rep {ref!r}")
        await service.hand_off(session, case, actor, to_rep=to_rep, note=text, now=utcnow())
        return urlencode({"done": "handoff"})

    return await _act(request, session, me, number, work)


@router.get("/cases/{number}/raw/{inbound_id}")
async def raw_message(
    number: str, inbound_id: int, request: Request, session: ReadSession, _me: PageRep
) -> Response:
    """A message exactly as it arrived (the whole email, headers and all), as plain text."""
    case = await cases.get_case(session, number)
    message = (
        await session.scalar(
            select(InboundMessage).where(
                InboundMessage.id == inbound_id, InboundMessage.case_id == case.id
            )
        )
        if valid_id(inbound_id)
        else None
    )
    if message is None:
        raise NotFound(f"no stored message {inbound_id} on {case.number}")
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
    if request.query_params.get("download"):
        headers["Content-Disposition"] = (
            f'attachment; filename="{case.number}-message-{message.id}.eml"'
        )
        return Response(message.raw, media_type="message/rfc822", headers=headers)
    return Response(
        message.raw.decode("utf-8", errors="replace"),
        media_type="text/plain; charset=utf-8",
        headers=headers,
    )


@router.get("/files/{file_id}")
async def stored_file(
    file_id: int, request: Request, session: ReadSession, _me: PageRep
) -> Response:
    """An attachment, always as a download: a customer's file never runs in our pages."""
    stored = await session.get(StoredFile, file_id) if valid_id(file_id) else None
    if stored is None:
        raise NotFound(f"no file {file_id}")
    content = read_content(_settings(request), stored)
    if content is None:
        raise NotFound(f"{stored.filename} was larger than the limit; only its name was kept")
    safe_name = "".join(c for c in stored.filename if c.isalnum() or c in "._- ") or "file"
    return Response(
        content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
