"""Every query about products and error reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.rules import Status
from throughline.models import (
    Case,
    ErrorReport,
    Product,
    StoredFile,
    TimelineEntry,
)


async def product_by_key_hash(session: AsyncSession, key_hash: str) -> Product | None:
    return await session.scalar(
        select(Product).where(Product.key_hash == key_hash, Product.is_active.is_(True))
    )


async def product_by_name(session: AsyncSession, name: str) -> Product | None:
    return await session.scalar(select(Product).where(Product.name == name))


async def products(session: AsyncSession) -> list[Product]:
    return list(await session.scalars(select(Product).order_by(Product.name)))


async def open_case_with_same_error(
    session: AsyncSession, customer_id: int, signature: str, *, since: datetime
) -> Case | None:
    """The customer's newest case, not resolved, that a report with this signature opened or
    joined since ``since``; locked, because the report is about to be added to it."""
    case_id = await session.scalar(
        select(ErrorReport.case_id)
        .join(Case, Case.id == ErrorReport.case_id)
        .where(
            ErrorReport.customer_id == customer_id,
            ErrorReport.signature == signature,
            ErrorReport.created_at >= since,
            Case.status != Status.RESOLVED,
            Case.customer_id == customer_id,
        )
        .order_by(ErrorReport.created_at.desc(), ErrorReport.id.desc())
        .limit(1)
    )
    if case_id is None:
        return None
    return await session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def last_customer_entry(session: AsyncSession, case_id: int) -> TimelineEntry | None:
    return await session.scalar(
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case_id, TimelineEntry.kind == "message_in")
        .order_by(TimelineEntry.id.desc())
        .limit(1)
    )


async def reports_of_case(session: AsyncSession, case_id: int) -> list[ErrorReport]:
    return list(
        await session.scalars(
            select(ErrorReport).where(ErrorReport.case_id == case_id).order_by(ErrorReport.id)
        )
    )


async def product_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Product.id, Product.name).where(Product.id.in_(ids)))
    return {row.id: row.name for row in rows}


async def files_of_entries(session: AsyncSession, entry_ids: set[int]) -> list[StoredFile]:
    if not entry_ids:
        return []
    return list(
        await session.scalars(
            select(StoredFile)
            .where(StoredFile.timeline_entry_id.in_(entry_ids))
            .order_by(StoredFile.id)
        )
    )
