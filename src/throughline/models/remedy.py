"""The remedy catalogue, each rep's limits, and the actions reps take."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin

Amount = Numeric(12, 2, asdecimal=True)


class Remedy(IdMixin, CreatedMixin, Base):
    __tablename__ = "remedies"

    key: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    # "money", "days" or "items": what an action's amount counts.
    unit: Mapped[str] = mapped_column(String(20))
    # The most a rep may grant in one action without approval, unless set per rep.
    default_limit: Mapped[Decimal] = mapped_column(Amount)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class RepRemedyLimit(Base):
    __tablename__ = "rep_remedy_limits"

    rep_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("reps.id", ondelete="CASCADE"), primary_key=True
    )
    remedy_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("remedies.id", ondelete="CASCADE"), primary_key=True
    )
    limit: Mapped[Decimal] = mapped_column(Amount)


class Action(IdMixin, CreatedMixin, Base):
    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_approver_status", "approver_id", "status"),)

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    remedy_id: Mapped[int] = mapped_column(BigId, ForeignKey("remedies.id"))
    rep_id: Mapped[int] = mapped_column(BigId, ForeignKey("reps.id"))
    amount: Mapped[Decimal] = mapped_column(Amount)
    note: Mapped[str] = mapped_column(Text)
    # done (within the limit), pending_approval, approved, rejected.
    status: Mapped[str] = mapped_column(String(20))
    approver_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    decided_at: Mapped[datetime | None]
