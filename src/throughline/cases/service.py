"""Working a case: opening it, messages, steps, hand-offs and resolution.

Services change the session and never commit; the request or job commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.assignment import service as assignment
from throughline.assignment.rules import previous_owner
from throughline.cases import repeats, repository
from throughline.cases.rules import (
    OwnerAct,
    Reason,
    Status,
    due_after_waiting,
    due_at,
    normalize_step,
    reasons_cleared_by,
    status_after_customer_message,
    status_after_owner_act,
)
from throughline.cases.steps import Synonyms, load_synonyms
from throughline.cases.timeline import Kind, record
from throughline.channels.delivery import Notice, tell_customer
from throughline.config import Settings
from throughline.cues import service as frustration
from throughline.customers import service as customers
from throughline.db import session_settings
from throughline.kit.actors import SYSTEM, Actor
from throughline.kit.audit import audit
from throughline.kit.errors import Conflict, Forbidden, InvalidInput
from throughline.kit.rows import insert_now
from throughline.kit.security import hash_secret, new_nonce, status_token
from throughline.models import Case, FollowUp, Rep, Step, TimelineEntry
from throughline.policy.service import desk_calendar


@dataclass(frozen=True)
class NewCase:
    email: str | None  # None for a customer known only by another identity
    name: str
    subject: str
    body: str
    severity: int
    channel: str = "api"
    plan_tier: str | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    # (kind, value) when the customer writes without an email, e.g. ("webhook", "chat:u42").
    identity: tuple[str, str] | None = None
    # More for the opening message's entry (a mail's headers and whole text).
    entry_data: dict[str, Any] = field(default_factory=dict)

    def address(self) -> tuple[str, str]:
        if self.identity is not None:
            return self.identity
        if not self.email:
            raise InvalidInput("customer.email: needed to open a case")
        return "email", self.email


def severity_targets(settings: Settings) -> list[Any]:
    return [settings.severity_target(severity) for severity in (1, 2, 3, 4)]


def escalation_targets(settings: Settings) -> list[Any]:
    return [settings.escalation_target(severity) for severity in (1, 2, 3, 4)]


def case_due(settings: Settings, severity: int, since: datetime) -> datetime:
    """When a case that needed us at ``since`` is due, under the desk's targets and, when it
    counts business hours, its working hours (read from this process's settings: no query)."""
    return due_at(severity, since, severity_targets(settings), desk_calendar(settings))


def status_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/status/{token}"


def may_work(actor: Actor, case: Case) -> bool:
    """The owner works the case; a lead may step in. Anyone else may only add notes."""
    return actor.rep is not None and (actor.is_lead or actor.rep.id == case.owner_id)


def require_may_work(actor: Actor, case: Case, what: str) -> None:
    if not may_work(actor, case):
        raise Forbidden(
            f"only the case owner or a lead may {what} on {case.number}; "
            "you may add an internal note"
        )


async def open_case(
    session: AsyncSession, data: NewCase, *, settings: Settings, now: datetime
) -> tuple[Case, str]:
    """Store the customer's problem, then find its owner. Returns the case and its status token."""
    kind, value = data.address()
    customer, made = await customers.find_or_make(
        session,
        kind=kind,
        value=value,
        name=data.name,
        now=now,
        plan_tier=data.plan_tier,
        environment=data.environment,
    )
    # A customer made by this very request has no past cases to ask for.
    past = (
        []
        if made
        else await repository.past_cases(
            session, customer.id, since=now - settings.returning_window
        )
    )
    nonce = new_nonce()
    token = status_token(settings.resolved_secret_key(), nonce)
    case = Case(
        customer_id=customer.id,
        subject=data.subject,
        severity=data.severity,
        status=Status.NEW,
        channel=data.channel,
        plan_tier=customer.plan_tier,
        environment=dict(data.environment),
        due_at=case_due(settings, data.severity, now),
        status_nonce=nonce,
        status_token_hash=hash_secret(token),
        contact_count=1,
        reopen_count=0,
        created_at=now,
        updated_at=now,
    )
    await insert_now(session, case)
    opening = record(
        session,
        case,
        Kind.MESSAGE_IN,
        Actor.of_customer(customer.id),
        now=now,
        body=data.body,
        channel=data.channel,
        **data.entry_data,
    )
    await frustration.note_inbound(session, case, opening, now=now, first=True)
    # What is pending now (the message, its score, the customer's details) plays no part
    # in who is free or what waits (the case itself is written): it is written with the
    # owner's entry in one flush, after, rather than in one of its own before.
    with session.no_autoflush:
        await assignment.assign_new_case(
            session,
            case,
            previous_owner_id=previous_owner(past, now=now, window=settings.returning_window),
            now=now,
        )
    await tell_customer(session, case, Notice.RECEIVED, entry=opening, now=now)
    return case, token


async def owner_worked(
    session: AsyncSession, case: Case, actor: Actor, act: OwnerAct, *, now: datetime
) -> None:
    """The owner (or a lead) acted: the case moves on and leaves their list where answered."""
    if actor.rep is not None and actor.rep.id != case.owner_id:
        audit(session, actor, f"case.lead_{act.value}", "case", case.number, owner=case.owner_id)
    await repository.clear_attention(session, case.id, reasons_cleared_by(act))
    await repository.complete_due_follow_ups(session, case.id, now)
    await set_status(session, case, status_after_owner_act(case.status, act), actor=actor, now=now)


async def set_status(
    session: AsyncSession,
    case: Case,
    new_status: str,
    *,
    actor: Actor,
    now: datetime,
    settings: Settings | None = None,
) -> None:
    """Move the case on. Time waiting on the customer does not count against the desk: its
    due times move on by it (counting working hours when ``settings`` say the desk does)."""
    old = case.status
    if old == new_status:
        return
    if new_status == Status.WAITING_ON_CUSTOMER:
        case.waiting_since = now
    elif old == Status.WAITING_ON_CUSTOMER and case.waiting_since is not None:
        settings = settings or session_settings(session)
        calendar = desk_calendar(settings) if settings is not None else None
        case.due_at = due_after_waiting(case.due_at, case.waiting_since, now, calendar)
        for attention in await repository.attention_of(session, case.id):
            attention.due_at = due_after_waiting(
                attention.due_at, case.waiting_since, now, calendar
            )
        case.waiting_since = None
    case.status = new_status
    case.updated_at = now
    record(session, case, Kind.STATUS, actor, now=now, old=old, new=new_status)
    await assignment.status_changed(session, case, old, now=now)


async def add_message(
    session: AsyncSession, case: Case, actor: Actor, *, body: str, internal: bool, now: datetime
) -> TimelineEntry:
    if internal:
        entry = record(session, case, Kind.NOTE, actor, now=now, body=body)
        if may_work(actor, case):
            await owner_worked(session, case, actor, OwnerAct.NOTE, now=now)
        return entry
    require_may_work(actor, case, "reply to the customer")
    if case.status == Status.RESOLVED:
        raise Conflict(f"{case.number} is resolved; the customer's next message reopens it")
    entry = record(session, case, Kind.MESSAGE_OUT, actor, now=now, body=body, channel=case.channel)
    await owner_worked(session, case, actor, OwnerAct.REPLY, now=now)
    await tell_customer(session, case, Notice.REPLY, entry=entry, now=now)
    return entry


@dataclass(frozen=True)
class StepResult:
    step: Step
    warning: str | None


def may_record_step(actor: Actor, case: Case, specialist_team_ids: set[int]) -> bool:
    return may_work(actor, case) or bool(specialist_team_ids)


async def record_step(
    session: AsyncSession,
    case: Case,
    actor: Actor,
    *,
    description: str,
    outcome: str,
    now: datetime,
    source: str = "rep",
    synonyms: Synonyms | None = None,
) -> StepResult:
    """Record a step tried; when it was tried before, say so (principle 4) but keep it."""
    normalized = normalize_step(description)
    if not normalized:
        raise InvalidInput("description: must contain words, not only punctuation")
    earlier = await repeats.earlier_same_step(
        session, case.id, description, synonyms or load_synonyms(None)
    )
    warning = None
    if earlier is not None:
        who = "the customer"
        if earlier.rep_id is not None:
            rep = await session.get(Rep, earlier.rep_id)
            who = rep.name if rep else "a rep"
        warning = (
            f"Already tried on {earlier.created_at:%Y-%m-%d %H:%M} UTC by {who} "
            f"(outcome: {earlier.outcome.replace('_', ' ')}): {earlier.description}"
        )
    step = Step(
        case_id=case.id,
        description=description,
        normalized=normalized,
        outcome=outcome,
        rep_id=actor.rep_id,
        source=source,
        repeat_of_id=earlier.id if earlier else None,
        created_at=now,
    )
    session.add(step)
    await session.flush()
    record(
        session,
        case,
        Kind.STEP,
        actor,
        now=now,
        body=description,
        step_id=step.id,
        outcome=outcome,
        repeated=earlier is not None,
    )
    if may_work(actor, case):
        await owner_worked(session, case, actor, OwnerAct.STEP, now=now)
    return StepResult(step=step, warning=warning)


async def schedule_follow_up(
    session: AsyncSession, case: Case, actor: Actor, *, due: datetime, note: str, now: datetime
) -> FollowUp:
    require_may_work(actor, case, "schedule a follow-up")
    if due <= now:
        raise InvalidInput("due_at: must be in the future")
    if case.status == Status.RESOLVED:
        raise Conflict(f"{case.number} is resolved")
    await owner_worked(session, case, actor, OwnerAct.FOLLOW_UP, now=now)
    follow_up = FollowUp(
        case_id=case.id, rep_id=actor.rep_id, due_at=due, note=note, created_at=now
    )
    session.add(follow_up)
    await session.flush()
    record(
        session,
        case,
        Kind.FOLLOW_UP,
        actor,
        now=now,
        body=note,
        follow_up_id=follow_up.id,
        due_at=due.isoformat(),
    )
    return follow_up


async def hand_off(
    session: AsyncSession, case: Case, actor: Actor, *, to_rep: Rep, note: str, now: datetime
) -> None:
    require_may_work(actor, case, "hand off")
    if not to_rep.is_active:
        raise InvalidInput(f"to_rep: {to_rep.name} is no longer active")
    if to_rep.id == case.owner_id:
        raise Conflict(f"{to_rep.name} already owns {case.number}")
    if case.status == Status.RESOLVED:
        raise Conflict(f"{case.number} is resolved; there is nothing to hand off")
    from_rep = case.owner_id
    await assignment.hand_off(session, case, to_rep, actor=actor, note=note, now=now)
    audit(
        session,
        actor,
        "case.hand_off",
        "case",
        case.number,
        from_rep=from_rep,
        to_rep=to_rep.id,
        note=note,
    )


async def propose_resolution(
    session: AsyncSession,
    case: Case,
    actor: Actor,
    *,
    summary: str,
    settings: Settings,
    now: datetime,
) -> None:
    require_may_work(actor, case, "propose a resolution")
    if case.status in (Status.RESOLVED, Status.RESOLUTION_PROPOSED):
        raise Conflict(f"{case.number} is already {case.status.replace('_', ' ')}")
    if case.owner_id is None:
        raise Conflict(f"{case.number} has no owner yet")
    case.resolution_summary = summary
    case.resolution_proposed_at = now
    auto_at = now + settings.auto_resolve_after
    proposal = record(
        session,
        case,
        Kind.RESOLUTION_PROPOSED,
        actor,
        now=now,
        body=summary,
        auto_resolve_at=auto_at.isoformat(),
    )
    await owner_worked(session, case, actor, OwnerAct.PROPOSE, now=now)
    await tell_customer(session, case, Notice.RESOLUTION_PROPOSED, entry=proposal, now=now)


async def customer_message(
    session: AsyncSession,
    case: Case,
    *,
    body: str,
    settings: Settings,
    now: datetime,
    channel: str | None = None,
    entry_data: dict[str, Any] | None = None,
) -> None:
    """A customer wrote: stored first, then the case goes back on its owner's list.

    ``entry_data``: more for the message's entry (a mail's headers and whole text)."""
    actor = Actor.of_customer(case.customer_id)
    entry = record(
        session,
        case,
        Kind.MESSAGE_IN,
        actor,
        now=now,
        body=body,
        channel=channel or case.channel,
        **(entry_data or {}),
    )
    await frustration.note_inbound(session, case, entry, now=now)
    case.contact_count += 1
    if case.status == Status.RESOLVED:
        case.reopen_count += 1
        case.resolved_at = None
        case.resolution_kind = None
    if case.status in (Status.RESOLVED, Status.RESOLUTION_PROPOSED):
        case.resolution_proposed_at = None
    await set_status(
        session,
        case,
        status_after_customer_message(case.status),
        actor=actor,
        now=now,
        settings=settings,
    )
    # Even on a case nobody has touched yet: a note must not make this message look answered.
    if case.owner_id is not None:
        await put_on_owner_list(session, case, Reason.CUSTOMER_REPLIED, settings=settings, now=now)


async def put_on_owner_list(
    session: AsyncSession, case: Case, reason: Reason, *, settings: Settings, now: datetime
) -> None:
    """The case goes (back) on its owner's list for ``reason``, due within its severity's
    target from now."""
    await assignment.raise_attention(
        session,
        case,
        reason,
        since=now,
        due_at=case_due(settings, case.severity, now),
    )


async def confirm(
    session: AsyncSession,
    case: Case,
    *,
    fixed: bool,
    comment: str | None,
    satisfaction: int | None,
    settings: Settings,
    now: datetime,
) -> None:
    """The customer's own word decides whether a case is resolved (principle 9)."""
    if case.status != Status.RESOLUTION_PROPOSED:
        raise Conflict(
            f"{case.number} has no proposed resolution to confirm; "
            "send a message instead and your rep will see it"
        )
    actor = Actor.of_customer(case.customer_id)
    if fixed:
        case.resolved_at = now
        case.resolution_kind = "confirmed"
        if satisfaction is not None:
            case.satisfaction = satisfaction
        confirmation = record(
            session,
            case,
            Kind.RESOLUTION_CONFIRMED,
            actor,
            now=now,
            body=comment,
            satisfaction=satisfaction,
        )
        await set_status(session, case, Status.RESOLVED, actor=actor, now=now)
        await tell_customer(session, case, Notice.RESOLVED, entry=confirmation, now=now)
        return
    case.resolution_proposed_at = None
    case.contact_count += 1
    record(session, case, Kind.RESOLUTION_REJECTED, actor, now=now, body=comment)
    await set_status(session, case, Status.OPEN, actor=actor, now=now)
    await put_on_owner_list(session, case, Reason.RESOLUTION_REJECTED, settings=settings, now=now)


async def auto_resolve_due(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """Resolve proposals the customer left unanswered for the configured time, saying so."""
    cases = await repository.resolution_proposals_due(
        session, proposed_before=now - settings.auto_resolve_after, limit=200
    )
    for case in cases:
        case.resolved_at = now
        case.resolution_kind = "auto"
        closing = record(
            session,
            case,
            Kind.AUTO_RESOLVED,
            SYSTEM,
            now=now,
            body=f"We did not hear back within {settings.auto_resolve_days:g} days, so we "
            "closed this case. Reply at any time and it reopens with the same person.",
        )
        await set_status(session, case, Status.RESOLVED, actor=SYSTEM, now=now)
        await tell_customer(session, case, Notice.AUTO_RESOLVED, entry=closing, now=now)
    return len(cases)


async def note_due_follow_ups(session: AsyncSession, *, now: datetime) -> int:
    """Put each follow-up that came due on its case's timeline, once; the work list shows it."""
    due = await repository.follow_ups_due_unnoted(session, now=now, limit=200)
    for follow_up in due:
        case = await repository.get_case(session, follow_up.case_id)
        follow_up.noted_at = now
        record(
            session,
            case,
            Kind.FOLLOW_UP_DUE,
            SYSTEM,
            now=now,
            body=follow_up.note,
            follow_up_id=follow_up.id,
        )
    return len(due)
