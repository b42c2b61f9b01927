"""rep workspace and customer portal: passwords, sessions, magic links, chat

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reps") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reps") as batch_op:
        batch_op.drop_column("last_seen_at")
