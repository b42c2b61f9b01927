"""Histories for the report tests, built through the real API and services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from tests.builders import Person, Personas, create_case
from throughline.cases import service as cases
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, Escalation, utcnow

URL = "/api/v1/reports/summary"


def case_id(number: str) -> int:
    return int(number.removeprefix("TL-"))


async def open_case(client: httpx.AsyncClient, owner: Person, who: str) -> dict[str, Any]:
    return await create_case(
        client, owner, customer={"email": f"{who}@example.org", "name": who.title()}
    )


async def step(client: httpx.AsyncClient, owner: Person, number: str, what: str) -> None:
    response = await client.post(
        f"/api/v1/cases/{number}/steps",
        headers=owner.headers,
        json={"description": what, "outcome": "did_not_work"},
    )
    assert response.status_code == 201, response.text


async def propose(client: httpx.AsyncClient, owner: Person, number: str) -> None:
    response = await client.post(
        f"/api/v1/cases/{number}/propose-resolution",
        headers=owner.headers,
        json={"summary": "Replaced the faulty cable."},
    )
    assert response.status_code == 200, response.text


async def confirm(
    client: httpx.AsyncClient, token: str, *, fixed: bool, satisfaction: int | None = None
) -> None:
    response = await client.post(
        f"/api/v1/status/{token}/confirm", json={"fixed": fixed, "satisfaction": satisfaction}
    )
    assert response.status_code == 200, response.text


async def customer_writes(client: httpx.AsyncClient, token: str) -> None:
    response = await client.post(
        f"/api/v1/status/{token}/messages", json={"body": "It broke again this morning."}
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "open"


async def escalate(client: httpx.AsyncClient, owner: Person, number: str, team: str) -> int:
    response = await client.post(
        f"/api/v1/cases/{number}/escalations",
        headers=owner.headers,
        json={"team": team, "question": "Is there a line fault?"},
    )
    assert response.status_code == 201, response.text
    escalation_id: int = response.json()["id"]
    return escalation_id


async def answer(client: httpx.AsyncClient, specialist: Person, escalation_id: int) -> None:
    response = await client.post(
        f"/api/v1/escalations/{escalation_id}/answer",
        headers=specialist.headers,
        json={"body": "Maintenance upstream; fixed."},
    )
    assert response.status_code == 200, response.text


async def set_case_times(
    database: Database, number: str, *, created: datetime, resolved: datetime | None = None
) -> None:
    values: dict[str, Any] = {"created_at": created}
    if resolved is not None:
        values["resolved_at"] = resolved
    async with database.unit_of_work() as session:
        await session.execute(update(Case).where(Case.id == case_id(number)).values(**values))


async def set_escalation_times(
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


async def summary(client: httpx.AsyncClient, person: Person, **params: str) -> dict[str, Any]:
    response = await client.get(URL, headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def build_desk_history(
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

    a = await open_case(client, owner, "ana")
    await step(client, owner, a["number"], "Check the cables")
    await propose(client, owner, a["number"])
    await confirm(client, a["status_token"], fixed=True, satisfaction=5)

    b = await open_case(client, owner, "bo")
    await propose(client, owner, b["number"])
    await confirm(client, b["status_token"], fixed=False)
    await propose(client, owner, b["number"])
    await confirm(client, b["status_token"], fixed=True, satisfaction=3)

    c = await open_case(client, owner, "cy")
    await propose(client, owner, c["number"])
    await confirm(client, c["status_token"], fixed=True, satisfaction=4)
    await customer_writes(client, c["status_token"])
    await propose(client, owner, c["number"])
    await confirm(client, c["status_token"], fixed=True, satisfaction=2)

    d = await open_case(client, owner, "dee")
    await step(client, owner, d["number"], "Restart the router")
    await step(client, owner, d["number"], "restart the ROUTER.")
    quick = await escalate(client, owner, d["number"], "Tier 2")
    slow = await escalate(client, owner, d["number"], "Tier 2")
    billing = await escalate(client, owner, d["number"], "Billing")
    await answer(client, specialist, quick)
    await answer(client, specialist, slow)

    e = await open_case(client, owner, "eve")
    await propose(client, owner, e["number"])
    async with database.unit_of_work() as session:
        await session.execute(
            update(Case)
            .where(Case.id == case_id(e["number"]))
            .values(resolution_proposed_at=now - settings.auto_resolve_after - timedelta(hours=1))
        )
    async with database.unit_of_work() as session:
        assert await cases.auto_resolve_due(session, settings=settings, now=utcnow()) == 1

    hours = timedelta(hours=1)
    await set_case_times(database, a["number"], created=now - 10 * hours, resolved=now - 8 * hours)
    await set_case_times(database, b["number"], created=now - 30 * hours, resolved=now - 20 * hours)
    await set_case_times(database, c["number"], created=now - 5 * hours, resolved=now - 1 * hours)
    await set_escalation_times(database, quick, asked=now - 7 * hours, answered=now - 6 * hours)
    await set_escalation_times(database, slow, asked=now - 7 * hours, answered=now - 2 * hours)
    await set_escalation_times(database, billing, asked=now - 7 * hours)
