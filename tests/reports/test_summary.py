"""The resolution-centred report, over histories built through the API, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from tests.builders import Person, Personas, create_case
from throughline.cases import service as cases
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, Escalation, Step, utcnow

URL = "/api/v1/reports/summary"
# Words that would mean the report times calls instead of counting solved problems.
STOPWATCH_WORDS = ("handle", "duration", "call", "talk", "length", "aht", "wrap")


def _id(number: str) -> int:
    return int(number.removeprefix("TL-"))


async def _open(client: httpx.AsyncClient, owner: Person, who: str) -> dict[str, Any]:
    return await create_case(
        client, owner, customer={"email": f"{who}@example.org", "name": who.title()}
    )


async def _step(client: httpx.AsyncClient, owner: Person, number: str, what: str) -> None:
    response = await client.post(
        f"/api/v1/cases/{number}/steps",
        headers=owner.headers,
        json={"description": what, "outcome": "did_not_work"},
    )
    assert response.status_code == 201, response.text


async def _propose(client: httpx.AsyncClient, owner: Person, number: str) -> None:
    response = await client.post(
        f"/api/v1/cases/{number}/propose-resolution",
        headers=owner.headers,
        json={"summary": "Replaced the faulty cable."},
    )
    assert response.status_code == 200, response.text


async def _confirm(
    client: httpx.AsyncClient, token: str, *, fixed: bool, satisfaction: int | None = None
) -> None:
    response = await client.post(
        f"/api/v1/status/{token}/confirm", json={"fixed": fixed, "satisfaction": satisfaction}
    )
    assert response.status_code == 200, response.text


async def _customer_writes(client: httpx.AsyncClient, token: str) -> None:
    response = await client.post(
        f"/api/v1/status/{token}/messages", json={"body": "It broke again this morning."}
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "open"


async def _escalate(client: httpx.AsyncClient, owner: Person, number: str, team: str) -> int:
    response = await client.post(
        f"/api/v1/cases/{number}/escalations",
        headers=owner.headers,
        json={"team": team, "question": "Is there a line fault?"},
    )
    assert response.status_code == 201, response.text
    escalation_id: int = response.json()["id"]
    return escalation_id


async def _answer(client: httpx.AsyncClient, specialist: Person, escalation_id: int) -> None:
    response = await client.post(
        f"/api/v1/escalations/{escalation_id}/answer",
        headers=specialist.headers,
        json={"body": "Maintenance upstream; fixed."},
    )
    assert response.status_code == 200, response.text


async def _set_case_times(
    database: Database, number: str, *, created: datetime, resolved: datetime | None = None
) -> None:
    values: dict[str, Any] = {"created_at": created}
    if resolved is not None:
        values["resolved_at"] = resolved
    async with database.unit_of_work() as session:
        await session.execute(update(Case).where(Case.id == _id(number)).values(**values))


async def _set_escalation_times(
    database: Database, escalation_id: int, *, asked: datetime, answered: datetime | None = None
) -> None:
    values: dict[str, Any] = {"created_at": asked}
    if answered is not None:
        values["answered_at"] = answered
    else:
        values["due_at"] = asked + timedelta(hours=1)
    async with database.unit_of_work() as session:
        await session.execute(
            update(Escalation).where(Escalation.id == escalation_id).values(**values)
        )


async def _summary(client: httpx.AsyncClient, person: Person, **params: str) -> dict[str, Any]:
    response = await client.get(URL, headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def _build_desk_history(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    """Five cases, every kind of outcome the report counts; times pinned for exact figures.

    A: step, confirmed (5 stars), opened → confirmed in 2 h, contacted once.
    B: rejected once, then confirmed (3 stars): 10 h, contacted twice.
    C: confirmed, reopened by a message, confirmed again (2 stars): 4 h, twice.
    D: a step repeated, two Tier 2 escalations answered (1 h, 5 h), one to
       Billing unanswered and overdue; still open; contacted once.
    E: proposed, the customer stayed silent: auto-resolved; contacted once.
    """
    owner, specialist = people.owner, people.specialist
    now = utcnow()

    a = await _open(client, owner, "ana")
    await _step(client, owner, a["number"], "Check the cables")
    await _propose(client, owner, a["number"])
    await _confirm(client, a["status_token"], fixed=True, satisfaction=5)

    b = await _open(client, owner, "bo")
    await _propose(client, owner, b["number"])
    await _confirm(client, b["status_token"], fixed=False)
    await _propose(client, owner, b["number"])
    await _confirm(client, b["status_token"], fixed=True, satisfaction=3)

    c = await _open(client, owner, "cy")
    await _propose(client, owner, c["number"])
    await _confirm(client, c["status_token"], fixed=True, satisfaction=4)
    await _customer_writes(client, c["status_token"])
    await _propose(client, owner, c["number"])
    await _confirm(client, c["status_token"], fixed=True, satisfaction=2)

    d = await _open(client, owner, "dee")
    await _step(client, owner, d["number"], "Restart the router")
    await _step(client, owner, d["number"], "restart the ROUTER.")
    quick = await _escalate(client, owner, d["number"], "Tier 2")
    slow = await _escalate(client, owner, d["number"], "Tier 2")
    billing = await _escalate(client, owner, d["number"], "Billing")
    await _answer(client, specialist, quick)
    await _answer(client, specialist, slow)

    e = await _open(client, owner, "eve")
    await _propose(client, owner, e["number"])
    async with database.unit_of_work() as session:
        await session.execute(
            update(Case)
            .where(Case.id == _id(e["number"]))
            .values(resolution_proposed_at=now - settings.auto_resolve_after - timedelta(hours=1))
        )
    async with database.unit_of_work() as session:
        assert await cases.auto_resolve_due(session, settings=settings, now=utcnow()) == 1

    hours = timedelta(hours=1)
    await _set_case_times(database, a["number"], created=now - 10 * hours, resolved=now - 8 * hours)
    await _set_case_times(
        database, b["number"], created=now - 30 * hours, resolved=now - 20 * hours
    )
    await _set_case_times(database, c["number"], created=now - 5 * hours, resolved=now - 1 * hours)
    await _set_escalation_times(database, quick, asked=now - 7 * hours, answered=now - 6 * hours)
    await _set_escalation_times(database, slow, asked=now - 7 * hours, answered=now - 2 * hours)
    await _set_escalation_times(database, billing, asked=now - 7 * hours)


async def test_summary_counts_solved_problems(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await _build_desk_history(client, database, settings, people)

    report = await _summary(client, people.owner)

    assert report["confirmed_resolutions"] == 3
    assert report["auto_resolved"] == 1
    assert report["resolved"] == 4
    assert report["reopened"] == 1
    assert report["reopen_rate"] == 0.25
    assert report["median_time_to_confirmed_resolution_hours"] == 4.0
    assert report["cases_opened"] == 5
    assert report["contacts_per_case"] == 1.4  # 1 + 2 + 2 + 1 + 1 over five cases
    assert (report["steps"], report["repeated_steps"]) == (3, 1)
    assert report["repeated_step_share"] == 0.3333
    assert report["escalation_round_trip_hours"] == {
        "median": 3.0,
        "p90": 4.6,
        "answered": 2,
        "unanswered_overdue": 1,
    }
    # C's first rating (4) was replaced when the customer confirmed again.
    assert report["satisfaction"] == {"average": 3.33, "responses": 3}
    assert report["by_rep"] == [
        {
            "rep": {"id": people.owner.id, "name": "Olivia Owner"},
            "confirmed_resolutions": 3,
            "reopened": 1,
            "median_time_to_confirmed_resolution_hours": 4.0,
            "escalations_answered": 0,
        },
        {
            "rep": {"id": people.specialist.id, "name": "Sid Specialist"},
            "confirmed_resolutions": 0,
            "reopened": 0,
            "median_time_to_confirmed_resolution_hours": None,
            "escalations_answered": 2,
        },
    ]


async def test_summary_never_mentions_handle_time(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await _build_desk_history(client, database, settings, people)
    report = await _summary(client, people.owner)
    assert report["by_rep"], "the check must see the per-rep keys too"

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    found = keys(report)
    assert "escalations_answered" in found
    assert [k for k in found if any(word in k.lower() for word in STOPWATCH_WORDS)] == []


async def test_a_reopened_case_leaves_the_resolutions_until_resolved_again(
    client: httpx.AsyncClient, people: Personas
) -> None:
    owner = people.owner
    case = await _open(client, owner, "ana")
    await _propose(client, owner, case["number"])
    await _confirm(client, case["status_token"], fixed=True, satisfaction=5)
    assert (await _summary(client, owner))["confirmed_resolutions"] == 1

    await _customer_writes(client, case["status_token"])

    report = await _summary(client, owner)
    assert report["confirmed_resolutions"] == 0
    assert report["resolved"] == 0
    assert report["reopen_rate"] is None
    assert report["contacts_per_case"] == 2.0


async def test_empty_desk_reports_unknowns_not_zeros(
    client: httpx.AsyncClient, people: Personas
) -> None:
    report = await _summary(client, people.other)
    assert report["confirmed_resolutions"] == 0
    assert report["auto_resolved"] == 0
    assert report["reopen_rate"] is None
    assert report["median_time_to_confirmed_resolution_hours"] is None
    assert report["contacts_per_case"] is None
    assert report["repeated_step_share"] is None
    assert report["escalation_round_trip_hours"] == {
        "median": None,
        "p90": None,
        "answered": 0,
        "unanswered_overdue": 0,
    }
    assert report["satisfaction"] == {"average": None, "responses": 0}
    assert report["by_rep"] == []


async def test_window_decides_what_counts(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    owner = people.owner
    old = await _open(client, owner, "ana")
    await _step(client, owner, old["number"], "Check the cables")
    await _propose(client, owner, old["number"])
    await _confirm(client, old["status_token"], fixed=True, satisfaction=4)
    await _open(client, owner, "bo")

    now = utcnow()
    long_ago = now - timedelta(days=40)
    await _set_case_times(
        database, old["number"], created=long_ago, resolved=long_ago + timedelta(hours=6)
    )
    async with database.unit_of_work() as session:
        await session.execute(
            update(Step).where(Step.case_id == _id(old["number"])).values(created_at=long_ago)
        )

    default = await _summary(client, owner)
    assert (default["confirmed_resolutions"], default["cases_opened"], default["steps"]) == (
        0,
        1,
        0,
    )
    assert default["by_rep"] == []

    wide = await _summary(client, owner, since=(now - timedelta(days=45)).isoformat())
    assert (wide["confirmed_resolutions"], wide["cases_opened"], wide["steps"]) == (1, 2, 1)
    assert wide["median_time_to_confirmed_resolution_hours"] == 6.0
    assert wide["satisfaction"] == {"average": 4.0, "responses": 1}

    # until is exclusive: a window ending at the moment of resolution leaves it out.
    narrow = await _summary(
        client,
        owner,
        since=(long_ago - timedelta(days=1)).isoformat(),
        until=(long_ago + timedelta(hours=6)).isoformat(),
    )
    assert (narrow["confirmed_resolutions"], narrow["cases_opened"], narrow["steps"]) == (0, 1, 1)
    assert narrow["since"].startswith((long_ago - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))


async def test_until_must_come_after_since(client: httpx.AsyncClient, people: Personas) -> None:
    response = await client.get(
        URL,
        headers=people.owner.headers,
        params={"since": "2026-06-02T00:00:00Z", "until": "2026-06-01T00:00:00Z"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("until:")


async def test_window_over_366_days_is_refused(client: httpx.AsyncClient, people: Personas) -> None:
    response = await client.get(
        URL,
        headers=people.owner.headers,
        params={"since": "2025-01-01T00:00:00Z", "until": "2026-01-03T00:00:00Z"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("since:")
    assert "366" in response.json()["detail"]


async def test_a_malformed_date_names_its_field(
    client: httpx.AsyncClient, people: Personas
) -> None:
    response = await client.get(URL, headers=people.owner.headers, params={"until": "yesterday"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["until"]


async def test_any_rep_may_read_the_summary_but_nobody_else(
    client: httpx.AsyncClient, people: Personas
) -> None:
    for rep in (people.owner, people.other, people.specialist, people.lead):
        assert (await client.get(URL, headers=rep.headers)).status_code == 200
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(URL, headers=people.stranger)).status_code == 401
