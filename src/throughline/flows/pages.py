"""Portal pages that run a flow: one node per page, "Talk to a person" on every one of them.

Every form posts back and redirects (303) to the run's own address, so a
reload never answers twice and the address is the way back: the run's token is
in the URL and in a cookie per flow, so a customer who leaves can resume.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse, Response

from throughline.cases.service import status_url
from throughline.config import Settings
from throughline.flows import loader, repository, service
from throughline.flows.rules import FIXED_QUESTION, NAME_PATTERN, Flow
from throughline.flows.schemas import NO_NOT_FIXED, TALK_TO_A_PERSON, YES_FIXED
from throughline.kit.actors import Actor
from throughline.kit.deps import AppSettings, ReadSession, WriteSession
from throughline.kit.errors import Conflict, InvalidInput, NotFound
from throughline.kit.security import status_token
from throughline.models import Case, Customer, FlowRun, Rep, utcnow
from throughline.portal.auth import signed_in_customer
from throughline.web.templating import render
from throughline.workspace.auth import LeadRep
from throughline.workspace.layout import page

router = APIRouter()

COOKIE_PREFIX = "tl_flow_"
COOKIE_DAYS = 30
_email = TypeAdapter(EmailStr)


def _run_url(flow_name: str, token: str) -> str:
    return f"/portal/help/{flow_name}/{token}"


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _remember(response: Response, flow: Flow, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE_PREFIX + flow.name,
        token,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path=f"/portal/help/{flow.name}",
    )


def _page(request: Request, name: str, context: dict[str, Any], **kwargs: Any) -> HTMLResponse:
    return render(request, f"flows/{name}", {"talk_label": TALK_TO_A_PERSON, **context}, **kwargs)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.get("/portal/help", response_class=HTMLResponse)
async def help_index(request: Request, session: ReadSession, settings: AppSettings) -> HTMLResponse:
    flows = await loader.load_all(session, settings)
    customer = await signed_in_customer(request, session)
    return _page(request, "index.html", {"flows": list(flows.values()), "customer": customer})


@router.get("/portal/help/{flow_name}", response_class=HTMLResponse)
async def flow_start_page(
    flow_name: str, request: Request, session: ReadSession, settings: AppSettings
) -> HTMLResponse:
    flow = await loader.load_one(session, settings, flow_name)
    resume = None
    token = request.cookies.get(COOKIE_PREFIX + flow.name)
    if token and len(token) <= 100:
        run = await repository.run_by_token(session, token)
        if run is not None and run.flow_name == flow.name and run.state in ("active", "abandoned"):
            resume = _run_url(flow.name, token)
    customer = await signed_in_customer(request, session)
    return _page(
        request,
        "start.html",
        {"flow": flow, "resume": resume, "customer": customer, "node": flow.node(flow.start)},
    )


async def _new_run(
    request: Request, session: AsyncSession, settings: Settings, flow: Flow
) -> tuple[FlowRun, str]:
    customer = await signed_in_customer(request, session)
    return await service.start(
        session,
        flow,
        channel="portal",
        now=utcnow(),
        customer_id=customer.id if customer else None,
    )


def _to_new_run(flow: Flow, token: str, settings: Settings) -> Response:
    """To the new run's page; the browser remembers the run, so the customer can come back."""
    response = _to(_run_url(flow.name, token))
    _remember(response, flow, token, settings)
    return response


@router.post("/portal/help/{flow_name}/start")
async def start(
    flow_name: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    flow = await loader.load_one(session, settings, flow_name)
    _run, token = await _new_run(request, session, settings, flow)
    return _to_new_run(flow, token, settings)


@router.post("/portal/help/{flow_name}/person")
async def person_before_start(
    flow_name: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    """ "Talk to a person" before the first answer: a run that asked for a person at once."""
    flow = await loader.load_one(session, settings, flow_name)
    run, token = await _new_run(request, session, settings, flow)
    await service.talk_to_person(session, run, now=utcnow())
    return _to_new_run(flow, token, settings)


@router.get("/portal/help/{flow_name}/{token}", response_class=HTMLResponse)
async def run_page(
    flow_name: str, token: str, request: Request, session: ReadSession, settings: AppSettings
) -> HTMLResponse:
    run = await service.get_run(session, token, flow_name=flow_name)
    flow = await loader.load_one(session, settings, run.flow_name)
    return await _run_view(request, session, settings, flow, run, token)


async def _run_view(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    flow: Flow,
    run: FlowRun,
    token: str,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    customer = await signed_in_customer(request, session)
    answers = await repository.answers(session, run.id)
    node = flow.nodes.get(run.node) or flow.node(flow.start)
    context: dict[str, Any] = {
        "flow": flow,
        "run": run,
        "node": node,
        "answers": answers,
        "step_number": len(answers) + 1,
        "base": _run_url(flow.name, token),
        "customer": customer,
        "fixed_question": FIXED_QUESTION,
        "yes_label": YES_FIXED,
        "no_label": NO_NOT_FIXED,
        "error": error,
        "values": values or {},
    }
    if run.state == "person":
        if run.case_id is not None:
            case = await session.get(Case, run.case_id)
            assert case is not None
            token_for_status = status_token(settings.resolved_secret_key(), case.status_nonce)
            context["case"] = case
            context["status_url"] = status_url(settings, token_for_status)
            return _page(request, "case_opened.html", context, status_code=status_code)
        return _page(request, "contact.html", context, status_code=status_code)
    return _page(request, "node.html", context, status_code=status_code)


async def _locked_run_and_flow(
    session: AsyncSession, settings: Settings, flow_name: str, token: str
) -> tuple[FlowRun, Flow]:
    """The run the customer answers in, locked until the request commits, and its flow."""
    run = await service.get_run(session, token, flow_name=flow_name, for_update=True)
    return run, await loader.load_one(session, settings, run.flow_name)


@router.post("/portal/help/{flow_name}/{token}/answer")
async def answer(
    flow_name: str, token: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    run, flow = await _locked_run_and_flow(session, settings, flow_name, token)
    form = await _form(request)
    choice: int | None = None
    raw_choice = form.get("choice", "")
    if raw_choice:
        if not raw_choice.isdigit():
            raise InvalidInput("choice: must be a number from 1 to 9")
        choice = int(raw_choice)
    fixed = {"yes": True, "no": False}.get(form.get("fixed", ""))
    try:
        await service.answer(
            session, run, flow, node=form.get("node", ""), choice=choice, fixed=fixed, now=utcnow()
        )
    except Conflict:
        # A second click or an old tab: show where the customer is now, change nothing.
        pass
    return _to(_run_url(flow.name, token))


@router.post("/portal/help/{flow_name}/{token}/person")
async def person(
    flow_name: str, token: str, session: WriteSession, settings: AppSettings
) -> Response:
    run = await service.get_run(session, token, flow_name=flow_name, for_update=True)
    await service.talk_to_person(session, run, now=utcnow())
    return _to(_run_url(run.flow_name, token))


def _contact_from(form: dict[str, str], customer: Customer | None) -> service.Contact:
    description = form.get("description", "").strip()
    if len(description) > 5000:
        raise InvalidInput("description: at most 5000 characters")
    if "\x00" in "".join(form.values()):
        raise InvalidInput("form: must not contain NUL characters")
    if customer is not None and customer.email:
        return service.Contact(name=customer.name, email=customer.email, description=description)
    name = form.get("name", "").strip()
    if not name:
        raise InvalidInput("name: please tell us your name")
    if len(name) > 200:
        raise InvalidInput("name: at most 200 characters")
    email = form.get("email", "").strip()
    try:
        email = str(_email.validate_python(email))
    except ValidationError:
        raise InvalidInput("email: please enter an email address like name@example.com") from None
    return service.Contact(name=name, email=email, description=description)


@router.post("/portal/help/{flow_name}/{token}/contact")
async def contact(
    flow_name: str, token: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    run, flow = await _locked_run_and_flow(session, settings, flow_name, token)
    form = await _form(request)
    customer = await signed_in_customer(request, session)
    try:
        details = _contact_from(form, customer)
    except InvalidInput as exc:
        return await _run_view(
            request,
            session,
            settings,
            flow,
            run,
            token,
            error=exc.message,
            values=form,
            status_code=422,
        )
    await service.open_case_for(session, run, flow, details, settings=settings, now=utcnow())
    return _to(_run_url(flow.name, token))


# --- The lead's pages in the workspace: the flow report and the editor ---------------------


async def _lead_report(session: AsyncSession, settings: Settings) -> list[dict[str, Any]]:
    flows = await loader.load_all(session, settings)
    rows = []
    for item in await service.report(session, flows):
        flow = flows.get(item.name)
        rows.append(
            {
                "report": item,
                "flow": flow,
                "texts": {node: flow.node(node).text for node in flow.nodes} if flow else {},
            }
        )
    return rows


@router.get("/app/flows", response_class=HTMLResponse)
async def lead_flows(
    request: Request, session: ReadSession, settings: AppSettings, me: LeadRep
) -> HTMLResponse:
    """Runs, solved rate, opt-out rate and drop-off per node; links to edit each flow."""
    rows = await _lead_report(session, settings)
    saved = request.query_params.get("saved", "")
    flash = None
    if NAME_PATTERN.match(saved):
        flash = f"Saved the flow {saved}: customers see it from now on."
    return page(request, "flows/lead.html", me, {"rows": rows, "flash": flash, "section": "lead"})


async def _editor(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    me: Rep,
    name: str,
    *,
    source: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    origin = "new"
    try:
        stored, origin = await loader.source_of(session, settings, name)
    except NotFound:
        stored = NEW_FLOW_TEMPLATE
    return page(
        request,
        "flows/editor.html",
        me,
        {
            "name": name,
            "origin": origin,
            "source": stored if source is None else source,
            "error": error,
            "section": "lead",
        },
        status_code=status_code,
    )


NEW_FLOW_TEMPLATE = """title: A short title in the customer's words
summary: One line that tells the customer whether this guide is for them.
start: first_question
nodes:
  first_question:
    type: question
    text: What do you see?
    choices:
      - label: The first thing
        next: try_this
      - label: Something else
        next: person
  try_this:
    type: instruction
    text: One thing to try, in plain words.
    fixed: solved
    not_fixed: person
  solved:
    type: solved
    text: It works again.
  person:
    type: open_case
    text: A person will take it from here.
    severity: 3
"""


@router.get("/app/flows/{name}", response_class=HTMLResponse)
async def edit_flow(
    name: str, request: Request, session: ReadSession, settings: AppSettings, me: LeadRep
) -> HTMLResponse:
    if not NAME_PATTERN.match(name):
        raise InvalidInput("name: lower-case letters, digits and dashes (at most 64)")
    return await _editor(request, session, settings, me, name)


@router.post("/app/flows/{name}")
async def save_flow_page(
    name: str, request: Request, session: WriteSession, settings: AppSettings, me: LeadRep
) -> Response:
    form = await _form(request)
    source = form.get("source", "").replace("\r\n", "\n")
    if form.get("action") == "revert":
        await service.revert_definition(session, name, actor=Actor.of_rep(me))
        return _to("/app/flows")
    try:
        await service.save_definition(session, name, source, actor=Actor.of_rep(me), now=utcnow())
    except InvalidInput as exc:
        return await _editor(
            request, session, settings, me, name, source=source, error=exc.message, status_code=422
        )
    return _to(f"/app/flows?saved={name}")
