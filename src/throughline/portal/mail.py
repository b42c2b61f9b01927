"""The sign-in mail: built with the standard library, sent by the outbox worker.

It leaves through the same relay as every outgoing mail (``channels.email.relay``:
``smtp_url``) or, without one, as an ``.eml`` file under ``var/outgoing-mail/``.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.channels.email import relay
from throughline.config import Settings
from throughline.models import MagicLink, utcnow
from throughline.outbox import service as outbox
from throughline.portal.auth import MAIL_TOPIC, link_token, sign_in_url

log = logging.getLogger("throughline.portal")


def outgoing_dir(settings: Settings) -> Path:
    return settings.var_dir / "outgoing-mail"


def sign_in_message(settings: Settings, *, to: str, url: str) -> EmailMessage:
    message = EmailMessage()
    company = settings.company_name
    message["Subject"] = f"Your sign-in link for {company} Support"
    message["From"] = formataddr((f"{company} Support", settings.support_address))
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    domain = settings.support_address.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    minutes = int(settings.magic_link_minutes)
    message.set_content(
        "Hello,\n\n"
        f"Open this link to sign in to {company} Support:\n\n{url}\n\n"
        f"It works once, within {minutes} minutes. "
        "If you did not ask for it, ignore this message: nobody can sign in without it.\n"
    )
    return message


async def transmit(message: EmailMessage, settings: Settings) -> None:
    """Hand a message to the relay (channels.email.relay); without one, keep it as a file."""
    message_id = str(message["Message-ID"])
    if not settings.smtp_url:
        await relay.write_eml(outgoing_dir(settings), message, message_id)
        return
    try:
        await relay.send(
            relay.parse_smtp_url(settings.smtp_url),
            message,
            sender=settings.support_address,
            recipient=str(message["To"]),
            timeout=30,
        )
    except relay.RelayRefused:
        log.warning("the relay refused a sign-in link for good: %s", message["To"])


@outbox.handler(MAIL_TOPIC)
async def send_sign_in_link(
    session: AsyncSession, payload: dict[str, Any], settings: Settings
) -> None:
    link = await session.get(MagicLink, payload["link_id"])
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return  # nothing worth sending any more
    url = sign_in_url(settings, link_token(settings, link.nonce))
    await transmit(sign_in_message(settings, to=link.email, url=url), settings)
