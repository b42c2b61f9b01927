"""Webhook channels: adding them, and a bridge's message becoming part of a case.

What arrives is stored first (an ``InboundMessage``, unique per channel and
message id, with an outbox job to process it), and committed; processing then
finds the customer behind the external user, threads the message to their open
case on the channel or opens one, and can run again safely: a message already
processed is left alone. A replayed message id finds the stored row and
changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import service as cases
from throughline.channels import inbound
from throughline.channels.webhooks import repository
from throughline.channels.webhooks.schemas import InboundResult, WebhookMessageIn
from throughline.channels.webhooks.signing import channel_secret
from throughline.config import Settings
from throughline.customers import service as customers
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import Conflict, InvalidInput, NotFound
from throughline.kit.security import new_nonce
from throughline.models import InboundMessage, WebhookChannel, utcnow
from throughline.outbox import service as outbox

PROCESS_TOPIC = "webhooks.inbound"
IDENTITY_KIND = "webhook"
# Severity of a case a chat message opens: "something is wrong" until the owner knows more.
MESSAGE_SEVERITY = 3
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")


def channel_key(name: str) -> str:
    """The channel as cases, timelines and inbound messages name it."""
    return f"webhook:{name}"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidInput(
            f"name: {name!r} must be 1 to 24 lowercase letters, digits, '-' or '_' "
            "(it appears in URLs and on cases as webhook:<name>)"
        )
    return name


def check_url(url: str) -> str:
    url = url.strip()
    if not re.match(r"^https?://[^\s/?#]+", url):
        raise InvalidInput(f"outbound-url: {url!r} must be an http:// or https:// URL")
    return url


def secret_of(channel: WebhookChannel, settings: Settings) -> str:
    return channel_secret(settings.resolved_secret_key(), channel.secret_nonce)


async def add_channel(
    session: AsyncSession,
    name: str,
    *,
    outbound_url: str,
    settings: Settings,
    actor: Actor,
    now: datetime,
) -> tuple[WebhookChannel, str]:
    """A channel and its signing secret (returned once; derivable only with the app's key).

    A removed channel's name can be added again: it gets a new secret.
    """
    check_name(name)
    url = check_url(outbound_url)
    channel = await repository.channel_by_name(session, name)
    if channel is not None and channel.is_active:
        raise Conflict(f"a channel named {name!r} already exists")
    if channel is None:
        channel = WebhookChannel(name=name, created_at=now)
        session.add(channel)
    channel.outbound_url = url
    channel.secret_nonce = new_nonce()
    channel.is_active = True
    await session.flush()
    audit(session, actor, "channel.add", "webhook_channel", channel.id, name=name, url=url)
    return channel, secret_of(channel, settings)


async def remove_channel(session: AsyncSession, name: str, *, actor: Actor) -> WebhookChannel:
    """Stop the channel: its messages are refused and replies on it are no longer sent.
    The row stays, so the cases that came through it still say where they came from."""
    channel = await repository.channel_by_name(session, name)
    if channel is None or not channel.is_active:
        raise NotFound(f"no channel {name!r}")
    channel.is_active = False
    audit(session, actor, "channel.remove", "webhook_channel", channel.id, name=name)
    return channel


async def active_channel(session: AsyncSession, name: str) -> WebhookChannel:
    channel = await repository.channel_by_name(session, name)
    if channel is None or not channel.is_active:
        raise NotFound(f"no channel {name!r}: add it with 'throughline channel add {name}'")
    return channel


@dataclass(frozen=True)
class Stored:
    inbound_id: int
    duplicate: bool


async def store(
    session: AsyncSession,
    channel: WebhookChannel,
    message: WebhookMessageIn,
    raw: bytes,
    *,
    now: datetime,
) -> Stored:
    """Keep the raw message, once per (channel, message_id), with the job that processes it."""
    key = channel_key(channel.name)
    external_key = inbound.external_key(message.message_id)
    existing = await repository.inbound_by_key(session, key, external_key)
    if existing is not None:
        return Stored(inbound_id=existing.id, duplicate=True)
    row = inbound.received(
        channel=key,
        source="http",
        external_id=message.message_id,
        raw=raw,
        envelope={
            "external_user_id": message.external_user_id,
            "display_name": message.display_name,
            "sent_at": message.sent_at.isoformat(),
        },
        now=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same message arrived twice at the same moment: the other request stored it.
        existing = await repository.inbound_by_key(session, key, external_key)
        if existing is None:
            raise
        return Stored(inbound_id=existing.id, duplicate=True)
    await outbox.enqueue(
        session, PROCESS_TOPIC, {"inbound_id": row.id}, now=now, dedupe_key=f"webhook-in:{row.id}"
    )
    return Stored(inbound_id=row.id, duplicate=False)


def _subject(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), text.strip())
    return first if len(first) <= 120 else first[:119] + "…"


async def process(
    session: AsyncSession, inbound_id: int, *, settings: Settings, now: datetime
) -> InboundResult:
    """Turn a stored message into a case message, once; later calls return the same result."""
    row = await inbound.lock(session, inbound_id, what="inbound message")
    if row.state != "received":
        return _result(row, duplicate=True)
    row.attempts += 1
    message = WebhookMessageIn.model_validate_json(row.raw)
    name = row.channel.removeprefix("webhook:")
    identity = (IDENTITY_KIND, f"{name}:{message.external_user_id}")
    display = message.display_name or message.external_user_id
    customer, _made = await customers.find_or_make(
        session, kind=identity[0], value=identity[1], name=display, now=now
    )
    # One message of a customer at a time: two first messages at once open one case.
    await session.flush()
    await session.refresh(customer, with_for_update=True)
    case = await repository.open_case_on_channel(session, customer.id, row.channel)
    if case is not None:
        await cases.customer_message(
            session, case, body=message.text, settings=settings, now=now, channel=row.channel
        )
        outcome = "threaded"
    else:
        case, _token = await cases.open_case(
            session,
            cases.NewCase(
                email=None,
                identity=identity,
                name=display,
                subject=_subject(message.text),
                body=message.text,
                severity=MESSAGE_SEVERITY,
                channel=row.channel,
            ),
            settings=settings,
            now=now,
        )
        outcome = "new_case"
    await inbound.processed(
        session, row, case, outcome=outcome, job_key=f"webhook-in:{row.id}", now=now
    )
    return _result(row, duplicate=False)


def _result(row: InboundMessage, *, duplicate: bool) -> InboundResult:
    return InboundResult(
        case_number=f"TL-{row.case_id}" if row.case_id is not None else None,
        outcome=row.outcome or "queued",
        duplicate=duplicate,
    )


async def result_of(session: AsyncSession, inbound_id: int) -> InboundResult | None:
    row = await session.get(InboundMessage, inbound_id)
    return _result(row, duplicate=True) if row is not None else None


@outbox.handler(PROCESS_TOPIC)
async def process_job(session: AsyncSession, payload: dict[str, Any], settings: Settings) -> None:
    """The worker's safety net: a message stored but not processed in its request (a crash,
    a database hiccup) is processed here, with the outbox's retries."""
    await process(session, int(payload["inbound_id"]), settings=settings, now=utcnow())
