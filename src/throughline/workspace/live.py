"""Live pages woken by writes, not by polling: one fingerprint query per change, per page.

A connected page subscribes, in this process's hub (``kit/fanout.py``), to its rep's
work list and, on a case page, to that case. A write names what it changed in the
same transaction (``workspace/changes.py``: ``pg_notify`` on PostgreSQL, heard by one
listening connection per process; the commit itself on SQLite). Only the woken
streams run ONE query of small aggregates (a fingerprint) over the rep's own
unresolved cases and, on a case page, that case's newest timeline entry; only when
the fingerprint changed does the browser re-fetch the fragment. An idle page costs
the database nothing: what the clock changes (an escalation or follow-up falling
due) and "the rep is online" are one query per process, not per page.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
import weakref
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.rules import Status
from throughline.db import Database
from throughline.kit.fanout import case_key, rep_key
from throughline.kit.security import hash_secret
from throughline.models import (
    Case,
    CaseAttention,
    Escalation,
    FollowUp,
    Rep,
    RepSession,
    TimelineEntry,
    utcnow,
)
from throughline.workspace import auth

# A comment line this often keeps proxies from closing an idle stream.
KEEPALIVE_SECONDS = 15.0
# How often the open pages of a process mark their reps as seen (the chat's "online" is
# within 60 s), in one statement for all of them.
SEEN_EVERY = timedelta(seconds=20)
# How often a process looks for escalations and follow-ups that fell due (the clock
# changes those work lists without a write), in one query for all its pages.
CLOCK_SECONDS = 5.0
# A remembered fingerprint is trusted this long at most (a sign-in expiring is the clock too).
CACHE_AT_MOST = timedelta(minutes=5)
# A stream ends after this long and the browser reconnects (see events()) after
# RETRY_MS: a write in that gap reaches the page with the reconnect (its Last-Event-ID).
STREAM_SECONDS = 25.0
RETRY_MS = 500


def _topics(rep_id: int, case_id: int | None) -> frozenset[str]:
    return frozenset([rep_key(rep_id)] + ([case_key(case_id)] if case_id is not None else []))


def _scalar(query: Any) -> Any:
    return query.scalar_subquery()


async def fingerprint(
    session: AsyncSession, *, rep_id: int, token: str, case_id: int | None, now: datetime
) -> tuple[Any, ...] | None:
    """What the rep's pages show, summarised; None when their session has ended."""
    mine = (Case.owner_id == rep_id, Case.status != Status.RESOLVED)
    columns = [
        _scalar(
            select(func.max(RepSession.expires_at)).where(
                RepSession.token_hash == hash_secret(token), RepSession.expires_at > now
            )
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
    if row[0] is None:
        return None
    return tuple(str(value) for value in row[1:])


async def _looked_up(
    database: Database, *, rep_id: int, token: str, case_id: int | None
) -> tuple[Any, ...] | None:
    """The fingerprint, shared by the open pages of one rep's session while nothing changes.

    A browser reconnects every ``STREAM_SECONDS``; the hub remembers the last answer
    until a write or the clock concerns it, so a reconnect of an idle page asks nothing.
    """
    hub = database.hub
    key = (_topics(rep_id, case_id), rep_id, hash_secret(token), case_id)
    locks: weakref.WeakValueDictionary[Any, asyncio.Lock] = hub.state.setdefault(
        "locks", weakref.WeakValueDictionary()
    )
    lock = locks.get(key)
    if lock is None:
        lock = locks[key] = asyncio.Lock()
    # The tabs woken together look one after the other: the first asks, the rest reuse it.
    async with lock:
        now = utcnow()
        cached = hub.cache.get(key)
        if isinstance(cached, tuple) and cached[1] > now:
            return tuple(cached[0])
        # A write concerning this page while the query runs removes the mark: not stored.
        mark = hub.cache[key] = object()
        async with database.unit_of_work(write=False) as session:
            current = await fingerprint(
                session, rep_id=rep_id, token=token, case_id=case_id, now=now
            )
        if hub.cache.get(key) is mark:
            if current is None:
                del hub.cache[key]
            else:
                hub.cache[key] = (current, now + CACHE_AT_MOST)
        return current


async def stream_rep(request: Request) -> int:
    """Who opened the stream: the sign-in checked once, then remembered while it stands.

    A browser reconnects every ~25 s; asking the database each time would cost one query
    per open tab. The answer is forgotten when the rep's sessions or row change (sign-out
    names the rep, see auth.sign_out), when it expires, and at the latest after
    ``CACHE_AT_MOST``; otherwise this is :func:`auth.signed_in_rep`.
    """
    token = request.cookies.get(auth.COOKIE)
    database: Database = request.app.state.database
    hub = database.hub
    now = utcnow()
    # Remembered only while this process hears every sign-out (its listener or tail is up).
    trusted = hub.hears_everything
    if token and len(token) <= 200:
        hashed = hash_secret(token)
        known: dict[str, tuple[Any, ...]] = hub.state.setdefault("signed-in", {})
        remembered = hub.cache.get(known.get(hashed, ()))
        if trusted and remembered is not None and remembered[1] > now:
            return int(remembered[0])
        known.pop(hashed, None)
        async with database.unit_of_work(write=False, lookup=True) as session:
            found = (
                await session.execute(
                    select(RepSession.rep_id, RepSession.expires_at)
                    .join(Rep, Rep.id == RepSession.rep_id)
                    .where(
                        RepSession.token_hash == hashed,
                        RepSession.expires_at > now,
                        Rep.is_active.is_(True),
                    )
                )
            ).first()
        if found is not None:
            rep_id, expires_at = found
            if not trusted:
                return int(rep_id)
            until = min(expires_at, now + CACHE_AT_MOST)
            key = known[hashed] = (frozenset([rep_key(rep_id)]), "signed-in", hashed)
            hub.cache[key] = (rep_id, until)
            return int(rep_id)
    return (await auth.signed_in_rep(request)).id  # not signed in: what every page does


def worklist_part(print_: tuple[Any, ...]) -> tuple[Any, ...]:
    return print_[:10]


def case_part(print_: tuple[Any, ...]) -> tuple[Any, ...]:
    return print_[10:]


async def mark_seen(database: Database, rep_ids: set[int], now: datetime) -> None:
    async with database.unit_of_work(write=True) as session:
        await session.execute(update(Rep).where(Rep.id.in_(rep_ids)).values(last_seen_at=now))


class _Chores:
    """What a process does once for all its open pages: "online", and the clock's changes."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.seen: dict[int, datetime] = {}
        self.clock_from: datetime | None = None

    def open_reps(self) -> set[int]:
        return {int(key[1:]) for key in self.database.hub.topics() if key.startswith("r")}

    async def see(self, rep_id: int) -> None:
        now = utcnow()
        last = self.seen.get(rep_id)
        if last is None or now - last >= SEEN_EVERY:
            self.seen[rep_id] = now
            await mark_seen(self.database, {rep_id}, now)

    async def see_all(self) -> None:
        now = utcnow()
        reps = self.open_reps()
        self.seen = {rep: now for rep in reps}
        if reps:
            await mark_seen(self.database, reps, now)

    async def clock(self) -> None:
        """Wake the work lists where an escalation or a follow-up fell due since last time."""
        now = utcnow()
        since, self.clock_from = self.clock_from or now, now
        mine = (Case.owner_id.is_not(None), Case.status != Status.RESOLVED)
        due_escalations = (
            select(Case.owner_id)
            .join(Escalation, Escalation.case_id == Case.id)
            .where(*mine, Escalation.answered_at.is_(None))
            .where(Escalation.due_at > since, Escalation.due_at <= now)
        )
        due_follow_ups = (
            select(Case.owner_id)
            .join(FollowUp, FollowUp.case_id == Case.id)
            .where(*mine, FollowUp.done_at.is_(None))
            .where(FollowUp.due_at > since, FollowUp.due_at <= now)
        )
        async with self.database.unit_of_work(write=False) as session:
            owners = set(await session.scalars(due_escalations.union(due_follow_ups)))
        wanted = {rep_key(owner) for owner in owners if owner} & self.database.hub.topics()
        if wanted:
            self.database.hub.publish(wanted)


def _chores(database: Database) -> _Chores:
    chores = database.hub.state.get("chores")
    if chores is None:
        chores = database.hub.state["chores"] = _Chores(database)
    assert isinstance(chores, _Chores)
    return chores


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
    keepalive: float = KEEPALIVE_SECONDS,
    lifetime: float = STREAM_SECONDS,
) -> AsyncIterator[str]:
    """The server-sent events of one open page: ``worklist`` and ``timeline`` when they change.

    The stream sleeps until a write concerning its rep's work list (or its case) wakes
    it, then looks once. It ends after ``lifetime`` seconds (so a server can always stop
    promptly) and the browser reconnects with the last event id: only if the page is
    stale by then does it re-fetch.
    """
    hub = database.hub
    # Tell EventSource to reconnect soon if the connection drops (it keeps the page live).
    yield f"retry: {RETRY_MS}\n\n"
    with hub.subscribe(_topics(rep_id, case_id)) as wake:
        chores = _chores(database)
        hub.every("seen", SEEN_EVERY.total_seconds(), chores.see_all)
        hub.every("clock", CLOCK_SECONDS, chores.clock)
        await chores.see(rep_id)
        last: tuple[Any, ...] | None = None
        # Spread: pages opened together (a deploy, a morning) do not all reconnect together.
        ends = time.monotonic() + lifetime * random.uniform(0.8, 1.2)
        while True:
            current = await _looked_up(database, rep_id=rep_id, token=token, case_id=case_id)
            if current is None:
                yield event("signed-out")
                return
            name = digest(current)
            if last is None:
                # First look: what the browser last saw (its Last-Event-ID) may be stale, or
                # this is a fresh page whose render may predate the stream: then re-fetch.
                changed_list = changed_case = last_event_id != name
            else:
                changed_list = worklist_part(current) != worklist_part(last)
                changed_case = case_part(current) != case_part(last)
            if changed_list:
                yield event("worklist", id=name)
            if changed_case and case_id is not None:
                yield event("timeline", id=name)
            last = current
            while not await wake.wait(min(keepalive, max(ends - time.monotonic(), 0))):
                if time.monotonic() >= ends:
                    return
                yield ": still here\n\n"
