"""POST /api/v1/reps/me/shift: coming on pulls waiting cases; going off keeps yours."""

from __future__ import annotations

import httpx

from tests.builders import Person, Personas, create_case, make_rep
from tests.cases.support import customer, read_case, work_items, work_list
from throughline.db import Database


async def shift(client: httpx.AsyncClient, person: Person, on: bool) -> httpx.Response:
    return await client.post("/api/v1/reps/me/shift", headers=person.headers, json={"on": on})


async def test_coming_on_shift_pulls_a_waiting_case(
    client: httpx.AsyncClient, people: Personas
) -> None:
    off = await shift(client, people.owner, on=False)
    assert off.status_code == 200, off.text
    waiting = await create_case(client, people.owner)
    assert waiting["owner"] is None

    response = await shift(client, people.other, on=True)
    assert response.status_code == 200, response.text
    assert response.json() == {"on_shift": True, "capacity": 5, "active_cases": 1, "pulled": 1}
    assert await work_items(client, people.other) == [(waiting["number"], "new")]
    case = await read_case(client, people.other, waiting["number"])
    assert case["owner"]["id"] == people.other.id


async def test_coming_on_shift_pulls_only_up_to_capacity_most_urgent_first(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await shift(client, people.owner, on=False)
    question = (await create_case(client, people.owner, customer=customer(1), severity=4))["number"]
    outage = (await create_case(client, people.owner, customer=customer(2), severity=1))["number"]
    small = await make_rep(database, "Sam Small", on_shift=False, capacity=1)

    response = await shift(client, small, on=True)
    assert response.json()["pulled"] == 1
    assert response.json()["active_cases"] == 1
    assert await work_items(client, small) == [(outage, "new")]
    assert (await read_case(client, small, question))["owner"] is None


async def test_going_off_shift_keeps_your_cases(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    response = await shift(client, people.owner, on=False)
    assert response.status_code == 200
    assert response.json() == {"on_shift": False, "capacity": 5, "active_cases": 1, "pulled": 0}

    listing = await work_list(client, people.owner)
    assert listing["on_shift"] is False
    assert [(i["number"], i["reason"]) for i in listing["items"]] == [(number, "new")]
    assert (await read_case(client, people.owner, number))["owner"]["id"] == people.owner.id

    # Coming back on shift does not pull your own case again, nor count it twice.
    back = await shift(client, people.owner, on=True)
    assert back.json() == {"on_shift": True, "capacity": 5, "active_cases": 1, "pulled": 0}


async def test_an_off_shift_rep_gets_no_new_cases(
    client: httpx.AsyncClient, people: Personas
) -> None:
    await shift(client, people.owner, on=False)
    await shift(client, people.other, on=True)
    created = await create_case(client, people.owner)
    assert created["owner"]["id"] == people.other.id


async def test_shift_body_is_checked(client: httpx.AsyncClient, people: Personas) -> None:
    for body in ({}, {"on": "sometimes"}, {"on": True, "capacity": 99}):
        response = await client.post(
            "/api/v1/reps/me/shift", headers=people.owner.headers, json=body
        )
        assert response.status_code == 422, body
    assert (await shift(client, people.owner, on=True)).json()["capacity"] == 5
