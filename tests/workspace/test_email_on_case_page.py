"""An email on the case page: sanitised HTML only, its attachments, and the message as received."""

from __future__ import annotations

import httpx

from tests.builders import Personas, create_case
from tests.workspace.support import give_password, sign_in
from throughline.channels.files import store_file
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, InboundMessage, TimelineEntry, utcnow

RAW = (
    b"From: Maria <maria@example.org>\r\nTo: help@acme.example\r\nSubject: Still broken\r\n"
    b"Message-ID: <m1@example.org>\r\n\r\nIt drops again. See the log.\r\n"
)


async def test_email_html_is_sanitised_and_the_raw_message_and_files_open(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    now = utcnow()
    async with database.unit_of_work() as session:
        case = await session.get(Case, int(number.removeprefix("TL-")))
        assert case is not None
        inbound = InboundMessage(
            channel="email",
            source="smtp",
            external_id="m1@example.org",
            external_key="a" * 64,
            raw=RAW,
            size=len(RAW),
            state="processed",
            case_id=case.id,
            envelope={},
            attempts=1,
            created_at=now,
        )
        session.add(inbound)
        await session.flush()
        entry = TimelineEntry(
            case_id=case.id,
            kind="message_in",
            actor_kind="customer",
            actor_customer_id=case.customer_id,
            body="It drops again. See the log.",
            internal=False,
            channel="email",
            created_at=now,
            data={
                "email": {
                    "inbound_id": inbound.id,
                    "from": "maria@example.org",
                    "subject": "Still broken",
                    "html": '<p>It <b>drops</b> again.</p><script>alert("x")</script>'
                    '<img src="https://tracker.example/p.gif" onerror="alert(1)">',
                    "full_text": "It drops again. See the log.\n\n> earlier quoted mail",
                }
            },
        )
        session.add(entry)
        await session.flush()
        stored = store_file(
            session,
            settings,
            case_id=case.id,
            filename="router.log",
            content_type="text/html",
            data=b"<script>alert('log')</script>",
            now=now,
            timeline_entry_id=entry.id,
            inbound_message_id=inbound.id,
        )
        await session.flush()
        file_id = stored.id

    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    page = (await client.get(f"/app/cases/{number}")).text
    assert "It <b>drops</b> again." in page
    assert 'alert("x")' not in page
    assert "tracker.example" not in page
    assert "onerror" not in page
    assert "&gt; earlier quoted mail" in page
    assert f'href="/app/files/{file_id}">router.log</a>' in page

    raw_link = f"/app/cases/{number}/raw/{inbound.id}"
    assert raw_link in page
    raw = await client.get(raw_link)
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("text/plain")
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert "Message-ID: <m1@example.org>" in raw.text
    download = await client.get(raw_link, params={"download": "1"})
    assert download.content == RAW
    assert "attachment" in download.headers["content-disposition"]

    attached = await client.get(f"/app/files/{file_id}")
    assert attached.content == b"<script>alert('log')</script>"
    # A customer's file never renders as a page of ours.
    assert attached.headers["content-type"] == "application/octet-stream"
    assert attached.headers["content-disposition"] == 'attachment; filename="router.log"'
    # Another case's number does not open this message.
    other = await create_case(client, people.owner, subject="Other problem")
    assert (await client.get(f"/app/cases/{other['number']}/raw/{inbound.id}")).status_code == 404
