"""Finding the customer behind an address, or making one: every channel lands here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.customers import repository
from throughline.customers.rules import normalize_identity
from throughline.models import Customer, Identity


async def find_or_create(
    session: AsyncSession,
    *,
    kind: str,
    value: str,
    name: str,
    now: datetime,
    plan_tier: str | None = None,
    environment: dict[str, Any] | None = None,
) -> Customer:
    """The customer this address belongs to; a new customer when nobody has it yet.

    An address already held by a customer always stays with that customer.
    """
    normalized = normalize_identity(kind, value)
    customer = await repository.by_identity(session, kind, normalized)
    if customer is None:
        try:
            # A savepoint: when another request creates the same address at the
            # same moment, we lose the race politely and use theirs.
            async with session.begin_nested():
                customer = Customer(
                    name=name.strip() or normalized,
                    email=normalized if kind == "email" else None,
                    plan_tier=plan_tier,
                    environment=dict(environment or {}),
                    created_at=now,
                )
                session.add(customer)
                await session.flush()
                session.add(
                    Identity(customer_id=customer.id, kind=kind, value=normalized, created_at=now)
                )
            return customer
        except IntegrityError:
            customer = await repository.by_identity(session, kind, normalized)
            if customer is None:
                raise
    if plan_tier is not None:
        customer.plan_tier = plan_tier
    if environment:
        customer.environment = {**(customer.environment or {}), **environment}
    return customer
