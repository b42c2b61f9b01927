from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.models import Customer, Identity

# Built once (statements are immutable): every first contact of every channel asks it.
_BY_IDENTITY = (
    select(Customer)
    .join(Identity, Identity.customer_id == Customer.id)
    .where(Identity.kind == bindparam("kind"), Identity.value == bindparam("value"))
)


async def by_identity(session: AsyncSession, kind: str, value: str) -> Customer | None:
    return await session.scalar(_BY_IDENTITY, {"kind": kind, "value": value})
