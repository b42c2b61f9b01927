"""Waking the open pages a write concerns: one in-process hub, fed by PostgreSQL's NOTIFY.

A write that changes what a rep sees names what changed as short keys (``r12``: rep
12's work list, ``c345``: case 345's page). On PostgreSQL the unit of work sends them
with ``pg_notify`` in its own transaction (so they arrive only if it commits), and
every process keeps ONE listening connection that hands them to its hub. On SQLite the
commit hands them to this process's hub directly, and writes them in a row of
``live_changes`` in the same transaction; every process's hub reads the rows it did
not write itself, once every ``TAIL_SECONDS`` while a page is open and only when the
database changed (``PRAGMA data_version``), so a second web process, the worker or a
command wakes the pages too. The hub wakes only the streams subscribed to those keys.
Nothing here polls per page: the database work is per write and per process, never
per open tab.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sqlite3
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "throughline_live"
# NOTIFY payloads must stay under 8000 bytes; a transaction touching more wakes everyone.
MAX_PAYLOAD = 7000
EVERYTHING = "*"
# How long a broken listening connection waits before trying again (doubling up to the cap).
BACKOFF_FIRST = 0.1
BACKOFF_CAP = 5.0
# A listening connection is asked "still there?" this often (a dead TCP peer says nothing).
PING_SECONDS = 15.0
# SQLite: how often a process with open pages looks for the other processes' changes.
TAIL_SECONDS = 0.2
# SQLite: how many change rows stay (older ones are deleted by the writers, in passing).
KEEP_CHANGES = 2_000


def rep_key(rep_id: int) -> str:
    return f"r{rep_id}"


def case_key(case_id: int) -> str:
    return f"c{case_id}"


def encode(keys: Collection[str]) -> str:
    payload = " ".join(sorted(keys))
    return EVERYTHING if len(payload) > MAX_PAYLOAD else payload


def decode(payload: str) -> set[str] | None:
    """The keys of a payload; None means "everything may have changed"."""
    if payload.strip() == EVERYTHING:
        return None
    return set(payload.split())


@dataclass(eq=False)
class Subscription:
    keys: frozenset[str]
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, timeout: float) -> bool:
        """True when woken within ``timeout`` seconds (and ready to be woken again)."""
        try:
            await asyncio.wait_for(self.woken.wait(), timeout)
        except TimeoutError:
            return False
        self.woken.clear()
        return True


@dataclass
class _Job:
    every: float
    run: Callable[[], Awaitable[None]]
    due: float = 0.0


class Hub:
    """One per process and database: subscriptions by key, the listener, periodic chores."""

    def __init__(self, dsn: str | None, *, sqlite_path: str | None = None) -> None:
        # ``dsn``: a plain PostgreSQL URL to LISTEN on; None for SQLite or in-process only.
        # ``sqlite_path``: the SQLite file whose ``live_changes`` this hub reads.
        self.dsn = dsn
        self.sqlite_path = sqlite_path
        # Names the rows of ``live_changes`` this hub's own process wrote.
        self.origin = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._subscribers: dict[str, set[Subscription]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._jobs: dict[str, _Job] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.listening = asyncio.Event()
        # Answers shared by the streams of one topic set: (topics, ...) -> answer.
        self.cache: dict[tuple[Any, ...], Any] = {}
        # What the users of the hub keep per process (e.g. their chores' state).
        self.state: dict[str, Any] = {}
        self.reconnects = 0

    # -- streams ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def subscribe(self, keys: Iterable[str]) -> Iterator[Subscription]:
        self._start()
        subscription = Subscription(frozenset(keys))
        for key in subscription.keys:
            self._subscribers.setdefault(key, set()).add(subscription)
        try:
            yield subscription
        finally:
            for key in subscription.keys:
                waiting = self._subscribers.get(key)
                if waiting is not None:
                    waiting.discard(subscription)
                    if not waiting:
                        del self._subscribers[key]

    @property
    def hears_everything(self) -> bool:
        """Whether every write, of any process, reaches this hub now."""
        return (self.dsn is None and self.sqlite_path is None) or self.listening.is_set()

    def topics(self) -> set[str]:
        return set(self._subscribers)

    def publish(self, keys: Collection[str] | None) -> None:
        """Wake the streams of ``keys`` (None: all) and forget cached answers about them."""
        if self._loop is not None and not self._in_loop():
            self._loop.call_soon_threadsafe(self.publish, keys)
            return
        self.forget(keys)
        if keys is None:
            woken = {s for subs in self._subscribers.values() for s in subs}
        else:
            woken = {s for key in keys for s in self._subscribers.get(key, ())}
        for subscription in woken:
            subscription.woken.set()

    def forget(self, keys: Collection[str] | None) -> None:
        """Drop the cached answers about ``keys`` (None: all); the streams are not woken."""
        if self._loop is not None and not self._in_loop():
            self._loop.call_soon_threadsafe(self.forget, keys)
            return
        if keys is None:
            self.cache.clear()
            return
        wanted = set(keys)
        for cache_key in [k for k in self.cache if not wanted.isdisjoint(k[0])]:
            del self.cache[cache_key]

    def _in_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    # -- chores that run while streams are open (once per process, not per stream) ---------
    def every(self, name: str, seconds: float, run: Callable[[], Awaitable[None]]) -> None:
        self._jobs.setdefault(name, _Job(seconds, run))

    async def _chores(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(0.5)
            if not self._subscribers:
                continue
            for job in list(self._jobs.values()):
                if loop.time() >= job.due:
                    job.due = loop.time() + job.every
                    try:
                        await job.run()
                    except Exception:  # a chore failing must not end the live pages
                        log.exception("live chore failed")

    # -- the listening connection -----------------------------------------------------------
    def _start(self) -> None:
        if self._tasks:
            return
        self._loop = asyncio.get_running_loop()
        self._tasks.append(asyncio.create_task(self._chores()))
        if self.dsn is not None:
            self._tasks.append(asyncio.create_task(self._listen()))
        elif self.sqlite_path is not None:
            # Where to start is read now, before the subscribing page looks at its data.
            try:
                start: tuple[sqlite3.Connection, int] | None = self._open_tail()
            except sqlite3.Error as exc:
                log.warning("live changes cannot be read (%s)", exc)
                start = None
            self._tasks.append(asyncio.create_task(self._tail(start)))
        else:
            self.listening.set()

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self.publish(decode(payload))

    async def _listen(self) -> None:
        assert self.dsn is not None
        backoff = BACKOFF_FIRST
        while True:
            try:
                connection = await asyncpg.connect(self.dsn)
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                log.warning("live listener cannot connect (%s); again in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_CAP)
                continue
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _c, lost=lost: lost.set())
            try:
                await connection.add_listener(CHANNEL, self._on_notify)
                backoff = BACKOFF_FIRST
                self.listening.set()
                # Whatever was written while nobody listened: every open stream looks once.
                self.publish(None)
                while not lost.is_set() and not connection.is_closed():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), PING_SECONDS)
                    if not lost.is_set():
                        await connection.fetchval("SELECT 1")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("live listener lost its connection (%s)", exc)
            finally:
                self.listening.clear()
                self.reconnects += 1
                with contextlib.suppress(Exception):
                    connection.terminate()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_CAP)

    # -- SQLite: the other processes' rows of live_changes -----------------------------------
    def _open_tail(self) -> tuple[sqlite3.Connection, int]:
        assert self.sqlite_path is not None
        connection = sqlite3.connect(self.sqlite_path, isolation_level=None)
        try:
            newest = connection.execute("SELECT coalesce(max(id), 0) FROM live_changes")
            return connection, int(newest.fetchone()[0])
        except sqlite3.Error:
            connection.close()
            raise

    async def _tail(self, start: tuple[sqlite3.Connection, int] | None) -> None:
        connection, last = start or (None, -1)
        version = -1
        if connection is not None:
            self.listening.set()
        try:
            while True:
                try:
                    if connection is None:
                        connection, newest = self._open_tail()
                        # Whatever was written while this hub could not read: every open
                        # stream looks once.
                        self.publish(None)
                        last, version = newest, -1
                        self.listening.set()
                    now = connection.execute("PRAGMA data_version").fetchone()[0]
                    if now != version:
                        version = now
                        last = self._read_changes(connection, last)
                except sqlite3.Error as exc:
                    log.warning(
                        "live changes cannot be read (%s); again in %.1f s", exc, BACKOFF_CAP
                    )
                    self.listening.clear()
                    self.reconnects += 1
                    if connection is not None:
                        connection.close()
                        connection = None
                    await asyncio.sleep(BACKOFF_CAP)
                    continue
                await asyncio.sleep(TAIL_SECONDS)
        finally:
            if connection is not None:
                connection.close()

    def _read_changes(self, connection: sqlite3.Connection, last: int) -> int:
        # Short reads of an indexed range: run in place, like the writer (kit/sqlite_loop.py).
        rows = connection.execute(
            "SELECT id, origin, keys FROM live_changes WHERE id > ? ORDER BY id", (last,)
        ).fetchall()
        if not rows:
            return last
        if rows[0][0] > last + 1:
            # Rows were deleted before this hub read them: it cannot know what changed.
            self.publish(None)
            return int(rows[-1][0])
        keys: set[str] = set()
        for _id, origin, payload in rows:
            if origin == self.origin:
                continue
            decoded = decode(payload)
            if decoded is None:
                self.publish(None)
                return int(rows[-1][0])
            keys |= decoded
        if keys:
            self.publish(keys)
        return int(rows[-1][0])

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self.listening.clear()
