"""Customers with their identities; reps and the teams they belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin, Json


class Customer(IdMixin, CreatedMixin, Base):
    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # Recorded for the customer's account; never used to order work (principle 7).
    plan_tier: Mapped[str | None] = mapped_column(String(40))
    proficiency: Mapped[str | None] = mapped_column(String(20))
    environment: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class Identity(IdMixin, CreatedMixin, Base):
    """An address by which a customer reaches us: email, chat or social handle, phone."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_identities_kind_value"),)

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))


class Team(IdMixin, CreatedMixin, Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(100), unique=True)


class Rep(IdMixin, CreatedMixin, Base):
    __tablename__ = "reps"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("active_cases >= 0", name="active_cases_not_negative"),
        Index(
            "ix_reps_free_on_shift",
            "active_cases",
            "last_assigned_at",
            postgresql_where=text("on_shift"),
            sqlite_where=text("on_shift"),
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    extension: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    capacity: Mapped[int] = mapped_column(Integer, default=5)
    on_shift: Mapped[bool] = mapped_column(Boolean, default=False)
    shift_changed_at: Mapped[datetime | None]
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Owned cases not yet resolved or proposed; kept by the assignment service only.
    active_cases: Mapped[int] = mapped_column(Integer, default=0)
    # When the rep last received a case (or came on shift): ties go to the longest idle.
    last_assigned_at: Mapped[datetime | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # When the rep's workspace last showed they were there (its live connection): "online".
    last_seen_at: Mapped[datetime | None]
    approver_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    # Workspace role: rep, specialist, lead or admin. A lead or admin is also ``is_lead``
    # (kept in step by workspace.auth.set_role), which the services read.
    role: Mapped[str] = mapped_column(String(20), default="rep", server_default="rep")
    # argon2 hash of the workspace password; None until one is set (``throughline rep password``).
    password_hash: Mapped[str | None] = mapped_column(String(200))


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    rep_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("reps.id", ondelete="CASCADE"), primary_key=True, index=True
    )
