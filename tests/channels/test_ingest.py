"""Inbound mail through the one ingest path: stored first, then threaded, never lost.

Every test runs on SQLite and on PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.builders import Personas
from tests.channels.mail import compose
from throughline.cases import service as cases
from throughline.channels.delivery import TOPIC as DELIVER
from throughline.channels.email.ingest import (
    MAX_ATTEMPTS,
    MessageTooLarge,
    message_key,
    process,
    process_batch,
    process_pending,
    stop_parsers,
    store_raw,
)
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import Actor
from throughline.models import (
    Case,
    Customer,
    InboundMessage,
    MessageLink,
    OutboxMessage,
    Rep,
    StoredFile,
    utcnow,
)
from throughline.worker.runner import Worker


async def ingest(
    database: Database, settings: Settings, raw: bytes, *, source: str = "smtp"
) -> InboundMessage:
    stored = await store_raw(database, raw, source=source, settings=settings)
    await process(database, settings, stored.id)
    return await inbound_row(database, stored.id)


async def inbound_row(database: Database, inbound_id: int) -> InboundMessage:
    async with database.unit_of_work(write=False) as session:
        row = await session.get(InboundMessage, inbound_id)
        assert row is not None
        return row


async def count(database: Database, model: Any, *where: Any) -> int:
    async with database.unit_of_work(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def case_json(client: httpx.AsyncClient, people: Personas, case_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/TL-{case_id}", headers=people.owner.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def deliveries(database: Database) -> int:
    return await count(database, OutboxMessage, OutboxMessage.topic == DELIVER)


async def link_out(database: Database, case_id: int, message_id: str, recipient: str) -> None:
    """What outbound mail records for each mail it sends to a customer."""
    async with database.unit_of_work() as session:
        session.add(
            MessageLink(
                message_key=message_key(message_id),
                message_id=message_id,
                case_id=case_id,
                direction="out",
                recipient=recipient,
                delivery="sent",
                created_at=utcnow(),
            )
        )


async def resolve(database: Database, settings: Settings, people: Personas, case_id: int) -> None:
    async with database.unit_of_work() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        rep = await session.get(Rep, people.owner.id)
        assert rep is not None
        await cases.propose_resolution(
            session,
            case,
            Actor.of_rep(rep),
            summary="Replaced the cable.",
            settings=settings,
            now=utcnow(),
        )
        await cases.confirm(
            session,
            case,
            fixed=True,
            comment=None,
            satisfaction=5,
            settings=settings,
            now=utcnow(),
        )


# --- new cases and idempotence -----------------------------------------------------------


async def test_a_new_mail_opens_a_case_for_its_sender(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    raw, mid = compose(subject="Printer says offline", body="It says offline.\n\n-- \nMaria")

    row = await ingest(database, settings, raw)

    assert (row.state, row.outcome) == ("processed", "new_case")
    case = await case_json(client, people, row.case_id or 0)
    assert case["subject"] == "Printer says offline"
    assert case["channel"] == "email"
    assert case["customer"]["email"] == "maria@example.org"
    assert case["customer"]["name"] == "Maria Gonzalez"
    assert case["owner"]["id"] == people.owner.id
    message = next(e for e in case["timeline"] if e["kind"] == "message_in")
    assert message["body"] == "It says offline."  # the signature is stripped ...
    assert "Maria" in message["data"]["email"]["full_text"]  # ... and kept whole
    assert message["data"]["email"]["message_id"] == mid
    assert await deliveries(database) == 1  # "we have your request, TL-n, your owner is ..."
    assert await count(database, MessageLink, MessageLink.message_key == message_key(mid)) == 1


async def test_a_redelivery_of_the_same_message_adds_nothing(
    database: Database, settings: Settings
) -> None:
    raw, _ = compose()
    first = await store_raw(database, raw, source="smtp", settings=settings)
    await process(database, settings, first.id)
    # The same mail again, through another relay that added its own header, and by IMAP.
    relayed = b"Received: from relay.example.net by mx.example.com; Mon, 1 Jan 2026\r\n" + raw
    again = await store_raw(database, relayed, source="smtp", settings=settings)
    by_imap = await store_raw(database, raw, source="imap", settings=settings)

    assert first.created
    assert not again.created
    assert not by_imap.created
    assert again.id == by_imap.id == first.id
    assert await process(database, settings, first.id) is None  # already done: nothing happens
    assert await count(database, InboundMessage) == 1
    assert await count(database, Case) == 1


async def test_a_reused_message_id_with_another_body_is_a_different_mail(
    database: Database, settings: Settings
) -> None:
    first, mid = compose(body="First problem.")
    second, _ = compose(body="A different problem.", message_id=mid, subject="Another one")

    one = await ingest(database, settings, first)
    two = await ingest(database, settings, second)

    assert one.id != two.id
    assert (two.state, two.outcome) == ("processed", "new_case")
    assert await count(database, Case) == 2


async def test_a_mail_over_the_size_limit_is_refused_before_storing(
    database: Database, settings: Settings
) -> None:
    small = settings.model_copy(update={"max_email_bytes": 2048})
    raw, _ = compose(body="x" * 4000)

    with pytest.raises(MessageTooLarge, match="over the limit of 2048 bytes"):
        await store_raw(database, raw, source="smtp", settings=small)
    assert await count(database, InboundMessage) == 0


async def test_a_mail_that_cannot_be_read_is_kept_and_listed_for_leads(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    garbage = b"\x00\x01\x02 this is not a mail at all \xff\xfe"

    row = await ingest(database, settings, garbage)

    assert row.state == "unreadable"
    assert row.problem
    assert "not an email message" in row.problem
    assert await count(database, Case) == 0
    listed = await client.get("/api/v1/inbound?state=unreadable", headers=people.lead.headers)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item["id"] == row.id
    assert item["problem"] == row.problem
    assert item["size"] == len(garbage)
    raw = await client.get(item["raw_url"], headers=people.lead.headers)
    assert raw.status_code == 200
    assert raw.content == garbage
    assert raw.headers["content-type"] == "message/rfc822"
    assert raw.headers["x-content-type-options"] == "nosniff"
    # Reps who are not leads see neither the list nor a raw message of no case of theirs.
    refused = await client.get("/api/v1/inbound", headers=people.owner.headers)
    assert refused.status_code == 403
    assert (await client.get(item["raw_url"], headers=people.owner.headers)).status_code == 403
    assert (await client.get("/api/v1/inbound", headers=people.stranger)).status_code == 401
    bad = await client.get("/api/v1/inbound?state=lost", headers=people.lead.headers)
    assert bad.status_code == 422
    assert "state" in bad.json()["detail"]


async def test_a_mail_without_a_sender_address_is_listed_not_dropped(
    database: Database, settings: Settings
) -> None:
    raw = b"Subject: who am I\r\nMessage-ID: <nobody@example.org>\r\n\r\nHello\r\n"

    row = await ingest(database, settings, raw)

    assert (row.state, row.outcome) == ("unreadable", "no_sender")
    assert row.problem
    assert "sender" in row.problem


async def test_the_case_owner_may_read_the_raw_mail_of_their_case(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    raw, _ = compose()
    row = await ingest(database, settings, raw)

    mine = await client.get(f"/api/v1/inbound/{row.id}/raw", headers=people.owner.headers)
    other = await client.get(f"/api/v1/inbound/{row.id}/raw", headers=people.other.headers)

    assert mine.status_code == 200
    assert mine.content == raw
    assert other.status_code == 403


# --- threading ---------------------------------------------------------------------------


async def test_a_reply_to_our_mail_threads_by_in_reply_to(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    first = await ingest(database, settings, compose()[0])
    case_id = first.case_id or 0
    await link_out(database, case_id, f"tl-{case_id}-9.abc@localhost", "maria@example.org")

    reply, _ = compose(
        subject=f"Re: [TL-{case_id}] Printer says offline",
        body=(
            "Restarting did not help.\n\n"
            "On Mon, Nov 23, 2026 at 9:14 AM Olivia Owner <support@localhost> wrote:\n"
            "> Please restart it.\n"
        ),
        in_reply_to=f"tl-{case_id}-9.abc@localhost",
    )
    row = await ingest(database, settings, reply)

    assert (row.outcome, row.case_id) == ("threaded", case_id)
    case = await case_json(client, people, case_id)
    messages = [e for e in case["timeline"] if e["kind"] == "message_in"]
    assert [m["body"] for m in messages][-1] == "Restarting did not help."  # quote stripped
    # The whole mail is kept on the reply's entry too (quote included), and no attachments.
    kept = messages[-1]["data"]
    assert "Please restart it." in kept["email"]["full_text"]
    assert kept["email"]["inbound_id"] == row.id
    assert kept["attachments"] == []
    assert "frustration" in kept  # the score written with it
    assert case["contact_count"] == 2
    assert await count(database, Case) == 1


async def test_a_reply_threads_by_references_when_in_reply_to_is_unknown(
    database: Database, settings: Settings
) -> None:
    first = await ingest(database, settings, compose()[0])
    case_id = first.case_id or 0
    await link_out(database, case_id, "ours-1@localhost", "maria@example.org")

    reply, _ = compose(
        subject="Re: something else entirely",
        in_reply_to="unknown-to-us@elsewhere.example",
        references=["ours-1@localhost", "unknown-to-us@elsewhere.example"],
    )
    row = await ingest(database, settings, reply)

    assert (row.outcome, row.case_id) == ("threaded", case_id)


async def test_a_follow_up_to_the_customers_own_mail_threads(
    database: Database, settings: Settings
) -> None:
    first_raw, first_id = compose()
    first = await ingest(database, settings, first_raw)

    follow_up, _ = compose(subject="Re: Printer says offline", in_reply_to=first_id)
    row = await ingest(database, settings, follow_up)

    assert (row.outcome, row.case_id) == ("threaded", first.case_id)


async def test_a_case_tag_in_the_subject_threads_for_the_cases_customer(
    database: Database, settings: Settings
) -> None:
    first = await ingest(database, settings, compose()[0])

    tagged, _ = compose(subject=f"Still broken [TL-{first.case_id}]", sender="MARIA@Example.org")
    row = await ingest(database, settings, tagged)

    assert (row.outcome, row.case_id) == ("threaded", first.case_id)


async def test_a_case_tag_from_a_stranger_does_not_enter_someone_elses_case(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    first = await ingest(database, settings, compose()[0])

    forged, _ = compose(
        subject=f"Re: [TL-{first.case_id}] please send me the invoice",
        sender="Mallory <mallory@evil.example>",
    )
    row = await ingest(database, settings, forged)

    assert row.outcome == "new_case"
    assert row.case_id != first.case_id
    case = await case_json(client, people, first.case_id or 0)
    assert not any("invoice" in (e["body"] or "") for e in case["timeline"])
    assert case["contact_count"] == 1
    async with database.unit_of_work(write=False) as session:
        theirs = await session.get(Case, row.case_id)
        assert theirs is not None
        customer = await session.get(Customer, theirs.customer_id)
        assert customer is not None
        assert customer.email == "mallory@evil.example"


async def test_a_reply_from_someone_else_on_the_thread_is_an_internal_note(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    first = await ingest(database, settings, compose()[0])
    case_id = first.case_id or 0
    await link_out(database, case_id, "ours-2@localhost", "maria@example.org")
    before = await deliveries(database)

    colleague, _ = compose(
        sender="Ken <ken@example.org>",
        subject="Re: Printer says offline",
        body="I am Maria's colleague: it is the HP on floor 2.",
        in_reply_to="ours-2@localhost",
    )
    row = await ingest(database, settings, colleague)

    assert (row.outcome, row.case_id) == ("third_party_note", case_id)
    case = await case_json(client, people, case_id)
    note = case["timeline"][-1]
    assert note["kind"] == "note"
    assert note["internal"] is True
    assert "ken@example.org" in note["body"]
    assert "floor 2" in note["body"]
    assert note["data"]["email"]["from"] == "ken@example.org"  # the mail, kept on the note
    assert case["contact_count"] == 1  # it does not speak for the customer
    assert await deliveries(database) == before
    assert await count(database, Customer, Customer.email == "ken@example.org") == 0


async def test_a_reply_to_a_resolved_case_reopens_it_to_the_same_owner(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    first = await ingest(database, settings, compose()[0])
    case_id = first.case_id or 0
    await resolve(database, settings, people, case_id)

    again, _ = compose(subject=f"Re: [TL-{case_id}] Printer says offline", body="It is back.")
    row = await ingest(database, settings, again)

    assert row.outcome == "threaded"
    case = await case_json(client, people, case_id)
    assert case["status"] == "open"
    assert case["owner"]["id"] == people.owner.id
    assert case["reopen_count"] == 1


# --- loops and bounces -------------------------------------------------------------------


async def test_an_auto_reply_to_a_resolved_case_neither_reopens_nor_answers(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    first = await ingest(database, settings, compose()[0])
    case_id = first.case_id or 0
    await link_out(database, case_id, "ours-3@localhost", "maria@example.org")
    await resolve(database, settings, people, case_id)
    before = await deliveries(database)

    away, _ = compose(
        subject=f"Automatic reply: [TL-{case_id}] Printer says offline",
        body="I am out of the office until Monday.",
        in_reply_to="ours-3@localhost",
        headers={"Auto-Submitted": "auto-replied"},
    )
    row = await ingest(database, settings, away)

    assert (row.outcome, row.case_id) == ("auto_reply", case_id)
    case = await case_json(client, people, case_id)
    assert case["status"] == "resolved"
    assert case["reopen_count"] == 0
    assert case["timeline"][-1]["kind"] == "note"
    assert "out of the office" in case["timeline"][-1]["body"]
    assert await deliveries(database) == before  # no "customer.deliver": nothing is sent


async def test_an_auto_reply_to_nothing_of_ours_is_ignored(
    database: Database, settings: Settings
) -> None:
    away, _ = compose(subject="Out of office", headers={"X-Autoreply": "yes"})

    row = await ingest(database, settings, away)

    assert (row.state, row.outcome) == ("ignored", "auto_reply")
    assert await count(database, Case) == 0
    assert await deliveries(database) == 0


def bounce_for(message_id: str, recipient: str, subject: str) -> bytes:
    """A standard delivery status notification (RFC 3464), as Postfix writes them."""
    return (
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
        "To: support@localhost\r\n"
        f"Subject: Undelivered Mail Returned to Sender {subject}\r\n"
        "Message-ID: <bounce-1@mx.example.org>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <maria@example.org>: mailbox unknown\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{message_id}>\r\nSubject: {subject}\r\n"
        "\r\n--B--\r\n"
    ).encode()


async def test_a_bounce_is_recorded_against_the_mail_it_returns(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    first = await ingest(database, settings, compose()[0])
    case_id = first.case_id or 0
    await link_out(database, case_id, "ours-4@localhost", "maria@example.org")

    row = await ingest(
        database,
        settings,
        bounce_for("ours-4@localhost", "maria@example.org", f"[TL-{case_id}] Re: Printer"),
    )

    assert (row.outcome, row.case_id) == ("bounce", case_id)
    assert await count(database, Case) == 1  # no case for the mailer daemon
    async with database.unit_of_work(write=False) as session:
        link = await session.scalar(
            select(MessageLink).where(MessageLink.message_id == "ours-4@localhost")
        )
        assert link is not None
        assert link.delivery == "bounced"
        assert link.delivery_detail
        assert "mailbox unknown" in link.delivery_detail
    case = await case_json(client, people, case_id)
    note = case["timeline"][-1]
    assert note["internal"] is True
    assert note["body"].startswith("Our email to maria@example.org could not be delivered")
    assert "mailbox unknown" in note["body"]
    # The owner sees it on their work list until they next work the case.
    worklist = await client.get("/api/v1/worklist", headers=people.owner.headers)
    (item,) = [i for i in worklist.json()["items"] if i["number"] == f"TL-{case_id}"]
    assert "follow_up_due" in item["reasons"]


async def test_a_bounce_for_mail_we_never_sent_opens_nothing(
    database: Database, settings: Settings
) -> None:
    row = await ingest(
        database, settings, bounce_for("not-ours@elsewhere", "someone@example.org", "Hello")
    )

    assert (row.state, row.outcome) == ("ignored", "bounce")
    assert row.problem
    assert "not-ours@elsewhere" in row.problem
    assert await count(database, Case) == 0


# --- attachments -------------------------------------------------------------------------


async def test_attachments_are_stored_and_listed_on_the_message(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    log = b"ERROR printer offline\n" * 50
    big = b"\x89PNG" + b"\x00" * 3000
    limited = settings.model_copy(update={"max_attachment_bytes": 2048})
    raw, _ = compose(
        attachments=[("printer.log", "text/plain", log), ("../../etc/shot.png", "image/png", big)],
        html="<p>See <b>attached</b><script>alert(1)</script></p>",
    )

    row = await ingest(database, limited, raw)

    case = await case_json(client, people, row.case_id or 0)
    message = next(e for e in case["timeline"] if e["kind"] == "message_in")
    files = {f["filename"]: f for f in message["data"]["attachments"]}
    assert set(files) == {"printer.log", "shot.png"}  # no path survives in a name
    assert files["printer.log"]["kept"] is True
    assert files["printer.log"]["size"] == len(log)
    assert files["shot.png"]["kept"] is False
    assert "larger than 2048 bytes" in files["shot.png"]["not_kept_because"]
    assert "<script>" not in message["data"]["email"]["html"]
    assert "<b>attached</b>" in message["data"]["email"]["html"]
    digest = hashlib.sha256(log).hexdigest()
    assert (settings.var_dir / "attachments" / digest[:2] / digest).read_bytes() == log

    download = await client.get(
        f"/api/v1/files/{files['printer.log']['file_id']}", headers=people.other.headers
    )
    assert download.status_code == 200
    assert download.content == log
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith('attachment; filename="printer.log"')
    missing = await client.get(
        f"/api/v1/files/{files['shot.png']['file_id']}", headers=people.owner.headers
    )
    assert missing.status_code == 404
    assert "over the size limit" in missing.json()["detail"]
    assert (await client.get("/api/v1/files/1", headers=people.stranger)).status_code == 401
    assert await count(database, StoredFile) == 2


async def test_a_html_attachment_downloads_as_bytes_not_as_a_page(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    page = b"<html><script>steal()</script></html>"
    raw, _ = compose(attachments=[('x"; evil=1.html', "text/html", page)])
    row = await ingest(database, settings, raw)
    case = await case_json(client, people, row.case_id or 0)
    (attached,) = next(e for e in case["timeline"] if e["kind"] == "message_in")["data"][
        "attachments"
    ]

    download = await client.get(
        f"/api/v1/files/{attached['file_id']}", headers=people.owner.headers
    )

    assert download.content == page
    assert download.headers["content-type"] == "application/octet-stream"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert '"; evil' not in disposition  # the name cannot add parameters


# --- crash recovery ----------------------------------------------------------------------


async def test_mail_stored_but_not_processed_is_processed_by_the_worker(
    database: Database, settings: Settings
) -> None:
    # The server answered 250 and stopped before processing: the bytes are all we have.
    stored = await store_raw(database, compose()[0], source="smtp", settings=settings)
    assert (await inbound_row(database, stored.id)).state == "received"

    done = await Worker(database, settings).run_once()

    assert done["inbound_mail"] == 1
    row = await inbound_row(database, stored.id)
    assert (row.state, row.outcome) == ("processed", "new_case")
    assert await process_pending(database, settings) == 0


async def test_a_failure_while_processing_keeps_the_mail_and_is_retried(
    database: Database, settings: Settings, people: Personas
) -> None:
    # Something in the way of the attachment store: a file where its folder should be.
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.attachments_dir.write_text("not a folder")
    raw, _ = compose(attachments=[("printer.log", "text/plain", b"ERROR offline\n")])
    stored = await store_raw(database, raw, source="smtp", settings=settings)

    assert await process(database, settings, stored.id) is None

    row = await inbound_row(database, stored.id)
    assert (row.state, row.attempts) == ("received", 1)
    assert row.problem
    assert "processing failed (attempt 1)" in row.problem
    assert await count(database, Case) == 0  # nothing half-done: the transaction rolled back
    settings.attachments_dir.unlink()
    assert await process_pending(database, settings) == 0  # not yet: it backs off
    later = utcnow() + timedelta(minutes=1, seconds=5)
    assert await process_pending(database, settings, now=later) == 1
    row = await inbound_row(database, stored.id)
    assert (row.state, row.outcome) == ("processed", "new_case")


async def test_mail_that_keeps_failing_is_shown_to_leads_after_the_last_attempt(
    database: Database, settings: Settings, client: httpx.AsyncClient, people: Personas
) -> None:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.attachments_dir.write_text("not a folder")
    raw, _ = compose(attachments=[("printer.log", "text/plain", b"ERROR offline\n")])
    stored = await store_raw(database, raw, source="smtp", settings=settings)

    for attempt in range(MAX_ATTEMPTS):
        await process_pending(database, settings, now=utcnow() + timedelta(hours=attempt))

    row = await inbound_row(database, stored.id)
    assert row.state == "unreadable"
    listed = await client.get("/api/v1/inbound", headers=people.lead.headers)
    (item,) = listed.json()["items"]
    assert item["problem"].startswith(f"processing failed {MAX_ATTEMPTS} times")
    assert item["sender"] == "maria@example.org"
    assert item["subject"] == "Printer says offline"


async def test_our_own_mail_coming_back_is_ignored(database: Database, settings: Settings) -> None:
    raw, _ = compose(sender=f"Support <{settings.support_address}>")

    row = await ingest(database, settings, raw)

    assert (row.state, row.outcome) == ("ignored", "own_mail")
    assert await count(database, Case) == 0


async def test_a_reply_processed_before_the_mail_it_answers_still_threads(
    database: Database, settings: Settings
) -> None:
    # A burst: both are stored before either is processed, and the reply comes up first.
    first_raw, first_id = compose(body="The printer is offline.")
    reply_raw, _ = compose(subject="Re: Printer says offline", in_reply_to=first_id)
    first = await store_raw(database, first_raw, source="smtp", settings=settings)
    reply = await store_raw(database, reply_raw, source="smtp", settings=settings)

    assert await process(database, settings, reply.id) == "threaded"

    original = await inbound_row(database, first.id)
    answered = await inbound_row(database, reply.id)
    assert (original.outcome, answered.case_id) == ("new_case", original.case_id)
    assert await count(database, Case) == 1


# --- batches: one transaction, a savepoint per message ----------------------------------


async def test_a_batch_keeps_every_good_mail_when_one_of_them_fails(
    database: Database, settings: Settings, people: Personas
) -> None:
    # The attachment store is blocked: only the mail with an attachment fails.
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.attachments_dir.write_text("not a folder")
    plain, _ = compose(sender="Ana <ana@example.org>", subject="VPN drops")
    broken, _ = compose(attachments=[("printer.log", "text/plain", b"ERROR offline\n")])
    other, _ = compose(sender="Bo <bo@example.org>", subject="Cannot sign in")
    stored = [
        await store_raw(database, raw, source="smtp", settings=settings)
        for raw in (plain, broken, other)
    ]

    outcomes = await process_batch(database, settings, [(s.id, None) for s in stored])

    assert outcomes == {stored[0].id: "new_case", stored[1].id: None, stored[2].id: "new_case"}
    assert [(await inbound_row(database, s.id)).state for s in stored] == [
        "processed",
        "received",
        "processed",
    ]
    failed = await inbound_row(database, stored[1].id)
    assert failed.attempts == 1
    assert failed.problem is not None
    assert "processing failed (attempt 1)" in failed.problem
    # Nothing of the failed mail was half-kept: two cases, for the two good mails.
    assert await count(database, Case) == 2
    assert await count(database, Customer, Customer.email == "maria@example.org") == 0
    # Once the store is back, the worker's retry processes it.
    settings.attachments_dir.unlink()
    later = utcnow() + timedelta(minutes=1, seconds=5)
    assert await process_pending(database, settings, now=later) == 1
    assert (await inbound_row(database, stored[1].id)).outcome == "new_case"
    assert await count(database, Case) == 3


async def test_a_reply_in_the_same_batch_as_the_mail_it_answers_threads(
    database: Database, settings: Settings
) -> None:
    first_raw, first_id = compose(body="The printer is offline.")
    reply_raw, _ = compose(subject="Re: Printer says offline", in_reply_to=first_id)
    first = await store_raw(database, first_raw, source="smtp", settings=settings)
    reply = await store_raw(database, reply_raw, source="smtp", settings=settings)

    # Given in any order, they are processed in the order they arrived.
    outcomes = await process_batch(
        database, settings, [(reply.id, reply_raw), (first.id, first_raw)]
    )

    assert outcomes == {first.id: "new_case", reply.id: "threaded"}
    original = await inbound_row(database, first.id)
    assert (await inbound_row(database, reply.id)).case_id == original.case_id
    assert await count(database, Case) == 1


async def test_a_batch_does_not_process_mail_twice(database: Database, settings: Settings) -> None:
    raw, _ = compose()
    stored = await store_raw(database, raw, source="smtp", settings=settings)
    assert await process_batch(database, settings, [(stored.id, raw)]) == {stored.id: "new_case"}

    # The SMTP server's task and a worker may both hold the id: the second finds it done.
    assert await process_batch(database, settings, [(stored.id, raw)]) == {stored.id: None}
    assert await process_batch(database, settings, [(stored.id, None)]) == {stored.id: None}
    row = await inbound_row(database, stored.id)
    assert (row.outcome, row.attempts) == ("new_case", 1)
    assert await count(database, Case) == 1
    assert await deliveries(database) == 1  # one "case received" notice, not two


async def test_mail_parsed_in_a_process_of_its_own_is_understood_the_same(
    database: Database, settings: Settings
) -> None:
    settings.email_parse_processes = 1  # THROUGHLINE_EMAIL_PARSE_PROCESSES=1
    first_raw, first_id = compose(
        attachments=[("printer.log", "text/plain", b"ERROR offline\n")],
        html="<p>Since this morning the printer says it is <b>offline</b>.</p>",
    )
    reply_raw, _ = compose(subject="Re: Printer says offline", in_reply_to=first_id)
    stored = [
        await store_raw(database, raw, source="smtp", settings=settings)
        for raw in (first_raw, reply_raw)
    ]
    try:
        outcomes = await process_batch(database, settings, [(s.id, None) for s in stored])
    finally:
        stop_parsers()

    assert outcomes == {stored[0].id: "new_case", stored[1].id: "threaded"}
    assert await count(database, StoredFile, StoredFile.filename == "printer.log") == 1
    assert (await inbound_row(database, stored[1].id)).case_id == (
        await inbound_row(database, stored[0].id)
    ).case_id
