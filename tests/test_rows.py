"""A row written at once (kit/rows.py) is what a flush would have written, on both databases."""

from __future__ import annotations

from sqlalchemy import select, text

from throughline.db import Database
from throughline.kit.rows import insert_now
from throughline.models import Customer, utcnow


async def test_the_row_is_written_with_its_defaults_and_stays_the_sessions_own(
    database: Database,
) -> None:
    now = utcnow()
    async with database.unit_of_work() as session:
        customer = Customer(name="Ada Lovelace", email="ada@example.org", created_at=now)
        await insert_now(session, customer)
        assert customer.id is not None
        assert customer.environment == {}  # the column's default, also on the object
        assert customer.plan_tier is None
        # The session knows the row: a read by key asks nothing and gives the same object,
        # and a change after the insert is flushed as an update.
        assert await session.get(Customer, customer.id) is customer
        customer.plan_tier = "pro"
        customer_id = customer.id
    async with database.unit_of_work(write=False) as session:
        row = (
            await session.execute(
                text("SELECT name, email, plan_tier, environment FROM customers WHERE id = :id"),
                {"id": customer_id},
            )
        ).one()
        assert (row.name, row.email, row.plan_tier) == ("Ada Lovelace", "ada@example.org", "pro")
        stored = await session.scalar(select(Customer).where(Customer.id == customer_id))
        assert stored is not None
        assert stored.environment == {}
        assert stored.created_at == now


async def test_a_rolled_back_unit_of_work_leaves_no_row(database: Database) -> None:
    class Stop(Exception):
        pass

    try:
        async with database.unit_of_work() as session:
            await insert_now(
                session, Customer(name="Gone", email="gone@example.org", created_at=utcnow())
            )
            raise Stop
    except Stop:
        pass
    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(Customer).where(Customer.name == "Gone")) is None
