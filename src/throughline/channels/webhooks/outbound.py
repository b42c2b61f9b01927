"""Outbound webhook: replies to a case that arrived on a channel go back to that channel."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.channels.delivery import Delivery, route
from throughline.config import Settings


@route("webhook")
async def post_to_channel(session: AsyncSession, delivery: Delivery, settings: Settings) -> None:
    raise NotImplementedError("outbound webhooks are being built")
