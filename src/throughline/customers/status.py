"""What a customer sees behind their status link (principle 9: honesty with the customer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository as cases
from throughline.cases.repository import ShownEntry
from throughline.cases.rules import Status, plain_status
from throughline.cases.timeline import Kind
from throughline.config import Settings
from throughline.customers.schemas import ContactOut, PublicEntry, PublicStep, StatusView
from throughline.kit.security import hash_secret
from throughline.models import Case, Rep
from throughline.schedules.service import when_back


async def case_for_token(session: AsyncSession, token: str, *, for_update: bool = False) -> Case:
    return await cases.by_token_hash(session, hash_secret(token), for_update=for_update)


def _public_body(entry: ShownEntry) -> str | None:
    """An owner change is public, but a hand-off note is for the next rep, never the customer."""
    if entry.kind == Kind.OWNER:
        name = (entry.data or {}).get("rep_name") or "A named person"
        return f"{name} now looks after your case."
    return entry.body


def _author(kind: str, rep: Rep | None, company: str) -> str:
    if kind == "customer":
        return "You"
    if rep is not None:
        return rep.name
    return company


async def status_view(
    session: AsyncSession, case: Case, *, settings: Settings, now: datetime
) -> StatusView:
    owner = await session.get(Rep, case.owner_id) if case.owner_id else None
    entries = await cases.timeline(session, case.id, public_only=True)
    reps = await cases.rep_names(session, {e.actor_rep_id for e in entries if e.actor_rep_id})
    auto_at = None
    if case.status == Status.RESOLUTION_PROPOSED and case.resolution_proposed_at:
        auto_at = case.resolution_proposed_at + settings.auto_resolve_after
    due = None
    if case.status == Status.RESOLUTION_PROPOSED:
        words = "Waiting for you to tell us whether it is fixed."
    elif case.status == Status.WAITING_ON_CUSTOMER:
        words = "We are waiting for your reply; we will not close the case without you."
    elif case.status == Status.RESOLVED:
        words = "No update is due: the case is resolved. Reply to reopen it."
    else:
        pending = await cases.pending_due_dates(session, case.id)
        due = min(pending) if pending else case.due_at
        words = f"You will hear from us by {due:%Y-%m-%d %H:%M} UTC."
    back = None
    if owner is not None and not owner.on_shift and case.status != Status.RESOLVED:
        back = await when_back(session, owner, customer_id=case.customer_id, now=now)
    return StatusView(
        owner_back_words=back,
        number=case.number,
        subject=case.subject,
        status=case.status,
        status_words=plain_status(case.status, owner.name if owner else None),
        owner=ContactOut(
            name=owner.name, email=owner.email, extension=owner.extension, phone=owner.phone
        )
        if owner
        else None,
        steps_tried=[
            PublicStep(description=s.description, outcome=s.outcome, at=s.created_at)
            for s in await cases.steps(session, case.id)
        ],
        next_update_due=due,
        next_update_words=words,
        resolution_summary=case.resolution_summary,
        auto_resolve_at=auto_at,
        timeline=[
            PublicEntry(
                kind=e.kind,
                at=e.created_at,
                body=_public_body(e),
                author=_author(
                    e.actor_kind,
                    reps.get(e.actor_rep_id) if e.actor_rep_id else None,
                    settings.company_name,
                ),
            )
            for e in entries
        ],
    )
