"""kudos: a rep's thanks to the owner of a case, once per rep per case

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-07 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kudos",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("giver_id", BIG_ID, nullable=False),
        sa.Column("receiver_id", BIG_ID, nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_kudos_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["giver_id"], ["reps.id"], name=op.f("fk_kudos_giver_id_reps")),
        sa.ForeignKeyConstraint(
            ["receiver_id"], ["reps.id"], name=op.f("fk_kudos_receiver_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos")),
        sa.UniqueConstraint("case_id", "giver_id", name=op.f("uq_kudos_case_id")),
    )
    # Every reference to reps is indexed, so SQLite's foreign-key checks never scan kudos.
    op.create_index("ix_kudos_giver_id", "kudos", ["giver_id"], unique=False)
    op.create_index(
        "ix_kudos_receiver_id_created_at", "kudos", ["receiver_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_kudos_receiver_id_created_at", table_name="kudos")
    op.drop_index("ix_kudos_giver_id", table_name="kudos")
    op.drop_table("kudos")
