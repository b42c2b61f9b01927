"""Outbound webhook: replies to a case that arrived on a channel go back to that channel.

The outbox calls this once per timeline entry the customer must hear about.
The POST is signed like inbound messages; anything but a 2xx (or a network
error) raises, and the outbox retries with backoff. ``message_id`` is stable
for the entry, so a bridge that sees a retry of a message it already
delivered can drop it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.channels.delivery import ROUTES, Delivery, route
from throughline.channels.notices import compose
from throughline.channels.webhooks import repository
from throughline.channels.webhooks.service import secret_of
from throughline.channels.webhooks.signing import HEADER, sign
from throughline.config import Settings
from throughline.outbox import service as outbox


class WebhookRejected(RuntimeError):
    """The bridge answered, but not with a 2xx: try again later."""


def message_id(delivery: Delivery) -> str:
    return f"{delivery.case.number}/{delivery.entry.id}"


async def payload_for(
    session: AsyncSession, delivery: Delivery, settings: Settings
) -> dict[str, Any]:
    """What the bridge receives. ``text`` is the whole notice in plain words, as email sends
    it (greeting, message, the owner's direct contact and the status link), so a customer on
    a chat app hears the same as one on email; ``body`` is the entry's own words alone for
    bridges that show the contact elsewhere."""
    case, entry = delivery.case, delivery.entry
    sender = await repository.last_sender(session, case.id, case.channel) or {}
    composed = await compose(session, delivery, settings)
    return {
        "case_number": case.number,
        "kind": delivery.notice.value,
        "external_user_id": sender.get("external_user_id"),
        "subject": composed.subject,
        "text": composed.text,
        "body": entry.body,
        "status_url": composed.status_url,
        "message_id": message_id(delivery),
        "sent_at": entry.created_at.isoformat(),
    }


@route("webhook")
async def post_to_channel(session: AsyncSession, delivery: Delivery, settings: Settings) -> None:
    name = delivery.case.channel.removeprefix("webhook:")
    channel = await repository.channel_by_name(session, name)
    if channel is None or not channel.is_active:
        # The bridge is gone, the customer is not: try them by email (which notes on the
        # case when they have no address) rather than retrying a channel that will not return.
        await ROUTES["email"](session, delivery, settings)
        return
    payload = await payload_for(session, delivery, settings)
    url, secret = channel.outbound_url, secret_of(channel, settings)
    await outbox.release_before_network(session)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        HEADER: sign(secret, body),
        "X-Throughline-Message-Id": payload["message_id"],
        "User-Agent": "Throughline-Webhook/1",
    }
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
        response = await client.post(url, content=body, headers=headers)
    if not response.is_success:
        raise WebhookRejected(
            f"{url} answered {response.status_code} for "
            f"{payload['message_id']}: {response.text[:200]}"
        )
