"""customer portal: magic links, customer sessions, chat

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "magic_links",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magic_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_magic_links_token_hash")),
    )
    op.create_index(
        "ix_magic_links_email_created", "magic_links", ["email", "created_at"], unique=False
    )
    op.create_index(
        "ix_magic_links_client_created", "magic_links", ["client", "created_at"], unique=False
    )
    op.create_table(
        "customer_sessions",
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_sessions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_customer_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_customer_sessions_customer_id"),
        "customer_sessions",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "chat_presence",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_chat_presence_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_chat_presence")),
    )


def downgrade() -> None:
    op.drop_table("chat_presence")
    op.drop_index(op.f("ix_customer_sessions_customer_id"), table_name="customer_sessions")
    op.drop_table("customer_sessions")
    op.drop_index("ix_magic_links_client_created", table_name="magic_links")
    op.drop_index("ix_magic_links_email_created", table_name="magic_links")
    op.drop_table("magic_links")
