"""The customer portal: emailed sign-in links, signed-in sessions, who is in a chat right now.

Only hashes of the secrets are stored: a copy of the database signs nobody in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin


class MagicLink(IdMixin, CreatedMixin, Base):
    """A single-use sign-in link sent to an address; every request is a row (rate limits)."""

    __tablename__ = "magic_links"
    __table_args__ = (
        Index("ix_magic_links_email_created", "email", "created_at"),
        Index("ix_magic_links_client_created", "client", "created_at"),
    )

    # The normalised address the link was sent to (a customer is found or made on use).
    email: Mapped[str] = mapped_column(String(320))
    # The link's token is HMAC(secret key, nonce): the mail job derives it again,
    # so neither the outbox nor this table ever holds the token itself.
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The requesting client's address, for the per-client rate limit.
    client: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CustomerSession(IdMixin, CreatedMixin, Base):
    """A signed-in browser: the cookie holds the token, this row only its hash."""

    __tablename__ = "customer_sessions"

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ChatPresence(Base):
    """When a customer's chat window on a case last showed it was open (across processes)."""

    __tablename__ = "chat_presence"

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime]
