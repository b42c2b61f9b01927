"""Helpers for the inbound-mail tests: composing mail as a mail client would, and a free port."""

from __future__ import annotations

import socket
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from throughline.models import utcnow


def compose(
    *,
    sender: str = "Maria Gonzalez <maria@example.org>",
    to: str = "support@localhost",
    subject: str = "Printer says offline",
    body: str = "Since this morning the printer says it is offline.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    html: str | None = None,
) -> tuple[bytes, str]:
    """A mail as bytes, and its Message-ID without brackets."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    mid = message_id or make_msgid(domain="mail.example.org")[1:-1]
    message["Message-ID"] = f"<{mid}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP), mid  # CRLF line ends, as on the wire


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def settings_with(settings: Any, **changes: Any) -> Any:
    return settings.model_copy(update=changes)
