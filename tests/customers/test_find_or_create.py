"""Two contacts from a new address at the same moment make one customer, never two."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from throughline.customers import service as customers
from throughline.db import Database
from throughline.models import Customer, Identity, utcnow


async def _find_or_create(database: Database, name: str) -> tuple[int, bool]:
    async with database.unit_of_work() as session:
        customer, new = await customers.find_or_make(
            session, kind="email", value="Nia@Example.org", name=name, now=utcnow()
        )
        return customer.id, new


async def test_the_second_of_two_simultaneous_first_contacts_joins_the_first_customer(
    database: Database,
) -> None:
    # The first contact's transaction has made its customer and is still open ...
    async with database.unit_of_work() as first:
        made, new = await customers.find_or_make(
            first, kind="email", value="nia@example.org", name="Nia", now=utcnow()
        )
        assert new  # nobody had the address: made now, so no past cases to ask for
        second = asyncio.create_task(_find_or_create(database, "Nia B."))
        await asyncio.sleep(0.3)  # ... while the second waits (a row lock, or SQLite's writer)
        assert not second.done()
    # The second finds the first's customer: not made by it, so its past counts.
    assert await asyncio.wait_for(second, timeout=10) == (made.id, False)
    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 1
        holders = await session.scalars(select(Identity.customer_id))
        assert list(holders) == [made.id]
        kept = await session.get(Customer, made.id)
        assert kept is not None
        assert kept.name == "Nia"
