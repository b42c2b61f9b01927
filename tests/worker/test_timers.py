"""The worker's timers, on SQLite and PostgreSQL: auto-resolve, overdue escalations,
follow-ups coming due, and the heartbeat that shows the worker is alive."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from tests.builders import Person, Personas, create_case
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, Escalation, FollowUp, WorkerHeartbeat, utcnow
from throughline.worker.runner import Worker


async def _case(client: httpx.AsyncClient, person: Person, number: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{number}", headers=person.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def _worklist(client: httpx.AsyncClient, person: Person) -> dict[str, Any]:
    response = await client.get("/api/v1/worklist", headers=person.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _kinds(case: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [entry for entry in case["timeline"] if entry["kind"] == kind]


def _id(number: str) -> int:
    return int(number.removeprefix("TL-"))


async def test_auto_resolve_after_silence_and_reply_reopens_to_same_owner(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    owner = people.owner
    quiet = await create_case(client, owner, customer={"email": "quiet@example.org", "name": "Q"})
    recent = await create_case(client, owner, customer={"email": "new@example.org", "name": "N"})
    for created in (quiet, recent):
        proposed = await client.post(
            f"/api/v1/cases/{created['number']}/propose-resolution",
            headers=owner.headers,
            json={"summary": "Replaced the power supply."},
        )
        assert proposed.json()["status"] == "resolution_proposed"
    async with database.unit_of_work() as session:
        await session.execute(
            update(Case)
            .where(Case.id == _id(quiet["number"]))
            .values(
                resolution_proposed_at=utcnow() - settings.auto_resolve_after - timedelta(hours=1)
            )
        )
        # One day short of the configured silence: must stay proposed.
        await session.execute(
            update(Case)
            .where(Case.id == _id(recent["number"]))
            .values(
                resolution_proposed_at=utcnow() - settings.auto_resolve_after + timedelta(days=1)
            )
        )

    worker = Worker(database, settings, name="timer-test")
    assert (await worker.run_once())["auto_resolve"] == 1
    assert (await worker.run_once())["auto_resolve"] == 0

    case = await _case(client, owner, quiet["number"])
    assert (case["status"], case["resolution_kind"]) == ("resolved", "auto")
    assert case["resolved_at"] is not None
    auto = _kinds(case, "auto_resolved")
    assert len(auto) == 1
    assert auto[0]["internal"] is False
    page = (await client.get(f"/api/v1/status/{quiet['status_token']}")).json()
    assert page["status"] == "resolved"
    told = [entry for entry in page["timeline"] if entry["kind"] == "auto_resolved"]
    assert [entry["author"] for entry in told] == ["Throughline"], "the customer is told"
    assert "Reply at any time and it reopens with the same person" in told[0]["body"]
    assert (await _case(client, owner, recent["number"]))["status"] == "resolution_proposed"

    reply = await client.post(
        f"/api/v1/status/{quiet['status_token']}/messages",
        json={"body": "It broke again this morning."},
    )
    assert reply.status_code == 201, reply.text
    case = await _case(client, owner, quiet["number"])
    assert case["status"] == "open"
    assert case["owner"]["id"] == owner.id, "a reply reopens the case to the same owner"
    assert (case["reopen_count"], case["resolution_kind"]) == (1, None)
    worklist = await _worklist(client, owner)
    assert [(i["number"], i["reason"]) for i in worklist["items"]] == [
        (quiet["number"], "customer_replied")
    ]
    assert worklist["active_cases"] == 1  # the reopened case; the other is still proposed


async def test_overdue_escalation_shows_and_is_noted_once(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    owner, specialist = people.owner, people.specialist
    created = await create_case(client, owner)
    escalated = await client.post(
        f"/api/v1/cases/{created['number']}/escalations",
        headers=owner.headers,
        json={"team": "Tier 2", "question": "Is the line faulty at 8pm?"},
    )
    assert escalated.status_code == 201, escalated.text
    escalation_id = escalated.json()["id"]
    team_url = "/api/v1/teams/Tier 2/escalations"

    assert (await _worklist(client, owner))["items"] == []
    assert [
        i["overdue"]
        for i in (await client.get(team_url, headers=specialist.headers)).json()["items"]
    ] == [False]
    worker = Worker(database, settings, name="timer-test")
    assert (await worker.run_once())["overdue_escalations"] == 0

    async with database.unit_of_work() as session:
        await session.execute(
            update(Escalation)
            .where(Escalation.id == escalation_id)
            .values(due_at=utcnow() - timedelta(minutes=1))
        )

    items = (await _worklist(client, owner))["items"]
    assert [(i["number"], i["reason"], i["overdue"]) for i in items] == [
        (created["number"], "escalation_overdue", True)
    ]
    team_view = (await client.get(team_url, headers=specialist.headers)).json()
    assert [(i["id"], i["overdue"]) for i in team_view["items"]] == [(escalation_id, True)]

    assert (await worker.run_once())["overdue_escalations"] == 1
    assert (await worker.run_once())["overdue_escalations"] == 0
    noted = _kinds(await _case(client, owner, created["number"]), "escalation_overdue")
    assert len(noted) == 1
    assert noted[0]["data"]["escalation_id"] == escalation_id
    assert "Tier 2 has not answered" in noted[0]["body"]


async def test_due_follow_up_shows_on_work_list_and_is_noted_once(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    owner = people.owner
    created = await create_case(client, owner)
    scheduled = await client.post(
        f"/api/v1/cases/{created['number']}/follow-ups",
        headers=owner.headers,
        json={"due_at": (utcnow() + timedelta(hours=2)).isoformat(), "note": "Call after reboot"},
    )
    assert scheduled.status_code == 201, scheduled.text
    worker = Worker(database, settings, name="timer-test")

    assert (await _worklist(client, owner))["items"] == [], "not due yet, nothing to do"
    assert (await worker.run_once())["due_follow_ups"] == 0

    async with database.unit_of_work() as session:
        await session.execute(
            update(FollowUp)
            .where(FollowUp.id == scheduled.json()["id"])
            .values(due_at=utcnow() - timedelta(minutes=1))
        )
    items = (await _worklist(client, owner))["items"]
    assert [(i["number"], i["reason"]) for i in items] == [(created["number"], "follow_up_due")]

    assert (await worker.run_once())["due_follow_ups"] == 1
    assert (await worker.run_once())["due_follow_ups"] == 0
    noted = _kinds(await _case(client, owner, created["number"]), "follow_up_due")
    assert [entry["body"] for entry in noted] == ["Call after reboot"]


async def _heartbeat(database: Database, name: str) -> tuple[datetime, dict[str, Any]] | None:
    async with database.unit_of_work(write=False) as session:
        beat = await session.get(WorkerHeartbeat, name)
        return None if beat is None else (beat.seen_at, dict(beat.details))


async def test_run_once_writes_the_heartbeat(database: Database, settings: Settings) -> None:
    worker = Worker(database, settings, name="heartbeat-test")
    before = utcnow()
    done = await worker.run_once()
    after = utcnow()
    first = await _heartbeat(database, "heartbeat-test")
    assert first is not None
    seen_at, details = first
    assert before <= seen_at <= after
    assert details == done
    assert set(done) == {
        "auto_resolve",
        "overdue_escalations",
        "due_follow_ups",
        "assignment_sweep",
        "abandoned_flows",
        "inbound_mail",
        "outbox",
    }

    await worker.run_once()
    again = await _heartbeat(database, "heartbeat-test")
    assert again is not None
    assert again[0] > seen_at
