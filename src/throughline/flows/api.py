"""JSON routes of the flows: running a flow (the chat widget), the report and editor (leads).

Running a flow needs no sign-in: a customer asking for help is not asked to
log in first. The run's token is its key; creating runs is rate limited per
client address. The report and the editor are for leads only.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from throughline.cases.service import status_url
from throughline.flows import loader, service, views
from throughline.flows.schemas import (
    AnswerIn,
    CaseLink,
    ContactIn,
    FlowReportList,
    FlowReportOut,
    FlowSaved,
    FlowSource,
    FlowSummary,
    NodeReport,
    RunOut,
    StartIn,
)
from throughline.kit.actors import Actor
from throughline.kit.deps import AppSettings, CurrentRep, ReadSession, WriteSession
from throughline.kit.errors import DomainError, Forbidden, InvalidInput
from throughline.kit.limits import RateLimit
from throughline.models import utcnow
from throughline.portal.auth import signed_in_customer

router = APIRouter(prefix="/api/v1", tags=["flows"])


class TooManyRequests(DomainError):
    status_code = 429


async def limit_customer_writes(request: Request) -> None:
    """A token bucket per client address (per process) on the routes anyone may call."""
    limiter: RateLimit | None = getattr(request.app.state, "flows_rate_limit", None)
    if limiter is None:
        per_minute = request.app.state.settings.customer_requests_per_minute
        limiter = RateLimit(request.app, prefix="", per_minute=per_minute)
        request.app.state.flows_rate_limit = limiter
    client = request.client.host if request.client else "unknown"
    if not limiter.allow(client, time.monotonic()):
        raise TooManyRequests("too many requests; try again in a minute")


Limited = Depends(limit_customer_writes)


def require_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise Forbidden("only a lead may see the flow report and change flows")


@router.get("/flows", response_model=list[FlowSummary])
async def list_flows(session: ReadSession, settings: AppSettings) -> list[FlowSummary]:
    """The self-service guides a customer can run."""
    flows = await loader.load_all(session, settings)
    return [
        FlowSummary(name=flow.name, title=flow.title, summary=flow.summary, origin=flow.origin)
        for flow in flows.values()
    ]


@router.get("/flows/report", response_model=FlowReportList)
async def flow_report(
    session: ReadSession,
    settings: AppSettings,
    actor: CurrentRep,
    since: Annotated[datetime | None, Query(description="ISO 8601; runs started since")] = None,
) -> FlowReportList:
    """Runs, solved rate, opt-out rate and drop-off per node of every flow (leads only).

    Rates are over finished runs (solved, person, abandoned). Per node:
    ``reached`` runs that saw it, ``dropped`` runs abandoned on it,
    ``opted_out`` runs that asked for a person on it.
    """
    require_lead(actor)
    flows = await loader.load_all(session, settings)
    reports = await service.report(session, flows, since=since)
    out = []
    for item in reports:
        flow = flows.get(item.name)
        out.append(
            FlowReportOut(
                **{key: value for key, value in vars(item).items() if key != "nodes"},
                nodes=[
                    NodeReport(
                        node=counts.node,
                        text=(
                            flow.node(counts.node).text
                            if flow and counts.node in flow.nodes
                            else ""
                        ),
                        reached=counts.reached,
                        dropped=counts.dropped,
                        opted_out=counts.opted_out,
                    )
                    for counts in item.nodes
                ],
            )
        )
    return FlowReportList(flows=out)


@router.get("/flows/{name}/source", response_model=FlowSource)
async def flow_source(
    name: str, session: ReadSession, settings: AppSettings, actor: CurrentRep
) -> FlowSource:
    """The YAML of a flow, to edit it (leads only)."""
    require_lead(actor)
    source, origin = await loader.source_of(session, settings, name)
    return FlowSource(name=name, origin=origin, source=source)


@router.put("/flows/{name}", response_model=FlowSaved)
async def save_flow(
    name: str, request: Request, session: WriteSession, actor: CurrentRep
) -> FlowSaved:
    """Save a flow as YAML (the request body); it overrides the file of the same name.

    Validated by the same loader as the files: a 422 names the flow, node and problem.
    """
    require_lead(actor)
    raw = await request.body()
    try:
        source = raw.decode()
    except UnicodeDecodeError:
        raise InvalidInput("body: must be UTF-8 YAML text") from None
    flow = await service.save_definition(session, name, source, actor=actor, now=utcnow())
    return FlowSaved(name=name, title=flow.title, nodes=len(flow.nodes), origin="database")


@router.delete("/flows/{name}", status_code=204)
async def revert_flow(name: str, session: WriteSession, actor: CurrentRep) -> Response:
    """Forget the saved version: the file of the same name (if any) is used again."""
    require_lead(actor)
    await service.revert_definition(session, name, actor=actor)
    return Response(status_code=204)


@router.post("/flows/{name}/runs", status_code=201, response_model=RunOut, dependencies=[Limited])
async def start_run(
    name: str, session: WriteSession, settings: AppSettings, body: StartIn | None = None
) -> RunOut:
    """Start a flow; keep the returned token to answer, resume or ask for a person."""
    flow = await loader.load_one(session, settings, name)
    run, token = await service.start(
        session, flow, channel=(body or StartIn()).channel, now=utcnow()
    )
    return views.run_out(run, flow, token)


def _case_link(run_case_id: int | None) -> CaseLink | None:
    return None if run_case_id is None else CaseLink(number=f"TL-{run_case_id}")


@router.get("/flow-runs/{token}", response_model=RunOut)
async def get_run(token: str, session: ReadSession, settings: AppSettings) -> RunOut:
    """Where the run is now: resume a flow the customer left."""
    run = await service.get_run(session, token)
    flow = await loader.load_one(session, settings, run.flow_name)
    return views.run_out(run, flow, token, case=_case_link(run.case_id))


@router.post("/flow-runs/{token}/answer", response_model=RunOut, dependencies=[Limited])
async def answer(
    token: str, body: AnswerIn, session: WriteSession, settings: AppSettings
) -> RunOut:
    """Answer the current node: ``choice`` (1-9; for an instruction 1 = fixed, 2 = not
    fixed) or ``fixed`` (true/false) for an instruction."""
    run = await service.get_run(session, token, for_update=True)
    flow = await loader.load_one(session, settings, run.flow_name)
    fixed = body.fixed
    current = flow.nodes.get(run.node)
    if fixed is None and body.choice is not None and current and current.type == "instruction":
        if body.choice not in (1, 2):
            raise InvalidInput("choice: for an instruction, 1 (fixed) or 2 (not fixed)")
        fixed = body.choice == 1
    await service.answer(
        session, run, flow, node=body.node, choice=body.choice, fixed=fixed, now=utcnow()
    )
    return views.run_out(run, flow, token)


@router.post("/flow-runs/{token}/person", response_model=RunOut, dependencies=[Limited])
async def talk_to_person(token: str, session: WriteSession, settings: AppSettings) -> RunOut:
    """End the run as ``person`` (from any node); then post contact details to ``contact``."""
    run = await service.get_run(session, token, for_update=True)
    flow = await loader.load_one(session, settings, run.flow_name)
    await service.talk_to_person(session, run, now=utcnow())
    return views.run_out(run, flow, token, case=_case_link(run.case_id))


@router.post("/flow-runs/{token}/contact", response_model=RunOut, dependencies=[Limited])
async def contact(
    token: str, body: ContactIn, request: Request, session: WriteSession, settings: AppSettings
) -> RunOut:
    """Open the case (with every step tried); returns its number and status link."""
    run = await service.get_run(session, token, for_update=True)
    flow = await loader.load_one(session, settings, run.flow_name)
    customer = await signed_in_customer(request, session)
    if customer is not None and customer.email:
        name, email = customer.name, customer.email
    elif body.email is None or body.name is None:
        raise InvalidInput(f"{'email' if body.email is None else 'name'}: required")
    else:
        name, email = body.name, str(body.email)
    case, status = await service.open_case_for(
        session,
        run,
        flow,
        service.Contact(name=name, email=email, description=body.description),
        settings=settings,
        now=utcnow(),
    )
    link = CaseLink(number=case.number, status_url=status_url(settings, status))
    return views.run_out(run, flow, token, case=link)
