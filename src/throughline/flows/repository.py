"""Every query of the flows: runs by token, their answers, the report's counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.security import hash_secret
from throughline.models import FlowAnswer, FlowDefinition, FlowRun


async def run_by_token(
    session: AsyncSession, token: str, *, for_update: bool = False
) -> FlowRun | None:
    query = select(FlowRun).where(FlowRun.token_hash == hash_secret(token))
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def answers(session: AsyncSession, run_id: int) -> list[FlowAnswer]:
    rows = await session.scalars(
        select(FlowAnswer).where(FlowAnswer.run_id == run_id).order_by(FlowAnswer.id)
    )
    return list(rows)


async def definition(session: AsyncSession, name: str) -> FlowDefinition | None:
    return await session.scalar(select(FlowDefinition).where(FlowDefinition.name == name))


async def mark_abandoned(session: AsyncSession, *, idle_since: datetime, now: datetime) -> int:
    """One conditional UPDATE: any number of workers may run it at once."""
    result = await session.execute(
        update(FlowRun)
        .where(FlowRun.state == "active", FlowRun.updated_at < idle_since)
        .values(state="abandoned", ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def run_counts(
    session: AsyncSession, since: datetime | None
) -> list[tuple[str, str, str, bool, int]]:
    """(flow, node, state, opted out, runs) for runs started since ``since``."""
    query = select(
        FlowRun.flow_name, FlowRun.node, FlowRun.state, FlowRun.opted_out, func.count()
    ).group_by(FlowRun.flow_name, FlowRun.node, FlowRun.state, FlowRun.opted_out)
    if since is not None:
        query = query.where(FlowRun.created_at >= since)
    rows = await session.execute(query)
    return [
        (flow, node, state, bool(opted), int(count)) for flow, node, state, opted, count in rows
    ]


async def answered_counts(
    session: AsyncSession, since: datetime | None
) -> list[tuple[str, str, int]]:
    """(flow, node, runs that answered there) for runs started since ``since``."""
    query = (
        select(FlowRun.flow_name, FlowAnswer.node, func.count(func.distinct(FlowAnswer.run_id)))
        .join(FlowRun, FlowRun.id == FlowAnswer.run_id)
        .group_by(FlowRun.flow_name, FlowAnswer.node)
    )
    if since is not None:
        query = query.where(FlowRun.created_at >= since)
    rows = await session.execute(query)
    return [(flow, node, int(count)) for flow, node, count in rows]
