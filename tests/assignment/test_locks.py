"""Assignment's row locks on PostgreSQL do not get in the way of reps at work.

A rep's reply writes a timeline entry that refers to the rep's row; PostgreSQL
takes a key-share lock on that row for it. Assignment must neither pass such a
rep over (they may be the one with the fewest cases) nor make the reply wait.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text

from tests.builders import create_case, make_rep
from throughline.cases import repository as case_repository
from throughline.cases import service as cases
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import Actor
from throughline.models import Rep, utcnow


def _new_case(email: str) -> cases.NewCase:
    return cases.NewCase(
        email=email, name="Ada", subject="VPN drops", body="Every hour.", severity=2
    )


@pytest.mark.postgres_only
async def test_rep_writing_a_reply_is_not_passed_over_for_the_next_case(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    amy = await make_rep(database, "Amy First", capacity=3)
    ben = await make_rep(database, "Ben Second", capacity=3)
    mine = await create_case(client, desk, customer={"email": "a@example.org", "name": "A"})
    assert mine["owner"]["id"] == amy.id
    theirs = await create_case(client, desk, customer={"email": "b@example.org", "name": "B"})
    assert theirs["owner"]["id"] == ben.id
    # One case each; Amy has waited longer since her last case, so the next one is hers.

    async with database.unit_of_work() as replying:
        case = await case_repository.get_case(replying, mine["number"], for_update=True)
        rep = await replying.get(Rep, amy.id)
        assert rep is not None
        await cases.add_message(
            replying, case, Actor.of_rep(rep), body="Try this.", internal=False, now=utcnow()
        )
        await replying.flush()  # Amy's reply is written; her transaction is still open

        async with database.unit_of_work() as opening:
            new, _token = await cases.open_case(
                opening, _new_case("c@example.org"), settings=settings, now=utcnow()
            )
            assert new.owner_id == amy.id, "Amy was passed over while writing a reply"


@pytest.mark.postgres_only
async def test_reply_does_not_wait_for_an_assignment_in_progress(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    amy = await make_rep(database, "Amy First", capacity=3)
    mine = await create_case(client, desk, customer={"email": "a@example.org", "name": "A"})
    assert mine["owner"]["id"] == amy.id

    async with database.unit_of_work() as opening:
        new, _token = await cases.open_case(
            opening, _new_case("c@example.org"), settings=settings, now=utcnow()
        )
        assert new.owner_id == amy.id  # Amy's row is held until this transaction ends

        async with database.unit_of_work() as replying:
            # Waiting for the row lock would fail here instead of hanging the test.
            await replying.execute(text("SET LOCAL lock_timeout = '2s'"))
            case = await case_repository.get_case(replying, mine["number"], for_update=True)
            rep = await replying.get(Rep, amy.id)
            assert rep is not None
            await cases.add_message(
                replying, case, Actor.of_rep(rep), body="Try this.", internal=False, now=utcnow()
            )
            await replying.flush()
            assert case.status == "waiting_on_customer"


@pytest.mark.postgres_only
async def test_returning_customers_at_once_take_their_rep_to_capacity_plus_one_only(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    rita = await make_rep(database, "Rita Returning", capacity=2)
    customers = [f"customer-{n}@example.org" for n in range(6)]
    for email in customers:  # Rita helped each of them before; all of it is resolved
        created = await create_case(client, desk, customer={"email": email, "name": email})
        assert created["owner"]["id"] == rita.id
        proposed = await client.post(
            f"/api/v1/cases/{created['number']}/propose-resolution",
            headers=rita.headers,
            json={"summary": "Done."},
        )
        assert proposed.status_code == 200, proposed.text
    otto = await make_rep(database, "Otto Other", capacity=10)

    async def come_back(email: str) -> int | None:
        async with database.unit_of_work() as session:
            case, _token = await cases.open_case(
                session, _new_case(email), settings=settings, now=utcnow()
            )
            return case.owner_id

    owners = await asyncio.gather(*(come_back(email) for email in customers))
    assert sorted(owners, key=str) == sorted([rita.id] * 3 + [otto.id] * 3, key=str), (
        "Rita takes her returning customers up to capacity + 1, the others go to the queue"
    )
    async with database.unit_of_work(write=False) as session:
        stored = await session.scalar(text(f"SELECT active_cases FROM reps WHERE id = {rita.id}"))
        true = await session.scalar(
            text(
                f"SELECT count(*) FROM cases WHERE owner_id = {rita.id} "
                "AND status IN ('new', 'open', 'waiting_on_customer', 'waiting_on_team')"
            )
        )
        noted = await session.scalar(
            text(
                f"SELECT count(*) FROM cases WHERE owner_id = {otto.id} "
                f"AND previous_owner_id = {rita.id}"
            )
        )
    assert (stored, true, noted) == (3, 3, 3)
