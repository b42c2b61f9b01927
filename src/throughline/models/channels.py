"""What arrives on a channel, the message ids that thread mail, stored files, products, webhooks.

Nothing a customer sends is lost: an ``InboundMessage`` holds the raw bytes
and is committed before anything reads them; processing (parsing, threading,
opening or reopening a case) happens afterwards and can be retried.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin, Json


class InboundMessage(IdMixin, CreatedMixin, Base):
    """One message exactly as it arrived on a channel, before it is understood."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        # Re-delivery of the same message on the same channel is the same row.
        UniqueConstraint("channel", "external_key", name="uq_inbound_messages_channel_key"),
        Index(
            "ix_inbound_messages_pending",
            "id",
            postgresql_where=text("state = 'received'"),
            sqlite_where=text("state = 'received'"),
        ),
        Index("ix_inbound_messages_state_id", "state", "id"),
    )

    # "email", "webhook:<name>", "report:<product>"
    channel: Mapped[str] = mapped_column(String(60))
    # How it reached us: "smtp", "imap", "http".
    source: Mapped[str] = mapped_column(String(20))
    # The sender's own id for the message (Message-ID, webhook message_id) ...
    external_id: Mapped[str] = mapped_column(Text)
    # ... and its sha256 (hex), which the unique constraint uses: ids can be long.
    external_key: Mapped[str] = mapped_column(String(64))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    # received -> processed | unreadable | ignored; "received" rows are retried.
    state: Mapped[str] = mapped_column(String(20), default="received")
    # What processing did: new_case, threaded, auto_reply, bounce, duplicate ...
    outcome: Mapped[str | None] = mapped_column(String(40))
    problem: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"))
    envelope: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None]


class MessageLink(IdMixin, CreatedMixin, Base):
    """A Message-ID we sent or received, and the case it belongs to: how replies thread."""

    __tablename__ = "message_links"

    # sha256 (hex) of the normalised Message-ID (no angle brackets).
    message_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    timeline_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("timeline_entries.id"))
    inbound_message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("inbound_messages.id"))
    recipient: Mapped[str | None] = mapped_column(String(320))
    # For outbound mail: "sent", then "bounced" when a delivery report says so.
    delivery: Mapped[str | None] = mapped_column(String(20))
    delivery_detail: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]


class StoredFile(IdMixin, CreatedMixin, Base):
    """An attachment or inline image: metadata here, content under var/attachments/<sha256>."""

    __tablename__ = "stored_files"
    __table_args__ = (Index("ix_stored_files_case_id_id", "case_id", "id"),)

    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"))
    timeline_entry_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("timeline_entries.id"), index=True
    )
    inbound_message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("inbound_messages.id"))
    is_inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content_id: Mapped[str | None] = mapped_column(String(255))
    # Over the size limit: listed with its name and size, content not kept.
    too_large: Mapped[bool] = mapped_column(Boolean, default=False)


class Product(IdMixin, CreatedMixin, Base):
    """A product that sends in-app error reports with its key (only the key's hash is kept)."""

    __tablename__ = "products"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The key's first characters, to tell keys apart in listings.
    key_prefix: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ErrorReport(IdMixin, CreatedMixin, Base):
    """An in-app error report, kept with its diagnostics on the case it opened or joined."""

    __tablename__ = "error_reports"
    __table_args__ = (
        Index("ix_error_reports_customer_signature", "customer_id", "signature", "created_at"),
    )

    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    # sha256 of product + version + normalised summary: "the same error".
    signature: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(300))
    environment: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    diagnostics: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    timeline_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("timeline_entries.id"))


class WebhookChannel(IdMixin, CreatedMixin, Base):
    """A social or IM bridge. Its signing secret is derived from the app's secret key and
    ``secret_nonce`` (HMAC), so the database never holds it."""

    __tablename__ = "webhook_channels"

    name: Mapped[str] = mapped_column(String(24), unique=True)
    outbound_url: Mapped[str] = mapped_column(Text)
    secret_nonce: Mapped[str] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
