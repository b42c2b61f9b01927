"""Query helpers every repository shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Table
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


def table_of(model: type[Any]) -> Table:
    """A mapped class's table: for Core statements on a hot path (no ORM bookkeeping)."""
    table: Table = model.__table__
    return table


def upsert_insert(dialect: str) -> Any:
    """The ``insert`` of a database kind that has ``on_conflict_do_nothing/_update``."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_unless_present(
    session: AsyncSession, model: type[Any], *, key: list[str], returning: str = ""
) -> Any:
    """An INSERT that does nothing when a row with the same ``key`` exists (both databases).

    One statement instead of a savepoint around an insert that may fail: cheaper, and
    nothing is rolled back. Built once per database kind (statements are immutable).
    With ``returning`` (a column's name) the statement is a complete Core statement on the
    model's table, for a hot path that passes its values as parameters and so pays no
    construction: ``session.scalar(insert_unless_present(session, T, key=[…],
    returning="id"), {…values…})`` is None when the row was there.
    """
    dialect = session.get_bind().dialect.name
    found = _INSERTS.get((dialect, model, tuple(key), returning))
    if found is None:
        insert = upsert_insert(dialect)
        if returning:
            table = table_of(model)
            found = (
                insert(table)
                .on_conflict_do_nothing(index_elements=key)
                .returning(table.c[returning])
            )
        else:
            found = insert(model).on_conflict_do_nothing(index_elements=key)
        _INSERTS[(dialect, model, tuple(key), returning)] = found
    return found


_INSERTS: dict[tuple[str, type[Any], tuple[str, ...], str], Any] = {}
