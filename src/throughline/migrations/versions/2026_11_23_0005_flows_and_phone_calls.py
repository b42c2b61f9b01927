"""self-service flows and phone calls

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import BigId, Json, UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_definitions",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", BigId, nullable=True),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["reps.id"], name=op.f("fk_flow_definitions_updated_by_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_definitions")),
        sa.UniqueConstraint("name", name=op.f("uq_flow_definitions_name")),
    )
    op.create_table(
        "flow_runs",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("flow_name", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("customer_id", BigId, nullable=True),
        sa.Column("case_id", BigId, nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_flow_runs_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_flow_runs_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_runs")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_flow_runs_token_hash")),
    )
    op.create_index(
        "ix_flow_runs_active_updated",
        "flow_runs",
        ["updated_at"],
        postgresql_where=sa.text("state = 'active'"),
        sqlite_where=sa.text("state = 'active'"),
    )
    op.create_index("ix_flow_runs_flow_created", "flow_runs", ["flow_name", "created_at"])
    op.create_table(
        "flow_answers",
        sa.Column("run_id", BigId, nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("step", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["flow_runs.id"],
            name=op.f("fk_flow_answers_run_id_flow_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_answers")),
    )
    op.create_index("ix_flow_answers_run_id_id", "flow_answers", ["run_id", "id"])
    op.create_table(
        "phone_calls",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=40), nullable=False),
        sa.Column("to_number", sa.String(length=40), nullable=False),
        sa.Column("customer_id", BigId, nullable=True),
        sa.Column("case_id", BigId, nullable=True),
        sa.Column("path", Json, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("dialled", sa.String(length=40), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_phone_calls_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_phone_calls_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_phone_calls_call_sid")),
    )
    op.create_index(op.f("ix_phone_calls_case_id"), "phone_calls", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_phone_calls_case_id"), table_name="phone_calls")
    op.drop_table("phone_calls")
    op.drop_index("ix_flow_answers_run_id_id", table_name="flow_answers")
    op.drop_table("flow_answers")
    op.drop_index("ix_flow_runs_flow_created", table_name="flow_runs")
    op.drop_index("ix_flow_runs_active_updated", table_name="flow_runs")
    op.drop_table("flow_runs")
    op.drop_table("flow_definitions")
