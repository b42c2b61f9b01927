"""The frustration badge: scored as the customer writes, shown on the case and the work list."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests.builders import Personas, create_case
from tests.cases.support import customer_writes, read_case
from tests.workspace.support import give_password, sign_in, text_of
from throughline.db import Database
from throughline.models import TimelineEntry


async def test_a_customer_writing_again_and_angrily_shows_a_badge_and_no_reply_is_sent(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    created = await create_case(client, people.owner, body="The internet drops every evening.")
    number, token = created["number"], created["status_token"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    page = await client.get(f"/app/cases/{number}")
    assert "frustration-" not in page.text  # a first, calm message: no badge

    await customer_writes(client, token, "Any news? It dropped again last night.")
    answer = await customer_writes(
        client, token, "Third time I write and it is still not working. This is ridiculous!"
    )
    assert answer.status_code == 201, answer.text
    expected = (
        "3rd contact in 1 day, negative, not the first time, still not fixed, calls it ridiculous"
    )
    page = await client.get(f"/app/cases/{number}")
    assert f"Frustrated: {expected}" in text_of(page.text)
    listed = await client.get("/app")
    assert f"Frustrated: {expected}" in text_of(listed.text)

    case = await read_case(client, people.owner, number)
    assert [e["kind"] for e in case["timeline"]].count("message_out") == 0
    async with database.unit_of_work(write=False) as session:
        entries = list(
            await session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.kind == "message_in")
                .order_by(TimelineEntry.id)
            )
        )
    assert [e.data["frustration"]["level"] for e in entries] == ["calm", "upset", "frustrated"]
