"""SQLite's live changes between processes: each hub reads the rows the others wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert

from throughline.config import Settings
from throughline.db import Database
from throughline.kit import fanout
from throughline.models import LiveChange
from throughline.workspace.changes import touch


@pytest.mark.sqlite_only
async def test_a_write_of_another_process_wakes_only_its_pages_and_a_gap_wakes_all(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "TAIL_SECONDS", 0.02)
    other = Database.from_settings(settings)  # another process: its own engines and hub
    try:
        with (
            database.hub.subscribe(["r1"]) as rep_1,
            database.hub.subscribe(["r2"]) as rep_2,
        ):
            async with other.unit_of_work() as session:
                touch(session, reps=[1])
            assert await rep_1.wait(2.0)
            assert not await rep_2.wait(0.3)

            # What this process writes it hears at its commit, not a second time from the row.
            async with database.unit_of_work() as session:
                touch(session, reps=[2])
            assert await rep_2.wait(0.1)
            assert not await rep_2.wait(0.3)

            # Rows deleted before this hub read them: it cannot tell what changed, so every
            # open page looks again.
            async with other.unit_of_work() as session:
                newest = await session.scalar(
                    insert(LiveChange).values(origin="gone", keys="r9").returning(LiveChange.id)
                )
                await session.execute(delete(LiveChange))
                await session.execute(
                    insert(LiveChange).values(id=(newest or 0) + 5, origin="gone", keys="r9")
                )
            assert await rep_1.wait(2.0)
            assert await rep_2.wait(2.0)
    finally:
        await other.dispose()
