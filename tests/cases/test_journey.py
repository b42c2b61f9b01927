"""The whole journey of issue #2, through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from tests.builders import Personas, create_case


async def test_full_journey(client: httpx.AsyncClient, people: Personas) -> None:
    owner, specialist = people.owner, people.specialist

    created = await create_case(client, owner)
    number = created["number"]
    assert created["owner"]["name"] == "Olivia Owner"
    assert created["status"] == "new"

    worklist = (await client.get("/api/v1/worklist", headers=owner.headers)).json()
    assert [(i["number"], i["reason"]) for i in worklist["items"]] == [(number, "new")]

    step = await client.post(
        f"/api/v1/cases/{number}/steps",
        headers=owner.headers,
        json={"description": "Restart the router", "outcome": "did_not_work"},
    )
    assert step.status_code == 201
    assert step.json()["warning"] is None

    escalation = await client.post(
        f"/api/v1/cases/{number}/escalations",
        headers=owner.headers,
        json={"team": "Tier 2", "question": "Line fault at 8pm daily?"},
    )
    assert escalation.status_code == 201, escalation.text
    assert escalation.json()["steps_tried"][0]["description"] == "Restart the router"

    team_view = (
        await client.get("/api/v1/teams/Tier 2/escalations", headers=specialist.headers)
    ).json()
    assert [item["case"] for item in team_view["items"]] == [number]

    answer = await client.post(
        f"/api/v1/escalations/{escalation.json()['id']}/answer",
        headers=specialist.headers,
        json={"body": "Maintenance window; fixed upstream."},
    )
    assert answer.status_code == 200, answer.text

    worklist = (await client.get("/api/v1/worklist", headers=owner.headers)).json()
    assert [(i["number"], i["reason"]) for i in worklist["items"]] == [
        (number, "escalation_answered")
    ]
    case = (await client.get(f"/api/v1/cases/{number}", headers=owner.headers)).json()
    assert case["owner"]["id"] == owner.id

    reply = await client.post(
        f"/api/v1/cases/{number}/messages",
        headers=owner.headers,
        json={"body": "The line was under maintenance; fixed now."},
    )
    assert reply.status_code == 201
    proposed = await client.post(
        f"/api/v1/cases/{number}/propose-resolution",
        headers=owner.headers,
        json={"summary": "Upstream fix."},
    )
    assert proposed.json()["status"] == "resolution_proposed"

    status = await client.get(f"/api/v1/status/{created['status_token']}")
    assert status.json()["owner"]["name"] == "Olivia Owner"
    confirmed = await client.post(
        f"/api/v1/status/{created['status_token']}/confirm", json={"fixed": True, "satisfaction": 5}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "resolved"

    worklist = (await client.get("/api/v1/worklist", headers=owner.headers)).json()
    assert worklist["items"] == []
    assert worklist["active_cases"] == 0
