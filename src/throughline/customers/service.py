"""Finding the customer behind an address, or making one: every channel lands here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.timeline import record
from throughline.customers import repository
from throughline.customers.rules import normalize_identity
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import Conflict, InvalidInput, NotFound
from throughline.kit.queries import insert_unless_present, valid_id
from throughline.kit.rows import insert_now
from throughline.models import Base, Case, Customer, Identity


async def find_or_make(
    session: AsyncSession,
    *,
    kind: str,
    value: str,
    name: str,
    now: datetime,
    plan_tier: str | None = None,
    environment: dict[str, Any] | None = None,
) -> tuple[Customer, bool]:
    """The customer this address belongs to, or a new customer when nobody has it yet; and
    whether the customer was made now (so has no past cases).

    An address already held by a customer always stays with that customer.
    """
    normalized = normalize_identity(kind, value)
    customer = await repository.by_identity(session, kind, normalized)
    if customer is None:
        customer = Customer(
            name=name.strip() or normalized,
            email=normalized if kind == "email" else None,
            plan_tier=plan_tier,
            environment=dict(environment or {}),
            created_at=now,
        )
        await insert_now(session, customer)
        # One statement that cannot fail: when another request gave the same address to a
        # customer of its own at the same moment, we lose the race politely and use theirs.
        claimed = await session.scalar(
            insert_unless_present(session, Identity, key=["kind", "value"], returning="id"),
            {"customer_id": customer.id, "kind": kind, "value": normalized, "created_at": now},
        )
        if claimed is not None:
            return customer, True
        await session.delete(customer)
        customer = await repository.by_identity(session, kind, normalized)
        if customer is None:
            raise Conflict(f"{kind} {normalized}: held by a customer being removed; try again")
    if plan_tier is not None:
        customer.plan_tier = plan_tier
    if environment:
        customer.environment = {**(customer.environment or {}), **environment}
    return customer, False


@dataclass(frozen=True)
class Merged:
    customer: Customer
    identities: list[Identity]
    case_numbers: list[str]


async def merge(
    session: AsyncSession, customer_id: int, *, into_id: int, actor: Actor, now: datetime
) -> Merged:
    """One person, one customer: everything of ``customer_id`` moves to ``into_id``.

    Every row that refers to the customer (identities, cases, error reports,
    inbound messages, timeline authorship, portal sessions …) is found from the
    schema's foreign keys, so no reference is left dangling; then the merged
    customer is removed. Audited, and noted on each moved case's timeline.
    """
    if not valid_id(into_id):
        raise InvalidInput(f"into: no customer {into_id}")
    if customer_id == into_id:
        raise InvalidInput("into: a customer cannot be merged into itself")
    if not valid_id(customer_id):
        raise NotFound(f"no customer {customer_id}")
    # Lock both in id order, so two opposite merges at once cannot deadlock.
    locked: dict[int, Customer | None] = {}
    for key in sorted((customer_id, into_id)):
        locked[key] = await session.get(Customer, key, with_for_update=True, populate_existing=True)
    source, into = locked[customer_id], locked[into_id]
    if source is None:
        raise NotFound(f"no customer {customer_id}")
    if into is None:
        raise InvalidInput(f"into: no customer {into_id}")
    moved_identities = [
        f"{i.kind}:{i.value}"
        for i in await session.scalars(select(Identity).where(Identity.customer_id == source.id))
    ]
    moved_cases = list(await session.scalars(select(Case.id).where(Case.customer_id == source.id)))
    try:
        async with session.begin_nested():
            for table in Base.metadata.sorted_tables:
                for column in table.columns:
                    if any(fk.column.table.name == "customers" for fk in column.foreign_keys):
                        await session.execute(
                            update(table).where(column == source.id).values({column.name: into.id})
                        )
    except IntegrityError as exc:
        raise Conflict(
            f"customer {source.id} cannot be merged into {into.id}: {exc.orig}"
        ) from None
    into.environment = {**(source.environment or {}), **(into.environment or {})}
    into.email = into.email or source.email
    into.plan_tier = into.plan_tier or source.plan_tier
    into.proficiency = into.proficiency or source.proficiency
    who = actor.rep.name if actor.rep else actor.kind
    cases = list(
        await session.scalars(
            select(Case)
            .where(Case.id.in_(moved_cases))
            .order_by(Case.id)
            .execution_options(populate_existing=True)
        )
    )
    for case in cases:
        record(
            session,
            case,
            "customer_merged",
            actor,
            now=now,
            body=f"{who} merged customer {source.name} (#{source.id}) into {into.name} "
            f"(#{into.id}): one customer for all their channels.",
            internal=True,
            from_customer_id=source.id,
            into_customer_id=into.id,
        )
    audit(
        session,
        actor,
        "customer.merge",
        "customer",
        source.id,
        into=into.id,
        name=source.name,
        email=source.email,
        identities=moved_identities,
        cases=[case.number for case in cases],
    )
    await session.delete(source)
    await session.flush()
    identities = list(
        await session.scalars(
            select(Identity)
            .where(Identity.customer_id == into.id)
            .order_by(Identity.id)
            .execution_options(populate_existing=True)
        )
    )
    return Merged(
        customer=into, identities=identities, case_numbers=[case.number for case in cases]
    )
