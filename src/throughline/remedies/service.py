"""Remedies (principle 8): reps take actions from a catalogue, within their own limits.

Above the limit one named approver decides, in one step. Every action and
every decision lands on the case's timeline and in the audit trail.
Services change the session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository as cases
from throughline.cases.rules import OwnerAct, Status
from throughline.cases.service import owner_worked, require_may_work
from throughline.cases.timeline import Kind, record
from throughline.kit.actors import SYSTEM, Actor
from throughline.kit.audit import audit
from throughline.kit.errors import Conflict, Forbidden, InvalidInput
from throughline.models import Action, Case, Remedy, Rep, RepRemedyLimit
from throughline.remedies import repository
from throughline.remedies.rules import (
    ActionStatus,
    Approver,
    Unit,
    action_amount,
    amount_words,
    check_key,
    choose_approver,
    limit_amount,
    may_decide,
    parse_unit,
    remedy_words,
    status_for,
    status_sentence,
)
from throughline.reps import repository as reps

# key, label, unit, default limit
DEFAULT_CATALOGUE: tuple[tuple[str, str, Unit, Decimal], ...] = (
    ("replacement", "Replacement device", Unit.ITEMS, Decimal("1")),
    ("refund", "Refund", Unit.MONEY, Decimal("50.00")),
    ("credit", "Account credit", Unit.MONEY, Decimal("25.00")),
    ("licence_extension", "Licence extension", Unit.DAYS, Decimal("30")),
)


async def seed_catalogue(session: AsyncSession, *, now: datetime) -> None:
    """A sensible starting catalogue, only when there is none yet."""
    if await repository.catalogue_size(session):
        return
    for key, label, unit, limit in DEFAULT_CATALOGUE:
        session.add(
            Remedy(
                key=key,
                label=label,
                unit=unit.value,
                default_limit=limit,
                is_active=True,
                created_at=now,
            )
        )
    audit(
        session,
        SYSTEM,
        "remedy.seed",
        "remedy",
        "catalogue",
        keys=[r[0] for r in DEFAULT_CATALOGUE],
    )
    await session.flush()


async def add_remedy(
    session: AsyncSession,
    *,
    key: str,
    label: str,
    unit: str,
    limit: Decimal,
    actor: Actor,
    now: datetime,
) -> Remedy:
    key = check_key(key)
    label = label.strip()
    if not label:
        raise InvalidInput("label: a remedy needs a label reps and customers can read")
    kind = parse_unit(unit)
    limit = limit_amount(kind, limit)
    if await repository.remedy_by_key(session, key) is not None:
        raise Conflict(f"remedy {key!r} already exists")
    remedy = Remedy(
        key=key, label=label, unit=kind.value, default_limit=limit, is_active=True, created_at=now
    )
    session.add(remedy)
    await session.flush()
    audit(
        session,
        actor,
        "remedy.add",
        "remedy",
        remedy.id,
        key=key,
        label=label,
        unit=kind.value,
        limit=str(limit),
    )
    return remedy


async def get_remedy(session: AsyncSession, key: str) -> Remedy:
    """A remedy by key; an unknown key names the kinds there are."""
    remedy = await repository.remedy_by_key(session, key)
    if remedy is None:
        known = [r.key for r in await repository.catalogue(session, active_only=True)]
        listing = ", ".join(known) if known else "none yet ('throughline remedy add')"
        raise InvalidInput(f"kind: no remedy {key!r}; known kinds: {listing}")
    return remedy


async def set_active(session: AsyncSession, remedy: Remedy, *, active: bool, actor: Actor) -> None:
    """Retire a remedy (its past actions stay) or bring it back."""
    if remedy.is_active == active:
        return
    remedy.is_active = active
    audit(session, actor, "remedy.active", "remedy", remedy.id, key=remedy.key, active=active)


async def set_default_limit(
    session: AsyncSession, remedy: Remedy, *, limit: Decimal, actor: Actor
) -> Decimal:
    """Change the most every rep without their own limit may grant at once without approval.

    Actions already taken keep their status; reps with their own limit keep it.
    """
    limit = limit_amount(remedy.unit, limit)
    before = remedy.default_limit
    remedy.default_limit = limit
    audit(
        session,
        actor,
        "remedy.default_limit",
        "remedy",
        remedy.id,
        key=remedy.key,
        limit=str(limit),
        before=str(before),
    )
    await session.flush()
    return limit


async def set_rep_limit(
    session: AsyncSession, rep: Rep, remedy: Remedy, *, limit: Decimal, actor: Actor
) -> Decimal:
    """Give one rep their own limit for one remedy, instead of the catalogue's default."""
    limit = limit_amount(remedy.unit, limit)
    override = await repository.limit_override(session, rep.id, remedy.id)
    before = override.limit if override else None
    if override is None:
        session.add(RepRemedyLimit(rep_id=rep.id, remedy_id=remedy.id, limit=limit))
    else:
        override.limit = limit
    audit(
        session,
        actor,
        "remedy.limit",
        "rep",
        rep.id,
        remedy=remedy.key,
        limit=str(limit),
        before=str(before) if before is not None else None,
    )
    await session.flush()
    return limit


async def set_approver(session: AsyncSession, rep: Rep, approver: Rep, *, actor: Actor) -> None:
    """Name the one lead who decides this rep's actions above their limits."""
    if approver.id == rep.id:
        raise InvalidInput("approver: a rep cannot approve their own actions")
    if not approver.is_active:
        raise InvalidInput(f"approver: {approver.name} is no longer active")
    if not approver.is_lead:
        raise InvalidInput(f"approver: {approver.name} is not a lead")
    before = rep.approver_id
    rep.approver_id = approver.id
    audit(session, actor, "rep.approver", "rep", rep.id, approver=approver.id, before=before)


async def limit_for(session: AsyncSession, rep_id: int, remedy: Remedy) -> Decimal:
    override = await repository.limit_override(session, rep_id, remedy.id)
    return override.limit if override is not None else remedy.default_limit


async def catalogue_for(session: AsyncSession, rep_id: int) -> list[tuple[Remedy, Decimal]]:
    """The active catalogue with this rep's own limit for each remedy."""
    remedies = await repository.catalogue(session, active_only=True)
    overrides = await repository.overrides_for(session, {rep_id})
    return [(r, overrides.get((rep_id, r.id), r.default_limit)) for r in remedies]


async def approver_for(session: AsyncSession, rep: Rep) -> Rep:
    """The one named person who decides this rep's actions above their limit."""
    leads = await reps.leads(session)
    named = await session.get(Rep, rep.approver_id) if rep.approver_id else None
    people = {lead.id: lead for lead in leads}
    if named is not None:
        people[named.id] = named
    teams = await repository.team_ids_by_rep(session, {rep.id, *people})

    def candidate(person: Rep) -> Approver:
        return Approver(
            id=person.id,
            is_lead=person.is_lead,
            is_active=person.is_active,
            team_ids=teams.get(person.id, frozenset()),
        )

    chosen = choose_approver(
        candidate(rep),
        candidate(named) if named is not None else None,
        [candidate(lead) for lead in leads],
    )
    if chosen is None:
        raise Conflict(
            "nobody can approve this: it is above your limit and there is no other active lead; "
            "ask an administrator to add a lead or name your approver "
            "('throughline remedy approver')"
        )
    return people[chosen.id]


async def take_action(
    session: AsyncSession,
    case: Case,
    actor: Actor,
    *,
    kind: str,
    amount: Decimal | None,
    note: str,
    now: datetime,
) -> Action:
    """Within the rep's limit the action is done at once; above it, it waits for one approver."""
    require_may_work(actor, case, "take an action")
    if case.status == Status.RESOLVED:
        raise Conflict(f"{case.number} is resolved; the customer's next message reopens it")
    remedy = await get_remedy(session, kind)
    if not remedy.is_active:
        raise InvalidInput(f"kind: {remedy.key!r} ({remedy.label}) is no longer offered")
    value = action_amount(remedy.unit, amount)
    rep = await session.get(Rep, actor.rep_id)
    assert rep is not None
    limit = await limit_for(session, rep.id, remedy)
    status = status_for(value, limit)
    approver = await approver_for(session, rep) if status is ActionStatus.PENDING else None
    action = Action(
        case_id=case.id,
        remedy_id=remedy.id,
        rep_id=rep.id,
        amount=value,
        note=note,
        status=status.value,
        approver_id=approver.id if approver else None,
        created_at=now,
    )
    session.add(action)
    await session.flush()
    what = remedy_words(remedy.label, value, remedy.unit)
    # Done: the customer sees what they were given; the rep's reasoning stays internal.
    if approver is None:
        body = f"{what} granted."
    else:
        body = (
            f"{what} asked for: waiting for {approver.name} to approve "
            f"(above {rep.name}'s limit of {amount_words(limit, remedy.unit)}).\n\n{note}"
        )
    record(
        session,
        case,
        Kind.ACTION,
        actor,
        now=now,
        body=body,
        internal=approver is not None,
        action_id=action.id,
        remedy=remedy.key,
        amount=str(value),
        unit=remedy.unit,
        status=status.value,
        limit=str(limit),
        approver_id=approver.id if approver else None,
        note=note,
    )
    audit(
        session,
        actor,
        "action.take",
        "action",
        action.id,
        case=case.number,
        remedy=remedy.key,
        amount=str(value),
        limit=str(limit),
        status=status.value,
        approver_id=approver.id if approver else None,
    )
    await owner_worked(session, case, actor, OwnerAct.ACTION, now=now)
    return action


async def decide(
    session: AsyncSession,
    action: Action,
    actor: Actor,
    *,
    approve: bool,
    note: str | None,
    now: datetime,
) -> Action:
    """The named approver's single decision completes the action."""
    if action.status == ActionStatus.DONE:
        raise Conflict(f"action {action.id} was within the limit and is done; nothing to decide")
    if not may_decide(action.approver_id, actor.rep_id):
        approver = await session.get(Rep, action.approver_id) if action.approver_id else None
        name = approver.name if approver else "its named approver"
        raise Forbidden(f"only {name} may decide on action {action.id}")
    if action.status != ActionStatus.PENDING:
        raise Conflict(f"action {action.id} was already {action.status}")
    remedy = await session.get(Remedy, action.remedy_id)
    assert remedy is not None
    case = await cases.get_case(session, action.case_id)
    status = ActionStatus.APPROVED if approve else ActionStatus.REJECTED
    action.status = status.value
    action.decided_at = now
    what = remedy_words(remedy.label, action.amount, remedy.unit)
    decision = "approved" if approve else "rejected"
    who = actor.rep.name if actor.rep else "the approver"
    record(
        session,
        case,
        Kind.ACTION_DECISION,
        actor,
        now=now,
        # Approved: the customer sees what they were given; a refusal stays internal.
        body=f"{what} granted."
        if approve
        else f"{what} rejected by {who}." + (f"\n\n{note}" if note else ""),
        internal=not approve,
        action_id=action.id,
        remedy=remedy.key,
        amount=str(action.amount),
        unit=remedy.unit,
        status=status.value,
        decision=decision,
        note=note,
    )
    audit(
        session,
        actor,
        "action.decide",
        "action",
        action.id,
        case=case.number,
        remedy=remedy.key,
        amount=str(action.amount),
        decision=decision,
        note=note,
    )
    return action


@dataclass(frozen=True)
class ActionDetails:
    """An action with what a reader needs beside it: its remedy, people, limit and sentence."""

    action: Action
    remedy: Remedy
    rep: Rep | None
    approver: Rep | None
    limit: Decimal
    words: str


async def details(
    session: AsyncSession, actions: list[Action], *, viewer_id: int | None
) -> list[ActionDetails]:
    """Describe actions in three queries, whatever their number."""
    remedies = await repository.remedies_by_id(session, {a.remedy_id for a in actions})
    people = await cases.rep_names(
        session,
        {a.rep_id for a in actions} | {a.approver_id for a in actions if a.approver_id},
    )
    overrides = await repository.overrides_for(session, {a.rep_id for a in actions})
    found = []
    for action in actions:
        remedy = remedies[action.remedy_id]
        rep = people.get(action.rep_id)
        approver = people.get(action.approver_id) if action.approver_id else None
        limit = overrides.get((action.rep_id, remedy.id), remedy.default_limit)
        whose = "your" if action.rep_id == viewer_id or rep is None else f"{rep.name}'s"
        words = status_sentence(
            action.status,
            limit=limit,
            unit=remedy.unit,
            approver=approver.name if approver else None,
            whose=whose,
        )
        found.append(ActionDetails(action, remedy, rep, approver, limit, words))
    return found
