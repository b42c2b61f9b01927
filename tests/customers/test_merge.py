"""A rep merges two customers who are one person, on SQLite and PostgreSQL: a chat handle
and an email address end as one customer with every case, report and identity."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.builders import Personas, create_case
from tests.cases.support import read_case
from throughline.channels.reports import service as reports
from throughline.channels.webhooks import service as webhooks
from throughline.channels.webhooks.signing import sign
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import AuditEntry, Customer, ErrorReport, Identity, utcnow


async def chat_message(
    client: httpx.AsyncClient, secret: str, message_id: str, text: str
) -> dict[str, Any]:
    raw = json.dumps(
        {
            "external_user_id": "u-42",
            "display_name": "maria_g",
            "text": text,
            "message_id": message_id,
            "sent_at": "2026-11-23T09:00:00Z",
        }
    ).encode()
    response = await client.post(
        "/api/v1/channels/chat/inbound",
        content=raw,
        headers={"X-Throughline-Signature": sign(secret, raw)},
    )
    assert response.status_code in (200, 201), response.text
    data: dict[str, Any] = response.json()
    return data


async def setup_channel(database: Database, settings: Settings) -> str:
    async with database.unit_of_work() as session:
        _channel, secret = await webhooks.add_channel(
            session,
            "chat",
            outbound_url="http://127.0.0.1:9/",
            settings=settings,
            actor=CLI,
            now=utcnow(),
        )
    return secret


async def merge(
    client: httpx.AsyncClient, headers: dict[str, str], customer_id: int, into: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/customers/{customer_id}/merge", json={"into": into}, headers=headers
    )


async def test_chat_customer_merged_into_email_customer_is_one_customer(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    secret = await setup_channel(database, settings)
    by_mail = await create_case(client, people.owner)
    by_chat = (await chat_message(client, secret, "m-1", "Router reboots"))["case_number"]
    async with database.unit_of_work() as session:
        _product, key = await reports.add_product(session, "Acme Mail", actor=CLI, now=utcnow())
    mail_case = await read_case(client, people.owner, by_mail["number"])
    chat_case = await read_case(client, people.owner, by_chat)
    maria, handle = mail_case["customer"]["id"], chat_case["customer"]["id"]
    assert maria != handle

    # Maria also reported an error from an app signed in with her private address.
    report = await client.post(
        "/api/v1/reports",
        headers={"X-Api-Key": key},
        json={
            "customer": {"email": "maria.private@example.net", "name": "Maria"},
            "product": "Acme Mail",
            "version": "4.2.1",
            "summary": "Sync failed",
            "environment": {
                "os": "macOS",
                "os_version": "15",
                "app_version": "4.2.1",
                "device": "MacBook Air",
            },
        },
    )
    assert report.status_code == 201, report.text
    report_case = await read_case(client, people.owner, report.json()["number"])
    private = report_case["customer"]["id"]

    merged = await merge(client, people.other.headers, handle, maria)
    assert merged.status_code == 200, merged.text
    assert merged.json() == {
        "id": maria,
        "name": "Maria Gonzalez",
        "email": "maria@example.org",
        "identities": [
            {"kind": "email", "value": "maria@example.org"},
            {"kind": "webhook", "value": "chat:u-42"},
        ],
        "moved_cases": [by_chat],
        "merged_customer_id": handle,
    }
    second = await merge(client, people.other.headers, private, maria)
    assert second.status_code == 200, second.text
    assert second.json()["moved_cases"] == [report.json()["number"]]

    # Every case, with its whole timeline, now belongs to Maria.
    chat_case = await read_case(client, people.owner, by_chat)
    assert chat_case["customer"]["id"] == maria
    assert chat_case["customer"]["environment"] == {
        "os": "macOS",
        "os_version": "15",
        "app_version": "4.2.1",
        "device": "MacBook Air",
    }
    assert chat_case["timeline"][0]["actor"] == {
        "kind": "customer",
        "id": maria,
        "name": "Maria Gonzalez",
    }
    note = chat_case["timeline"][-1]
    assert note["kind"] == "customer_merged"
    assert note["internal"] is True
    assert note["body"] == (
        f"Oscar Other merged customer maria_g (#{handle}) into Maria Gonzalez (#{maria}): "
        "one customer for all their channels."
    )
    async with database.unit_of_work(write=False) as session:
        assert await session.get(Customer, handle) is None
        assert await session.get(Customer, private) is None
        owners = set(await session.scalars(select(Identity.customer_id)))
        reported = set(await session.scalars(select(ErrorReport.customer_id)))
        audits = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "customer.merge")
                .order_by(AuditEntry.id)
            )
        )
    assert owners == {maria}
    assert reported == {maria}
    assert [(a.actor_rep_id, a.target_id, a.data["into"]) for a in audits] == [
        (people.other.id, str(handle), maria),
        (people.other.id, str(private), maria),
    ]
    assert audits[0].data["identities"] == ["webhook:chat:u-42"]

    # The next chat message finds Maria and her open chat case; replies still go to the chat.
    threaded = await chat_message(client, secret, "m-2", "Still rebooting")
    assert threaded == {"case_number": by_chat, "outcome": "threaded", "duplicate": False}
    assert (await read_case(client, people.owner, by_chat))["channel"] == "webhook:chat"


async def test_merging_into_itself_a_missing_customer_or_without_a_token_is_refused(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    created = await create_case(client, people.owner)
    maria = (await read_case(client, people.owner, created["number"]))["customer"]["id"]

    itself = await merge(client, people.owner.headers, maria, maria)
    assert itself.status_code == 422
    assert itself.json()["detail"] == "into: a customer cannot be merged into itself"

    missing_into = await merge(client, people.owner.headers, maria, 999_999)
    assert missing_into.status_code == 422
    assert missing_into.json()["detail"] == "into: no customer 999999"

    missing = await merge(client, people.owner.headers, 999_999, maria)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no customer 999999"

    huge = await merge(client, people.owner.headers, maria, 2**70)
    assert huge.status_code == 422

    not_a_number = await merge(client, people.owner.headers, maria, "maria")
    assert not_a_number.status_code == 422
    assert not_a_number.json()["errors"][0]["field"] == "into"

    assert (await merge(client, {}, maria, maria + 1)).status_code == 401
    assert (await merge(client, people.stranger, maria, maria + 1)).status_code == 401

    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 1
        assert (
            await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "customer.merge")
            )
            == 0
        )
