"""What an inbound channel does with a customer's message: store it first, process it after.

The request keeps the raw message as an ``InboundMessage`` (state "received")
with an outbox job, and commits; processing then locks the row, files the
message on a case and marks it "processed", settling the job when the request
did the work itself. Processing a processed message again changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.channels import repository
from throughline.kit.errors import NotFound
from throughline.models import Case, InboundMessage


def external_key(external_id: str) -> str:
    """The indexed form of a sender's own message id (ids may be long)."""
    return hashlib.sha256(external_id.encode()).hexdigest()


def received(
    *,
    channel: str,
    source: str,
    external_id: str,
    raw: bytes,
    envelope: dict[str, Any],
    now: datetime,
) -> InboundMessage:
    """A new stored message, not processed yet; the caller adds it to the session."""
    return InboundMessage(
        channel=channel,
        source=source,
        external_id=external_id,
        external_key=external_key(external_id),
        raw=raw,
        size=len(raw),
        state="received",
        envelope=envelope,
        attempts=0,
        created_at=now,
    )


async def lock(session: AsyncSession, inbound_id: int, *, what: str) -> InboundMessage:
    """The stored message, locked until the transaction ends: one process files it."""
    row = await repository.inbound_for_update(session, inbound_id)
    if row is None:
        raise NotFound(f"no {what} {inbound_id}")
    return row


async def processed(
    session: AsyncSession,
    row: InboundMessage,
    case: Case,
    *,
    outcome: str,
    job_key: str,
    now: datetime,
) -> None:
    """The message is on ``case``; its safety-net job ``job_key`` has nothing left to do."""
    row.state = "processed"
    row.outcome = outcome
    row.case_id = case.id
    row.customer_id = case.customer_id
    row.processed_at = now
    await repository.settle_job(session, job_key, now)
    await session.flush()
