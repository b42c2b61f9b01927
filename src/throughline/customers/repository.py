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
