"""The desk's policy an admin edits in the workspace: the severity and escalation targets.

One row at most (id 1). Without it, the environment's settings are the targets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, false
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, Json

POLICY_ID = 1


class DeskPolicy(Base):
    """Hours until a case is due, and until a team owes an answer, for severities 1 to 4."""

    __tablename__ = "desk_policy"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Four positive numbers of hours each, for severities 1, 2, 3 and 4.
    severity_targets_hours: Mapped[list[float]] = mapped_column(Json)
    escalation_targets_hours: Mapped[list[float]] = mapped_column(Json)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    # Targets count only the working hours of the hours team (and its and the desk's
    # holidays); an escalation counts its own team's hours when that team has a schedule.
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hours_team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="SET NULL")
    )
