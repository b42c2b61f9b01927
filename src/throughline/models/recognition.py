"""Recognition between colleagues: kudos a rep gives the owner of a case."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin


class Kudos(IdMixin, CreatedMixin, Base):
    """One rep's thanks for one case: once per rep per case, never to themselves."""

    __tablename__ = "kudos"
    __table_args__ = (
        UniqueConstraint("case_id", "giver_id"),
        Index("ix_kudos_receiver_id_created_at", "receiver_id", "created_at"),
        Index("ix_kudos_giver_id", "giver_id"),
    )

    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"))
    giver_id: Mapped[int] = mapped_column(BigId, ForeignKey("reps.id"))
    receiver_id: Mapped[int] = mapped_column(BigId, ForeignKey("reps.id"))
    note: Mapped[str | None] = mapped_column(String(500))
