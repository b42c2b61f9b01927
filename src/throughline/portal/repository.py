"""Every query of the portal: sign-in links, sessions, a customer's cases, chat presence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.models import (
    Case,
    ChatPresence,
    Customer,
    CustomerSession,
    MagicLink,
    Rep,
    TimelineEntry,
)


async def links_since(session: AsyncSession, *, email: str, since: datetime) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(MagicLink)
            .where(MagicLink.email == email, MagicLink.created_at >= since)
        )
        or 0
    )


async def links_from_client_since(session: AsyncSession, *, client: str, since: datetime) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(MagicLink)
            .where(MagicLink.client == client, MagicLink.created_at >= since)
        )
        or 0
    )


async def claim_link(session: AsyncSession, token_hash: str, *, now: datetime) -> str | None:
    """Use the link once: a conditional UPDATE, so two clicks at once cannot both sign in.

    Returns the address it was sent to, or None when it is unknown, used or expired.
    """
    email = await session.scalar(
        select(MagicLink.email).where(
            MagicLink.token_hash == token_hash,
            MagicLink.used_at.is_(None),
            MagicLink.expires_at > now,
        )
    )
    if email is None:
        return None
    result = await session.execute(
        update(MagicLink)
        .where(
            MagicLink.token_hash == token_hash,
            MagicLink.used_at.is_(None),
            MagicLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return email if result.rowcount else None  # type: ignore[attr-defined]


async def link_is_usable(session: AsyncSession, token_hash: str, *, now: datetime) -> bool:
    found = await session.scalar(
        select(MagicLink.id).where(
            MagicLink.token_hash == token_hash,
            MagicLink.used_at.is_(None),
            MagicLink.expires_at > now,
        )
    )
    return found is not None


async def customer_for_session(
    session: AsyncSession, token_hash: str, *, now: datetime
) -> Customer | None:
    return await session.scalar(
        select(Customer)
        .join(CustomerSession, CustomerSession.customer_id == Customer.id)
        .where(
            CustomerSession.token_hash == token_hash,
            CustomerSession.ended_at.is_(None),
            CustomerSession.expires_at > now,
        )
    )


async def end_session(session: AsyncSession, token_hash: str, *, now: datetime) -> None:
    await session.execute(
        update(CustomerSession)
        .where(CustomerSession.token_hash == token_hash, CustomerSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )


async def cases_of(session: AsyncSession, customer_id: int, *, limit: int = 200) -> list[Case]:
    """The customer's own cases, newest first: authorisation is the WHERE clause."""
    return list(
        await session.scalars(
            select(Case)
            .where(Case.customer_id == customer_id)
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(limit)
        )
    )


async def case_of(session: AsyncSession, customer_id: int, case_id: int) -> Case | None:
    return await session.scalar(
        select(Case).where(Case.id == case_id, Case.customer_id == customer_id)
    )


async def public_entries_after(
    session: AsyncSession, case_id: int, after_id: int, *, limit: int = 50
) -> list[TimelineEntry]:
    """New public entries of a case (the chat's poll: one indexed range read)."""
    return list(
        await session.scalars(
            select(TimelineEntry)
            .where(
                TimelineEntry.case_id == case_id,
                TimelineEntry.id > after_id,
                TimelineEntry.internal.is_(False),
            )
            .order_by(TimelineEntry.id)
            .limit(limit)
        )
    )


async def last_public_entry_id(session: AsyncSession, case_id: int) -> int:
    found = await session.scalar(
        select(func.max(TimelineEntry.id)).where(
            TimelineEntry.case_id == case_id, TimelineEntry.internal.is_(False)
        )
    )
    return int(found or 0)


async def reps_on_shift(session: AsyncSession) -> list[Rep]:
    return list(
        await session.scalars(select(Rep).where(Rep.on_shift.is_(True), Rep.is_active.is_(True)))
    )


async def chat_seen_at(session: AsyncSession, case_id: int) -> datetime | None:
    return await session.scalar(select(ChatPresence.seen_at).where(ChatPresence.case_id == case_id))


async def mark_chat_seen(session: AsyncSession, case_id: int, *, now: datetime) -> None:
    presence = await session.get(ChatPresence, case_id)
    if presence is None:
        session.add(ChatPresence(case_id=case_id, seen_at=now))
    else:
        presence.seen_at = now
