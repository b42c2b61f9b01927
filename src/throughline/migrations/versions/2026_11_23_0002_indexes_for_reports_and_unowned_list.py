"""indexes for the reports and the unowned list

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    unowned = sa.text("owner_id IS NULL")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index(
            "ix_cases_unowned_id", ["id"], postgresql_where=unowned, sqlite_where=unowned
        )
        batch_op.create_index("ix_cases_created_at", ["created_at"])
    with op.batch_alter_table("steps") as batch_op:
        batch_op.create_index("ix_steps_created_at", ["created_at"])
    with op.batch_alter_table("escalations") as batch_op:
        batch_op.create_index("ix_escalations_created_at", ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("escalations") as batch_op:
        batch_op.drop_index("ix_escalations_created_at")
    with op.batch_alter_table("steps") as batch_op:
        batch_op.drop_index("ix_steps_created_at")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_created_at")
        batch_op.drop_index("ix_cases_unowned_id")
