"""The audit trail, the transactional outbox and the workers' heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin, Json, utcnow


class AuditEntry(IdMixin, CreatedMixin, Base):
    """Who changed what: every privileged change (hand-offs, remedies, shifts, reps)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target_kind", "target_id"),)

    actor_kind: Mapped[str] = mapped_column(String(20))  # rep, customer, system, cli
    actor_rep_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    action: Mapped[str] = mapped_column(String(60))
    target_kind: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class OutboxMessage(IdMixin, CreatedMixin, Base):
    """Work that must happen after a commit and must not be lost."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_ready",
            "run_at",
            postgresql_where=text("done_at IS NULL AND failed_at IS NULL"),
            sqlite_where=text("done_at IS NULL AND failed_at IS NULL"),
        ),
    )

    topic: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # Writing the same key twice is a no-op: a retried request does not double the work.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class LiveChange(IdMixin, Base):
    """What one SQLite unit of work changed, for the live pages of the other processes.

    PostgreSQL says the same with ``NOTIFY``; on SQLite each process's hub reads the rows
    written after the last it saw (``kit/fanout.py``). Only the newest few thousand stay.
    """

    __tablename__ = "live_changes"

    origin: Mapped[str] = mapped_column(String(40))  # the hub that wrote it hears it itself
    keys: Mapped[str] = mapped_column(Text)
