"""A case, its append-only timeline, the steps tried, what needs its owner, follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin, Json, utcnow

FIRST_CASE_NUMBER = 1001


class Case(CreatedMixin, Base):
    """One problem of one customer. Its id is its human number: ``TL-<id>``."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        # The queue: unowned cases by due time.
        Index(
            "ix_cases_waiting",
            "due_at",
            "id",
            postgresql_where=text("owner_id IS NULL AND status <> 'resolved'"),
            sqlite_where=text("owner_id IS NULL AND status <> 'resolved'"),
        ),
        # A rep's cases that are not resolved: the work list and capacity.
        Index(
            "ix_cases_owner_unresolved",
            "owner_id",
            "due_at",
            postgresql_where=text("status <> 'resolved'"),
            sqlite_where=text("status <> 'resolved'"),
        ),
        Index(
            "ix_cases_proposed",
            "resolution_proposed_at",
            postgresql_where=text("status = 'resolution_proposed'"),
            sqlite_where=text("status = 'resolution_proposed'"),
        ),
        Index("ix_cases_owner_id_id", "owner_id", "id"),
        # The unowned list, newest first, stays a few pages however old its cases are.
        Index(
            "ix_cases_unowned_id",
            "id",
            postgresql_where=text("owner_id IS NULL"),
            sqlite_where=text("owner_id IS NULL"),
        ),
        # Reports read cases, steps and escalations by when they were created.
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_status_id", "status", "id"),
        Index("ix_cases_channel_id", "channel", "id"),
        Index("ix_cases_customer_created", "customer_id", "created_at"),
        Index("ix_cases_resolved_at", "resolved_at"),
        # Queued returning customers, found when their previous owner comes on shift.
        Index(
            "ix_cases_queued_for_previous_owner",
            "previous_owner_id",
            "due_at",
            postgresql_where=text("owner_id IS NULL AND status <> 'resolved'"),
            sqlite_where=text("owner_id IS NULL AND status <> 'resolved'"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(
        BigId, Identity(start=FIRST_CASE_NUMBER), primary_key=True, autoincrement=True
    )
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))
    subject: Mapped[str] = mapped_column(String(300))
    severity: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(32), default="new")
    channel: Mapped[str] = mapped_column(String(32), default="api")
    plan_tier: Mapped[str | None] = mapped_column(String(40))
    environment: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    previous_owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    due_at: Mapped[datetime]
    # Since when the case waits on the customer; that time does not count against the desk.
    waiting_since: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    assigned_at: Mapped[datetime | None]
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    resolution_proposed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # "confirmed" by the customer, or "auto" after a proposal went unanswered.
    resolution_kind: Mapped[str | None] = mapped_column(String(20))
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # How many times the customer had to get in touch about this case.
    contact_count: Mapped[int] = mapped_column(Integer, default=0)
    status_nonce: Mapped[str] = mapped_column(String(32))
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def number(self) -> str:
        return f"TL-{self.id}"


class TimelineEntry(IdMixin, CreatedMixin, Base):
    """Append-only: every message, note, step, escalation, action and change of a case."""

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_case_id_id", "case_id", "id"),)

    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[str] = mapped_column(String(20))  # customer, rep, system
    actor_rep_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    actor_customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"))
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str | None] = mapped_column(String(32))


class Step(IdMixin, CreatedMixin, Base):
    """A troubleshooting step tried on a case, with its outcome."""

    __tablename__ = "steps"
    __table_args__ = (
        Index("ix_steps_case_id_normalized", "case_id", "normalized"),
        Index("ix_steps_created_at", "created_at"),
    )

    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(20))
    rep_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    # "rep", or "customer" for steps the customer went through in self-service.
    source: Mapped[str] = mapped_column(String(20), default="rep")
    repeat_of_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("steps.id"))


class CaseAttention(Base):
    """Why a case needs its owner now, for the reasons that events raise.

    Time-driven reasons (an overdue escalation, a follow-up come due) are read
    from their own tables when the work list is built, so they are never late.
    """

    __tablename__ = "case_attention"

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    since: Mapped[datetime]
    due_at: Mapped[datetime]


class FollowUp(IdMixin, CreatedMixin, Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        Index(
            "ix_follow_ups_pending",
            "case_id",
            "due_at",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
        Index(
            "ix_follow_ups_due",
            "due_at",
            postgresql_where=text("done_at IS NULL AND noted_at IS NULL"),
            sqlite_where=text("done_at IS NULL AND noted_at IS NULL"),
        ),
    )

    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"))
    rep_id: Mapped[int] = mapped_column(BigId, ForeignKey("reps.id"))
    due_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    # When the background job put the due follow-up on the timeline.
    noted_at: Mapped[datetime | None]
