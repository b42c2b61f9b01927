"""A queued returning customer goes back to their previous owner when that owner is back."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from tests.assignment.test_assignment import _case, _customer, _shift
from tests.builders import create_case, make_rep
from throughline.cases.rules import Status
from throughline.cases.service import set_status
from throughline.db import Database
from throughline.kit.actors import Actor
from throughline.models import Case, Rep, TimelineEntry, utcnow
from throughline.reps import service as reps


async def test_the_previous_owner_coming_on_shift_takes_their_queued_customer_first(
    client: httpx.AsyncClient, database: Database
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    rita = await make_rep(database, "Rita Returning", capacity=2)
    ada = _customer("ada@example.org")
    first = await create_case(client, desk, customer=ada)
    assert first["owner"]["id"] == rita.id
    await _shift(client, rita, on=False)

    again = await create_case(client, desk, customer=ada, subject="Still offline", severity=3)
    # Bo's case is due first: the queue alone would give it to Rita.
    urgent = await create_case(client, desk, customer=_customer("bo@example.org", "Bo"), severity=1)
    assert again["owner"] is None
    assert urgent["owner"] is None

    shift = await _shift(client, rita, on=True)
    assert shift["pulled"] == 1
    back = await _case(client, rita, again["number"])
    assert back["owner"]["id"] == rita.id
    whys = [e["data"]["why"] for e in back["timeline"] if e["kind"] == "owner_change"]
    assert whys == ["returning customer, owner back on shift"]
    assert (await _case(client, desk, urgent["number"]))["owner"] is None
    worklist = (await client.get("/api/v1/worklist", headers=rita.headers)).json()
    assert (worklist["capacity"], worklist["active_cases"]) == (2, 2)


async def test_a_case_taken_by_someone_else_stays_with_them(
    client: httpx.AsyncClient, database: Database
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    rita = await make_rep(database, "Rita Returning", capacity=3)
    ada = _customer("ada@example.org")
    await create_case(client, desk, customer=ada)
    await _shift(client, rita, on=False)
    again = await create_case(client, desk, customer=ada, subject="Still offline")
    otto = await make_rep(database, "Otto Other")
    assert (await _case(client, desk, again["number"]))["owner"]["id"] == otto.id
    await _shift(client, rita, on=True)
    assert (await _case(client, desk, again["number"]))["owner"]["id"] == otto.id


async def test_after_the_returning_window_the_queue_decides(
    client: httpx.AsyncClient, database: Database
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    rita = await make_rep(database, "Rita Returning", capacity=1)
    ada = _customer("ada@example.org")
    first = await create_case(client, desk, customer=ada)
    await _shift(client, rita, on=False)
    again = await create_case(client, desk, customer=ada, subject="Still offline", severity=3)
    urgent = await create_case(client, desk, customer=_customer("bo@example.org", "Bo"), severity=1)
    # Rita's first case is done, so she has room for exactly one case.
    async with database.unit_of_work() as session:
        case = await session.get(Case, int(first["number"].removeprefix("TL-")))
        assert case is not None
        await set_status(session, case, Status.RESOLVED, actor=Actor.of_customer(1), now=utcnow())
    async with database.unit_of_work() as session:
        rep = await session.get(Rep, rita.id)
        assert rep is not None
        # A window that the queued case is already outside of.
        await reps.set_shift(
            session,
            rep,
            on=True,
            actor=Actor.of_rep(rep),
            now=utcnow(),
            returning_window=timedelta(0),
        )
    assert (await _case(client, desk, urgent["number"]))["owner"]["id"] == rita.id
    assert (await _case(client, desk, again["number"]))["owner"] is None


async def _shift_now(database: Database, rep_id: int, on: bool) -> None:
    async with database.unit_of_work() as session:
        rep = await session.get(Rep, rep_id, with_for_update=True, populate_existing=True)
        assert rep is not None
        await reps.set_shift(session, rep, on=on, actor=Actor.of_rep(rep), now=utcnow())


@pytest.mark.postgres_only
async def test_two_reps_coming_on_shift_at_once_never_share_a_returning_customer(
    client: httpx.AsyncClient, database: Database
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    rita = await make_rep(database, "Rita Returning", capacity=50)
    otto = await make_rep(database, "Otto Other", capacity=50, on_shift=False)
    numbers = []
    for n in range(12):
        ada = _customer(f"ada-{n}@example.org")
        await create_case(client, desk, customer=ada)
        await _shift_now(database, rita.id, False)
        numbers.append((await create_case(client, desk, customer=ada, subject="Again"))["number"])
        # Rita (her returning customer) and Otto (the queue) come on shift at the same moment.
        await asyncio.gather(
            _shift_now(database, rita.id, True), _shift_now(database, otto.id, True)
        )
        await _shift_now(database, otto.id, False)
    async with database.unit_of_work(write=False) as session:
        for number in numbers:
            case_id = int(number.removeprefix("TL-"))
            changes = list(
                await session.scalars(
                    select(TimelineEntry.id).where(
                        TimelineEntry.case_id == case_id, TimelineEntry.kind == "owner_change"
                    )
                )
            )
            case = await session.get(Case, case_id)
            assert case is not None
            assert case.owner_id in (rita.id, otto.id)
            assert len(changes) == 1, f"{number} was given {len(changes)} times"
        for person in (rita, otto):
            rep = await session.get(Rep, person.id)
            assert rep is not None
            true = await session.scalar(
                select(func.count()).where(Case.owner_id == person.id, Case.status != "resolved")
            )
            assert rep.active_cases == true
