"""Self-service guides inside the live chat: walked step by step over the websocket, with
"Talk to a person" on every step; a person means a case with every step tried, and the chat
goes on on that very case."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.builders import Personas
from tests.portal.test_chat import ORIGIN, until
from throughline.app import create_app
from throughline.config import Settings
from throughline.flows.loader import load_source
from throughline.flows.rules import INSTRUCTION, QUESTION, Flow

HOME = "home-internet-down"
FLOWS = Path("flows")


@pytest.fixture
def chat_client(settings: Settings, people: Personas) -> Iterator[TestClient]:
    settings.chat_poll_seconds = 0.05
    settings.customer_requests_per_minute = 1000  # the every-step walk clicks a lot
    with TestClient(create_app(settings, run_worker=False)) as client:
        yield client


def begin(ws: Any, name: str = "Ruth Baker", email: str = "ruth@example.org") -> list[Any]:
    """Connect as a new customer; the guides offered once the chat is ready."""
    assert ws.receive_json()["type"] == "hello"
    ws.send_json({"type": "start", "name": name, "email": email})
    until(ws, "ready")
    guides: list[Any] = until(ws, "guides")["guides"]
    return guides


def answer(ws: Any, step: dict[str, Any], choice: int) -> dict[str, Any]:
    ws.send_json(
        {
            "type": "flow_answer",
            "token": step["token"],
            "node": step["node"]["id"],
            "choice": choice,
        }
    )
    shown = until(ws, "flow")
    assert shown["talk_to_person"]["label"] == "Talk to a person"
    return shown


def cases_of(client: TestClient, people: Personas) -> list[dict[str, Any]]:
    listed = client.get("/api/v1/cases", headers=people.lead.headers)
    listed.raise_for_status()
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def case_detail(client: TestClient, people: Personas, number: str) -> dict[str, Any]:
    detail = client.get(f"/api/v1/cases/{number}", headers=people.lead.headers)
    detail.raise_for_status()
    result: dict[str, Any] = detail.json()
    return result


def test_a_guide_walked_in_chat_to_solved_opens_no_case(
    chat_client: TestClient, people: Personas
) -> None:
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        guides = begin(ws)
        assert {guide["name"] for guide in guides} >= {
            HOME,
            "printer-will-not-print",
            "phone-charging-or-sim",
        }
        home = next(guide for guide in guides if guide["name"] == HOME)
        assert home["title"] == "My home internet is not working"
        ws.send_json({"type": "flow_start", "flow": HOME})
        first = until(ws, "flow")
        assert (first["state"], first["node"]["id"], first["node"]["type"]) == (
            "active",
            "which_devices",
            "question",
        )
        assert first["talk_to_person"]["label"] == "Talk to a person"
        labels = [choice["label"] for choice in first["node"]["choices"]]
        assert labels[1] == "Only one device has the problem"
        wifi = answer(ws, first, 2)
        assert wifi["node"]["type"] == "instruction"
        assert wifi["node"]["question"] == "Did that fix it?"
        assert [c["label"] for c in wifi["node"]["choices"]] == [
            "Yes, that fixed it",
            "No, it did not help",
        ]
        solved = answer(ws, wifi, 1)
        assert solved["state"] == "solved"
        assert solved["node"]["text"].startswith("Your internet is working again")
        assert solved["case"] is None
        # A second click on the same step is refused, not applied twice.
        ws.send_json(
            {"type": "flow_answer", "token": wifi["token"], "node": "one_device_wifi", "choice": 2}
        )
        assert until(ws, "error")["field"] == "flow"
        assert until(ws, "flow")["state"] == "solved"
    assert cases_of(chat_client, people) == []


def test_a_guide_that_reaches_a_person_opens_the_case_with_the_steps_and_the_chat_goes_on(
    chat_client: TestClient, people: Personas
) -> None:
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        begin(ws, "Kofi Mensah", "kofi@example.org")
        ws.send_json({"type": "flow_start", "flow": HOME})
        step = until(ws, "flow")
        step = answer(ws, step, 1)  # not working on any device
        step = answer(ws, step, 2)  # a red light: restart the router
        assert step["node"]["id"] == "restart_router"
        step = answer(ws, step, 2)  # did not help: check the cable
        assert step["node"]["id"] == "check_cables"
        end = answer(ws, step, 2)  # did not help either: a person checks for an outage
        assert (end["state"], end["node"]["type"]) == ("person", "open_case")
        case = until(ws, "case")
        assert case["number"].startswith("TL-")
        assert case["status_url"].endswith(case["token"])
        # Who will answer and when, honestly (nobody's workspace is open in this test).
        availability = until(ws, "availability")
        assert availability["online"] is False
        assert "kofi@example.org" in availability["text"]
        ws.send_json({"type": "message", "body": "The lights are still red, by the way."})
        mine = until(ws, "entry")
        while mine["body"] != "The lights are still red, by the way.":
            mine = until(ws, "entry")
        assert mine["mine"] is True
        # The guide told where the chat is: coming back to the run says it is with a person.
        ws.send_json({"type": "flow_resume", "token": end["token"]})
        resumed = until(ws, "flow")
        assert resumed["case"] == {"number": case["number"]}
        assert [item["answer"] for item in resumed["history"]] == [
            "Not working on any device (phones, computers, TV)",
            "Yes, and one of them is red or orange",
            "No, it did not help",
            "No, it did not help",
        ]
        # A new guide is not started on top of a conversation with a person.
        ws.send_json({"type": "flow_start", "flow": HOME})
        assert "already talking with us" in until(ws, "error")["detail"]
        ws.send_json({"type": "flow_person", "token": end["token"]})
        assert "already talking with us" in until(ws, "error")["detail"]

    [only] = cases_of(chat_client, people)
    assert only["number"] == case["number"]
    detail = case_detail(chat_client, people, case["number"])
    assert detail["channel"] == "chat"
    assert detail["subject"] == "Home internet down after restart and cable check"
    assert detail["severity"] == 2
    assert detail["customer"]["name"] == "Kofi Mensah"
    assert [(s["description"], s["outcome"]) for s in detail["steps"]] == [
        ("Restart the router", "did_not_work"),
        ("Check the cable into the router", "did_not_work"),
    ]
    assert all(s["by"]["kind"] == "customer" for s in detail["steps"])
    messages = [e["body"] for e in detail["timeline"] if e["kind"] == "message_in"]
    assert "- Tried: Restart the router -> No, it did not help" in messages[0]
    assert messages[1:] == ["The lights are still red, by the way."]
    assert all(e["channel"] in (None, "chat") for e in detail["timeline"])
    # The rep suggesting a step the customer already tried is warned.
    repeated = chat_client.post(
        f"/api/v1/cases/{case['number']}/steps",
        headers=people.lead.headers,
        json={"description": "restart the router", "outcome": "did_not_work"},
    )
    assert repeated.status_code == 201, repeated.text
    assert repeated.json()["repeated"] is True
    assert "by the customer" in repeated.json()["warning"]


def test_talk_to_a_person_from_the_first_step_and_after_solved(
    chat_client: TestClient, people: Personas
) -> None:
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        begin(ws, "Ann Lee", "ann@example.org")
        ws.send_json({"type": "flow_start", "flow": "printer-will-not-print"})
        first = until(ws, "flow")
        ws.send_json({"type": "flow_person", "token": first["token"]})
        asked = until(ws, "flow")
        assert asked["state"] == "person"
        case = until(ws, "case")
        ws.send_json({"type": "message", "body": "It says paper jam but there is none"})
        until(ws, "entry")
    detail = case_detail(chat_client, people, case["number"])
    assert detail["steps"] == []
    opening = [e["body"] for e in detail["timeline"] if e["kind"] == "message_in"]
    assert "Asked for a person at:" in opening[0]
    assert opening[1] == "It says paper jam but there is none"

    # Solved, and still wanting a person: offered, and the case says what fixed it.
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        begin(ws, "Bo Stein", "bo@example.org")
        ws.send_json({"type": "flow_start", "flow": HOME})
        step = answer(ws, until(ws, "flow"), 2)
        solved = answer(ws, step, 1)
        assert solved["state"] == "solved"
        ws.send_json({"type": "flow_person", "token": solved["token"]})
        assert until(ws, "flow")["state"] == "person"
        anyway = until(ws, "case")
    detail = case_detail(chat_client, people, anyway["number"])
    assert detail["customer"]["name"] == "Bo Stein"
    assert [(s["description"], s["outcome"]) for s in detail["steps"]] == [
        ("Turn Wi-Fi off and on on the device", "worked")
    ]


def test_leaving_and_coming_back_resumes_the_guide(chat_client: TestClient) -> None:
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        begin(ws)
        ws.send_json({"type": "flow_start", "flow": HOME})
        step = answer(ws, until(ws, "flow"), 1)
        assert step["node"]["id"] == "router_lights"
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        begin(ws)
        ws.send_json({"type": "flow_resume", "token": step["token"]})
        resumed = until(ws, "flow")
        assert (resumed["state"], resumed["node"]["id"]) == ("active", "router_lights")
        assert resumed["history"] == [
            {
                "text": "Is the internet not working on every device at home, or only on one?",
                "answer": "Not working on any device (phones, computers, TV)",
            }
        ]
        assert answer(ws, resumed, 2)["node"]["id"] == "restart_router"
        ws.send_json({"type": "flow_resume", "token": "fr_not-a-run"})
        assert until(ws, "flow_forget") == {"type": "flow_forget"}


def test_guide_input_is_checked(chat_client: TestClient) -> None:
    with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_json({"type": "flow_start", "flow": HOME})
        assert until(ws, "error")["field"] == "email"  # who is asking comes first
        ws.send_json({"type": "start", "name": "Ann", "email": "ann@example.org"})
        until(ws, "ready")
        ws.send_json({"type": "flow_start", "flow": "no-such-guide"})
        assert "no flow called 'no-such-guide'" in until(ws, "error")["detail"]
        ws.send_json({"type": "flow_start", "flow": HOME})
        first = until(ws, "flow")
        for choice in (0, 10, "1", True):
            ws.send_json(
                {
                    "type": "flow_answer",
                    "token": first["token"],
                    "node": "which_devices",
                    "choice": choice,
                }
            )
            assert "pick one of the answers" in until(ws, "error")["detail"]
        ws.send_json(
            {"type": "flow_answer", "token": first["token"], "node": "which_devices", "choice": 5}
        )
        assert until(ws, "error")["detail"] == "choice: pick one of 1 to 2"


def _paths(flow: Flow) -> list[list[int]]:
    """Answers that, together, visit every node of the flow (breadth first from the start)."""
    way: dict[str, list[int]] = {flow.start: []}
    queue = deque([flow.start])
    while queue:
        node = flow.node(queue.popleft())
        targets: list[tuple[int, str]] = []
        if node.type == QUESTION:
            targets = [(n, c.next) for n, c in enumerate(node.choices, start=1)]
        elif node.type == INSTRUCTION:
            assert node.fixed is not None
            assert node.not_fixed is not None
            targets = [(1, node.fixed), (2, node.not_fixed)]
        for number, target in targets:
            if target not in way:
                way[target] = [*way[node.id], number]
                queue.append(target)
    assert set(way) == set(flow.nodes)
    longest_first = sorted(way.values(), key=len, reverse=True)
    chosen: list[list[int]] = []
    for path in longest_first:
        if not any(other[: len(path)] == path for other in chosen):
            chosen.append(path)
    return chosen


def test_talk_to_a_person_is_offered_on_every_step_of_every_shipped_guide(
    chat_client: TestClient,
) -> None:
    shipped = sorted(FLOWS.glob("*.yaml"))
    assert len(shipped) >= 3
    for path in shipped:
        flow = load_source(path.stem, path.read_text())
        offered: set[str] = set()
        for walk in _paths(flow):
            with chat_client.websocket_connect("/chat/ws", headers=ORIGIN) as ws:
                begin(ws)
                ws.send_json({"type": "flow_start", "flow": flow.name})
                step = until(ws, "flow")
                assert step["talk_to_person"]["label"] == "Talk to a person"
                offered.add(step["node"]["id"])
                for choice in walk:
                    step = answer(ws, step, choice)  # asserts "Talk to a person" is there
                    offered.add(step["node"]["id"])
        assert offered == set(flow.nodes), flow.name
