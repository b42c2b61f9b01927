"""Outbound email: what the customer receives, through a real SMTP relay.

An aiosmtpd server on a free port stands in for the mail provider's relay;
cases are worked through the real API, the real worker runs the outbox, and
every assertion reads the bytes the relay received with the stdlib parser.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy import delete, select, update

from tests.builders import Personas, create_case, make_rep
from tests.cases.support import propose, read_case, reply
from throughline.config import Settings
from throughline.db import Database
from throughline.models import (
    Case,
    Customer,
    Identity,
    MessageLink,
    OutboxMessage,
    TimelineEntry,
    utcnow,
)
from throughline.worker.runner import Worker

SUPPORT = "help@acme.example"
NO_ADDRESS = "We could not tell the customer: they have no email address"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=default_policy).parsebytes(self.raw)


@dataclass
class Sink:
    """The provider's relay: keeps every message it accepts; refuses the addresses in ``refuse``."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, _options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 <" + address + ">: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        raw = envelope.original_content or b""
        self.received.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                raw,
                session.ssl is not None,
                login,
            )
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Relay:
    sink: Sink
    port: int
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self, **server_kwargs: Any) -> None:
        self.controller = Controller(
            self.sink, hostname="127.0.0.1", port=self.port, **server_kwargs
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def relay() -> Iterator[Relay]:
    relay = Relay(Sink(), free_port())
    relay.start()
    yield relay
    relay.stop()


def with_relay(settings: Settings, url: str, **more: Any) -> Settings:
    return settings.model_copy(
        update={"smtp_url": url, "support_address": SUPPORT, "company_name": "Acme", **more}
    )


async def run_worker(database: Database, settings: Settings) -> None:
    await Worker(database, settings, name="test-worker").run_once()


@dataclass
class Desk:
    """The desk's API and worker, its mail going out through the test relay."""

    client: httpx.AsyncClient
    database: Database
    settings: Settings  # with the relay
    people: Personas
    relay: Relay

    @property
    def sent(self) -> list[Received]:
        """Every mail the relay accepted, in order."""
        return self.relay.sink.received

    async def open_case(self) -> dict[str, Any]:
        """Maria's case about her internet, opened by the owner through the API."""
        return await create_case(self.client, self.people.owner)

    async def run_worker(self) -> None:
        await run_worker(self.database, self.settings)


@pytest.fixture
def desk(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    people: Personas,
    relay: Relay,
) -> Desk:
    return Desk(client, database, with_relay(settings, relay.url), people, relay)


async def link_inbound(database: Database, number: str, message_id: str) -> None:
    """What the inbound email path records when the customer's mail joins a case."""
    import hashlib

    async with database.unit_of_work() as session:
        session.add(
            MessageLink(
                message_key=hashlib.sha256(message_id.encode()).hexdigest(),
                message_id=message_id,
                case_id=int(number.removeprefix("TL-")),
                direction="in",
                created_at=utcnow(),
            )
        )


async def outbox_rows(database: Database) -> list[OutboxMessage]:
    async with database.unit_of_work(write=False) as session:
        return list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.topic == "customer.deliver")
                .order_by(OutboxMessage.id)
            )
        )


async def notes(database: Database, number: str) -> list[TimelineEntry]:
    async with database.unit_of_work(write=False) as session:
        return list(
            await session.scalars(
                select(TimelineEntry)
                .where(
                    TimelineEntry.case_id == int(number.removeprefix("TL-")),
                    TimelineEntry.kind == "note",
                )
                .order_by(TimelineEntry.id)
            )
        )


def plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return cast(str, part.get_content())


def html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return cast(str, part.get_content())


def status_link(text: str) -> str:
    found = re.search(r"See your case at any time: (\S+)", text)
    assert found, text
    return found.group(1)


async def test_a_new_case_tells_the_customer_its_number_and_owner(desk: Desk) -> None:
    created = await desk.open_case()
    number = created["number"]

    await desk.run_worker()

    assert len(desk.sent) == 1
    mail = desk.sent[0]
    assert mail.mail_from == SUPPORT  # bounces come back to the support address
    assert mail.rcpt_tos == ["maria@example.org"]
    message = mail.message
    assert message["Subject"] == f"[{number}] Internet drops every evening"
    assert message["To"].addresses[0].addr_spec == "maria@example.org"
    assert message["To"].addresses[0].display_name == "Maria Gonzalez"
    assert message["From"].addresses[0].display_name == "Olivia Owner at Acme Support"
    assert message["From"].addresses[0].addr_spec == SUPPORT
    assert message["Auto-Submitted"] == "auto-generated"
    text = plain(message)
    assert f"Its case number is {number}" in text
    assert "Olivia Owner is looking after it" in text
    assert "Email: olivia.owner@desk.example" in text
    assert "Extension: 2201" in text
    assert status_link(text) == created["status_url"]


async def test_the_owners_reply_arrives_threaded_with_contact_and_a_working_status_link(
    desk: Desk,
) -> None:
    created = await desk.open_case()
    number = created["number"]
    await desk.run_worker()
    received_notice = desk.sent[0].message
    # The customer answered by mail (the inbound path links its Message-ID to the case).
    await link_inbound(desk.database, number, "CAF1x-answer.1@mail.example.org")

    response = await reply(
        desk.client, desk.people.owner, number, "Please restart the router tonight."
    )
    assert response.status_code == 201, response.text
    entry_id = response.json()["id"]
    await desk.run_worker()

    assert len(desk.sent) == 2
    message = desk.sent[1].message
    assert message["From"].addresses[0].display_name == "Olivia Owner at Acme Support"
    assert message["From"].addresses[0].addr_spec == SUPPORT
    assert [a.addr_spec for a in message["Reply-To"].addresses] == [SUPPORT]
    assert message["Subject"] == f"[{number}] Internet drops every evening"
    case_id = number.removeprefix("TL-")
    assert re.fullmatch(
        rf"<tl-{case_id}-{entry_id}\.[0-9a-f]{{12}}@acme\.example>", message["Message-ID"]
    )
    assert message["In-Reply-To"] == "<CAF1x-answer.1@mail.example.org>"
    assert message["References"].split() == [
        received_notice["Message-ID"],
        "<CAF1x-answer.1@mail.example.org>",
    ]
    assert message["Auto-Submitted"] is None  # a person wrote this one
    assert abs(datetime.now(UTC) - message["Date"].datetime) < timedelta(minutes=5)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    text = plain(message)
    assert "Please restart the router tonight." in text
    assert "Olivia Owner looks after your case." in text
    assert "Email: olivia.owner@desk.example" in text
    link = status_link(text)
    assert link == created["status_url"]
    page = html(message)
    assert "Please restart the router tonight." in page
    assert f'<a href="{link}">' in page
    assert '<a href="mailto:olivia.owner@desk.example">' in page

    # The link in the mail opens the customer's status page (and its API).
    page_view = await desk.client.get(link)
    assert page_view.status_code == 200, page_view.text
    assert number in page_view.text
    token = link.rsplit("/", 1)[1]
    status = await desk.client.get(f"/api/v1/status/{token}")
    assert status.status_code == 200, status.text
    assert status.json()["number"] == number
    assert status.json()["owner"]["name"] == "Olivia Owner"

    async with desk.database.unit_of_work(write=False) as session:
        sent = list(
            await session.scalars(
                select(MessageLink).where(MessageLink.direction == "out").order_by(MessageLink.id)
            )
        )
    assert [(link.recipient, link.delivery) for link in sent] == [
        ("maria@example.org", "sent"),
        ("maria@example.org", "sent"),
    ]
    assert f"<{sent[1].message_id}>" == message["Message-ID"]
    assert sent[1].timeline_entry_id == entry_id


async def test_resolution_proposed_and_auto_resolved_notices(desk: Desk) -> None:
    number = (await desk.open_case())["number"]
    response = await propose(desk.client, desk.people.owner, number)
    assert response.status_code == 200, response.text
    await desk.run_worker()

    proposed = desk.sent[-1].message
    assert len(desk.sent) == 2  # received, then the proposal
    assert proposed["Subject"] == f"[{number}] Internet drops every evening"
    assert proposed["Auto-Submitted"] == "auto-generated"
    text = plain(proposed)
    assert "We think your problem is fixed:" in text
    assert "Replaced the router's power supply." in text
    assert "within 7 days" in text

    # A week and a day without an answer: the worker closes the case and says so.
    async with desk.database.unit_of_work() as session:
        await session.execute(
            update(Case)
            .where(Case.id == int(number.removeprefix("TL-")))
            .values(resolution_proposed_at=utcnow() - timedelta(days=8))
        )
    await desk.run_worker()

    assert len(desk.sent) == 3
    closed = desk.sent[-1].message
    assert closed["Auto-Submitted"] == "auto-generated"
    assert "We did not hear back within 7 days, so we closed this case." in plain(closed)
    assert closed["In-Reply-To"] == proposed["Message-ID"]  # the thread goes on
    assert (await read_case(desk.client, desk.people.owner, number))["status"] == "resolved"


async def test_a_relay_outage_loses_nothing_and_sends_exactly_once(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    people: Personas,
) -> None:
    relay = Relay(Sink(), free_port())  # nothing listens there yet: the relay is down
    relay_settings = with_relay(settings, relay.url, smtp_timeout_seconds=5)
    number = (await create_case(client, people.owner))["number"]

    before = utcnow()
    await run_worker(database, relay_settings)

    [row] = await outbox_rows(database)
    assert row.done_at is None
    assert row.failed_at is None
    assert row.attempts == 1
    assert "Connect" in (row.last_error or "")
    assert row.run_at >= before + timedelta(seconds=9)  # retried later, with backoff
    await run_worker(database, relay_settings)  # too early: not tried again
    assert (await outbox_rows(database))[0].attempts == 1

    relay.start()
    try:
        async with database.unit_of_work() as session:  # the backoff has passed
            await session.execute(
                update(OutboxMessage).values(run_at=utcnow() - timedelta(seconds=1))
            )
        await run_worker(database, relay_settings)
        await run_worker(database, relay_settings)
    finally:
        relay.stop()

    assert len(relay.sink.received) == 1
    assert relay.sink.received[0].message["Subject"].startswith(f"[{number}]")
    [row] = await outbox_rows(database)
    assert row.done_at is not None
    assert row.attempts == 2


async def test_a_retry_sends_the_same_mail_and_a_recorded_mail_is_never_sent_again(
    desk: Desk,
) -> None:
    from throughline.channels.delivery import deliver

    await desk.open_case()
    [row] = await outbox_rows(desk.database)

    # A worker sends, then dies before its commit: nothing of its work is kept ...
    async with desk.database.unit_of_work() as session:
        await deliver(session, dict(row.payload), desk.settings)
        await session.rollback()
    # ... so the next worker sends again: the very same mail, which receivers dedupe.
    await desk.run_worker()
    first, second = desk.sent
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert first.raw == second.raw

    # Once recorded as sent, running the same delivery again sends nothing.
    async with desk.database.unit_of_work() as session:
        await session.execute(
            update(OutboxMessage).values(done_at=None, run_at=utcnow() - timedelta(seconds=1))
        )
    await desk.run_worker()
    assert len(desk.sent) == 2
    assert all(row.done_at is not None for row in await outbox_rows(desk.database))


async def test_an_internal_note_sends_nothing(desk: Desk) -> None:
    number = (await desk.open_case())["number"]
    await desk.run_worker()

    response = await reply(
        desk.client, desk.people.other, number, "Customer sounds upset.", internal=True
    )
    assert response.status_code == 201, response.text
    await desk.run_worker()

    assert len(desk.sent) == 1  # only the "received" notice
    assert all("Customer sounds upset" not in plain(m.message) for m in desk.sent)


async def test_a_customer_without_an_email_address_gets_a_note_on_the_case(desk: Desk) -> None:
    number = (await desk.open_case())["number"]
    await desk.run_worker()
    async with desk.database.unit_of_work() as session:
        customer = await session.scalar(
            select(Customer).where(Customer.email == "maria@example.org")
        )
        assert customer is not None
        customer_id = customer.id
        # Known only by a second address: mail goes there.
        customer.email = None
        await session.execute(delete(Identity).where(Identity.customer_id == customer_id))
        session.add(Identity(customer_id=customer_id, kind="email", value="m.g@example.net"))

    await reply(desk.client, desk.people.owner, number, "Did the restart help?")
    await desk.run_worker()
    assert desk.sent[-1].rcpt_tos == ["m.g@example.net"]
    assert desk.sent[-1].message["To"].addresses[0].addr_spec == "m.g@example.net"

    # Now known only by a phone number: nobody can be mailed.
    async with desk.database.unit_of_work() as session:
        await session.execute(delete(Identity).where(Identity.customer_id == customer_id))
        session.add(Identity(customer_id=customer_id, kind="phone", value="+4930123456"))
    await reply(desk.client, desk.people.owner, number, "I will call you instead.")
    await desk.run_worker()
    await desk.run_worker()

    assert len(desk.sent) == 2
    assert [note.body for note in await notes(desk.database, number)] == [NO_ADDRESS]
    rows = await outbox_rows(desk.database)
    assert all(row.done_at is not None and row.attempts == 1 for row in rows)  # no retry loop
    timeline = (await read_case(desk.client, desk.people.owner, number))["timeline"]
    assert any(e["body"] == NO_ADDRESS and e["internal"] for e in timeline)


async def test_an_address_the_relay_refuses_for_good_gets_a_note_not_a_retry_loop(
    desk: Desk,
) -> None:
    desk.relay.sink.refuse.add("maria@example.org")
    number = (await desk.open_case())["number"]

    await desk.run_worker()

    assert desk.sent == []
    [note] = await notes(desk.database, number)
    assert note.body is not None
    assert note.body.startswith("We could not tell the customer: the mail server refused")
    assert "550" in note.body
    assert note.internal
    [row] = await outbox_rows(desk.database)
    assert row.done_at is not None


async def test_non_ascii_names_and_subjects_are_encoded_and_read_back_exactly(
    client: httpx.AsyncClient, database: Database, settings: Settings, relay: Relay
) -> None:
    rep = await make_rep(database, "Zoë Ångström")
    subject = "Ça ne marche pas — 東京の接続が切れる"
    created = await create_case(
        client,
        rep,
        customer={"email": "jose@example.org", "name": "José Müller"},
        subject=subject,
        body="Depuis lundi.",
    )
    number = created["number"]
    await reply(client, rep, number, "Grüße aus München: bitte den Router neu starten. 🙂")

    await run_worker(database, with_relay(settings, relay.url, company_name="Café Ünïcode"))

    assert len(relay.sink.received) == 2
    for mail in relay.sink.received:
        mail.raw.decode("ascii")  # 7-bit on the wire: any relay passes it unharmed
        message = mail.message
        assert message["Subject"] == f"[{number}] {subject}"
        sender = message["From"].addresses[0]
        assert sender.display_name == "Zoë Ångström at Café Ünïcode Support"
        assert message["To"].addresses[0].display_name == "José Müller"
        assert plain(message).startswith("Hello José,")
    answer = relay.sink.received[1].message
    assert "Grüße aus München: bitte den Router neu starten. 🙂" in plain(answer)
    assert "Grüße aus München" in html(answer)


@pytest.fixture
def tls_context(tmp_path: Path) -> ssl.SSLContext:
    """A relay's certificate, self-signed, made with the openssl command line."""
    cert, key = tmp_path / "relay.crt", tmp_path / "relay.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_starttls_when_the_relay_offers_it_then_the_credentials_of_the_url(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    people: Personas,
    tls_context: ssl.SSLContext,
) -> None:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"desk@acme.example",
            b"p@ss:w/rd",
        )
        return AuthResult(success=ok, auth_data=data)

    # Like a provider's submission port: STARTTLS first, then AUTH, then mail.
    relay = Relay(Sink(), free_port())
    relay.start(
        tls_context=tls_context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    try:
        await create_case(client, people.owner)
        url = f"smtp://desk%40acme.example:p%40ss%3Aw%2Frd@127.0.0.1:{relay.port}?verify=false"
        await run_worker(database, with_relay(settings, url))
    finally:
        relay.stop()

    [mail] = relay.sink.received
    assert mail.tls
    assert mail.login == "desk@acme.example"


async def test_without_a_relay_mail_is_kept_as_eml_files(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await reply(client, people.owner, number, "Kept, not lost.")

    await run_worker(database, settings)  # THROUGHLINE_SMTP_URL is empty: the dev default
    await run_worker(database, settings)

    files = sorted((settings.var_dir / "outgoing-mail").iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    messages = [BytesParser(policy=default_policy).parsebytes(f.read_bytes()) for f in files]
    assert sorted(f.name for f in files) == sorted(
        m["Message-ID"].strip("<>") + ".eml" for m in messages
    )
    assert any("Kept, not lost." in plain(m) for m in messages)
    assert all(m["To"].addresses[0].addr_spec == "maria@example.org" for m in messages)
    async with database.unit_of_work(write=False) as session:
        states = list(await session.scalars(select(MessageLink.delivery)))
    assert states == ["kept", "kept"]


def customer_mail(
    subject: str, body: str, message_id: str, *, answering: EmailMessage | None = None
) -> bytes:
    """A mail as the customer's own client writes it; a reply carries the thread's headers."""
    mail = EmailMessage()
    mail["From"] = "Maria Gonzalez <maria@example.org>"
    mail["To"] = SUPPORT
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{message_id}>"
    if answering is not None:
        mail["In-Reply-To"] = answering["Message-ID"]
        mail["References"] = f"{answering['References'] or ''} {answering['Message-ID']}".strip()
    mail.set_content(body)
    return mail.as_bytes()


async def test_a_whole_conversation_by_mail_stays_on_one_case_and_one_thread(desk: Desk) -> None:
    from throughline.channels.email.ingest import process, store_raw

    async def arrives(raw: bytes) -> None:
        stored = await store_raw(desk.database, raw, source="smtp", settings=desk.settings)
        await process(desk.database, desk.settings, stored.id)

    await arrives(customer_mail("Printer offline", "It says offline.", "first.1@mail.example"))
    await desk.run_worker()
    [received] = [m.message for m in desk.sent]
    number = received["X-Throughline-Case"]
    assert received["In-Reply-To"] == "<first.1@mail.example>"

    # The customer answers our mail; the subject lost its tag, the headers still thread it.
    await arrives(
        customer_mail("Re: Printer", "Still offline.", "second.2@mail.example", answering=received)
    )
    response = await reply(desk.client, desk.people.owner, number, "Please switch it off and on.")
    assert response.status_code == 201, response.text
    await desk.run_worker()

    answer = desk.sent[-1].message
    assert answer["In-Reply-To"] == "<second.2@mail.example>"
    assert answer["References"].split() == [
        "<first.1@mail.example>",
        received["Message-ID"],
        "<second.2@mail.example>",
    ]
    timeline = (await read_case(desk.client, desk.people.owner, number))["timeline"]
    assert [e["body"] for e in timeline if e["kind"] in ("message_in", "message_out")] == [
        "It says offline.",
        "Still offline.",
        "Please switch it off and on.",
    ]


async def test_an_address_with_non_ascii_letters_needs_a_relay_that_speaks_smtputf8(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    people: Personas,
    relay: Relay,
) -> None:
    # A relay without SMTPUTF8 cannot carry it: the owner hears so, once.
    old = Relay(Sink(), free_port())
    old.start(enable_SMTPUTF8=False)
    try:
        first = await create_case(
            client, people.owner, customer={"email": "josé@example.org", "name": "José"}
        )
        await run_worker(database, with_relay(settings, old.url))
    finally:
        old.stop()
    assert old.sink.received == []
    [note] = await notes(database, first["number"])
    assert "non-ASCII" in (note.body or "")

    await create_case(client, people.owner, customer={"email": "zoë@bücher.example", "name": "Zoë"})
    await run_worker(database, with_relay(settings, relay.url))  # this relay speaks SMTPUTF8
    [mail] = relay.sink.received
    assert mail.rcpt_tos == ["zoë@xn--bcher-kva.example"]
    assert "\r\nTo: Zoë <zoë@xn--bcher-kva.example>\r\n".encode() in mail.raw  # RFC 6532


@dataclass
class SlowSink(Sink):
    """A relay that holds every mail in DATA until the test lets it go."""

    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


async def test_a_slow_relay_never_holds_up_the_desk(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    sink = SlowSink()
    relay = Relay(sink, free_port())
    relay.start()
    try:
        await create_case(client, people.owner)
        sending = asyncio.create_task(run_worker(database, with_relay(settings, relay.url)))
        try:
            for _ in range(500):
                if sink.holding.is_set():
                    break
                await asyncio.sleep(0.01)
            assert sink.holding.is_set(), "the worker never reached the relay"

            # While the relay still holds the mail, a rep opens another case without waiting.
            second = await asyncio.wait_for(
                client.post(
                    "/api/v1/cases",
                    json={
                        "customer": {"email": "ken@example.org", "name": "Ken"},
                        "subject": "Printer offline",
                        "body": "It says offline.",
                        "severity": 3,
                    },
                    headers=people.owner.headers,
                ),
                timeout=5,
            )
            assert second.status_code == 201, second.text
            assert sink.received == []  # the first mail was indeed still on its way
        finally:
            sink.release.set()
            await sending
    finally:
        relay.stop()
    assert len(sink.received) == 1
