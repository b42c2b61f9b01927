"""How comfortable a customer is with technology, from their own answer or their rep.

Both answers are kept; the rep's, when set, is the one in force (``customers.proficiency``),
which the jargon hint reads. Services never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.customers.rules import PROFICIENCIES
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import InvalidInput
from throughline.models import Customer, CustomerProficiency


def in_force(said: str | None, set_by_rep: str | None) -> str | None:
    """The rep's setting wins over the customer's own answer."""
    return set_by_rep or said


async def record(
    session: AsyncSession, customer: Customer, value: str | None, *, by: Actor, now: datetime
) -> None:
    """Store one side's answer (None clears it) and put the one in force on the customer."""
    if value is not None and value not in PROFICIENCIES:
        raise InvalidInput(f"proficiency: one of {', '.join(PROFICIENCIES)}")
    row = await session.get(CustomerProficiency, customer.id)
    if row is None:
        # Customers from before both answers were kept: their one answer was their own.
        row = CustomerProficiency(customer_id=customer.id, said=customer.proficiency)
        session.add(row)
    if by.rep_id is not None:
        row.set_by_rep, row.set_by_rep_id, row.set_at = value, by.rep_id, now
        audit(session, by, "customer.proficiency", "customer", customer.id, value=value)
    else:
        row.said, row.said_at = value, now
    customer.proficiency = in_force(row.said, row.set_by_rep)


async def answers(session: AsyncSession, customer_id: int) -> CustomerProficiency | None:
    return await session.get(CustomerProficiency, customer_id)
