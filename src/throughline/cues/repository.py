"""Queries for cues."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.models import CaseFrustration


async def not_calm(session: AsyncSession, case_ids: list[int]) -> dict[int, CaseFrustration]:
    if not case_ids:
        return {}
    rows = await session.scalars(
        select(CaseFrustration).where(
            CaseFrustration.case_id.in_(case_ids), CaseFrustration.level != "calm"
        )
    )
    return {row.case_id: row for row in rows}
