"""Live pages without in-memory pub/sub: each open page asks the database, cheaply, what changed.

Every ~1.5 s a connected page runs ONE query of small aggregates (a fingerprint)
over the rep's own unresolved cases (the partial owner index) and, on a case
page, over that case's newest timeline entry. Only when a fingerprint changes
does the browser re-fetch the fragment. Any process can write; every process
sees it, because the database is the only thing they share.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.rules import Status
from throughline.db import Database
from throughline.kit.security import hash_secret
from throughline.models import (
    Case,
    CaseAttention,
    Escalation,
    FollowUp,
    Rep,
    RepSession,
    TimelineEntry,
)

TICK_SECONDS = 1.5
# How often the live connection marks the rep as seen (the chat's "online" is within 60 s).
SEEN_EVERY = timedelta(seconds=20)
KEEPALIVE_TICKS = 10
# A stream ends after this long and the browser reconnects (see events()).
STREAM_SECONDS = 25.0


def _scalar(query: Any) -> Any:
    return query.scalar_subquery()


async def fingerprint(
    session: AsyncSession, *, rep_id: int, token: str, case_id: int | None, now: datetime
) -> tuple[Any, ...] | None:
    """What the rep's pages show, summarised; None when their session has ended."""
    mine = (Case.owner_id == rep_id, Case.status != Status.RESOLVED)
    columns = [
        _scalar(
            select(func.count())
            .select_from(RepSession)
            .where(RepSession.token_hash == hash_secret(token), RepSession.expires_at > now)
        ),
        _scalar(select(func.count()).select_from(Case).where(*mine)),
        _scalar(select(func.coalesce(func.sum(Case.id), 0)).where(*mine)),
        _scalar(select(func.max(Case.updated_at)).where(*mine)),
        _scalar(
            select(func.count())
            .select_from(CaseAttention)
            .join(Case, Case.id == CaseAttention.case_id)
            .where(*mine)
        ),
        _scalar(
            select(func.max(CaseAttention.since))
            .join(Case, Case.id == CaseAttention.case_id)
            .where(*mine)
        ),
        # Reasons that come from the clock: an escalation or a follow-up falling due.
        _scalar(
            select(func.count())
            .select_from(Escalation)
            .join(Case, Case.id == Escalation.case_id)
            .where(*mine, Escalation.answered_at.is_(None), Escalation.due_at <= now)
        ),
        _scalar(
            select(func.count())
            .select_from(FollowUp)
            .join(Case, Case.id == FollowUp.case_id)
            .where(*mine, FollowUp.done_at.is_(None), FollowUp.due_at <= now)
        ),
        _scalar(select(Rep.on_shift).where(Rep.id == rep_id)),
        _scalar(select(Rep.capacity).where(Rep.id == rep_id)),
        _scalar(select(Rep.active_cases).where(Rep.id == rep_id)),
    ]
    if case_id is not None:
        columns += [
            _scalar(select(func.max(TimelineEntry.id)).where(TimelineEntry.case_id == case_id)),
            _scalar(select(Case.updated_at).where(Case.id == case_id)),
            _scalar(select(Case.owner_id).where(Case.id == case_id)),
        ]
    row = (await session.execute(select(*columns))).one()
    if not row[0]:
        return None
    return tuple(str(value) for value in row[1:])


def worklist_part(print_: tuple[Any, ...]) -> tuple[Any, ...]:
    return print_[:10]


def case_part(print_: tuple[Any, ...]) -> tuple[Any, ...]:
    return print_[10:]


async def mark_seen(database: Database, rep_id: int, now: datetime) -> None:
    async with database.unit_of_work(write=True) as session:
        await session.execute(update(Rep).where(Rep.id == rep_id).values(last_seen_at=now))


def event(name: str, data: str = "changed", *, id: str | None = None) -> str:
    head = f"id: {id}\n" if id else ""
    return f"{head}event: {name}\ndata: {data}\n\n"


def digest(print_: tuple[Any, ...]) -> str:
    """A short name for a fingerprint: the event id the browser sends back on reconnect."""
    return hashlib.sha256(repr(print_).encode()).hexdigest()[:16]


async def events(
    database: Database,
    *,
    rep_id: int,
    token: str,
    case_id: int | None,
    last_event_id: str | None = None,
    tick: float = TICK_SECONDS,
    lifetime: float = STREAM_SECONDS,
) -> AsyncIterator[str]:
    """The server-sent events of one open page: ``worklist`` and ``timeline`` when they change.

    A stream ends after ``lifetime`` seconds (so a server can always stop promptly) and
    the browser reconnects with the last event id: only if the page is stale by then
    does it re-fetch.
    """
    from throughline.models import utcnow

    last: tuple[Any, ...] | None = None
    seen_at: datetime | None = None
    quiet = 0
    started = time.monotonic()
    # Tell EventSource to reconnect soon if the connection drops (it keeps the page live).
    yield "retry: 1000\n\n"
    while time.monotonic() - started < lifetime:
        now = utcnow()
        if seen_at is None or now - seen_at >= SEEN_EVERY:
            await mark_seen(database, rep_id, now)
            seen_at = now
        async with database.unit_of_work(write=False) as session:
            current = await fingerprint(
                session, rep_id=rep_id, token=token, case_id=case_id, now=now
            )
        if current is None:
            yield event("signed-out")
            return
        name = digest(current)
        if last is None:
            # First look: what the browser last saw (its Last-Event-ID) may be stale, or
            # this is a fresh page whose render may predate the stream: then re-fetch.
            stale = last_event_id != name
            changed_list = changed_case = stale
        else:
            changed_list = worklist_part(current) != worklist_part(last)
            changed_case = case_part(current) != case_part(last)
        sent = False
        if changed_list:
            yield event("worklist", id=name)
            sent = True
        if changed_case and case_id is not None:
            yield event("timeline", id=name)
            sent = True
        last = current
        quiet = 0 if sent else quiet + 1
        if quiet >= KEEPALIVE_TICKS:
            # A comment line: keeps proxies from closing an idle stream.
            yield ": still here\n\n"
            quiet = 0
        await asyncio.sleep(tick)
