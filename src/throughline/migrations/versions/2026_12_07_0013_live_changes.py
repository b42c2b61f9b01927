"""live changes: what a SQLite unit of work changed, for the other processes' live pages

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-07 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # PostgreSQL tells the other processes with NOTIFY; the table exists there too, empty,
    # so both databases have the same schema.
    op.create_table(
        "live_changes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_changes")),
    )


def downgrade() -> None:
    op.drop_table("live_changes")
