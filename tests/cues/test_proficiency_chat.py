"""The chat start asks how comfortable the customer is with technology (optional)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.builders import Personas
from tests.portal.test_chat import ORIGIN, until
from throughline.app import create_app
from throughline.config import Settings


@pytest.fixture
def chat_client(settings: Settings, people: Personas) -> Iterator[TestClient]:
    with TestClient(create_app(settings, run_worker=False)) as client:
        yield client


def test_the_answer_given_at_the_chat_start_reaches_the_customer_card(
    chat_client: TestClient, people: Personas
) -> None:
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        until(ws, "hello")
        start = {"type": "start", "name": "Kofi Mensah", "email": "kofi@example.org"}
        ws.send_json({**start, "proficiency": "wizard"})
        refused = until(ws, "error")
        assert "How comfortable are you with technology" in refused["detail"]
        ws.send_json({**start, "proficiency": "novice"})
        until(ws, "ready")
        ws.send_json({"type": "message", "body": "My VPN will not connect"})
        case = until(ws, "case")
    detail = chat_client.get(f"/api/v1/cases/{case['number']}", headers=people.owner.headers)
    assert detail.json()["customer"]["proficiency"] == "novice"
