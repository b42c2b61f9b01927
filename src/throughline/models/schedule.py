"""When reps and teams are expected at work: weekly hours in their zone, and days off.

A schedule belongs to one rep or to one team. A day off belongs to a rep, to a team (its
public holidays), or, with neither, to the whole desk.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin, Json


class Schedule(IdMixin, CreatedMixin, Base):
    __tablename__ = "schedules"
    __table_args__ = (CheckConstraint("(rep_id IS NULL) <> (team_id IS NULL)", name="rep_or_team"),)

    rep_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("reps.id", ondelete="CASCADE"), unique=True
    )
    team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="CASCADE"), unique=True
    )
    # An IANA zone name, e.g. "Europe/Berlin"; the hours are wall-clock times there.
    time_zone: Mapped[str] = mapped_column(String(64))
    # [[weekday 0=Monday, start minute, end minute], ...]; an end at or before the start
    # runs past midnight into the next day.
    hours: Mapped[list[list[int]]] = mapped_column(Json)


class DayOff(IdMixin, CreatedMixin, Base):
    __tablename__ = "days_off"
    __table_args__ = (
        CheckConstraint("rep_id IS NULL OR team_id IS NULL", name="rep_team_or_desk"),
        Index("ix_days_off_day", "day"),
    )

    rep_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("reps.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    # A date in the zone of whoever's schedule it interrupts.
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")
