"""The rep workspace's sign-in: server-side sessions and failed sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin


class RepSession(IdMixin, CreatedMixin, Base):
    """A signed-in browser. Only the token's hash is kept: a database copy signs nobody in."""

    __tablename__ = "rep_sessions"

    rep_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("reps.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]


class SignInFailure(IdMixin, CreatedMixin, Base):
    """One wrong password or unknown address: counted per address and per client to slow guessing.

    Kept in the database, not in memory, so the limit holds across web processes.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_email_created", "email", "created_at"),
        Index("ix_sign_in_failures_client_created", "client", "created_at"),
    )

    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(64))
