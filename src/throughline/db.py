"""The one session lifecycle: engines, sessions, and the commit of a unit of work.

Services never commit. A request, a CLI command or a background job opens a
unit of work with :func:`unit_of_work`, calls services, and commits once.

SQLite allows one writer at a time. A transaction that starts as a reader
and later writes can fail at once with "database is locked" when another
connection wrote in between, so writing units of work on SQLite begin with
``BEGIN IMMEDIATE`` (they wait for the write lock up front, with a busy
timeout), while read-only ones begin deferred and never block anybody.
PostgreSQL needs none of this: it gets one engine and row locks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from throughline.config import Settings
from throughline.kit import sqlite_loop
from throughline.kit.fanout import Hub
from throughline.workspace import changes

SETTINGS = "settings"


def session_settings(session: AsyncSession) -> Settings | None:
    """The settings of the process whose :class:`Database` opened this session."""
    found: Settings | None = session.info.get(SETTINGS)
    return found


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_reader_on_connect(dbapi_connection: Any, record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when a transaction begins (the writer's
    # connection is opened that way).
    dbapi_connection.isolation_level = None
    _sqlite_on_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _make_sqlite_engine(
    url: str, *, immediate: bool, pool_size: int, in_loop: bool = False
) -> AsyncEngine:
    # SQLite has one writer at a time. With one writing connection per process, writers
    # wait their turn in the pool's queue; with several they would wait in SQLite's busy
    # handler, which sleeps in steps of up to 100 ms (2 s p99 under 16 concurrent writes).
    # That connection runs its statements on the event loop's thread (kit/sqlite_loop.py),
    # and so do the lookups' (``in_loop``: reads of a row or two by key, e.g. the sign-in).
    if immediate or in_loop:
        engine = create_async_engine(
            url,
            async_creator=sqlite_loop.connector(
                str(make_url(url).database), busy_ms=0 if immediate else 100
            ),
            pool_size=1 if immediate else 2,
            max_overflow=0 if immediate else pool_size,
            pool_timeout=60,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    else:
        engine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=60
        )
        event.listen(engine.sync_engine, "connect", _sqlite_reader_on_connect)
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        # WAL with synchronous=NORMAL survives a crash of the process but may lose the
        # last commits on a power cut; a unit of work opened with durable=True (inbound
        # mail before its 250) fsyncs the WAL at commit (about 0.5 ms). The level can only
        # change outside a transaction: here, just before it begins.
        wanted = "FULL" if conn.get_execution_options().get("durable") else "NORMAL"
        info = conn.connection.info
        if info.get("synchronous", "NORMAL") != wanted:
            conn.exec_driver_sql(f"PRAGMA synchronous={wanted}")
            info["synchronous"] = wanted
        conn.exec_driver_sql(begin)

    return engine


@dataclass
class Database:
    """The engines of one process: a writer, a reader and one for lookups by key (on
    PostgreSQL all three are the same engine)."""

    writer: AsyncEngine
    reader: AsyncEngine
    is_sqlite: bool
    lookup: AsyncEngine | None = None
    # Wakes the live pages of this process (work lists, case pages); see kit/fanout.py.
    hub: Hub = field(default_factory=lambda: Hub(None))
    # Statements this process sent (its /healthz says; the live-updates benchmark reads it).
    statements: int = 0
    # The process's settings, when it has them: every session carries them in ``info``
    # (``SETTINGS``), so a rule deep in a service (the desk's working hours) finds the
    # desk's policy without every caller passing it.
    settings: Settings | None = None
    _makers: dict[tuple[bool, bool], tuple[Settings | None, async_sessionmaker[AsyncSession]]] = (
        field(default_factory=dict, repr=False)
    )

    def __post_init__(self) -> None:
        if self.lookup is None:
            self.lookup = self.reader

        def count(*_args: Any) -> None:
            self.statements += 1

        for engine in {self.writer, self.reader, self.lookup}:
            event.listen(engine.sync_engine, "before_cursor_execute", count)

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 10) -> Database:
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            writer = _make_sqlite_engine(url, immediate=True, pool_size=pool_size)
            reader = _make_sqlite_engine(url, immediate=False, pool_size=pool_size)
            on_disk = database if database and database != ":memory:" else None
            lookup = (
                _make_sqlite_engine(url, immediate=False, pool_size=pool_size, in_loop=True)
                if on_disk
                else reader
            )
            hub = Hub(None, sqlite_path=on_disk)
            return cls(writer=writer, reader=reader, lookup=lookup, is_sqlite=True, hub=hub)
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
        listen_to = make_url(url).set(drivername="postgresql").render_as_string(False)
        return cls(writer=engine, reader=engine, is_sqlite=False, hub=Hub(listen_to))

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        database = cls.connect(settings.resolved_database_url, pool_size=settings.db_pool_size)
        database.settings = settings
        return database

    def sessionmaker(
        self, *, write: bool, lookup: bool = False
    ) -> async_sessionmaker[AsyncSession]:
        # Made once per kind (and again if the settings are swapped): every unit of work
        # asks for one.
        known = self._makers.get((write, lookup))
        if known is not None and known[0] is self.settings:
            return known[1]
        options = changes.session_options(self.hub)
        options["info"] = {**options["info"], SETTINGS: self.settings}
        engine = self.writer if write else self.lookup if lookup else self.reader
        maker = async_sessionmaker(
            engine,
            expire_on_commit=False,
            autoflush=True,
            **options,
        )
        self._makers[(write, lookup)] = (self.settings, maker)
        return maker

    @asynccontextmanager
    async def unit_of_work(
        self, *, write: bool = True, durable: bool = False, lookup: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A session that commits once when the block succeeds, rolls back otherwise.

        ``durable``: the commit must survive a power cut, not only a crash (SQLite's
        ``synchronous=FULL`` for this transaction; PostgreSQL's commits always are).
        ``lookup``: a read of a few rows by key (who signed in), which on SQLite runs on
        the event loop's thread rather than paying a hop to aiosqlite's per statement.
        """
        async with self.sessionmaker(write=write, lookup=lookup)() as session:
            if durable and self.is_sqlite:
                await session.connection(execution_options={"durable": True})
            try:
                yield session
                if write:
                    await session.commit()
                # A read ends with close(), which keeps what was loaded usable after the
                # block (rollback() would expire it). Closed here, in this task: the
                # session's own exit closes in a task of its own, after the loop has run
                # other requests, which meanwhile would each open a connection. That exit
                # stays: waiting for its task gives the loop away once per unit of work,
                # and SQLite's in-loop writer has no other turn to give (without it, the
                # embedded worker's run of a batch of notices held requests up for
                # hundreds of milliseconds: scenario 2's p99 went from 0.13 to 0.56 s).
                await session.close()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.hub.close()
        for engine in {self.writer, self.reader, self.lookup}:
            if engine is not None:
                await engine.dispose()
