"""Where the channels meet the workspace: unreadable mail for leads, error reports, webhook
and phone customers on the case page, and merging two customers who are one person."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from tests.builders import Personas, create_case
from tests.channels.test_reports import make_product, report_body
from tests.channels.test_webhooks import add_channel, message, post_signed
from tests.workspace.support import PAGE, give_password, post, sign_in, text_of
from throughline.channels.email import ingest
from throughline.config import Settings
from throughline.db import Database
from throughline.models import AuditEntry, Case, Customer, Identity, InboundMessage, utcnow

NOT_MAIL = b"\x00\x01 this is not an email message at all \xff\xfe"
GOOD_MAIL = (
    b"From: Bob Baker <bob@example.org>\r\nTo: help@example.com\r\n"
    b"Subject: Printer jams every morning\r\nMessage-ID: <jam-1@example.org>\r\n\r\n"
    b"It jams on the first page every day.\r\n"
)


async def _lead_signed_in(client: httpx.AsyncClient, database: Database, people: Personas) -> None:
    await give_password(database, people.lead, role="lead")
    assert (await sign_in(client, people.lead)).status_code == 303


async def test_lead_sees_mail_that_could_not_be_read_and_downloads_it(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    stored = await ingest.store_raw(
        database,
        NOT_MAIL,
        source="smtp",
        envelope={"mail_from": "someone@example.net", "rcpt_tos": ["help@example.com"]},
        settings=settings,
    )
    assert await ingest.process(database, settings, stored.id) == "unreadable"
    await _lead_signed_in(client, database, people)

    lead_page = await client.get("/app/lead", headers=PAGE)
    assert lead_page.status_code == 200
    assert "1 message could not be read" in text_of(lead_page.text)
    assert 'href="/app/inbound"' in lead_page.text  # also in the lead's navigation

    listing = await client.get("/app/inbound", headers=PAGE)
    assert listing.status_code == 200
    row = text_of(listing.text.split(f'id="inbound-{stored.id}"', 1)[1].split("</tr>", 1)[0])
    assert "someone@example.net" in row  # the SMTP envelope's sender: From could not be read
    assert f"{len(NOT_MAIL)} bytes" in row
    assert "no mail headers found" in row
    assert "Could not be read (1)" in text_of(listing.text)

    raw = await client.get(f"/app/inbound/{stored.id}/raw", headers=PAGE)
    assert raw.status_code == 200
    assert raw.content == NOT_MAIL
    assert raw.headers["content-disposition"].startswith("attachment")
    assert raw.headers["x-content-type-options"] == "nosniff"

    # A rep who is not a lead sees neither the list nor the bytes.
    await give_password(database, people.other)
    rep = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
    async with rep:
        await sign_in(rep, people.other)
        assert (await rep.get("/app/inbound", headers=PAGE)).status_code == 403
        assert (await rep.get(f"/app/inbound/{stored.id}/raw", headers=PAGE)).status_code == 403
        listing = await rep.get("/app", headers=PAGE)
        assert 'href="/app/inbound"' not in listing.text


async def test_try_again_puts_a_failed_message_back_and_the_worker_files_it(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    # What ingest leaves after five failed attempts (a database outage, say): good bytes,
    # state "unreadable", the last error as the problem.
    async with database.unit_of_work() as session:
        row = InboundMessage(
            channel="email",
            source="smtp",
            external_id="jam-1@example.org",
            external_key=ingest.message_key("jam-1@example.org"),
            raw=GOOD_MAIL,
            size=len(GOOD_MAIL),
            state="unreadable",
            outcome="failed",
            problem="processing failed 5 times; last error: OperationalError: database is locked",
            envelope={"from": "bob@example.org", "subject": "Printer jams every morning"},
            attempts=5,
            created_at=utcnow(),
        )
        session.add(row)
        await session.flush()
        inbound_id = row.id
    await _lead_signed_in(client, database, people)
    listing = text_of((await client.get("/app/inbound", headers=PAGE)).text)
    assert "Printer jams every morning" in listing
    assert "database is locked" in listing

    # Without the CSRF field the form is refused and nothing changes.
    refused = await client.post(f"/app/inbound/{inbound_id}/retry", headers=PAGE)
    assert refused.status_code == 403
    retried = await post(client, f"/app/inbound/{inbound_id}/retry")
    assert retried.status_code == 303
    assert retried.headers["location"] == f"/app/inbound?retried={inbound_id}"
    shown = text_of((await client.get(retried.headers["location"], headers=PAGE)).text)
    assert f"Message {inbound_id} is back in the queue" in shown
    assert "Could not be read (0)" in shown
    async with database.unit_of_work(write=False) as session:
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "inbound.retry")
        )
        assert audited is not None
        assert (audited.actor_rep_id, audited.target_id) == (people.lead.id, str(inbound_id))
    # Pressing again (a second lead, a double click) changes nothing more.
    again = await post(client, f"/app/inbound/{inbound_id}/retry")
    assert again.status_code == 409
    assert "nothing to try again" in text_of(again.text)

    # The worker's inbound-mail job reads it again: now it becomes a case.
    assert await ingest.process_pending(database, settings) == 1
    async with database.unit_of_work(write=False) as session:
        inbound = await session.get(InboundMessage, inbound_id)
        assert inbound is not None
        assert (inbound.state, inbound.outcome) == ("processed", "new_case")
        case = await session.get(Case, inbound.case_id)
        assert case is not None
        assert case.subject == "Printer jams every morning"


async def test_case_page_shows_error_reports_with_escaped_diagnostics_and_log_files(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    key = await make_product(database)
    body = report_body(diagnostics={"last_error": "<script>alert(1)</script>", "free_mb": 512})
    log = b"09:00 sync started\n09:01 error 0x80004005\n"
    sent = await client.post(
        "/api/v1/reports",
        data={"report": json.dumps(body)},
        files=[("files", ("sync.log", log, "text/plain"))],
        headers={"X-Api-Key": key},
    )
    assert sent.status_code == 201, sent.text
    number = sent.json()["number"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)

    shown = await client.get(f"/app/cases/{number}", headers=PAGE)
    assert shown.status_code == 200
    section = shown.text.split('id="reports"', 1)[1].split("</section>", 1)[0]
    words = text_of(section)
    assert "Error reports from the product (1)" in words
    assert "Acme Mail 4.2.1: Sync failed after 3 retries (error 0x80004005)" in words
    assert "os version 11 23H2" in words
    assert "managed by it yes" in words
    assert "<script>alert(1)</script>" not in shown.text  # escaped, never run
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert '"free_mb": 512' in text_of(section)  # readable, indented JSON
    link = section.split('href="', 1)[1].split('"', 1)[0]
    assert link.startswith("/app/files/")
    downloaded = await client.get(link, headers=PAGE)
    assert downloaded.status_code == 200
    assert downloaded.content == log

    # A case without reports has no such section.
    plain = (await create_case(client, people.owner))["number"]
    assert 'id="reports"' not in (await client.get(f"/app/cases/{plain}", headers=PAGE)).text


async def test_webhook_and_phone_customers_read_plainly_and_the_reply_names_its_channel(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    secret = await add_channel(database, settings, name="telegram")
    sent = await post_signed(client, secret, message(external_user_id="4711"), channel="telegram")
    assert sent.status_code == 201, sent.text
    number = sent.json()["case_number"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)

    shown = await client.get(f"/app/cases/{number}", headers=PAGE)
    identities = text_of(shown.text.split('id="identities">', 1)[1].split("</dd>", 1)[0])
    assert identities == "telegram (webhook channel): user 4711"
    route = text_of(shown.text.split('id="reply-route">', 1)[1].split("</p>", 1)[0])
    assert route == "Goes out on the telegram webhook channel to user 4711."
    assert "Your reply (sent by webhook channel telegram)" in text_of(shown.text)

    # A customer who called (a phone number) and also writes by email.
    emailed = await create_case(client, people.owner)
    async with database.unit_of_work() as session:
        case = await session.get(Case, int(emailed["number"].removeprefix("TL-")))
        assert case is not None
        session.add(
            Identity(
                customer_id=case.customer_id, kind="phone", value="+4930123456", created_at=utcnow()
            )
        )
        email = (await session.get(Customer, case.customer_id)).email  # type: ignore[union-attr]
    shown = await client.get(f"/app/cases/{emailed['number']}", headers=PAGE)
    identities = text_of(shown.text.split('id="identities">', 1)[1].split("</dd>", 1)[0])
    assert f"Email: {email}" in identities
    assert "Phone: +4930123456" in identities
    route = text_of(shown.text.split('id="reply-route">', 1)[1].split("</p>", 1)[0])
    assert route == f"Goes out by email to {email}."
    assert "Your reply (sent by email)" in text_of(shown.text)


async def test_a_rep_merges_the_webhook_customer_with_their_email_self(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    emailed = (await create_case(client, people.owner))["number"]
    secret = await add_channel(database, settings, name="telegram")
    sent = await post_signed(client, secret, message(external_user_id="4711"), channel="telegram")
    number = sent.json()["case_number"]
    async with database.unit_of_work(write=False) as session:
        email_case = await session.get(Case, int(emailed.removeprefix("TL-")))
        chat_case = await session.get(Case, int(number.removeprefix("TL-")))
        assert email_case is not None
        assert chat_case is not None
        email_customer = await session.get(Customer, email_case.customer_id)
        assert email_customer is not None
        assert email_customer.email
        address, into_id = email_customer.email, chat_case.customer_id
    await give_password(database, people.other)
    await sign_in(client, people.other)
    url = f"/app/cases/{number}/customer/merge"

    # Wrong input is refused by name and changes nothing.
    for other, words in [
        ("nobody@example.net", "other: no customer with the email address nobody@example.net"),
        ("next tuesday", "other: give the other customer's email address or their customer"),
        (str(into_id), "other: that is this case's customer (Maria G) already"),
        ("999999", "other: no customer number 999999"),
    ]:
        refused = await post(client, url, other=other)
        assert refused.status_code == 422, other
        assert words in text_of(refused.text)
    assert (await client.post(url, data={"other": address}, headers=PAGE)).status_code == 403

    # First step: who that is, and what moves.
    found = await post(client, url, other=address.upper())
    assert found.status_code == 200
    confirm = text_of(found.text.split('id="merge-confirm"', 1)[1].split("</form>", 1)[0])
    assert f"Merge customer {email_customer.id} into Maria G?" in confirm
    assert f"Email: {address}" in confirm
    assert f"Their cases {emailed} move to Maria G" in confirm
    async with database.unit_of_work(write=False) as session:
        assert await session.get(Customer, email_customer.id) is not None  # not merged yet

    merged = await post(client, url, other_id=str(email_customer.id), confirm="1")
    assert merged.status_code == 303
    page = await client.get(merged.headers["location"], headers=PAGE)
    words = text_of(page.text)
    assert "Customers merged" in words
    identities = text_of(page.text.split('id="identities">', 1)[1].split("</dd>", 1)[0])
    assert f"Email: {address}" in identities
    assert "telegram (webhook channel): user 4711" in identities
    # The reply still goes out on the channel the customer used for this case.
    assert "Goes out on the telegram webhook channel to user 4711" in words
    async with database.unit_of_work(write=False) as session:
        assert await session.get(Customer, email_customer.id) is None
        moved = await session.get(Case, int(emailed.removeprefix("TL-")))
        assert moved is not None
        assert moved.customer_id == into_id
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.actor_rep_id == people.other.id)
        )
        assert audited is not None
