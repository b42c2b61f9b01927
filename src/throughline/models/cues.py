"""Cues that help a rep treat people well: learned step synonyms, frustration, proficiency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin, Json


class StepJudgement(IdMixin, CreatedMixin, Base):
    """A rep's word on two phrasings of a step: the same step or not, for the whole desk.

    The pair is stored in one order (``phrase_a`` <= ``phrase_b``), once.
    """

    __tablename__ = "step_judgements"
    __table_args__ = (
        UniqueConstraint("phrase_a", "phrase_b", name="uq_step_judgements_phrase_a_phrase_b"),
        Index("ix_step_judgements_phrase_b", "phrase_b"),
    )

    phrase_a: Mapped[str] = mapped_column(String(500))
    phrase_b: Mapped[str] = mapped_column(String(500))
    same: Mapped[bool] = mapped_column(Boolean)
    rep_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))


class CaseFrustration(Base):
    """How the customer seemed in their latest message on a case, and why (one row a case)."""

    __tablename__ = "case_frustration"

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float] = mapped_column(Float)  # 0 calm … 1 very frustrated
    level: Mapped[str] = mapped_column(String(20))  # calm, upset, frustrated
    reason: Mapped[str] = mapped_column(String(300))
    # When the customer got in touch lately (ISO times), to count contacts in the window.
    contacts: Mapped[list[Any]] = mapped_column(Json, default=list)
    scored_at: Mapped[datetime]


class CustomerProficiency(Base):
    """Both answers to "how comfortable with technology": the customer's and the rep's.

    ``customers.proficiency`` holds the one in force: the rep's when set, else the customer's.
    """

    __tablename__ = "customer_proficiency"

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    said: Mapped[str | None] = mapped_column(String(20))
    said_at: Mapped[datetime | None]
    set_by_rep: Mapped[str | None] = mapped_column(String(20))
    set_by_rep_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    set_at: Mapped[datetime | None]
