"""The whole conversation by email, with the real outbound mail: in, out, the reply back in.

A customer writes; the worker sends the "we have your request" notice (kept as an
.eml file: no relay is configured); the customer's client answers that very mail,
and the answer joins the case. A bounce of our mail is recorded against it.
"""

from __future__ import annotations

from email import message_from_bytes, policy

import httpx
from sqlalchemy import select

from tests.builders import Personas
from tests.channels.mail import compose
from throughline.channels.email import ingest
from throughline.channels.email.ingest import process, store_raw
from throughline.config import Settings
from throughline.db import Database
from throughline.models import InboundMessage, MessageLink
from throughline.worker.runner import Worker


async def _ingest(database: Database, settings: Settings, raw: bytes) -> InboundMessage:
    stored = await store_raw(database, raw, source="smtp", settings=settings)
    await process(database, settings, stored.id)
    async with database.unit_of_work(write=False) as session:
        row = await session.get(InboundMessage, stored.id)
        assert row is not None
        return row


async def test_the_customer_answers_our_mail_and_the_answer_joins_the_case(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    first = await _ingest(database, settings, compose(subject="Scanner jams")[0])
    await Worker(database, settings).run_once()  # sends "we have your request"
    (sent,) = sorted((settings.var_dir / "outgoing-mail").rglob("*.eml"))
    ours = message_from_bytes(sent.read_bytes(), policy=policy.default)
    our_id = str(ours["Message-ID"]).strip("<>")

    reply, _ = compose(
        subject=f"Re: {ours['Subject']}",
        body="Thanks. It jams on every second page.",
        in_reply_to=our_id,
        references=[our_id],
    )
    answered = await _ingest(database, settings, reply)

    assert (answered.outcome, answered.case_id) == ("threaded", first.case_id)
    case = (
        await client.get(f"/api/v1/cases/TL-{first.case_id}", headers=people.owner.headers)
    ).json()
    assert case["contact_count"] == 2
    assert any(
        entry["body"] == "Thanks. It jams on every second page." for entry in case["timeline"]
    )


async def test_a_bounce_of_our_notice_marks_it_bounced(
    database: Database, settings: Settings, people: Personas
) -> None:
    first = await _ingest(database, settings, compose(sender="nobody@example.org")[0])
    await Worker(database, settings).run_once()
    (sent,) = sorted((settings.var_dir / "outgoing-mail").rglob("*.eml"))
    our_id = str(message_from_bytes(sent.read_bytes(), policy=policy.default)["Message-ID"])
    bounce = (
        "From: MAILER-DAEMON@mx.example.org\r\nTo: support@localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b-2@mx.example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {our_id}\r\n--B--\r\n"
    ).encode()

    row = await _ingest(database, settings, bounce)

    assert (row.outcome, row.case_id) == ("bounce", first.case_id)
    async with database.unit_of_work(write=False) as session:
        link = await session.scalar(
            select(MessageLink).where(MessageLink.message_key == ingest.message_key(our_id))
        )
    assert link is not None
    assert (link.direction, link.delivery) == ("out", "bounced")
    assert link.delivery_detail == "550 5.1.1 no such user"
