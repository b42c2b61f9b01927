"""The sign-in mail through a real SMTP relay (an aiosmtpd sink stands in for the provider's),
and a link spent by two clicks at once signs in only one of them."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from tests.portal.support import LINK, post_form, run_outbox, sign_in_mails
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.errors import DomainError
from throughline.models import MagicLink, utcnow
from throughline.portal import auth


@dataclass
class Sink:
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def test_the_sign_in_link_goes_through_the_configured_relay(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    sink: tuple[Sink, int],
) -> None:
    handler, port = sink
    settings.smtp_url = f"smtp://127.0.0.1:{port}"
    response = await post_form(client, "/portal/sign-in", {"email": "relay@example.org"})
    assert response.status_code == 200
    await run_outbox(database, settings)
    assert len(handler.received) == 1
    recipients, message = handler.received[0]
    assert recipients == ["relay@example.org"]
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None
    assert sign_in_mails(settings, "relay@example.org") == []  # sent, not kept as a file
    signed = await post_form(client, found.group(0).split("testserver", 1)[1], {})
    assert signed.status_code == 303


async def test_two_clicks_at_once_spend_the_link_once(
    database: Database, settings: Settings
) -> None:
    now = utcnow()
    async with database.unit_of_work() as session:
        await auth.request_link(
            session, email="twice@example.org", client="1.2.3.4", settings=settings, now=now
        )
    async with database.unit_of_work(write=False) as session:
        nonce = await session.scalar(select(MagicLink.nonce))
    assert nonce is not None
    token = auth.link_token(settings, nonce)

    async def click() -> bool:
        try:
            async with database.unit_of_work() as session:
                await auth.use_link(session, token, settings=settings, now=utcnow())
        except DomainError:
            return False
        return True

    results = await asyncio.gather(click(), click(), click())
    assert sorted(results) == [False, False, True]
