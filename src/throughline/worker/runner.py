"""The background worker: timers and the outbox.

Runs inside ``throughline serve`` in the embedded default and as separate
``throughline worker`` processes at scale. Every job claims its rows (row
locks skipped by others, or a conditional UPDATE), so any number of workers
can run at once without doing anything twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.assignment.service import assign_waiting
from throughline.cases.service import auto_resolve_due, note_due_follow_ups
from throughline.channels.delivery import load_routes
from throughline.channels.email.ingest import stop_parsers
from throughline.channels.email.tasks import InboundMailJob
from throughline.config import Settings
from throughline.db import Database
from throughline.escalations.service import note_overdue
from throughline.flows.service import abandon_idle
from throughline.models import OutboxMessage, WorkerHeartbeat, utcnow
from throughline.outbox import service as outbox
from throughline.policy import service as policy

log = logging.getLogger("throughline.worker")
OUTBOX_BATCH = 50


async def _sweep_assignments(session: AsyncSession, *, now: datetime) -> int:
    return len(await assign_waiting(session, now=now))


class LostClaim(RuntimeError):
    """This worker's lease on an outbox message ran out and another worker claimed it."""


class Worker:
    def __init__(self, database: Database, settings: Settings, *, name: str | None = None) -> None:
        self.database = database
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.backlog = False  # the last outbox batch was full: more is waiting
        load_routes()
        self.jobs: list[tuple[str, Callable[..., Awaitable[int]]]] = [
            ("auto_resolve", lambda s, now: auto_resolve_due(s, settings=settings, now=now)),
            ("overdue_escalations", note_overdue),
            ("due_follow_ups", note_due_follow_ups),
            ("assignment_sweep", _sweep_assignments),
            ("abandoned_flows", lambda s, now: abandon_idle(s, settings=settings, now=now)),
            ("inbound_mail", InboundMailJob(database, settings)),
        ]

    async def heartbeat(self, now: datetime, **details: object) -> None:
        async with self.database.unit_of_work() as session:
            beat = await session.get(WorkerHeartbeat, self.name)
            if beat is None:
                session.add(WorkerHeartbeat(name=self.name, seen_at=now, details=details))
            else:
                beat.seen_at = now
                beat.details = dict(details)

    async def run_timers(self, now: datetime) -> dict[str, int]:
        done: dict[str, int] = {}
        for name, job in self.jobs:
            async with self.database.unit_of_work() as session:
                done[name] = await job(session, now=now)
        return done

    async def run_outbox(
        self, now: datetime, *, batch: int = OUTBOX_BATCH, seconds: float = 0.0
    ) -> int:
        """Claim and run ready outbox messages; returns how many were run.

        One batch, then more for as long as full batches come and ``seconds`` allow:
        a backlog (a burst of new cases, each with its notice) is sent at the pace
        the handlers allow, not one batch per round. ``backlog`` says whether the
        last batch was full, so that the caller goes on without sleeping.
        """
        deadline = time.monotonic() + seconds
        ran = 0
        while True:
            async with self.database.unit_of_work(write=False) as session:
                candidates = await outbox.ready_ids(session, now=now, limit=batch)
            for message_id in candidates:
                # A turn for the requests between messages: on SQLite a message's units of
                # work run on the event loop's thread without waiting for anything.
                await asyncio.sleep(0)
                async with self.database.unit_of_work() as session:
                    claimed = await outbox.claim(session, message_id, worker=self.name, now=now)
                if not claimed:
                    continue
                ran += 1
                await self._run_one(message_id)
            self.backlog = len(candidates) == batch
            if not self.backlog or time.monotonic() >= deadline:
                return ran

    async def _run_one(self, message_id: int) -> None:
        try:
            async with self.database.unit_of_work() as session:
                message = await session.get(OutboxMessage, message_id)
                assert message is not None
                job = outbox.HANDLERS.get(message.topic)
                if job is None:
                    raise LookupError(f"no handler for outbox topic {message.topic!r}")
                await job(session, dict(message.payload), self.settings)
                if not await outbox.finish(session, message_id, worker=self.name, now=utcnow()):
                    raise LostClaim(f"the lease ran out and another worker took {message_id}")
            return
        except Exception:  # noqa: BLE001 - any failure is retried, with its traceback kept
            error = traceback.format_exc(limit=5)
            log.warning("outbox message %s failed: %s", message_id, error)
        async with self.database.unit_of_work() as session:
            message = await session.get(OutboxMessage, message_id, with_for_update=True)
            assert message is not None
            # Another worker's claim after our lease ran out is theirs to settle.
            if message.locked_by == self.name:
                outbox.settle(
                    message,
                    error=error,
                    now=utcnow(),
                    max_attempts=self.settings.outbox_max_attempts,
                )

    async def run_once(self) -> dict[str, int]:
        # An admin may have changed the targets since the last round: use them from now on.
        async with self.database.unit_of_work(write=False) as session:
            await policy.refresh(session, self.settings)
        now = utcnow()
        done = await self.run_timers(now)
        done["outbox"] = await self.run_outbox(now, seconds=self.settings.worker_interval_seconds)
        await self.heartbeat(utcnow(), **done)
        return done

    async def run_forever(self) -> None:
        log.info("worker %s started", self.name)
        try:
            while True:
                try:
                    await self.run_once()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - the worker must outlive one bad round
                    log.exception("worker round failed; retrying")
                    self.backlog = False
                if not self.backlog:
                    await asyncio.sleep(self.settings.worker_interval_seconds)
        finally:
            stop_parsers()  # THROUGHLINE_EMAIL_PARSE_PROCESSES: no process left behind


async def last_heartbeat(session: AsyncSession) -> WorkerHeartbeat | None:
    return await session.scalar(
        select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc()).limit(1)
    )
