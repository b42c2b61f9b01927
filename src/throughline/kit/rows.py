"""Writing one new row at once, without a flush: for the rows every arrival writes first.

A flush is the ORM's whole unit of work (sorting, bookkeeping, events) even for one
row, and a new customer and a new case each needed one of their own, for the id the
next rows refer to. Here the row goes out as one Core ``INSERT … RETURNING id`` with
the values a flush would have written (the object's, else the column's default), and
the object becomes the session's persistent row: later changes to it are flushed as
usual, and live pages hear of it as they would of a flushed row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from throughline.workspace.changes import inserted

_INSERTS: dict[Any, Any] = {}


def _values(row: Any) -> dict[str, Any]:
    mapper = inspect(type(row))
    given = inspect(row).dict
    values: dict[str, Any] = {}
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        if attribute.key in given:
            values[column.key] = given[attribute.key]
            continue
        if column.primary_key:
            continue  # the database numbers it
        default = column.default
        if default is not None and default.is_scalar:
            value = default.arg
        elif default is not None and default.is_callable:
            value = default.arg(None)  # wrapped by SQLAlchemy to take a context
        else:
            value = None
        setattr(row, attribute.key, value)  # the object says what the database holds
        values[column.key] = value
    return values


async def insert_now(session: AsyncSession, row: Any) -> None:
    """INSERT a new (transient) object now, with one statement; it is persistent after."""
    table = inspect(type(row)).local_table
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = insert(table).returning(table.c.id)
    row.id = await session.scalar(statement, _values(row))
    make_transient_to_detached(row)
    session.add(row)
    inserted(session, row)
