"""Live chat over the websocket: origin checks, a case per conversation, live replies, limits,
and the "chat" delivery route (live while the chat is open, email once it is closed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.builders import Personas
from tests.portal.support import mails_to, run_outbox
from throughline.app import create_app
from throughline.cases import service as cases
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import Actor
from throughline.models import ChatPresence, Rep, utcnow
from throughline.portal import chat, repository

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def chat_client(settings: Settings, people: Personas) -> Iterator[TestClient]:
    settings.chat_poll_seconds = 0.05
    with TestClient(create_app(settings, run_worker=False)) as client:
        yield client


def until(socket: Any, wanted: str, *, limit: int = 20) -> dict[str, Any]:
    """The next message of type ``wanted`` (others, like availability, may come between)."""
    for _ in range(limit):
        message: dict[str, Any] = socket.receive_json()
        if message["type"] == wanted:
            return message
    raise AssertionError(f"no {wanted!r} message")


def test_a_chat_from_another_site_is_refused(chat_client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        chat_client.websocket_connect("/chat/ws", headers={"origin": "http://evil.example"}) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 1008


def test_allowed_origins_are_configurable(settings: Settings, people: Personas) -> None:
    settings.chat_allowed_origins = ["https://shop.example"]
    with (
        TestClient(create_app(settings, run_worker=False)) as client,
        client.websocket_connect("/chat/ws", headers={"origin": "https://shop.example"}) as ws,
    ):
        assert ws.receive_json() == {"type": "hello", "signed_in": False, "name": None}


def test_a_chat_opens_a_case_and_the_owners_reply_arrives_live(
    chat_client: TestClient, people: Personas
) -> None:
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_json({"type": "start", "name": "Kofi Mensah", "email": "kofi@example.org"})
        assert ws.receive_json()["type"] == "ready"
        before = ws.receive_json()
        # Nobody's workspace is open: the customer is told so, and when to expect an answer.
        assert before["type"] == "availability"
        assert before["online"] is False
        assert "Nobody is at their desk right now" in before["text"]
        assert "We will continue by email at kofi@example.org" in before["text"]
        ws.send_json({"type": "message", "body": "My VPN will not connect\nsince today"})
        case = until(ws, "case")
        assert case["number"].startswith("TL-")
        assert case["status_url"].endswith(case["token"])
        mine = until(ws, "entry")
        assert (mine["author"], mine["mine"], mine["body"]) == (
            "You",
            True,
            "My VPN will not connect\nsince today",
        )
        detail = chat_client.get(f"/api/v1/cases/{case['number']}", headers=people.owner.headers)
        assert detail.json()["channel"] == "chat"
        assert detail.json()["subject"] == "My VPN will not connect"
        assert detail.json()["owner"]["name"] == "Olivia Owner"
        chat_client.post(
            f"/api/v1/cases/{case['number']}/messages",
            headers=people.owner.headers,
            json={"body": "Which VPN app do you use?", "internal": False},
        ).raise_for_status()
        chat_client.post(
            f"/api/v1/cases/{case['number']}/messages",
            headers=people.owner.headers,
            json={"body": "Internal: check the gateway", "internal": True},
        ).raise_for_status()
        reply = until(ws, "entry")
        while reply["kind"] != "message_out":
            reply = until(ws, "entry")
        assert (reply["author"], reply["mine"], reply["body"]) == (
            "Olivia Owner",
            False,
            "Which VPN app do you use?",
        )
        ws.send_json({"type": "message", "body": "GlobalProtect"})
        assert until(ws, "entry")["body"] == "GlobalProtect"
    timeline = chat_client.get(
        f"/api/v1/cases/{case['number']}", headers=people.owner.headers
    ).json()["timeline"]
    assert [e["body"] for e in timeline if e["kind"] == "message_in"] == [
        "My VPN will not connect\nsince today",
        "GlobalProtect",
    ]
    # Coming back with the case's token resumes the same conversation, history included.
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        ws.receive_json()
        ws.send_json({"type": "start", "token": case["token"]})
        assert until(ws, "case")["number"] == case["number"]
        bodies = [until(ws, "entry")["body"] for _ in range(4)]
        assert "Which VPN app do you use?" in bodies
        assert "Internal: check the gateway" not in bodies


def test_chat_input_is_checked_and_limited(
    chat_client: TestClient, settings: Settings, people: Personas
) -> None:
    settings.chat_messages_per_minute = 2
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        ws.receive_json()
        ws.send_json({"type": "message", "body": "hello?"})
        assert until(ws, "error")["field"] == "email"
        ws.send_json({"type": "start", "name": "Ann", "email": "not-an-address"})
        error = until(ws, "error")
        assert error["field"] == "email"
        assert "Your email" in error["detail"]
        ws.send_json({"type": "start", "name": "", "email": "ann@example.org"})
        assert until(ws, "error")["field"] == "name"
        ws.send_json({"type": "start", "name": "Ann", "email": "ann@example.org"})
        until(ws, "ready")
        ws.send_json({"type": "message", "body": "x" * (settings.chat_message_chars + 1)})
        too_long = until(ws, "error")
        assert too_long["field"] == "body"
        assert f"under {settings.chat_message_chars} characters" in too_long["detail"]
        ws.send_text("not json")
        assert "could not be read" in until(ws, "error")["detail"]
        ws.send_json({"type": "message", "body": "one"})
        until(ws, "case")
        ws.send_json({"type": "message", "body": "two"})
        ws.send_json({"type": "message", "body": "three"})
        assert "very quickly" in until(ws, "error")["detail"]


async def test_replies_show_in_an_open_chat_and_go_by_email_once_it_is_closed(
    database: Database, settings: Settings, people: Personas
) -> None:
    assert chat.CHANNEL == "chat"  # the chat's delivery route is registered by this module
    now = utcnow()
    async with database.unit_of_work() as session:
        case, _token = await cases.open_case(
            session,
            cases.NewCase(
                email="lea@example.org",
                name="Lea Roth",
                subject="Chat",
                body="Hello",
                severity=3,
                channel="chat",
            ),
            settings=settings,
            now=now,
        )
        await session.flush()
        await repository.mark_chat_seen(session, case.id, now=now)
        case_id = case.id
    await run_outbox(database, settings)
    assert mails_to(settings, "lea@example.org") == []  # shown in the open chat instead

    async def reply(body: str) -> None:
        async with database.unit_of_work() as session:
            owner = await session.get(Rep, people.owner.id)
            current = await cases.repository.get_case(session, case_id, for_update=True)
            assert owner is not None
            await cases.add_message(
                session, current, Actor.of_rep(owner), body=body, internal=False, now=utcnow()
            )

    await reply("Seen live")
    await run_outbox(database, settings)
    assert mails_to(settings, "lea@example.org") == []
    async with database.unit_of_work() as session:
        presence = await session.get(ChatPresence, case_id)
        assert presence is not None
        presence.seen_at = utcnow() - timedelta(minutes=5)
    await reply("The customer has gone: this goes by email")
    await run_outbox(database, settings)
    mails = mails_to(settings, "lea@example.org")
    assert len(mails) == 1
    body = mails[0].get_body(("plain",))
    assert body is not None
    assert "this goes by email" in body.get_content()
