"""Outbound email: the owner's replies and the customer notices, through the SMTP relay."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.channels.delivery import Delivery, route
from throughline.config import Settings


@route("email")
async def send_email(session: AsyncSession, delivery: Delivery, settings: Settings) -> None:
    raise NotImplementedError("outbound email is being built")
