from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.models import Customer, Identity


async def by_identity(session: AsyncSession, kind: str, value: str) -> Customer | None:
    return await session.scalar(
        select(Customer)
        .join(Identity, Identity.customer_id == Customer.id)
        .where(Identity.kind == kind, Identity.value == value)
    )


async def identities_of(session: AsyncSession, customer_id: int) -> list[Identity]:
    rows = await session.scalars(
        select(Identity).where(Identity.customer_id == customer_id).order_by(Identity.id)
    )
    return list(rows)
