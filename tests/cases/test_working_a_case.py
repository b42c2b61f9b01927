"""Working a case through the API: messages, steps, follow-ups, hand-offs, resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.builders import Person, Personas, create_case
from tests.cases.support import (
    customer_confirms,
    propose,
    read_case,
    reply,
    work_items,
    work_list,
)


async def add_step(
    client: httpx.AsyncClient, person: Person, number: str, description: str, outcome: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{number}/steps",
        headers=person.headers,
        json={"description": description, "outcome": outcome},
    )


async def follow_up(
    client: httpx.AsyncClient, person: Person, number: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{number}/follow-ups", headers=person.headers, json=body
    )


async def hand_off(
    client: httpx.AsyncClient, person: Person, number: str, **body: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/cases/{number}/handoff", headers=person.headers, json=body)


# --- messages


async def test_owner_reply_waits_on_the_customer(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await reply(client, people.owner, number, "Which router do you have?")
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "message_out"
    assert response.json()["status"] == "waiting_on_customer"
    assert (await read_case(client, people.owner, number))["status"] == "waiting_on_customer"


async def test_any_rep_may_add_an_internal_note(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await reply(client, people.other, number, "Seen this before: ISP.", internal=True)
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "note"
    # A note by someone else is not the owner working the case.
    assert response.json()["status"] == "new"
    assert await work_items(client, people.owner) == [(number, "new")]


async def test_only_the_owner_or_a_lead_replies_to_the_customer(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    refused = await reply(client, people.other, number, "Hi, Oscar here.")
    assert refused.status_code == 403
    assert "owner" in refused.json()["detail"]
    case = await read_case(client, people.owner, number)
    assert [e for e in case["timeline"] if e["kind"] == "message_out"] == []

    by_lead = await reply(client, people.lead, number, "Lena here, covering for Olivia.")
    assert by_lead.status_code == 201, by_lead.text
    assert by_lead.json()["status"] == "waiting_on_customer"
    # Stepping in does not take the case away from its owner.
    assert (await read_case(client, people.owner, number))["owner"]["id"] == people.owner.id


async def test_no_reply_on_a_resolved_case(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)
    await propose(client, people.owner, created["number"])
    await customer_confirms(client, created["status_token"], fixed=True)
    response = await reply(client, people.owner, created["number"], "One more thing")
    assert response.status_code == 409


async def test_message_to_unknown_case_is_not_found(
    client: httpx.AsyncClient, people: Personas
) -> None:
    assert (await reply(client, people.owner, "TL-9999999", "Hello")).status_code == 404


async def test_message_body_must_have_words(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await reply(client, people.owner, number, "   ")
    assert response.status_code == 422
    assert "body" in response.json()["detail"]


# --- steps


async def test_a_repeated_step_is_kept_with_a_warning_naming_when_and_who(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    day_before = datetime.now(UTC).strftime("%Y-%m-%d")
    first = await add_step(client, people.owner, number, "Restart the router.", "did_not_work")
    day_after = datetime.now(UTC).strftime("%Y-%m-%d")
    assert first.status_code == 201, first.text
    assert first.json()["repeated"] is False
    assert first.json()["warning"] is None

    again = await add_step(client, people.lead, number, "  RESTART the router!! ", "worked")
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["repeated"] is True
    warning = body["warning"]
    assert "Olivia Owner" in warning  # who tried it first, not who repeats it
    assert day_before in warning or day_after in warning  # when it was tried first
    assert "did not work" in warning
    assert "Restart the router." in warning

    case = await read_case(client, people.owner, number)
    assert [(s["description"], s["repeated"]) for s in case["steps"]] == [
        ("Restart the router.", False),
        ("RESTART the router!!", True),
    ]


async def test_a_different_step_is_not_a_repeat(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await add_step(client, people.owner, number, "Restart the router", "did_not_work")
    response = await add_step(client, people.owner, number, "Replace the cable", "unknown")
    assert response.json()["repeated"] is False
    assert response.json()["warning"] is None


async def test_a_step_outcome_must_be_known(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await add_step(client, people.owner, number, "Restart the router", "maybe")
    assert response.status_code == 422
    assert "outcome" in response.json()["detail"]
    assert (await read_case(client, people.owner, number))["steps"] == []


async def test_a_step_needs_words(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await add_step(client, people.owner, number, "?!…", "worked")
    assert response.status_code == 422
    assert "description" in response.json()["detail"]


async def test_a_step_moves_a_new_case_to_open(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    await add_step(client, people.owner, number, "Restart the router", "did_not_work")
    assert (await read_case(client, people.owner, number))["status"] == "open"
    assert await work_items(client, people.owner) == []


async def test_a_rep_who_neither_owns_nor_helps_cannot_record_a_step(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await add_step(client, people.other, number, "Restart the router", "worked")
    assert response.status_code == 403
    specialist = await add_step(client, people.specialist, number, "Check the line", "worked")
    assert specialist.status_code == 403


async def test_a_specialist_helping_on_the_case_may_record_a_step(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    escalated = await client.post(
        f"/api/v1/cases/{number}/escalations",
        headers=people.owner.headers,
        json={"team": "Tier 2", "question": "Line test please"},
    )
    assert escalated.status_code == 201
    response = await add_step(
        client, people.specialist, number, "Line test from exchange", "worked"
    )
    assert response.status_code == 201, response.text
    case = await read_case(client, people.owner, number)
    assert case["steps"][0]["by"]["name"] == "Sid Specialist"
    assert case["status"] == "waiting_on_team"  # a helper's step does not move the case


# --- follow-ups


async def test_a_follow_up_in_the_future_is_scheduled(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    due = datetime.now(UTC) + timedelta(days=1)
    response = await follow_up(
        client, people.owner, number, due_at=due.isoformat(), note="Check the overnight log"
    )
    assert response.status_code == 201, response.text
    assert response.json()["note"] == "Check the overnight log"
    assert datetime.fromisoformat(response.json()["due_at"]) == due
    case = await read_case(client, people.owner, number)
    assert case["status"] == "open"
    assert any(entry["kind"] == "follow_up" for entry in case["timeline"])


async def test_a_follow_up_in_the_past_is_refused(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    due = datetime.now(UTC) - timedelta(minutes=5)
    response = await follow_up(client, people.owner, number, due_at=due.isoformat(), note="Late")
    assert response.status_code == 422
    assert "due_at" in response.json()["detail"]


async def test_a_follow_up_needs_a_time_zone(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    naive = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None).isoformat()
    response = await follow_up(client, people.owner, number, due_at=naive, note="Check")
    assert response.status_code == 422
    assert "due_at" in response.json()["detail"]


async def test_only_the_owner_schedules_follow_ups(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = await follow_up(client, people.other, number, due_at=due, note="Mine now")
    assert response.status_code == 403


# --- hand-off


async def test_a_hand_off_moves_the_case_and_its_load(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    # Olivia already answered, so the case is off her list before the hand-off.
    await reply(client, people.owner, number, "Looking into it.")
    response = await hand_off(
        client, people.owner, number, to_rep=people.other.email, note="Shift ends; ISP ticket 77."
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner"]["id"] == people.other.id

    other = await work_list(client, people.other)
    assert [(i["number"], i["reason"]) for i in other["items"]] == [(number, "new")]
    assert other["active_cases"] == 1
    owner = await work_list(client, people.owner)
    assert owner["items"] == []
    assert owner["active_cases"] == 0

    case = await read_case(client, people.other, number)
    assert case["owner"]["id"] == people.other.id
    handed = [e for e in case["timeline"] if e["kind"] == "owner_change"][-1]
    assert handed["body"] == "Shift ends; ISP ticket 77."
    assert handed["actor"]["name"] == "Olivia Owner"

    # The new owner now works it; the old one may only add notes.
    assert (await reply(client, people.other, number, "Oscar here.")).status_code == 201
    assert (await reply(client, people.owner, number, "Olivia again.")).status_code == 403


async def test_a_hand_off_by_rep_id_and_by_a_lead(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await hand_off(
        client, people.lead, number, to_rep=people.other.id, note="Olivia is on leave."
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner"]["name"] == "Oscar Other"
    assert await work_items(client, people.owner) == []
    assert await work_items(client, people.other) == [(number, "new")]


async def test_a_hand_off_needs_a_note(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    for body in ({"to_rep": people.other.email}, {"to_rep": people.other.email, "note": "  "}):
        response = await hand_off(client, people.owner, number, **body)
        assert response.status_code == 422, body
        assert "note" in response.json()["detail"]
    assert (await read_case(client, people.owner, number))["owner"]["id"] == people.owner.id


async def test_a_hand_off_to_an_unknown_rep_is_refused(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    for to_rep in ("ghost@desk.example", 987654, 10**30, "9" * 30, "\u00b2", -1):
        response = await hand_off(client, people.owner, number, to_rep=to_rep, note="Bye")
        assert response.status_code == 422, (to_rep, response.text)
        assert "to_rep" in response.json()["detail"]
    assert (await read_case(client, people.owner, number))["owner"]["id"] == people.owner.id


async def test_only_owner_or_lead_hands_off(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await hand_off(
        client, people.other, number, to_rep=people.other.email, note="I'll take it"
    )
    assert response.status_code == 403
    assert (await read_case(client, people.owner, number))["owner"]["id"] == people.owner.id
    assert (await work_list(client, people.owner))["active_cases"] == 1


async def test_a_hand_off_to_the_owner_is_a_conflict(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await hand_off(client, people.owner, number, to_rep=people.owner.email, note="Me")
    assert response.status_code == 409


# --- proposing a resolution


async def test_propose_resolution(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await propose(client, people.owner, number)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "resolution_proposed"
    case = await read_case(client, people.owner, number)
    assert case["resolution_summary"] == "Replaced the router's power supply."
    assert case["resolution_proposed_at"] is not None
    assert case["resolved_at"] is None  # only the customer's word resolves it


async def test_only_owner_proposes(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await propose(client, people.other, number)
    assert response.status_code == 403
    assert (await read_case(client, people.owner, number))["status"] == "new"


async def test_proposing_twice_is_a_conflict(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    assert (await propose(client, people.owner, number)).status_code == 200
    again = await propose(client, people.owner, number)
    assert again.status_code == 409
    assert "already" in again.json()["detail"]
