"""SQLite's writing connection, run on the event loop's own thread.

aiosqlite runs every statement in a thread of its own: a queue put, a thread
switch and a wake-up of the event loop per statement, each costing more than
the statement itself (a primary-key insert in WAL mode takes a few
microseconds). A unit of work of fourteen statements paid that fourteen
times, and while it waited the write lock stayed taken. The writer is the
one connection of a process that writes, its statements are short by design
(every one is indexed), so here they run in place: a unit of work runs from
``BEGIN IMMEDIATE`` to ``COMMIT`` without giving the event loop away.

What must not block the loop is the wait for the lock when another process
(the worker, a command) holds it: the connection's busy timeout is 0, and a
statement outside a transaction (``BEGIN IMMEDIATE``, the pragmas of a new
connection) that finds the database locked is retried after asynchronous
sleeps, up to the same 30 s the busy timeout gave before. Inside the
transaction the lock is this connection's: nothing there waits.

Readers keep aiosqlite: a report or a search at a million cases may take
tens of milliseconds, and the loop serves other requests meanwhile. Only
lookups of a row or two by key (who is signed in, on every request) run in
place too, on connections of their own.

The object below is what SQLAlchemy's aiosqlite dialect expects of an
``aiosqlite.Connection`` (its ``async_creator`` hook hands it over), so the
dialect, its types and its SQL stay the same as the readers'.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

LOCK_WAIT_SECONDS = 30.0
_FIRST_PAUSE = 0.0005
_LONGEST_PAUSE = 0.02


def _locked(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class Cursor:
    """An ``aiosqlite.Cursor`` look-alike whose coroutines finish without suspending."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = None) -> Cursor:
        if parameters is None:
            parameters = ()
        try:
            self._cursor.execute(sql, parameters)
        except sqlite3.OperationalError as error:
            # Outside a transaction (its BEGIN IMMEDIATE, the pragmas of a new connection),
            # a locked database is waited for; inside one this connection holds the lock.
            if not _locked(error) or self._cursor.connection.in_transaction:
                raise
            await self._wait_for_lock(sql, parameters)
        return self

    async def _wait_for_lock(self, sql: str, parameters: Any) -> None:
        # Only this wait gives the loop away, in growing pauses.
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        pause = _FIRST_PAUSE
        while True:
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
            try:
                self._cursor.execute(sql, parameters)
                return
            except sqlite3.OperationalError as error:
                if not _locked(error) or time.monotonic() >= deadline:
                    raise

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None


class _RunNow:
    """The queue SQLAlchemy's dialect hands a function to (to set the isolation level)."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed back to the awaiting dialect
            future.set_exception(error)


class Connection:
    """An ``aiosqlite.Connection`` look-alike over a ``sqlite3`` connection in this thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        # The dialect asks ``_connection`` whether the connection is still open.
        self._connection: sqlite3.Connection | None = connection
        self._tx = _RunNow()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = None) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def connector(path: str, *, busy_ms: int = 0) -> Callable[[], Any]:
    """The ``async_creator`` of an engine on the SQLite file at ``path``.

    ``busy_ms``: 0 for the writer (its waits are asynchronous, above); a little for a
    reader, which in WAL mode waits only in rare moments (another connection rebuilding
    the WAL index) and then for microseconds.
    """

    async def connect() -> Connection:
        # check_same_thread=False: SQLAlchemy may close a connection it lost from the
        # garbage collector's thread; every statement still runs on the loop's thread.
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        return Connection(connection)

    return connect
