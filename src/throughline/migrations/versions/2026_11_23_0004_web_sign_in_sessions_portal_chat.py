"""rep workspace and customer portal: passwords, sessions, magic links, chat

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import BigId, UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reps") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("role", sa.String(length=20), server_default="rep", nullable=False)
        )
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
    # Leads that existed before roles keep leading.
    op.execute(sa.text("UPDATE reps SET role = 'lead' WHERE is_lead"))

    op.create_table(
        "rep_sessions",
        sa.Column("rep_id", BigId, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_rep_sessions_rep_id_reps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rep_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rep_sessions_token_hash")),
    )
    op.create_index(op.f("ix_rep_sessions_rep_id"), "rep_sessions", ["rep_id"], unique=False)

    op.create_table(
        "sign_in_failures",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        "ix_sign_in_failures_email_created", "sign_in_failures", ["email", "created_at"]
    )
    op.create_index(
        "ix_sign_in_failures_client_created", "sign_in_failures", ["client", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_client_created", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_email_created", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index(op.f("ix_rep_sessions_rep_id"), table_name="rep_sessions")
    op.drop_table("rep_sessions")
    with op.batch_alter_table("reps") as batch_op:
        batch_op.drop_column("password_hash")
        batch_op.drop_column("role")
        batch_op.drop_column("last_seen_at")
