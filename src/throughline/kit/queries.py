"""Query helpers every repository shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.errors import NotFound

# Ids are 64-bit; a larger number from a URL would make the database fail rather than miss.
MAX_ID = 2**63 - 1


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


async def one_or_404(
    session: AsyncSession, query: Select[Any], *, missing: str, for_update: bool = False
) -> Any:
    """The one row the query finds, locked for update when asked; NotFound(missing) if none."""
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = await session.scalar(query)
    if found is None:
        raise NotFound(missing)
    return found


def insert_unless_present(
    session: AsyncSession, model: type[Any], *, key: list[str]
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that does nothing when a row with the same ``key`` exists (both databases).

    One statement instead of a savepoint around an insert that may fail: cheaper, and
    nothing is rolled back.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=key)
