"""articles: the knowledge base

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("author_id", BIG_ID, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=True),
        sa.Column("solved_by_id", BIG_ID, nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", BIG_ID, nullable=True),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("helped", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["reps.id"], name=op.f("fk_articles_author_id_reps")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_articles_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["solved_by_id"], ["reps.id"], name=op.f("fk_articles_solved_by_id_reps")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["reps.id"], name=op.f("fk_articles_updated_by_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("slug", name=op.f("uq_articles_slug")),
    )
    op.create_index(
        "ix_articles_visibility_updated", "articles", ["visibility", "updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_articles_visibility_updated", table_name="articles")
    op.drop_table("articles")
