"""Inbound mail is answered 250 only once its bytes would survive a power cut.

SQLite runs WAL with ``synchronous=NORMAL`` (a commit survives a crash of the
process, but the last ones may be lost on a power cut); the transaction that
stores inbound mail asks for ``FULL`` (the WAL is fsynced at its commit), and
the connection goes back to NORMAL for the next transaction. PostgreSQL's
commits are durable already (``synchronous_commit`` on).
"""

from __future__ import annotations

from sqlalchemy import event, text

from tests.channels.mail import compose
from throughline.channels.email.ingest import store_raw
from throughline.config import Settings
from throughline.db import Database

_FULL, _NORMAL = 2, 1


async def _synchronous(database: Database, *, durable: bool) -> int:
    async with database.unit_of_work(durable=durable) as session:
        return int((await session.execute(text("PRAGMA synchronous"))).scalar_one())


async def test_storing_mail_commits_with_the_log_synced_to_disk(
    database: Database, settings: Settings
) -> None:
    if not database.is_sqlite:
        # PostgreSQL: the store commits like any other transaction, durably.
        stored = await store_raw(database, compose()[0], source="smtp", settings=settings)
        assert stored.created
        return
    levels: list[str] = []
    event.listen(
        database.writer.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: (
            levels.append(statement) if statement.startswith("PRAGMA synchronous=") else None
        ),
    )

    stored = await store_raw(database, compose()[0], source="smtp", settings=settings)

    assert stored.created
    assert levels == ["PRAGMA synchronous=FULL"]  # set before the store's transaction began
    # The next ordinary transaction is back to NORMAL; a durable one is FULL again.
    assert await _synchronous(database, durable=False) == _NORMAL
    assert await _synchronous(database, durable=True) == _FULL
    assert await _synchronous(database, durable=False) == _NORMAL
