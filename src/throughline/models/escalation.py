"""An owner's question to a specialist team; the answer reports back to the owner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin, Json


class Escalation(IdMixin, CreatedMixin, Base):
    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_created_at", "created_at"),
        Index(
            "ix_escalations_team_open",
            "team_id",
            "due_at",
            postgresql_where=text("answered_at IS NULL"),
            sqlite_where=text("answered_at IS NULL"),
        ),
        Index(
            "ix_escalations_case_open",
            "case_id",
            "due_at",
            postgresql_where=text("answered_at IS NULL"),
            sqlite_where=text("answered_at IS NULL"),
        ),
        Index(
            "ix_escalations_overdue_unnoted",
            "due_at",
            postgresql_where=text("answered_at IS NULL AND overdue_noted_at IS NULL"),
            sqlite_where=text("answered_at IS NULL AND overdue_noted_at IS NULL"),
        ),
    )

    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("teams.id"))
    asked_by_id: Mapped[int] = mapped_column(BigId, ForeignKey("reps.id"))
    question: Mapped[str] = mapped_column(Text)
    # What the specialist needs without opening the case: summary and steps tried.
    summary: Mapped[str] = mapped_column(Text)
    steps_tried: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    overdue_noted_at: Mapped[datetime | None]
