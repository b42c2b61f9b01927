"""Running a flow for a customer, handing them to a person, and the flow report.

A run is stored from its first step, so a customer can leave and come back
with its token (a cookie on the portal, the URL, or the chat widget's state).
Its outcome is ``solved`` (self-service resolution, no case), ``person`` (the
customer asked for a person at any node, or the flow reached ``open_case``)
or ``abandoned`` (idle for ``flow_abandon_hours``; it can still be resumed).
When a person is asked for, the case opens with every instruction the
customer went through recorded as a step with its outcome, so the rep knows
what was tried and the repeated-step warning covers it (principles 4 and 5).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import service as cases
from throughline.cases.timeline import Kind, record
from throughline.config import Settings
from throughline.flows import repository
from throughline.flows.loader import load_source
from throughline.flows.rules import (
    DEFAULT_SEVERITY,
    INSTRUCTION,
    OPEN_CASE,
    QUESTION,
    SOLVED,
    Flow,
    NodeCounts,
    drop_off,
    rate,
)
from throughline.kit.actors import SYSTEM, Actor
from throughline.kit.audit import audit
from throughline.kit.errors import Conflict, InvalidInput, NotFound
from throughline.kit.security import hash_secret, status_token
from throughline.models import Case, FlowAnswer, FlowDefinition, FlowRun

ACTIVE = "active"
STATE_SOLVED = "solved"
PERSON = "person"
ABANDONED = "abandoned"
CHANNELS = ("portal", "chat")


def new_run_token() -> str:
    return "fr_" + secrets.token_urlsafe(24)


async def start(
    session: AsyncSession,
    flow: Flow,
    *,
    channel: str,
    now: datetime,
    customer_id: int | None = None,
) -> tuple[FlowRun, str]:
    if channel not in CHANNELS:
        raise InvalidInput(f"channel: must be one of {', '.join(CHANNELS)}")
    token = new_run_token()
    run = FlowRun(
        token_hash=hash_secret(token),
        flow_name=flow.name,
        channel=channel,
        node=flow.start,
        state=ACTIVE,
        opted_out=False,
        customer_id=customer_id,
        created_at=now,
        updated_at=now,
    )
    session.add(run)
    await session.flush()
    return run, token


async def get_run(
    session: AsyncSession, token: str, *, flow_name: str | None = None, for_update: bool = False
) -> FlowRun:
    run = await repository.run_by_token(session, token, for_update=for_update)
    if run is None or (flow_name is not None and run.flow_name != flow_name):
        raise NotFound("run: this guide link is not known; start the guide again")
    return run


def _end(run: FlowRun, state: str, now: datetime) -> None:
    run.state = state
    run.ended_at = now
    run.updated_at = now


async def answer(
    session: AsyncSession,
    run: FlowRun,
    flow: Flow,
    *,
    node: str,
    now: datetime,
    choice: int | None = None,
    fixed: bool | None = None,
) -> None:
    """Record the answer to the node the customer is on and move to the next node.

    ``node`` is the node the customer answered: an answer to a page that is no
    longer current (a second click, an old tab) is refused rather than applied twice.
    """
    if run.state not in (ACTIVE, ABANDONED):
        raise Conflict(f"run: this guide has ended ({run.state}); start it again to go on")
    if node != run.node:
        raise Conflict("node: that step was already answered; here is where you are now")
    if run.node not in flow.nodes:
        raise Conflict("node: this guide was changed since you started; please start it again")
    current = flow.node(run.node)
    step: str | None = None
    outcome: str | None = None
    if current.type == QUESTION:
        if choice is None or not 1 <= choice <= len(current.choices):
            raise InvalidInput(f"choice: pick one of 1 to {len(current.choices)}")
        picked = current.choices[choice - 1]
        said = picked.label
        target = picked.next
    elif current.type == INSTRUCTION:
        if fixed is None:
            raise InvalidInput("fixed: say whether that fixed it (yes or no)")
        step = current.step or current.text
        said = "Yes, that fixed it" if fixed else "No, it did not help"
        outcome = "worked" if fixed else "did_not_work"
        following = current.fixed if fixed else current.not_fixed
        assert following is not None
        target = following
    else:
        raise Conflict("node: this step has no answers; the guide has ended")
    session.add(
        FlowAnswer(
            run_id=run.id,
            node=current.id,
            kind=current.type,
            text=current.text,
            step=step,
            answer=said,
            outcome=outcome,
            created_at=now,
        )
    )
    run.node = target
    run.state = ACTIVE
    run.ended_at = None
    run.updated_at = now
    reached = flow.node(target)
    if reached.type == SOLVED:
        _end(run, STATE_SOLVED, now)
    elif reached.type == OPEN_CASE:
        _end(run, PERSON, now)


async def talk_to_person(session: AsyncSession, run: FlowRun, *, now: datetime) -> None:
    """The customer asked for a person: from any node, and even after "solved"."""
    if run.state == PERSON:
        return
    run.opted_out = True
    _end(run, PERSON, now)


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    description: str = ""


def _transcript(flow: Flow, run: FlowRun, answers: list[FlowAnswer]) -> str:
    lines = [f'What I went through in the self-service guide "{flow.title}":']
    for item in answers:
        if item.kind == INSTRUCTION:
            lines.append(f"- Tried: {(item.step or item.text).strip()} -> {item.answer}")
        else:
            lines.append(f"- {item.text.strip()} -> {item.answer}")
    if run.opted_out and run.node in flow.nodes:
        lines.append(f"- Asked for a person at: {flow.node(run.node).text.strip()}")
    if not answers and not run.opted_out:
        lines.append("- (no steps)")
    return "\n".join(lines)


async def open_case_for(
    session: AsyncSession,
    run: FlowRun,
    flow: Flow,
    contact: Contact,
    *,
    settings: Settings,
    now: datetime,
) -> tuple[Case, str]:
    """Open the case of a run that ended with ``person``; the same case on a second submit."""
    if run.state != PERSON:
        raise Conflict("run: ask for a person first")
    if run.case_id is not None:
        case = await session.get(Case, run.case_id)
        assert case is not None
        return case, status_token(settings.resolved_secret_key(), case.status_nonce)
    answers = await repository.answers(session, run.id)
    end = flow.nodes.get(run.node)
    reached_open_case = end is not None and end.type == OPEN_CASE and not run.opted_out
    severity = end.severity if end is not None and reached_open_case else DEFAULT_SEVERITY
    subject = (end.subject if end is not None and reached_open_case else None) or flow.title
    body = "\n\n".join(
        part for part in (contact.description.strip(), _transcript(flow, run, answers)) if part
    )
    case, token = await cases.open_case(
        session,
        cases.NewCase(
            email=contact.email,
            name=contact.name,
            subject=subject[:300],
            body=body,
            severity=severity,
            channel=run.channel,
        ),
        settings=settings,
        now=now,
    )
    customer = Actor.of_customer(case.customer_id)
    for item in answers:
        if item.kind == INSTRUCTION and item.outcome is not None:
            await cases.record_step(
                session,
                case,
                customer,
                description=(item.step or item.text).strip(),
                outcome=item.outcome,
                now=now,
                source="customer",
            )
    if end is not None and reached_open_case and end.team:
        record(
            session,
            case,
            Kind.NOTE,
            SYSTEM,
            now=now,
            body=f'The self-service guide "{flow.title}" suggests the {end.team} team for this.',
            team_hint=end.team,
            flow=flow.name,
        )
    run.case_id = case.id
    run.customer_id = case.customer_id
    run.updated_at = now
    return case, token


async def save_definition(
    session: AsyncSession, name: str, source: str, *, actor: Actor, now: datetime
) -> Flow:
    """A lead's version of a flow, checked by the same loader as the files; audited."""
    if "\x00" in source:
        raise InvalidInput("source: must not contain NUL characters")
    flow = load_source(name, source, origin="database")
    definition = await repository.definition(session, name)
    if definition is None:
        definition = FlowDefinition(name=name, source=source, created_at=now, updated_at=now)
        session.add(definition)
    definition.source = source
    definition.updated_at = now
    definition.updated_by_id = actor.rep_id
    audit(session, actor, "flow.save", "flow", name, nodes=len(flow.nodes))
    return flow


async def revert_definition(session: AsyncSession, name: str, *, actor: Actor) -> None:
    """Forget a lead's version: the file of the same name (if any) is used again."""
    definition = await repository.definition(session, name)
    if definition is None:
        raise NotFound(f"flow: no saved version of '{name}'")
    await session.delete(definition)
    audit(session, actor, "flow.revert", "flow", name)


async def abandon_idle(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """Runs left idle for ``flow_abandon_hours`` count as abandoned (a worker job)."""
    idle = timedelta(hours=settings.flow_abandon_hours)
    return await repository.mark_abandoned(session, idle_since=now - idle, now=now)


@dataclass(frozen=True)
class FlowReport:
    name: str
    title: str
    runs: int
    active: int
    solved: int
    person: int
    opted_out: int
    reached_open_case: int
    abandoned: int
    # Rates are over finished runs (solved + person + abandoned); None when there are none.
    solved_rate: float | None
    opt_out_rate: float | None
    abandon_rate: float | None
    nodes: list[NodeCounts]


async def report(
    session: AsyncSession, flows: dict[str, Flow], *, since: datetime | None = None
) -> list[FlowReport]:
    runs = await repository.run_counts(session, since)
    answered = await repository.answered_counts(session, since)
    result = []
    for name in sorted({*flows, *(row[0] for row in runs)}):
        mine = [row for row in runs if row[0] == name]
        by_state: dict[str, int] = {}
        for _, _, state, _, count in mine:
            by_state[state] = by_state.get(state, 0) + count
        opted = sum(count for _, _, state, opted, count in mine if state == PERSON and opted)
        finished = sum(by_state.get(state, 0) for state in (STATE_SOLVED, PERSON, ABANDONED))
        ended_at = {(node, state, opted_out): count for _, node, state, opted_out, count in mine}
        flow = flows.get(name)
        nodes = list(flow.nodes) if flow else sorted({row[1] for row in mine})
        result.append(
            FlowReport(
                name=name,
                title=flow.title if flow else name,
                runs=sum(by_state.values()),
                active=by_state.get(ACTIVE, 0),
                solved=by_state.get(STATE_SOLVED, 0),
                person=by_state.get(PERSON, 0),
                opted_out=opted,
                reached_open_case=by_state.get(PERSON, 0) - opted,
                abandoned=by_state.get(ABANDONED, 0),
                solved_rate=rate(by_state.get(STATE_SOLVED, 0), finished),
                opt_out_rate=rate(opted, finished),
                abandon_rate=rate(by_state.get(ABANDONED, 0), finished),
                nodes=drop_off(
                    nodes,
                    {node: count for flow_name, node, count in answered if flow_name == name},
                    ended_at,
                ),
            )
        )
    return result
