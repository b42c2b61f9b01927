"""The customer's status link: honest, complete for them, and nothing internal."""

from __future__ import annotations

from datetime import datetime

import httpx

from tests.builders import Personas, create_case, set_shift
from tests.cases.support import (
    customer,
    customer_confirms,
    customer_writes,
    propose,
    read_case,
    reply,
    work_items,
)
from throughline.db import Database


async def status(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(f"/api/v1/status/{token}")


async def test_the_status_page_shows_owner_contact_status_and_steps(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    number = created["number"]
    await client.post(
        f"/api/v1/cases/{number}/steps",
        headers=people.owner.headers,
        json={"description": "Restart the router", "outcome": "did_not_work"},
    )
    response = await status(client, created["status_token"])
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["number"] == number
    assert view["subject"] == "Internet drops every evening"
    assert view["status"] == "open"
    assert view["status_words"] == "Your case is being worked on."
    assert view["owner"]["name"] == "Olivia Owner"
    assert view["owner"]["extension"] == "2201"
    assert view["owner"]["email"] == people.owner.email
    assert [(s["description"], s["outcome"]) for s in view["steps_tried"]] == [
        ("Restart the router", "did_not_work")
    ]
    assert view["next_update_due"] is not None
    due = datetime.fromisoformat(view["next_update_due"])
    assert f"{due:%Y-%m-%d %H:%M}" in view["next_update_words"]
    first = view["timeline"][0]
    assert (first["kind"], first["author"], first["body"]) == (
        "message_in",
        "You",
        "Since Monday the connection drops around 8pm.",
    )


async def test_the_status_page_never_shows_anything_internal(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    number = created["number"]
    headers = people.owner.headers
    await reply(client, people.owner, number, "SECRET-NOTE customer sounds angry", internal=True)
    await reply(client, people.other, number, "SECRET-OTHER-NOTE known ISP issue", internal=True)
    escalation = await client.post(
        f"/api/v1/cases/{number}/escalations",
        headers=headers,
        json={"team": "Tier 2", "question": "SECRET-QUESTION is the DSLAM flaky?"},
    )
    await client.post(
        f"/api/v1/escalations/{escalation.json()['id']}/answer",
        headers=people.specialist.headers,
        json={"body": "SECRET-ANSWER yes, port 14 is bad"},
    )
    await reply(client, people.owner, number, "We found a fault on the line and fixed it.")
    handed = await client.post(
        f"/api/v1/cases/{number}/handoff",
        headers=headers,
        json={"to_rep": people.other.email, "note": "SECRET-HANDOFF she prefers evenings"},
    )
    assert handed.status_code == 200

    # The rep sees everything...
    rep_view = (await client.get(f"/api/v1/cases/{number}", headers=headers)).text
    for secret in ("SECRET-NOTE", "SECRET-OTHER-NOTE", "SECRET-QUESTION", "SECRET-ANSWER"):
        assert secret in rep_view
    # ...the customer sees none of it, but does see the public reply and the new owner.
    response = await status(client, created["status_token"])
    assert response.status_code == 200
    assert "SECRET" not in response.text
    view = response.json()
    assert "We found a fault on the line and fixed it." in [e["body"] for e in view["timeline"]]
    assert view["owner"]["name"] == "Oscar Other"
    # The customer learns who has the case now, without the note meant for Oscar.
    assert "Oscar Other now looks after your case." in [e["body"] for e in view["timeline"]]
    assert {e["kind"] for e in view["timeline"]} <= {
        "message_in",
        "message_out",
        "step",
        "owner_change",
        "resolution_proposed",
        "resolution_confirmed",
        "resolution_rejected",
        "auto_resolved",
    }


async def test_a_wrong_token_finds_nothing_and_says_nothing(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    token = created["status_token"]
    for wrong in ("nope", token[:-1], token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 500):
        for response in (
            await status(client, wrong),
            await customer_writes(client, wrong, "hello?"),
            await customer_confirms(client, wrong, fixed=True),
        ):
            assert response.status_code == 404, wrong
            assert created["number"] not in response.text
            assert "Internet" not in response.text
            assert "Olivia" not in response.text
    case = await read_case(client, people.owner, created["number"])
    assert case["contact_count"] == 1


async def test_a_token_opens_its_own_case_only(client: httpx.AsyncClient, people: Personas) -> None:
    first = await create_case(client, people.owner, customer=customer(1), subject="Printer jams")
    second = await create_case(client, people.owner, customer=customer(2), subject="Laptop is hot")
    view = (await status(client, first["status_token"])).json()
    assert view["number"] == first["number"]
    assert "Laptop" not in str(view)
    assert second["number"] not in str(view)

    await customer_writes(client, first["status_token"], "It jammed again.")
    other = await read_case(client, people.owner, second["number"])
    assert "It jammed again." not in [e["body"] for e in other["timeline"]]
    assert other["contact_count"] == 1


async def test_a_new_case_without_owner_says_so(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await set_shift(database, people.owner, on=False)
    created = await create_case(client, people.owner)
    view = (await status(client, created["status_token"])).json()
    assert view["owner"] is None
    assert view["status"] == "new"
    assert view["status_words"].startswith("We have your request")
    assert "being assigned" in view["status_words"]
    assert view["next_update_due"] is not None


async def test_a_new_case_with_an_owner_names_them_not_a_person_being_assigned(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    view = (await status(client, created["status_token"])).json()
    assert view["status"] == "new"
    assert view["owner"]["name"] == "Olivia Owner"
    assert view["status_words"] == "Olivia Owner has your request and will start on it soon."
    case = await read_case(client, people.owner, created["number"])
    assert case["status_words"] == view["status_words"]


async def test_waiting_on_the_customer_says_so(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)
    await reply(client, people.owner, created["number"], "Which router model?")
    view = (await status(client, created["status_token"])).json()
    assert view["status"] == "waiting_on_customer"
    assert "Which router model?" in [e["body"] for e in view["timeline"]]
    assert view["timeline"][-1]["author"] == "Olivia Owner"
    assert "waiting for your reply" in view["next_update_words"]


async def test_confirm_without_a_proposal_is_a_conflict(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    for fixed in (True, False):
        response = await customer_confirms(client, created["status_token"], fixed=fixed)
        assert response.status_code == 409
        assert "message" in response.json()["detail"]
    assert (await read_case(client, people.owner, created["number"]))["status"] == "new"


async def test_a_proposal_shows_when_it_closes_by_itself(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    await propose(client, people.owner, created["number"])
    view = (await status(client, created["status_token"])).json()
    assert view["status"] == "resolution_proposed"
    assert view["resolution_summary"] == "Replaced the router's power supply."
    assert view["auto_resolve_at"] is not None
    assert "fixed" in view["next_update_words"]


async def test_confirming_resolves_with_satisfaction(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    await propose(client, people.owner, created["number"])
    response = await customer_confirms(
        client, created["status_token"], fixed=True, satisfaction=5, comment="Works, thanks!"
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "resolved"
    assert response.json()["status_words"] == "Fixed, as you confirmed."
    case = await read_case(client, people.owner, created["number"])
    assert case["resolution_kind"] == "confirmed"
    assert case["resolved_at"] is not None
    again = await customer_confirms(client, created["status_token"], fixed=True)
    assert again.status_code == 409


async def test_satisfaction_is_one_to_five(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)
    await propose(client, people.owner, created["number"])
    response = await customer_confirms(client, created["status_token"], fixed=True, satisfaction=9)
    assert response.status_code == 422
    assert "satisfaction" in response.json()["detail"]


async def test_a_message_on_a_resolved_case_reopens_it_to_the_same_owner(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    number, token = created["number"], created["status_token"]
    await propose(client, people.owner, number)
    await customer_confirms(client, token, fixed=True)
    # Another rep is free now, yet the case goes back to the one who knows it.
    await set_shift(database, people.other, on=True)

    response = await customer_writes(client, token, "It is back. Same time, 8pm.")
    assert response.status_code == 201, response.text
    view = response.json()
    assert view["status"] == "open"
    assert view["owner"]["name"] == "Olivia Owner"

    case = await read_case(client, people.owner, number)
    assert case["status"] == "open"
    assert case["owner"]["id"] == people.owner.id
    assert case["reopen_count"] == 1
    assert case["resolved_at"] is None
    assert case["contact_count"] == 2
    assert await work_items(client, people.owner) == [(number, "customer_replied")]
    assert await work_items(client, people.other) == []
    listing = (await client.get("/api/v1/worklist", headers=people.owner.headers)).json()
    assert listing["active_cases"] == 1


async def test_a_message_on_a_proposed_case_reopens_it_without_counting_a_reopen(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    await propose(client, people.owner, created["number"])
    response = await customer_writes(client, created["status_token"], "Not quite, still slow.")
    assert response.json()["status"] == "open"
    assert response.json()["auto_resolve_at"] is None
    case = await read_case(client, people.owner, created["number"])
    assert case["reopen_count"] == 0
    assert case["resolution_proposed_at"] is None


async def test_customer_message_body_is_checked(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    for body in ({"body": ""}, {"body": "hi", "internal": True}, {}):
        response = await client.post(
            f"/api/v1/status/{created['status_token']}/messages", json=body
        )
        assert response.status_code == 422, body
