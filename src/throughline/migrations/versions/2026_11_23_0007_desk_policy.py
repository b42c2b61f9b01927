"""desk policy: severity and escalation targets edited by admins

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import Json, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "desk_policy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("severity_targets_hours", Json, nullable=False),
        sa.Column("escalation_targets_hours", Json, nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", BIG_ID, nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_desk_policy_single_row")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["reps.id"], name=op.f("fk_desk_policy_updated_by_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_policy")),
    )


def downgrade() -> None:
    op.drop_table("desk_policy")
