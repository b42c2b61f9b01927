"""cases, people, escalations, remedies, outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:09:46.295568
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("plan_tier", sa.String(length=40), nullable=True),
        sa.Column("proficiency", sa.String(length=20), nullable=True),
        sa.Column("environment", JSON, nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "outbox",
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_ready",
            ["run_at"],
            unique=False,
            postgresql_where=sa.text("done_at IS NULL AND failed_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL AND failed_at IS NULL"),
        )

    op.create_table(
        "remedies",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("default_limit", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remedies")),
        sa.UniqueConstraint("key", name=op.f("uq_remedies_key")),
    )
    op.create_table(
        "reps",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("extension", sa.String(length=40), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("on_shift", sa.Boolean(), nullable=False),
        sa.Column("shift_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("active_cases", sa.Integer(), nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("approver_id", BIG_ID, nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("active_cases >= 0", name=op.f("ck_reps_active_cases_not_negative")),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_reps_capacity_not_negative")),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["reps.id"], name=op.f("fk_reps_approver_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reps")),
        sa.UniqueConstraint("email", name=op.f("uq_reps_email")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_reps_token_hash")),
    )
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reps_free_on_shift",
            ["active_cases", "last_assigned_at"],
            unique=False,
            postgresql_where=sa.text("on_shift"),
            sqlite_where=sa.text("on_shift"),
        )

    op.create_table(
        "teams",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "worker_heartbeats",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_heartbeats")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_rep_id", BIG_ID, nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_kind", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=60), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_rep_id"], ["reps.id"], name=op.f("fk_audit_entries_actor_rep_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_target", ["target_kind", "target_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column(
            "id", BIG_ID, sa.Identity(always=False, start=1001), autoincrement=True, nullable=False
        ),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("plan_tier", sa.String(length=40), nullable=True),
        sa.Column("environment", JSON, nullable=False),
        sa.Column("owner_id", BIG_ID, nullable=True),
        sa.Column("previous_owner_id", BIG_ID, nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_summary", sa.Text(), nullable=True),
        sa.Column("resolution_proposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_kind", sa.String(length=20), nullable=True),
        sa.Column("satisfaction", sa.SmallInteger(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("contact_count", sa.Integer(), nullable=False),
        sa.Column("status_nonce", sa.String(length=32), nullable=False),
        sa.Column("status_token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name=op.f("ck_cases_severity_range")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cases_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["reps.id"], name=op.f("fk_cases_owner_id_reps")),
        sa.ForeignKeyConstraint(
            ["previous_owner_id"], ["reps.id"], name=op.f("fk_cases_previous_owner_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("status_token_hash", name=op.f("uq_cases_status_token_hash")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_channel_id", ["channel", "id"], unique=False)
        batch_op.create_index(
            "ix_cases_customer_created", ["customer_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_cases_owner_id_id", ["owner_id", "id"], unique=False)
        batch_op.create_index(
            "ix_cases_owner_unresolved",
            ["owner_id", "due_at"],
            unique=False,
            postgresql_where=sa.text("status <> 'resolved'"),
            sqlite_where=sa.text("status <> 'resolved'"),
        )
        batch_op.create_index(
            "ix_cases_proposed",
            ["resolution_proposed_at"],
            unique=False,
            postgresql_where=sa.text("status = 'resolution_proposed'"),
            sqlite_where=sa.text("status = 'resolution_proposed'"),
        )
        batch_op.create_index("ix_cases_resolved_at", ["resolved_at"], unique=False)
        batch_op.create_index("ix_cases_status_id", ["status", "id"], unique=False)
        batch_op.create_index(
            "ix_cases_waiting",
            ["due_at", "id"],
            unique=False,
            postgresql_where=sa.text("owner_id IS NULL AND status <> 'resolved'"),
            sqlite_where=sa.text("owner_id IS NULL AND status <> 'resolved'"),
        )

    if op.get_bind().dialect.name == "sqlite":
        # Case numbers start at TL-1001 on SQLite too (PostgreSQL: the identity's start).
        op.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('cases', 1000)")

    op.create_table(
        "identities",
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_identities_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("kind", "value", name="uq_identities_kind_value"),
    )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identities_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "rep_remedy_limits",
        sa.Column("rep_id", BIG_ID, nullable=False),
        sa.Column("remedy_id", BIG_ID, nullable=False),
        sa.Column("limit", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["remedy_id"],
            ["remedies.id"],
            name=op.f("fk_rep_remedy_limits_remedy_id_remedies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["reps.id"],
            name=op.f("fk_rep_remedy_limits_rep_id_reps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rep_id", "remedy_id", name=op.f("pk_rep_remedy_limits")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", BIG_ID, nullable=False),
        sa.Column("rep_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_team_members_rep_id_reps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "rep_id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_members_rep_id"), ["rep_id"], unique=False)

    op.create_table(
        "actions",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("remedy_id", BIG_ID, nullable=False),
        sa.Column("rep_id", BIG_ID, nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("approver_id", BIG_ID, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["reps.id"], name=op.f("fk_actions_approver_id_reps")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_actions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["remedy_id"], ["remedies.id"], name=op.f("fk_actions_remedy_id_remedies")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_actions_rep_id_reps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index("ix_actions_approver_status", ["approver_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_attention",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_attention_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "reason", name=op.f("pk_case_attention")),
    )
    op.create_table(
        "escalations",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("team_id", BIG_ID, nullable=False),
        sa.Column("asked_by_id", BIG_ID, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("steps_tried", JSON, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", BIG_ID, nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("overdue_noted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["reps.id"], name=op.f("fk_escalations_answered_by_id_reps")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["reps.id"], name=op.f("fk_escalations_asked_by_id_reps")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_escalations_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_escalations_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_escalations_case_open",
            ["case_id", "due_at"],
            unique=False,
            postgresql_where=sa.text("answered_at IS NULL"),
            sqlite_where=sa.text("answered_at IS NULL"),
        )
        batch_op.create_index(
            "ix_escalations_overdue_unnoted",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("answered_at IS NULL AND overdue_noted_at IS NULL"),
            sqlite_where=sa.text("answered_at IS NULL AND overdue_noted_at IS NULL"),
        )
        batch_op.create_index(
            "ix_escalations_team_open",
            ["team_id", "due_at"],
            unique=False,
            postgresql_where=sa.text("answered_at IS NULL"),
            sqlite_where=sa.text("answered_at IS NULL"),
        )

    op.create_table(
        "follow_ups",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("rep_id", BIG_ID, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("noted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_follow_ups_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_follow_ups_rep_id_reps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follow_ups_due",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("done_at IS NULL AND noted_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL AND noted_at IS NULL"),
        )
        batch_op.create_index(
            "ix_follow_ups_pending",
            ["case_id", "due_at"],
            unique=False,
            postgresql_where=sa.text("done_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL"),
        )

    op.create_table(
        "steps",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(length=500), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("rep_id", BIG_ID, nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("repeat_of_id", BIG_ID, nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_steps_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_steps_rep_id_reps")),
        sa.ForeignKeyConstraint(
            ["repeat_of_id"], ["steps.id"], name=op.f("fk_steps_repeat_of_id_steps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steps")),
    )
    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.create_index(
            "ix_steps_case_id_normalized", ["case_id", "normalized"], unique=False
        )

    op.create_table(
        "timeline_entries",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_rep_id", BIG_ID, nullable=True),
        sa.Column("actor_customer_id", BIG_ID, nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_customer_id"],
            ["customers.id"],
            name=op.f("fk_timeline_entries_actor_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_rep_id"], ["reps.id"], name=op.f("fk_timeline_entries_actor_rep_id_reps")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_timeline_entries_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entries")),
    )
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.create_index("ix_timeline_entries_case_id_id", ["case_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_entries_case_id_id")

    op.drop_table("timeline_entries")
    with op.batch_alter_table("steps", schema=None) as batch_op:
        batch_op.drop_index("ix_steps_case_id_normalized")

    op.drop_table("steps")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_follow_ups_pending",
            postgresql_where=sa.text("done_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_follow_ups_due",
            postgresql_where=sa.text("done_at IS NULL AND noted_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL AND noted_at IS NULL"),
        )

    op.drop_table("follow_ups")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_escalations_team_open",
            postgresql_where=sa.text("answered_at IS NULL"),
            sqlite_where=sa.text("answered_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_escalations_overdue_unnoted",
            postgresql_where=sa.text("answered_at IS NULL AND overdue_noted_at IS NULL"),
            sqlite_where=sa.text("answered_at IS NULL AND overdue_noted_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_escalations_case_open",
            postgresql_where=sa.text("answered_at IS NULL"),
            sqlite_where=sa.text("answered_at IS NULL"),
        )

    op.drop_table("escalations")
    op.drop_table("case_attention")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_case_id"))
        batch_op.drop_index("ix_actions_approver_status")

    op.drop_table("actions")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_rep_id"))

    op.drop_table("team_members")
    op.drop_table("rep_remedy_limits")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identities_customer_id"))

    op.drop_table("identities")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_cases_waiting",
            postgresql_where=sa.text("owner_id IS NULL AND status <> 'resolved'"),
            sqlite_where=sa.text("owner_id IS NULL AND status <> 'resolved'"),
        )
        batch_op.drop_index("ix_cases_status_id")
        batch_op.drop_index("ix_cases_resolved_at")
        batch_op.drop_index(
            "ix_cases_proposed",
            postgresql_where=sa.text("status = 'resolution_proposed'"),
            sqlite_where=sa.text("status = 'resolution_proposed'"),
        )
        batch_op.drop_index(
            "ix_cases_owner_unresolved",
            postgresql_where=sa.text("status <> 'resolved'"),
            sqlite_where=sa.text("status <> 'resolved'"),
        )
        batch_op.drop_index("ix_cases_owner_id_id")
        batch_op.drop_index("ix_cases_customer_created")
        batch_op.drop_index("ix_cases_channel_id")

    op.drop_table("cases")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_target")

    op.drop_table("audit_entries")
    op.drop_table("worker_heartbeats")
    op.drop_table("teams")
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_reps_free_on_shift",
            postgresql_where=sa.text("on_shift"),
            sqlite_where=sa.text("on_shift"),
        )

    op.drop_table("reps")
    op.drop_table("remedies")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_ready",
            postgresql_where=sa.text("done_at IS NULL AND failed_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL AND failed_at IS NULL"),
        )

    op.drop_table("outbox")
    op.drop_table("customers")
