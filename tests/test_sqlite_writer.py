"""SQLite's writer runs on the event loop; waiting for another process's lock must not stall it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, select

from tests.builders import Personas, create_case
from throughline.db import Database
from throughline.kit import sqlite_loop
from throughline.models import Case


def _hold_the_write_lock(database_url: str) -> sqlite3.Connection:
    """What a command or the worker in another process does: a write transaction, left open."""
    path = database_url.split("///", 1)[1]
    assert Path(path).exists()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.mark.sqlite_only
async def test_a_write_waits_for_another_process_while_reads_are_answered(
    client: httpx.AsyncClient, database: Database, people: Personas, database_url: str
) -> None:
    other = _hold_the_write_lock(database_url)
    writing = asyncio.create_task(create_case(client, people.owner, subject="Waited its turn"))
    await asyncio.sleep(0.2)
    assert not writing.done()
    # Meanwhile the event loop serves others: a read answers at once.
    started = time.monotonic()
    listed = await client.get("/api/v1/cases", headers=people.owner.headers)
    assert listed.status_code == 200
    assert time.monotonic() - started < 5
    other.execute("COMMIT")
    other.close()
    created = await asyncio.wait_for(writing, timeout=10)
    stored = await client.get(f"/api/v1/cases/{created['number']}", headers=people.owner.headers)
    assert stored.status_code == 200
    assert stored.json()["subject"] == "Waited its turn"


@pytest.mark.sqlite_only
async def test_a_lock_held_too_long_fails_the_write_with_the_databases_words(
    database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_loop, "LOCK_WAIT_SECONDS", 0.3)
    other = _hold_the_write_lock(database_url)
    try:
        with pytest.raises(Exception, match="database is locked"):
            async with database.unit_of_work() as session:
                await session.scalar(select(Case.id).limit(1))
    finally:
        other.execute("ROLLBACK")
        other.close()
    # Once the lock is free, the same writer works again.
    async with database.unit_of_work() as session:
        assert await session.scalar(select(Case.id).limit(1)) is None


@pytest.mark.sqlite_only
async def test_many_sign_ins_at_once_share_the_lookup_connections(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    # A new SQLite connection reads the whole schema before its first statement: many
    # requests at once must not each open one to check who they are.
    assert database.lookup is not None
    opened = 0

    def count(*_args: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(database.lookup.sync_engine, "connect", count)
    try:
        answers = await asyncio.gather(
            *(client.get("/api/v1/worklist", headers=people.owner.headers) for _ in range(32))
        )
    finally:
        event.remove(database.lookup.sync_engine, "connect", count)
    assert [answer.status_code for answer in answers] == [200] * 32
    assert opened <= 2, f"{opened} lookup connections opened for 32 sign-ins"
