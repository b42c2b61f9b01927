"""Self-service flows edited by leads, the runs customers make through them, phone calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin, Json


class FlowDefinition(IdMixin, CreatedMixin, Base):
    """A flow saved by a lead: it overrides the file of the same name in the flows folder."""

    __tablename__ = "flow_definitions"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))


class FlowRun(IdMixin, CreatedMixin, Base):
    """One customer going through one flow; resumable with its token (only the hash is kept)."""

    __tablename__ = "flow_runs"
    __table_args__ = (
        Index("ix_flow_runs_flow_created", "flow_name", "created_at"),
        Index(
            "ix_flow_runs_active_updated",
            "updated_at",
            postgresql_where=text("state = 'active'"),
            sqlite_where=text("state = 'active'"),
        ),
    )

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    flow_name: Mapped[str] = mapped_column(String(64))
    # "portal" or "chat": where the customer runs it.
    channel: Mapped[str] = mapped_column(String(20))
    # The node the customer is on now (or ended on).
    node: Mapped[str] = mapped_column(String(64))
    # active -> solved | person | abandoned
    state: Mapped[str] = mapped_column(String(20), default="active")
    # The customer chose "Talk to a person" (rather than reaching an open_case node).
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class FlowAnswer(IdMixin, CreatedMixin, Base):
    """One answer in a run, with the words the customer saw (a later edit cannot change them)."""

    __tablename__ = "flow_answers"
    __table_args__ = (Index("ix_flow_answers_run_id_id", "run_id", "id"),)

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("flow_runs.id", ondelete="CASCADE"))
    node: Mapped[str] = mapped_column(String(64))
    # "question" or "instruction"
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    # For instructions: the step's short name, recorded on the case if a person is asked for.
    step: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    # For instructions: "worked" or "did_not_work" (the outcome of the step).
    outcome: Mapped[str | None] = mapped_column(String(20))


class PhoneCall(IdMixin, CreatedMixin, Base):
    """One call through the phone directory, by the provider's call id."""

    __tablename__ = "phone_calls"

    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(40))
    to_number: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    # The menu choices in order, in words: ["1 Internet and Wi-Fi", "2 Internet is down"].
    path: Mapped[list[Any]] = mapped_column(Json, default=list)
    # Where the call went: "owner", "person", "team", "nobody" (None while in the menu).
    outcome: Mapped[str | None] = mapped_column(String(20))
    dialled: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime]
