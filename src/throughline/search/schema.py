"""The search index lives outside the models: FTS5 virtual tables on SQLite, tables with a
generated ``tsvector`` on PostgreSQL, both kept in step with their sources by triggers.

Alembic's comparison of the migrated schema with the models skips them by name.
"""

from __future__ import annotations

from typing import Any

PREFIX = "search_"

# Timeline entries worth finding: what people wrote, not the changes the system records.
INDEXED_KINDS = (
    "message_in",
    "message_out",
    "note",
    "step",
    "escalation",
    "escalation_answer",
)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic: leave the search index (and FTS5's shadow tables) out of comparisons."""
    if type_ == "table" and name is not None and name.startswith(PREFIX):
        return False
    table = getattr(obj, "table", None)
    return not (table is not None and str(getattr(table, "name", "")).startswith(PREFIX))
