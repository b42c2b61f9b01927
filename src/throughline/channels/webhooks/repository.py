"""Every query about webhook channels and the messages they brought."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.rules import Status
from throughline.models import Case, InboundMessage, WebhookChannel


async def channel_by_name(session: AsyncSession, name: str) -> WebhookChannel | None:
    return await session.scalar(select(WebhookChannel).where(WebhookChannel.name == name))


async def channels(session: AsyncSession) -> list[WebhookChannel]:
    return list(await session.scalars(select(WebhookChannel).order_by(WebhookChannel.name)))


async def inbound_by_key(
    session: AsyncSession, channel: str, external_key: str
) -> InboundMessage | None:
    return await session.scalar(
        select(InboundMessage).where(
            InboundMessage.channel == channel, InboundMessage.external_key == external_key
        )
    )


async def open_case_on_channel(
    session: AsyncSession, customer_id: int, channel: str
) -> Case | None:
    """The customer's newest case on this channel that is not resolved, locked."""
    return await session.scalar(
        select(Case)
        .where(
            Case.customer_id == customer_id,
            Case.channel == channel,
            Case.status != Status.RESOLVED,
        )
        .order_by(Case.id.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def last_sender(session: AsyncSession, case_id: int, channel: str) -> dict[str, Any] | None:
    """Who last wrote on this case through the channel (its envelope): whom a reply goes to."""
    envelope: dict[str, Any] | None = await session.scalar(
        select(InboundMessage.envelope)
        .where(InboundMessage.case_id == case_id, InboundMessage.channel == channel)
        .order_by(InboundMessage.id.desc())
        .limit(1)
    )
    return envelope
