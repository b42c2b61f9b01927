"""The transactional outbox: work written in the same transaction as the change needing it.

A worker claims a ready row with a conditional UPDATE (the database is the
queue), runs its handler, and retries failures with exponential backoff; a
crashed worker's claim expires after its lease and another worker takes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert as sa_insert
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings
from throughline.kit.queries import insert_unless_present, table_of
from throughline.models import OutboxMessage

# A handler does its work in the session it is given (committed with "done") and
# raises to have the message retried later with backoff.
Handler = Callable[[AsyncSession, dict[str, Any], Settings], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}
LEASE = timedelta(minutes=5)
# Built once (statements are immutable): almost every write queues something.
_OUTBOX = table_of(OutboxMessage)
_ENQUEUE = sa_insert(_OUTBOX).returning(_OUTBOX.c.id)


def handler(topic: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[topic] = function
        return function

    return register


async def release_before_network(session: AsyncSession) -> None:
    """End a handler's read-only transaction before it talks to another server.

    A relay or a bridge may take seconds to answer, or the whole timeout when it is
    down. An open transaction would hold SQLite's single write lock all that time,
    so every request of the process would wait (on PostgreSQL: a connection idle in
    transaction). Call it once everything needed has been read and nothing written;
    what the handler writes afterwards commits together with the outbox's "done".
    Loaded objects are expired: read the attributes you need before calling it.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("release the transaction before writing anything")
    await session.rollback()


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at an hour."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


async def enqueue(
    session: AsyncSession,
    topic: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    dedupe_key: str | None = None,
    run_at: datetime | None = None,
) -> int | None:
    """Add work to do after commit; its id, or None when the dedupe key was queued before."""
    insert = (
        _ENQUEUE
        if dedupe_key is None
        else insert_unless_present(session, OutboxMessage, key=["dedupe_key"], returning="id")
    )
    queued: int | None = await session.scalar(
        insert,
        {
            "topic": topic,
            "payload": payload,
            "dedupe_key": dedupe_key,
            "run_at": run_at or now,
            "attempts": 0,
            "created_at": now,
        },
    )
    return queued


async def ready_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.done_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.run_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .order_by(OutboxMessage.run_at, OutboxMessage.id)
        .limit(limit)
    )
    return list(rows)


async def claim(session: AsyncSession, message_id: int, *, worker: str, now: datetime) -> bool:
    """Take one message for this worker; False when another worker got there first.

    The claim repeats every condition of :func:`ready_ids`: a worker's list of
    candidates may be stale, and a message another worker has just failed and
    put back for later must wait for its backoff, not run again at once.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.done_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.run_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .values(locked_by=worker, locked_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish(session: AsyncSession, message_id: int, *, worker: str, now: datetime) -> bool:
    """Mark a message done in its handler's own transaction, if this worker still holds it.

    The handler's changes and "done" then commit together, so a crash between
    them cannot run the work twice. False when the lease ran out and another
    worker claimed the message meanwhile: the caller rolls back and leaves the
    work to that worker.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.locked_by == worker,
            OutboxMessage.done_at.is_(None),
        )
        .values(done_at=now, locked_by=None, locked_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def settle(message: OutboxMessage, *, error: str | None, now: datetime, max_attempts: int) -> None:
    """After a run: done, retried later with backoff, or failed for good after the last try."""
    message.locked_by = None
    message.locked_until = None
    if error is None:
        message.done_at = now
        message.last_error = None
        return
    message.last_error = error[:2000]
    if message.attempts >= max_attempts:
        message.failed_at = now
    else:
        message.run_at = now + backoff(message.attempts)
