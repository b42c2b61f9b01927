"""search in time order: PostgreSQL's documents carry the order they were written in

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 15:50:00

A document's id names its source (a case × 4, a timeline entry × 4 + 1, an article × 4 + 2),
so ordering by it put every message after the first million above every case. ``seq`` follows
time across kinds, and each document carries a word for each span of ``seq`` it falls in
(``w_15_7``: the 8th span of 2^15 documents; spans of 2^15, 2^17, 2^19, 2^21 and 2^23), so
that a search can ask the GIN index for the newest documents sharing its words without reading
every older one (see search/repository.py).
SQLite is unchanged: FTS5 walks its doclists newest first already.
"""

from collections.abc import Sequence

from alembic import op

from throughline.search.repository import rebuild_statements

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WORDS = (
    "setweight(to_tsvector('english', replace(title, 'TL-', 'TL ')), 'A') || "
    "setweight(to_tsvector('english', body), 'B')"
)
# The spans a search climbs through, smallest first (search/rules.py, WINDOW_SHIFTS).
_SPANS = "ARRAY[" + ", ".join(f"'w_{s}_' || (seq >> {s})::text" for s in (15, 17, 19, 21, 23)) + "]"
PG_DOCUMENT = f"{_WORDS} || array_to_tsvector({_SPANS})"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The index is refilled from its sources below: empty, the table's changes are instant.
    for statement in [
        "TRUNCATE search_documents",
        "DROP INDEX search_documents_document",
        "ALTER TABLE search_documents DROP COLUMN document",
        "CREATE SEQUENCE search_documents_seq",
        "ALTER TABLE search_documents "
        "ADD COLUMN seq bigint NOT NULL DEFAULT nextval('search_documents_seq')",
        "ALTER SEQUENCE search_documents_seq OWNED BY search_documents.seq",
        # No index on seq: a search orders only the matches of its window, and finds the
        # newest number in the sequence (search/repository.py); one b-tree less per write.
        f"ALTER TABLE search_documents ADD COLUMN document tsvector "
        f"GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED",
        "CREATE INDEX search_documents_document ON search_documents USING gin (document)",
        *rebuild_statements("postgresql"),
    ]:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in [
        "DROP INDEX search_documents_document",
        "ALTER TABLE search_documents DROP COLUMN document",
        "ALTER TABLE search_documents DROP COLUMN seq",  # its sequence goes with it
        f"ALTER TABLE search_documents ADD COLUMN document tsvector "
        f"GENERATED ALWAYS AS ({_WORDS}) STORED",
        "CREATE INDEX search_documents_document ON search_documents USING gin (document)",
    ]:
        op.execute(statement)
