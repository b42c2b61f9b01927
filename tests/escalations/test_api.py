"""Escalation keeps the owner (principle 3), through the API on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import update

from tests.builders import Person, Personas, create_case
from tests.cases.support import read_case, work_items
from throughline.db import Database
from throughline.models import Escalation, utcnow


async def escalate(
    client: httpx.AsyncClient, person: Person, number: str, team: str = "Tier 2"
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{number}/escalations",
        headers=person.headers,
        json={"team": team, "question": "Is there a line fault every evening?"},
    )


async def answer(
    client: httpx.AsyncClient, person: Person, escalation_id: int | str, body: str = "Line fixed."
) -> httpx.Response:
    return await client.post(
        f"/api/v1/escalations/{escalation_id}/answer", headers=person.headers, json={"body": body}
    )


async def team_list(
    client: httpx.AsyncClient, person: Person, team: str = "Tier 2"
) -> httpx.Response:
    return await client.get(f"/api/v1/teams/{team}/escalations", headers=person.headers)


async def test_an_escalation_carries_the_summary_and_every_step_tried(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner, severity=2))["number"]
    for description in ("Restart the router", "Swap the cable"):
        await client.post(
            f"/api/v1/cases/{number}/steps",
            headers=people.owner.headers,
            json={"description": description, "outcome": "did_not_work"},
        )
    response = await escalate(client, people.owner, number)
    assert response.status_code == 201, response.text
    escalation = response.json()
    assert escalation["case"] == number
    assert escalation["team"] == "Tier 2"
    assert escalation["question"] == "Is there a line fault every evening?"
    assert escalation["asked_by"] == "Olivia Owner"
    assert "Internet drops every evening" in escalation["summary"]
    assert "Since Monday the connection drops around 8pm." in escalation["summary"]
    assert [(s["description"], s["outcome"]) for s in escalation["steps_tried"]] == [
        ("Restart the router", "did_not_work"),
        ("Swap the cable", "did_not_work"),
    ]
    assert escalation["answered_at"] is None
    assert escalation["overdue"] is False
    # Severity 2 gives the team four hours by default.
    asked = datetime.fromisoformat(escalation["created_at"])
    assert datetime.fromisoformat(escalation["due_at"]) - asked == timedelta(hours=4)


async def test_the_case_stays_with_its_owner_and_waits_on_the_team(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    escalation = (await escalate(client, people.owner, number)).json()
    case = await read_case(client, people.owner, number)
    assert case["status"] == "waiting_on_team"
    assert case["owner"]["id"] == people.owner.id
    assert await work_items(client, people.owner) == []  # nothing to do until the team answers

    answered = await answer(client, people.specialist, escalation["id"], "Upstream maintenance.")
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"] == "Upstream maintenance."
    assert answered.json()["answered_at"] is not None

    case = await read_case(client, people.owner, number)
    assert case["status"] == "open"
    assert case["owner"]["id"] == people.owner.id
    assert await work_items(client, people.owner) == [(number, "escalation_answered")]
    assert await work_items(client, people.specialist) == []
    answers = [e for e in case["timeline"] if e["kind"] == "escalation_answer"]
    assert [(a["body"], a["actor"]["name"], a["internal"]) for a in answers] == [
        ("Upstream maintenance.", "Sid Specialist", True)
    ]


async def test_the_case_waits_until_every_team_has_answered(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    tier2 = (await escalate(client, people.owner, number, "Tier 2")).json()
    billing = (await escalate(client, people.owner, number, "Billing")).json()
    await answer(client, people.specialist, tier2["id"])
    assert (await read_case(client, people.owner, number))["status"] == "waiting_on_team"
    assert (await answer(client, people.lead, billing["id"], "Credit applied.")).status_code == 200
    assert (await read_case(client, people.owner, number))["status"] == "open"


async def test_the_team_sees_its_open_escalations(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    escalation = (await escalate(client, people.owner, number)).json()
    listing = await team_list(client, people.specialist)
    assert listing.status_code == 200, listing.text
    assert listing.json()["team"] == "Tier 2"
    assert [item["id"] for item in listing.json()["items"]] == [escalation["id"]]
    assert (await team_list(client, people.lead)).status_code == 200  # a lead sees every team

    await answer(client, people.specialist, escalation["id"])
    assert (await team_list(client, people.specialist)).json()["items"] == []
    history = await client.get(
        "/api/v1/teams/Tier 2/escalations",
        headers=people.specialist.headers,
        params={"state": "all"},
    )
    assert [item["answer"] for item in history.json()["items"]] == ["Line fixed."]


async def test_an_unknown_team_is_not_found(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await escalate(client, people.owner, number, "Wizards")
    assert response.status_code == 404
    assert "Wizards" in response.json()["detail"]
    assert (await read_case(client, people.owner, number))["status"] == "new"
    assert (await team_list(client, people.lead, "Wizards")).status_code == 404


async def test_non_members_neither_see_nor_answer(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    escalation = (await escalate(client, people.owner, number)).json()
    listing = await team_list(client, people.other)
    assert listing.status_code == 403
    assert "Tier 2" in listing.json()["detail"]
    # Even the case owner is not on the team.
    assert (await team_list(client, people.owner)).status_code == 403
    refused = await answer(client, people.other, escalation["id"], "Sure, fixed.")
    assert refused.status_code == 403
    refused = await answer(client, people.owner, escalation["id"], "I'll answer myself.")
    assert refused.status_code == 403
    assert (await read_case(client, people.owner, number))["status"] == "waiting_on_team"


async def test_an_escalation_is_answered_once(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    escalation = (await escalate(client, people.owner, number)).json()
    assert (await answer(client, people.specialist, escalation["id"], "First.")).status_code == 200
    again = await answer(client, people.specialist, escalation["id"], "Second.")
    assert again.status_code == 409
    case = await read_case(client, people.owner, number)
    assert [e["body"] for e in case["timeline"] if e["kind"] == "escalation_answer"] == ["First."]


async def test_only_the_owner_or_a_lead_escalates(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    assert (await escalate(client, people.other, number)).status_code == 403
    assert (await escalate(client, people.lead, number)).status_code == 201


async def test_an_unknown_escalation_is_not_found(
    client: httpx.AsyncClient, people: Personas
) -> None:
    for escalation_id in ("424242", "9" * 25):
        response = await answer(client, people.lead, escalation_id)
        assert response.status_code == 404, (escalation_id, response.text)
    assert (await answer(client, people.lead, "abc")).status_code == 422


async def test_an_unanswered_escalation_shows_up_as_overdue(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    escalation = (await escalate(client, people.owner, number)).json()
    async with database.unit_of_work() as session:
        await session.execute(
            update(Escalation)
            .where(Escalation.id == escalation["id"])
            .values(due_at=utcnow() - timedelta(minutes=1))
        )
    assert await work_items(client, people.owner) == [(number, "escalation_overdue")]
    [item] = (await team_list(client, people.specialist)).json()["items"]
    assert item["overdue"] is True

    await answer(client, people.specialist, escalation["id"])
    assert await work_items(client, people.owner) == [(number, "escalation_answered")]
    assert (await team_list(client, people.specialist)).json()["items"] == []
