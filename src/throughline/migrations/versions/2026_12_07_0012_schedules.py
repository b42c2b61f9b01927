"""schedules: reps' and teams' weekly hours, days off, business-hours targets

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from throughline.models.base import Json, UTCDateTime

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUEUED = "owner_id IS NULL AND status <> 'resolved'"


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("rep_id", BIG_ID, nullable=True),
        sa.Column("team_id", BIG_ID, nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("hours", Json, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(rep_id IS NULL) <> (team_id IS NULL)", name=op.f("ck_schedules_rep_or_team")
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_schedules_rep_id_reps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_schedules_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("rep_id", name=op.f("uq_schedules_rep_id")),
        sa.UniqueConstraint("team_id", name=op.f("uq_schedules_team_id")),
    )
    op.create_table(
        "days_off",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("rep_id", BIG_ID, nullable=True),
        sa.Column("team_id", BIG_ID, nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rep_id IS NULL OR team_id IS NULL", name=op.f("ck_days_off_rep_team_or_desk")
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_days_off_rep_id_reps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_days_off_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_days_off")),
    )
    op.create_index("ix_days_off_day", "days_off", ["day"])
    op.create_index(op.f("ix_days_off_rep_id"), "days_off", ["rep_id"])
    op.create_index(op.f("ix_days_off_team_id"), "days_off", ["team_id"])
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("waiting_since", UTCDateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_cases_queued_for_previous_owner",
        "cases",
        ["previous_owner_id", "due_at"],
        postgresql_where=sa.text(QUEUED),
        sqlite_where=sa.text(QUEUED),
    )
    with op.batch_alter_table("desk_policy") as batch_op:
        batch_op.add_column(
            sa.Column("business_hours", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("hours_team_id", BIG_ID, nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_desk_policy_hours_team_id_teams"),
            "teams",
            ["hours_team_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("desk_policy") as batch_op:
        batch_op.drop_constraint(op.f("fk_desk_policy_hours_team_id_teams"), type_="foreignkey")
        batch_op.drop_column("hours_team_id")
        batch_op.drop_column("business_hours")
    op.drop_index("ix_cases_queued_for_previous_owner", table_name="cases")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("waiting_since")
    op.drop_table("days_off")
    op.drop_table("schedules")
