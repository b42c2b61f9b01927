"""Turning stored rows into what reps and customers read."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository
from throughline.cases.repository import ShownEntry
from throughline.cases.rules import plain_status
from throughline.cases.schemas import CaseOut, CaseSummaryOut
from throughline.kit.schemas import RepOut
from throughline.models import Case, Customer, Rep, Step


def rep_out(rep: Rep | None) -> RepOut | None:
    if rep is None:
        return None
    return RepOut(id=rep.id, name=rep.name, email=rep.email, extension=rep.extension)


# The case page's timeline and steps are built as plain dicts and validated once, in
# pydantic-core, with the whole CaseOut: a model per entry cost a third of the page.
def actor_out(
    kind: str, rep_id: int | None, reps: dict[int, Rep], customer: Customer | None
) -> dict[str, Any]:
    if kind == "rep" and rep_id is not None:
        rep = reps.get(rep_id)
        return {"kind": "rep", "id": rep_id, "name": rep.name if rep else None}
    if kind == "customer" and customer is not None:
        return {"kind": "customer", "id": customer.id, "name": customer.name}
    return {"kind": kind}


def entry_out(entry: ShownEntry, reps: dict[int, Rep], customer: Customer | None) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "at": entry.created_at,
        "actor": actor_out(entry.actor_kind, entry.actor_rep_id, reps, customer),
        "body": entry.body,
        "internal": entry.internal,
        "channel": entry.channel,
        "data": entry.data or {},
    }


def step_out(step: Step, reps: dict[int, Rep], customer: Customer | None) -> dict[str, Any]:
    return {
        "id": step.id,
        "description": step.description,
        "outcome": step.outcome,
        "by": actor_out(
            "rep" if step.rep_id is not None else "customer", step.rep_id, reps, customer
        ),
        "at": step.created_at,
        "repeated": step.repeat_of_id is not None,
    }


def summary_out(case: Case, reps: dict[int, Rep]) -> CaseSummaryOut:
    return CaseSummaryOut(
        number=case.number,
        subject=case.subject,
        severity=case.severity,
        status=case.status,
        channel=case.channel,
        owner=rep_out(reps.get(case.owner_id) if case.owner_id else None),
        due_at=case.due_at,
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


async def case_out(session: AsyncSession, case: Case) -> CaseOut:
    customer = await session.get(Customer, case.customer_id)
    assert customer is not None
    entries = await repository.timeline(session, case.id)
    steps = await repository.steps(session, case.id)
    rep_ids = {e.actor_rep_id for e in entries if e.actor_rep_id is not None}
    rep_ids |= {s.rep_id for s in steps if s.rep_id is not None}
    rep_ids |= {i for i in (case.owner_id, case.previous_owner_id) if i is not None}
    reps = await repository.rep_names(session, rep_ids)
    summary = summary_out(case, reps)
    return CaseOut.model_validate(
        {
            **summary.model_dump(),
            "status_words": plain_status(
                case.status, reps[case.owner_id].name if case.owner_id in reps else None
            ),
            "plan_tier": case.plan_tier,
            "environment": case.environment or {},
            "customer": {
                "id": customer.id,
                "name": customer.name,
                "email": customer.email,
                "plan_tier": customer.plan_tier,
                "proficiency": customer.proficiency,
                "environment": customer.environment or {},
            },
            "previous_owner": rep_out(
                reps.get(case.previous_owner_id) if case.previous_owner_id else None
            ),
            "resolution_summary": case.resolution_summary,
            "resolution_proposed_at": case.resolution_proposed_at,
            "resolved_at": case.resolved_at,
            "resolution_kind": case.resolution_kind,
            "reopen_count": case.reopen_count,
            "contact_count": case.contact_count,
            "steps": [step_out(step, reps, customer) for step in steps],
            "timeline": [entry_out(entry, reps, customer) for entry in entries],
        }
    )
