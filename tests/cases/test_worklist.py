"""GET /api/v1/worklist: the cases a rep owns that need them now, most urgent first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from tests.builders import Personas, create_case
from tests.cases.support import (
    customer,
    customer_confirms,
    customer_writes,
    propose,
    read_case,
    reply,
    work_items,
    work_list,
)
from throughline.db import Database
from throughline.models import FollowUp, utcnow


async def test_a_new_case_is_on_its_owners_list_only(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    listing = await work_list(client, people.owner)
    assert listing["rep"]["name"] == "Olivia Owner"
    assert listing["on_shift"] is True
    assert listing["capacity"] == 5
    assert listing["active_cases"] == 1
    [item] = listing["items"]
    assert (item["number"], item["reason"], item["status"]) == (number, "new", "new")
    assert item["reasons"] == ["new"]
    assert item["severity"] == 2
    assert item["subject"] == "Internet drops every evening"
    assert item["overdue"] is False
    assert await work_items(client, people.other) == []
    assert await work_items(client, people.lead) == []


async def test_new_then_customer_replied(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)
    number = created["number"]
    assert await work_items(client, people.owner) == [(number, "new")]

    assert (await reply(client, people.owner, number, "Which router?")).status_code == 201
    assert await work_items(client, people.owner) == []  # waiting on the customer

    response = await customer_writes(client, created["status_token"], "A FritzBox 7590.")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "open"
    assert await work_items(client, people.owner) == [(number, "customer_replied")]

    # Answering the customer takes it off the list again.
    assert (await reply(client, people.owner, number, "Thanks, checking.")).status_code == 201
    assert await work_items(client, people.owner) == []


async def test_an_internal_note_does_not_answer_the_customer(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    number = created["number"]
    await reply(client, people.owner, number, "Which router?")
    await customer_writes(client, created["status_token"], "A FritzBox 7590.")
    note = await reply(client, people.owner, number, "Check firmware first.", internal=True)
    assert note.status_code == 201
    assert await work_items(client, people.owner) == [(number, "customer_replied")]


async def test_a_customer_writing_again_before_first_touch_stays_unanswered(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    response = await customer_writes(client, created["status_token"], "Also the TV box drops.")
    assert response.json()["status"] == "new"
    [item] = (await work_list(client, people.owner))["items"]
    assert item["number"] == created["number"]
    assert sorted(item["reasons"]) == ["customer_replied", "new"]
    # Reading the case and noting something does not answer the second message.
    await reply(client, people.owner, created["number"], "Two devices drop.", internal=True)
    assert await work_items(client, people.owner) == [(created["number"], "customer_replied")]
    case = await read_case(client, people.owner, created["number"])
    assert case["contact_count"] == 2
    assert [e["body"] for e in case["timeline"] if e["kind"] == "message_in"] == [
        "Since Monday the connection drops around 8pm.",
        "Also the TV box drops.",
    ]


async def test_a_rejected_resolution_comes_back(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    number = created["number"]
    assert (await propose(client, people.owner, number)).status_code == 200
    listing = await work_list(client, people.owner)
    assert listing["items"] == []
    assert listing["active_cases"] == 0  # a proposed resolution frees the rep's capacity

    response = await customer_confirms(
        client, created["status_token"], fixed=False, comment="Dropped again."
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"
    listing = await work_list(client, people.owner)
    assert [(i["number"], i["reason"]) for i in listing["items"]] == [
        (number, "resolution_rejected")
    ]
    assert listing["active_cases"] == 1


async def test_ordered_by_due_time_not_by_arrival(
    client: httpx.AsyncClient, people: Personas
) -> None:
    question = (await create_case(client, people.owner, customer=customer(1), severity=4))["number"]
    outage = (await create_case(client, people.owner, customer=customer(2), severity=1))["number"]
    middle = (await create_case(client, people.owner, customer=customer(3), severity=3))["number"]
    items = (await work_list(client, people.owner))["items"]
    assert [item["number"] for item in items] == [outage, middle, question]
    dues = [datetime.fromisoformat(item["due_at"]) for item in items]
    assert dues == sorted(dues)


async def test_plan_tier_does_not_change_the_order(
    client: httpx.AsyncClient, people: Personas
) -> None:
    basic = (await create_case(client, people.owner, customer=customer(1), plan_tier="free"))[
        "number"
    ]
    vip = (await create_case(client, people.owner, customer=customer(2), plan_tier="enterprise"))[
        "number"
    ]
    assert [n for n, _ in await work_items(client, people.owner)] == [basic, vip]


async def test_a_resolved_case_leaves_the_list(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)
    await propose(client, people.owner, created["number"])
    response = await customer_confirms(client, created["status_token"], fixed=True)
    assert response.json()["status"] == "resolved"
    listing = await work_list(client, people.owner)
    assert listing["items"] == []
    assert listing["active_cases"] == 0


async def test_a_follow_up_that_comes_due_is_on_the_list_until_the_owner_acts(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await reply(client, people.owner, number, "I will check the logs tomorrow.")
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = await client.post(
        f"/api/v1/cases/{number}/follow-ups",
        headers=people.owner.headers,
        json={"due_at": due, "note": "Check the overnight log"},
    )
    assert response.status_code == 201, response.text
    assert await work_items(client, people.owner) == []  # not due yet

    async with database.unit_of_work() as session:  # a day passes
        await session.execute(
            update(FollowUp)
            .where(FollowUp.id == response.json()["id"])
            .values(due_at=utcnow() - timedelta(minutes=1))
        )
    [item] = (await work_list(client, people.owner))["items"]
    assert (item["number"], item["reason"], item["overdue"]) == (number, "follow_up_due", True)

    await reply(client, people.owner, number, "The log shows drops at 20:02 each day.")
    assert await work_items(client, people.owner) == []
