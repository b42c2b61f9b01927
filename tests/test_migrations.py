"""The migrations build exactly the schema the models describe, and can be walked back."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from throughline.db import Database
from throughline.migrate import downgrade, upgrade
from throughline.models import Base
from throughline.search.schema import include_object


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    async with database.writer.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_downgrade_to_nothing_and_up_again(database: Database, database_url: str) -> None:
    await database.dispose()
    downgrade(database_url, "base")
    async with database.writer.connect() as connection:
        assert await connection.run_sync(_tables) <= {"alembic_version"}
    upgrade(database_url)
    async with database.writer.connect() as connection:
        assert {"cases", "timeline_entries", "outbox"} <= await connection.run_sync(_tables)
        assert await connection.run_sync(_differences) == []
