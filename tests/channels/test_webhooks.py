"""Social and IM bridges over real HTTP, on SQLite and PostgreSQL.

Inbound messages are signed with the channel's secret; replies go out to a
real HTTP server started here, which checks our signature like a bridge would.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.builders import Personas
from tests.cases.support import read_case, work_items
from throughline.channels.webhooks import service as webhooks
from throughline.channels.webhooks.signing import sign, verify
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import (
    Case,
    Customer,
    Identity,
    InboundMessage,
    OutboxMessage,
    TimelineEntry,
    utcnow,
)
from throughline.worker.runner import Worker


@dataclass
class Bridge:
    """A bridge's receiving end: checks each POST's signature, fails the first ``failures``."""

    secret: str = ""
    failures: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    rejected_signatures: int = 0
    url: str = ""


@pytest.fixture
def bridge() -> Iterator[Bridge]:
    state = Bridge()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if not verify(state.secret, body, self.headers["X-Throughline-Signature"]):
                state.rejected_signatures += 1
                self.send_response(401)
                self.end_headers()
                return
            state.received.append(json.loads(body))
            if len(state.received) <= state.failures:
                self.send_response(500)
                self.end_headers()
                self.wfile.write(b"bridge is down")
                return
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


async def add_channel(
    database: Database, settings: Settings, name: str = "chat", url: str = "http://127.0.0.1:9/x"
) -> str:
    async with database.unit_of_work() as session:
        _channel, secret = await webhooks.add_channel(
            session, name, outbound_url=url, settings=settings, actor=CLI, now=utcnow()
        )
    return secret


def message(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_user_id": "u-42",
        "display_name": "Maria G",
        "text": "My router keeps rebooting\nEvery ten minutes since the update.",
        "message_id": "m-1",
        "sent_at": "2026-11-23T09:00:00+00:00",
    }
    body.update(overrides)
    return body


async def post_signed(
    client: httpx.AsyncClient,
    secret: str,
    body: dict[str, Any] | bytes,
    *,
    channel: str = "chat",
    signature: str | None = None,
) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    headers["X-Throughline-Signature"] = signature if signature is not None else sign(secret, raw)
    return await client.post(f"/api/v1/channels/{channel}/inbound", content=raw, headers=headers)


async def counts(database: Database) -> dict[str, int]:
    async with database.unit_of_work(write=False) as session:
        return {
            model.__name__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (InboundMessage, Case, Customer, Identity, TimelineEntry, OutboxMessage)
        }


async def test_messages_open_a_case_thread_to_it_and_replays_change_nothing(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    secret = await add_channel(database, settings)
    first = await post_signed(client, secret, message())
    assert first.status_code == 201, first.text
    assert first.json()["outcome"] == "new_case"
    assert first.json()["duplicate"] is False
    number = first.json()["case_number"]

    case = await read_case(client, people.owner, number)
    assert case["channel"] == "webhook:chat"
    assert case["subject"] == "My router keeps rebooting"
    assert case["owner"]["name"] == "Olivia Owner"
    assert case["customer"]["name"] == "Maria G"
    assert case["customer"]["email"] is None
    async with database.unit_of_work(write=False) as session:
        identity = await session.scalar(select(Identity).where(Identity.kind == "webhook"))
    assert identity is not None
    assert (identity.value, identity.customer_id) == ("chat:u-42", case["customer"]["id"])

    answered = await client.post(
        f"/api/v1/cases/{number}/messages",
        headers=people.owner.headers,
        json={"body": "Which router model is it?", "internal": False},
    )
    assert answered.status_code == 201, answered.text
    assert number not in dict(await work_items(client, people.owner))

    second = await post_signed(client, secret, message(message_id="m-2", text="Still happening"))
    assert second.status_code == 201, second.text
    assert second.json() == {"case_number": number, "outcome": "threaded", "duplicate": False}
    case = await read_case(client, people.owner, number)
    assert [e["body"] for e in case["timeline"] if e["kind"] == "message_in"][-1] == (
        "Still happening"
    )
    assert case["contact_count"] == 2
    assert dict(await work_items(client, people.owner))[number] == "customer_replied"

    # Processed in their requests: the worker's safety-net jobs are already settled.
    async with database.unit_of_work(write=False) as session:
        jobs = list(
            await session.scalars(
                select(OutboxMessage.done_at).where(OutboxMessage.topic == "webhooks.inbound")
            )
        )
    assert len(jobs) == 2
    assert None not in jobs

    before = await counts(database)
    replay = await post_signed(client, secret, message(text="a replay with other words"))
    assert replay.status_code == 200, replay.text
    assert replay.json() == {"case_number": number, "outcome": "new_case", "duplicate": True}
    assert await counts(database) == before

    # Another person on the same channel is another customer with their own case.
    other = await post_signed(
        client, secret, message(external_user_id="u-7", display_name="Tom", message_id="m-3")
    )
    assert other.status_code == 201
    assert other.json()["case_number"] != number


async def test_unsigned_or_badly_signed_messages_change_nothing(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    secret = await add_channel(database, settings)
    other_secret = await add_channel(database, settings, name="social")
    raw = json.dumps(message()).encode()
    before = await counts(database)
    attempts = [
        await client.post(
            "/api/v1/channels/chat/inbound",
            content=raw,
            headers={"Content-Type": "application/json"},
        ),
        await post_signed(client, secret, raw, signature=""),
        await post_signed(client, secret, raw, signature=sign(other_secret, raw)),
        await post_signed(client, secret, raw, signature=sign(secret, raw)[7:]),
        await post_signed(client, secret, raw, signature="sha256=" + "0" * 64),
        # Signed, then changed on the way.
        await post_signed(
            client, secret, raw.replace(b"rebooting", b"exploding"), signature=sign(secret, raw)
        ),
    ]
    for response in attempts:
        assert response.status_code == 401, response.text
        assert response.json()["detail"].startswith("X-Throughline-Signature: missing or wrong")
    assert await counts(database) == before

    unknown = await post_signed(client, secret, raw, channel="nope")
    assert unknown.status_code == 404
    assert unknown.json()["detail"].startswith("no channel 'nope'")

    # A signed message with a wrong field is refused, naming the field.
    bad = await post_signed(client, secret, {**message(), "sent_at": "yesterday", "text": ""})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"sent_at", "text"}
    assert await counts(database) == before

    # A removed channel is refused like an unknown one.
    async with database.unit_of_work() as session:
        await webhooks.remove_channel(session, "chat", actor=CLI)
    removed = await post_signed(client, secret, raw)
    assert removed.status_code == 404
    assert await counts(database) == before


async def test_replies_reach_the_bridge_signed_and_are_retried_until_it_answers(
    client: httpx.AsyncClient,
    people: Personas,
    database: Database,
    settings: Settings,
    bridge: Bridge,
) -> None:
    bridge.secret = await add_channel(database, settings, url=bridge.url)
    bridge.failures = 1
    opened = await post_signed(client, bridge.secret, message())
    number = opened.json()["case_number"]
    worker = Worker(database, settings, name="test-worker")

    # The bridge is down: the "we have your message" notice waits and is retried.
    await worker.run_outbox(utcnow())
    assert len(bridge.received) == 1
    async with database.unit_of_work(write=False) as session:
        pending = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.topic == "customer.deliver")
        )
    assert pending is not None
    assert pending.done_at is None
    assert pending.attempts == 1
    assert "answered 500" in (pending.last_error or "")

    # Not before its backoff; then delivered, with the same message id.
    await worker.run_outbox(utcnow())
    assert len(bridge.received) == 1
    await worker.run_outbox(utcnow() + timedelta(seconds=30))
    assert len(bridge.received) == 2
    failed, delivered = bridge.received
    assert failed == delivered
    assert delivered["case_number"] == number
    assert delivered["kind"] == "received"
    assert delivered["external_user_id"] == "u-42"
    assert f"Its case number is {number}" in delivered["text"]
    assert "Olivia Owner" in delivered["text"]
    assert delivered["status_url"] in delivered["text"]
    assert bridge.rejected_signatures == 0

    # The owner's reply goes back to the same person on the channel.
    reply = await client.post(
        f"/api/v1/cases/{number}/messages",
        headers=people.owner.headers,
        json={"body": "Please unplug it for ten seconds.", "internal": False},
    )
    assert reply.status_code == 201, reply.text
    await worker.run_outbox(utcnow())
    answer = bridge.received[-1]
    assert answer["kind"] == "reply"
    assert answer["body"] == "Please unplug it for ten seconds."
    assert "Please unplug it for ten seconds." in answer["text"]
    assert answer["external_user_id"] == "u-42"
    assert answer["message_id"] == f"{number}/{reply.json()['id']}"
    assert answer["message_id"] != delivered["message_id"]
    assert len(bridge.received) == 3

    # Nothing left to send: a later round sends nothing twice.
    await worker.run_outbox(utcnow() + timedelta(hours=2))
    assert len(bridge.received) == 3


async def test_replies_on_a_removed_channel_go_by_email_or_leave_a_note(
    client: httpx.AsyncClient,
    people: Personas,
    database: Database,
    settings: Settings,
    bridge: Bridge,
) -> None:
    bridge.secret = await add_channel(database, settings, url=bridge.url)
    opened = await post_signed(client, bridge.secret, message())
    number = opened.json()["case_number"]
    async with database.unit_of_work() as session:
        await webhooks.remove_channel(session, "chat", actor=CLI)
    reply = await client.post(
        f"/api/v1/cases/{number}/messages",
        headers=people.owner.headers,
        json={"body": "Please unplug it for ten seconds.", "internal": False},
    )
    assert reply.status_code == 201, reply.text
    await Worker(database, settings, name="test-worker").run_outbox(utcnow())

    # Nothing reaches the removed bridge, nothing waits to be retried, and the owner is told
    # that this customer (known only on that channel) could not be reached.
    assert bridge.received == []
    async with database.unit_of_work(write=False) as session:
        waiting = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.done_at.is_(None))
        )
    assert waiting == 0
    case = await read_case(client, people.owner, number)
    notes = [entry["body"] for entry in case["timeline"] if entry["kind"] == "note"]
    assert any("could not tell the customer" in (body or "") for body in notes)


async def test_a_stored_message_is_processed_by_the_worker_when_its_request_could_not(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    await add_channel(database, settings)
    raw = json.dumps(message()).encode()
    async with database.unit_of_work() as session:
        channel = await webhooks.active_channel(session, "chat")
        stored = await webhooks.store(
            session, channel, webhooks.WebhookMessageIn.model_validate_json(raw), raw, now=utcnow()
        )
    # The request died here: the message is kept, not yet on any case.
    assert (await counts(database))["Case"] == 0
    await Worker(database, settings, name="test-worker").run_outbox(utcnow())
    async with database.unit_of_work(write=False) as session:
        row = await session.get(InboundMessage, stored.inbound_id)
    assert row is not None
    assert (row.state, row.outcome) == ("processed", "new_case")
    case = await read_case(client, people.owner, f"TL-{row.case_id}")
    assert case["timeline"][0]["body"] == message()["text"]


async def test_a_message_after_the_case_was_resolved_opens_a_new_case(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    secret = await add_channel(database, settings)
    first = (await post_signed(client, secret, message())).json()["case_number"]
    async with database.unit_of_work() as session:
        resolved = await session.get(Case, int(first[3:]))
        assert resolved is not None
        resolved.status = "resolved"
    second = await post_signed(client, secret, message(message_id="m-2", text="New problem"))
    assert second.status_code == 201
    assert second.json()["outcome"] == "new_case"
    assert second.json()["case_number"] != first
    # Still the same customer, with both cases.
    before = await read_case(client, people.owner, first)
    after = await read_case(client, people.owner, second.json()["case_number"])
    assert after["customer"]["id"] == before["customer"]["id"]
    assert after["subject"] == "New problem"
    assert before["status"] == "resolved"


async def test_an_unreachable_bridge_is_retried_with_the_error_kept(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret = await add_channel(database, settings, url=f"http://127.0.0.1:{port}/hook")
    await post_signed(client, secret, message())
    await Worker(database, settings, name="test-worker").run_outbox(utcnow())
    async with database.unit_of_work(write=False) as session:
        pending = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.topic == "customer.deliver")
        )
    assert pending is not None
    assert pending.done_at is None
    assert pending.failed_at is None
    assert pending.attempts == 1
    assert "ConnectError" in (pending.last_error or "")
    assert pending.run_at > utcnow()


async def test_two_messages_at_once_open_one_case(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    secret = await add_channel(database, settings)
    first, second = await asyncio.gather(
        post_signed(client, secret, message(message_id="m-1", text="Hello?")),
        post_signed(client, secret, message(message_id="m-2", text="Is anyone there?")),
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["case_number"] == second.json()["case_number"]
    assert sorted([first.json()["outcome"], second.json()["outcome"]]) == ["new_case", "threaded"]

    # A known customer whose case was resolved writes twice at once: one new case.
    async with database.unit_of_work() as session:
        resolved = await session.get(Case, int(first.json()["case_number"][3:]))
        assert resolved is not None
        resolved.status = "resolved"
    third, fourth = await asyncio.gather(
        post_signed(client, secret, message(message_id="m-3", text="New trouble")),
        post_signed(client, secret, message(message_id="m-4", text="Details of it")),
    )
    assert third.json()["case_number"] == fourth.json()["case_number"]
    assert third.json()["case_number"] != first.json()["case_number"]
    assert (await counts(database))["Customer"] == 1
    assert (await counts(database))["Case"] == 2
