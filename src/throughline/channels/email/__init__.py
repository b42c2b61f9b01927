"""Email channel: raw inbound bytes in, a ``ParsedEmail`` out. Pure functions, no I/O.

- ``parse_message(raw, max_attachment_bytes=…)`` never raises (parse.py);
- ``strip_quoted``, ``html_to_text``, ``sanitise_html``: timeline text and safe HTML (text.py);
- auto-reply and bounce rules (loops.py); header decoding and case tags (headers.py).

The SMTP server, the IMAP poller and the ingest that stores and threads mail
call these; nothing here touches the database or the network.
"""

from throughline.channels.email.headers import case_number_from_subject, normalize_message_id
from throughline.channels.email.loops import Bounce
from throughline.channels.email.parse import (
    Attachment,
    ParsedEmail,
    generated_message_id,
    parse_message,
    sanitize_filename,
)
from throughline.channels.email.text import html_to_text, sanitise_html, strip_quoted

__all__ = [
    "Attachment",
    "Bounce",
    "ParsedEmail",
    "case_number_from_subject",
    "generated_message_id",
    "html_to_text",
    "normalize_message_id",
    "parse_message",
    "sanitise_html",
    "sanitize_filename",
    "strip_quoted",
]
