"""cues: learned step judgements, frustration per case, both proficiency answers

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-07 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import Json, UTCDateTime

revision: str = "0010"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "step_judgements",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("phrase_a", sa.String(length=500), nullable=False),
        sa.Column("phrase_b", sa.String(length=500), nullable=False),
        sa.Column("same", sa.Boolean(), nullable=False),
        sa.Column("rep_id", BIG_ID, nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_step_judgements_rep_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_judgements")),
        sa.UniqueConstraint("phrase_a", "phrase_b", name="uq_step_judgements_phrase_a_phrase_b"),
    )
    op.create_index("ix_step_judgements_phrase_b", "step_judgements", ["phrase_b"])
    op.create_table(
        "case_frustration",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("contacts", Json, nullable=False),
        sa.Column("scored_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_frustration_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_frustration")),
    )
    op.create_table(
        "customer_proficiency",
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("said", sa.String(length=20), nullable=True),
        sa.Column("said_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("set_by_rep", sa.String(length=20), nullable=True),
        sa.Column("set_by_rep_id", BIG_ID, nullable=True),
        sa.Column("set_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_proficiency_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_rep_id"], ["reps.id"], name=op.f("fk_customer_proficiency_set_by_rep_id_reps")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_proficiency")),
    )


def downgrade() -> None:
    op.drop_table("customer_proficiency")
    op.drop_table("case_frustration")
    op.drop_index("ix_step_judgements_phrase_b", table_name="step_judgements")
    op.drop_table("step_judgements")
