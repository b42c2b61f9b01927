"""Every query behind the reports: aggregates in SQL, durations only where a median needs them.

Costs are given for a desk with a million cases, about three steps and a
fifth of an escalation per case, and a 30-day window holding some 80,000
cases. Every query is plain SQLAlchemy (``COUNT``/``SUM`` over ``CASE``, no
``FILTER`` or dialect functions), so SQLite and PostgreSQL run the same SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.models import Case, Escalation, Step
from throughline.reports.rules import Window

CONFIRMED = "confirmed"
AUTO = "auto"


@dataclass(frozen=True)
class OwnerResolutions:
    """Cases one owner saw resolved in the window (owner_id None: cases nobody owned)."""

    owner_id: int | None
    resolved: int
    confirmed: int
    auto: int
    reopened: int
    satisfaction_total: int
    satisfaction_responses: int


async def resolutions_by_owner(session: AsyncSession, window: Window) -> list[OwnerResolutions]:
    """Resolved cases in the window, counted per owner in one GROUP BY.

    A range scan on ``ix_cases_resolved_at`` plus a heap fetch per case
    resolved in the window (~80,000 at a million cases), whatever the size
    of the table; it returns one row per rep. A case reopened by its
    customer has its ``resolved_at`` cleared, so it counts again only once
    it is resolved again.
    """
    confirmed = Case.resolution_kind == CONFIRMED
    rows = await session.execute(
        select(
            Case.owner_id,
            func.count().label("resolved"),
            func.count(case((confirmed, Case.id))).label("confirmed"),
            func.count(case((Case.resolution_kind == AUTO, Case.id))).label("auto"),
            func.count(case((Case.reopen_count > 0, Case.id))).label("reopened"),
            func.sum(case((confirmed, Case.satisfaction))).label("satisfaction_total"),
            func.count(case((confirmed, Case.satisfaction))).label("satisfaction_responses"),
        )
        .where(Case.resolved_at >= window.since, Case.resolved_at < window.until)
        .group_by(Case.owner_id)
    )
    return [
        OwnerResolutions(
            owner_id=row.owner_id,
            resolved=int(row.resolved),
            confirmed=int(row.confirmed),
            auto=int(row.auto),
            reopened=int(row.reopened),
            satisfaction_total=int(row.satisfaction_total or 0),
            satisfaction_responses=int(row.satisfaction_responses),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ConfirmedResolution:
    owner_id: int | None
    created_at: datetime
    resolved_at: datetime


async def confirmed_resolution_times(
    session: AsyncSession, window: Window
) -> list[ConfirmedResolution]:
    """Opened and resolved times of the cases customers confirmed fixed in the window.

    The same ``ix_cases_resolved_at`` range scan; it ships three columns per
    confirmed case (~60,000 rows, a couple of MB) because a median cannot be
    aggregated portably in SQL. Bounded by the 366-day longest window.
    """
    rows = await session.execute(
        select(Case.owner_id, Case.created_at, Case.resolved_at).where(
            Case.resolved_at >= window.since,
            Case.resolved_at < window.until,
            Case.resolution_kind == CONFIRMED,
        )
    )
    return [
        ConfirmedResolution(owner_id=row.owner_id, created_at=row.created_at, resolved_at=resolved)
        for row in rows
        if (resolved := row.resolved_at) is not None
    ]


@dataclass(frozen=True)
class OpenedCases:
    cases: int
    contacts: int


async def opened_cases(session: AsyncSession, window: Window) -> OpenedCases:
    """How many cases were opened in the window and how often their customers got in touch.

    ``created_at`` leads no index (``ix_cases_customer_created`` starts with
    the customer), so this is one sequential scan of ``cases``: a million
    narrow rows, some hundreds of milliseconds on PostgreSQL. An index on
    ``cases.created_at`` would make it a range scan like the resolutions.
    """
    row = (
        await session.execute(
            select(
                func.count().label("cases"),
                func.coalesce(func.sum(Case.contact_count), 0).label("contacts"),
            ).where(Case.created_at >= window.since, Case.created_at < window.until)
        )
    ).one()
    return OpenedCases(cases=int(row.cases), contacts=int(row.contacts))


@dataclass(frozen=True)
class StepCounts:
    steps: int
    repeated: int


async def step_counts(session: AsyncSession, window: Window) -> StepCounts:
    """Steps recorded in the window, and how many repeated a step already tried.

    ``steps.created_at`` has no index, so this scans ``steps`` once (about
    three million rows at a million cases) and returns a single row.
    """
    row = (
        await session.execute(
            select(
                func.count().label("steps"),
                func.count(Step.repeat_of_id).label("repeated"),
            ).where(Step.created_at >= window.since, Step.created_at < window.until)
        )
    ).one()
    return StepCounts(steps=int(row.steps), repeated=int(row.repeated))


@dataclass(frozen=True)
class RoundTrip:
    answered_by_id: int | None
    asked_at: datetime
    answered_at: datetime


async def answered_escalations(session: AsyncSession, window: Window) -> list[RoundTrip]:
    """Asked and answered times of the escalations asked in the window and answered since.

    No index leads on ``escalations.created_at``: one scan of the
    escalations table (~200,000 rows at a million cases), shipping three
    columns for each answered one in the window (~16,000) for the median,
    the 90th percentile and the count per specialist.
    """
    rows = await session.execute(
        select(Escalation.answered_by_id, Escalation.created_at, Escalation.answered_at).where(
            Escalation.created_at >= window.since,
            Escalation.created_at < window.until,
            Escalation.answered_at.is_not(None),
        )
    )
    return [
        RoundTrip(answered_by_id=row.answered_by_id, asked_at=row.created_at, answered_at=answered)
        for row in rows
        if (answered := row.answered_at) is not None
    ]


async def overdue_escalations(session: AsyncSession, window: Window, *, now: datetime) -> int:
    """Escalations asked in the window, still unanswered and past their due time.

    Unanswered escalations are few and covered by the partial indexes
    ``WHERE answered_at IS NULL``; at worst one scan of the escalations
    table, returning a single count.
    """
    count = await session.scalar(
        select(func.count())
        .select_from(Escalation)
        .where(
            Escalation.answered_at.is_(None),
            Escalation.due_at < now,
            Escalation.created_at >= window.since,
            Escalation.created_at < window.until,
        )
    )
    return int(count or 0)
