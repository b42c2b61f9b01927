"""Loading the hand-written client messages under ``messages/``."""

from __future__ import annotations

from pathlib import Path

from throughline.channels.email import ParsedEmail, parse_message

MESSAGES = Path(__file__).parent / "messages"
LIMIT = 10 * 1024 * 1024


def raw(name: str) -> bytes:
    return (MESSAGES / name).read_bytes()


def load(name: str, *, max_attachment_bytes: int = LIMIT) -> ParsedEmail:
    return parse_message(raw(name), max_attachment_bytes=max_attachment_bytes)
