from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.queries import valid_id
from throughline.models import Rep, Team, TeamMember


async def by_ref(session: AsyncSession, ref: str | int) -> Rep | None:
    """A rep by numeric id or by email address."""
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if isinstance(ref, int) or str(ref).isdecimal():
        rep_id = int(ref)
        return await session.get(Rep, rep_id) if valid_id(rep_id) else None
    return await session.scalar(select(Rep).where(Rep.email == str(ref).strip().lower()))


# Built once (statements are immutable): every signed-in API request asks it.
_BY_TOKEN_HASH = select(Rep).where(
    Rep.token_hash == bindparam("token_hash"), Rep.is_active.is_(True)
)


async def by_token_hash(session: AsyncSession, token_hash: str) -> Rep | None:
    return await session.scalar(_BY_TOKEN_HASH, {"token_hash": token_hash})


async def team_by_name(session: AsyncSession, name: str) -> Team | None:
    return await session.scalar(select(Team).where(Team.name == name.strip()))


async def team_ids_of(session: AsyncSession, rep_id: int) -> set[int]:
    rows = await session.scalars(select(TeamMember.team_id).where(TeamMember.rep_id == rep_id))
    return set(rows)


async def leads(session: AsyncSession) -> list[Rep]:
    return list(
        await session.scalars(
            select(Rep).where(Rep.is_lead.is_(True), Rep.is_active.is_(True)).order_by(Rep.id)
        )
    )
