"""The repeated-step warning through the API: synonyms, and the judgements reps teach it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests.builders import Person, Personas, create_case
from tests.cases.support import read_case
from throughline.db import Database
from throughline.models import AuditEntry


async def step(client: httpx.AsyncClient, person: Person, number: str, text: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/cases/{number}/steps",
        headers=person.headers,
        json={"description": text, "outcome": "did_not_work"},
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def judge(
    client: httpx.AsyncClient, person: Person, number: str, step_id: int, same_as: int | None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{number}/steps/{step_id}/judgement",
        headers=person.headers,
        json={"same_as": same_as},
    )


async def test_a_synonym_of_a_step_tried_is_warned_about_and_still_recorded(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    first = await step(client, people.owner, number, "Restarted the router")
    assert first["repeated"] is False
    again = await step(client, people.owner, number, "power-cycled the modem")
    assert again["repeated"] is True
    assert "Restarted the router" in again["warning"]
    other = await step(client, people.owner, number, "restarted the laptop")
    assert other["repeated"] is False
    steps = (await read_case(client, people.owner, number))["steps"]
    assert [s["repeated"] for s in steps] == [False, True, False]


async def test_not_the_same_step_is_learned_for_the_whole_desk(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    number = (await create_case(client, people.owner))["number"]
    # This customer's modem and router are two boxes: the rep knows better than the rules.
    await step(client, people.owner, number, "restarted the router")
    flagged = await step(client, people.owner, number, "rebooted the modem")
    assert flagged["repeated"] is True
    response = await judge(client, people.owner, number, flagged["id"], None)
    assert response.status_code == 200, response.text
    assert response.json()["repeated"] is False
    assert (await read_case(client, people.owner, number))["steps"][1]["repeated"] is False
    # Another case, another rep's customer: the same two phrasings no longer warn.
    later = (await create_case(client, people.owner))["number"]
    await step(client, people.owner, later, "Restarted the router.")
    assert (await step(client, people.owner, later, "Rebooted the modem"))["repeated"] is False
    async with database.unit_of_work(write=False) as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "step.not_a_repeat" in actions


async def test_same_as_an_earlier_step_is_learned(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    first = await step(client, people.owner, number, "ran the network troubleshooter")
    second = await step(client, people.owner, number, "let Windows diagnose the connection")
    assert second["repeated"] is False
    response = await judge(client, people.owner, number, second["id"], first["id"])
    assert response.status_code == 200, response.text
    assert response.json() == {"id": second["id"], "repeated": True, "repeat_of": first["id"]}
    later = (await create_case(client, people.owner))["number"]
    await step(client, people.owner, later, "Ran the network troubleshooter")
    assert (await step(client, people.owner, later, "let windows diagnose the connection"))[
        "repeated"
    ] is True


async def test_judging_a_step_is_checked(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    first = await step(client, people.owner, number, "restarted the router")
    second = await step(client, people.owner, number, "checked the lights")
    not_flagged = await judge(client, people.owner, number, second["id"], None)
    assert not_flagged.status_code == 422
    assert "not flagged" in not_flagged.json()["detail"]
    backwards = await judge(client, people.owner, number, first["id"], second["id"])
    assert backwards.status_code == 422
    assert "before this one" in backwards.json()["detail"]
    missing = await judge(client, people.owner, number, 999999, None)
    assert missing.status_code == 404
    stranger = await judge(client, people.other, number, second["id"], first["id"])
    assert stranger.status_code == 403
