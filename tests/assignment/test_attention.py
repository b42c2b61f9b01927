"""A reason a case needs its owner, raised again: the earlier due time stands (both databases)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from tests.builders import create_case, make_rep
from throughline.assignment import service as assignment
from throughline.cases import repository
from throughline.cases.rules import Reason
from throughline.db import Database
from throughline.models import CaseAttention, utcnow


async def _due_times(database: Database, case_id: int) -> dict[str, tuple[datetime, datetime]]:
    async with database.unit_of_work(write=False) as session:
        rows = await session.execute(
            select(CaseAttention.reason, CaseAttention.since, CaseAttention.due_at).where(
                CaseAttention.case_id == case_id
            )
        )
        return {row.reason: (row.since, row.due_at) for row in rows}


async def _raise(
    database: Database, case_id: int, reason: Reason, *, since: datetime, due_at: datetime
) -> None:
    async with database.unit_of_work() as session:
        case = await repository.get_case(session, case_id)
        await assignment.raise_attention(session, case, reason, since=since, due_at=due_at)


async def test_raised_again_the_earlier_due_time_and_the_first_since_stand(
    client: httpx.AsyncClient, database: Database
) -> None:
    rep = await make_rep(database, "Olivia Owner")
    number = (await create_case(client, rep))["number"]
    async with database.unit_of_work(write=False) as session:
        case_id = (await repository.get_case(session, number)).id
    now = utcnow()
    first, later, earlier = (
        now + timedelta(hours=4),
        now + timedelta(hours=8),
        now + timedelta(hours=1),
    )

    await _raise(database, case_id, Reason.CUSTOMER_REPLIED, since=now, due_at=first)
    await _raise(
        database, case_id, Reason.CUSTOMER_REPLIED, since=now + timedelta(minutes=5), due_at=later
    )
    assert (await _due_times(database, case_id))[Reason.CUSTOMER_REPLIED.value] == (now, first)

    await _raise(
        database, case_id, Reason.CUSTOMER_REPLIED, since=now + timedelta(minutes=9), due_at=earlier
    )
    due = await _due_times(database, case_id)
    assert due[Reason.CUSTOMER_REPLIED.value] == (now, earlier)
    # The opening reason is its own row, untouched.
    assert Reason.NEW.value in due
    assert due[Reason.NEW.value][1] != earlier


async def test_a_reason_read_earlier_in_the_same_unit_of_work_stays_true(
    client: httpx.AsyncClient, database: Database
) -> None:
    rep = await make_rep(database, "Olivia Owner")
    number = (await create_case(client, rep))["number"]
    now = utcnow()
    async with database.unit_of_work() as session:
        case = await repository.get_case(session, number)
        held = {a.reason: a for a in await repository.attention_of(session, case.id)}
        opened_due = held[Reason.NEW.value].due_at
        await assignment.raise_attention(
            session, case, Reason.NEW, since=now, due_at=opened_due - timedelta(minutes=30)
        )
        # What this session holds is what the database will say.
        assert held[Reason.NEW.value].due_at == opened_due - timedelta(minutes=30)
        case_id = case.id
    assert (await _due_times(database, case_id))[Reason.NEW.value][1] == opened_due - timedelta(
        minutes=30
    )
