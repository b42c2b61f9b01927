"""The queries every inbound channel shares: its stored messages and their safety-net jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.models import InboundMessage, OutboxMessage


async def inbound_for_update(session: AsyncSession, inbound_id: int) -> InboundMessage | None:
    return await session.scalar(
        select(InboundMessage)
        .where(InboundMessage.id == inbound_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def settle_job(session: AsyncSession, dedupe_key: str, now: datetime) -> None:
    """Mark the safety-net job of a message done when its request did the work itself
    (unless a worker holds it right now: then that worker finds the work done)."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key == dedupe_key,
            OutboxMessage.done_at.is_(None),
            OutboxMessage.locked_by.is_(None),
        )
        .values(done_at=now)
        .execution_options(synchronize_session=False)
    )
