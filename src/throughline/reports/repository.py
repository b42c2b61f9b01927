"""Every query behind the reports: counts, sums and percentiles taken in SQL.

Sized for a desk with a million cases, about three steps and a fifth of an
escalation per case, and a 30-day window holding some 80,000 cases. Each
query walks one index range on the time it filters by and returns one row
per group (desk, team, rep or week), never one per case. The only
dialect-specific SQL is the hours between two times (``julianday`` on
SQLite, ``extract(epoch …)`` on PostgreSQL), kept in ``_hours``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.flows.rules import SOLVED
from throughline.models import Case, Escalation, FlowRun, Kudos, Rep, Step, Team, TeamMember
from throughline.models.base import UTCDateTime
from throughline.reports.rules import (
    HAPPY_RATING,
    MEDIAN_TENTHS,
    P90_TENTHS,
    Window,
    interpolated,
)

CONFIRMED = "confirmed"
AUTO = "auto"


@dataclass(frozen=True)
class OpenedCases:
    cases: int
    contacts: int


@dataclass(frozen=True)
class StepCounts:
    steps: int
    repeated: int


# Percentiles are taken with ROW_NUMBER/COUNT window functions: only the rows
# at the two ranks around each percentile leave the database (``rules.rank_bounds``).

By = Literal["desk", "team", "rep", "week"]
DESK_KEY = 0


@dataclass(frozen=True)
class Scope:
    """The cases a report covers: all, those owned by one team's members, or one rep's."""

    team_id: int | None = None
    rep_id: int | None = None


def _hours(session: AsyncSession, start: Any, end: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600
    return (func.julianday(end) - func.julianday(start)) * 24


def _week(session: AsyncSession, since: datetime, moment: Any) -> ColumnElement[int]:
    start = literal(since, UTCDateTime())
    weeks = _hours(session, start, moment) / 168
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(weeks), Integer)
    # Non-negative inside the window, so truncation is the floor.
    return cast(weeks, Integer)


def _key(
    session: AsyncSession, by: By, *, owner: Any, team: Any, moment: Any, window: Window
) -> ColumnElement[Any] | None:
    if by == "rep":
        return cast(owner, Integer)
    if by == "team":
        return cast(team, Integer)
    if by == "week":
        return _week(session, window.since, moment)
    return None


def _members(team_id: int) -> Select[Any]:
    return select(TeamMember.rep_id).where(TeamMember.team_id == team_id)


def _case_filters(
    stmt: Select[Any], by: By, *, owner: Any, moment: Any, window: Window, scope: Scope
) -> Select[Any]:
    stmt = stmt.where(moment >= window.since, moment < window.until)
    if by == "team":
        stmt = stmt.join(TeamMember, TeamMember.rep_id == owner)
    if scope.team_id is not None:
        stmt = stmt.where(owner.in_(_members(scope.team_id)))
    if scope.rep_id is not None:
        stmt = stmt.where(owner == scope.rep_id)
    return stmt


def _grouped(stmt: Select[Any], key: ColumnElement[Any] | None) -> Select[Any]:
    return stmt if key is None else stmt.group_by(key)


def _labelled(key: ColumnElement[Any] | None) -> ColumnElement[Any]:
    return (key if key is not None else literal_column(str(DESK_KEY))).label("key")


@dataclass(frozen=True)
class Resolutions:
    resolved: int
    confirmed: int
    auto: int
    reopened: int
    satisfaction_total: int
    satisfaction_responses: int
    satisfaction_happy: int


async def resolutions(
    session: AsyncSession, window: Window, *, by: By, scope: Scope
) -> dict[int | None, Resolutions]:
    """Cases resolved in the window, per group: one range scan of ``ix_cases_resolved_at``."""
    key = _key(
        session,
        by,
        owner=Case.owner_id,
        team=TeamMember.team_id,
        moment=Case.resolved_at,
        window=window,
    )
    confirmed = Case.resolution_kind == CONFIRMED
    rated = and_(confirmed, Case.satisfaction.is_not(None))
    stmt = select(
        _labelled(key),
        func.count().label("resolved"),
        func.count(case((confirmed, Case.id))).label("confirmed"),
        func.count(case((Case.resolution_kind == AUTO, Case.id))).label("auto"),
        func.count(case((Case.reopen_count > 0, Case.id))).label("reopened"),
        func.sum(case((rated, Case.satisfaction))).label("satisfaction_total"),
        func.count(case((rated, Case.id))).label("satisfaction_responses"),
        func.count(case((and_(rated, Case.satisfaction >= HAPPY_RATING), Case.id))).label(
            "satisfaction_happy"
        ),
    ).select_from(Case)
    stmt = _case_filters(
        stmt, by, owner=Case.owner_id, moment=Case.resolved_at, window=window, scope=scope
    )
    rows = await session.execute(_grouped(stmt, key))
    return {
        row.key: Resolutions(
            resolved=int(row.resolved),
            confirmed=int(row.confirmed),
            auto=int(row.auto),
            reopened=int(row.reopened),
            satisfaction_total=int(row.satisfaction_total or 0),
            satisfaction_responses=int(row.satisfaction_responses),
            satisfaction_happy=int(row.satisfaction_happy),
        )
        for row in rows
    }


@dataclass(frozen=True)
class Quantiles:
    """Median and 90th percentile (hours) of ``count`` durations."""

    count: int
    median: float | None
    p90: float | None


async def _quantiles(
    session: AsyncSession, stmt: Select[Any], key: ColumnElement[Any] | None, hours: Any
) -> dict[int | None, Quantiles]:
    """Median and p90 per group, picking only the rows at the ranks around each."""
    partition = [key] if key is not None else None
    ranked = stmt.add_columns(
        _labelled(key),
        hours.label("hours"),
        (func.row_number().over(partition_by=partition, order_by=hours) - 1).label("rank"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery()
    wanted = []
    for tenths in (MEDIAN_TENTHS, P90_TENTHS):
        scaled = (ranked.c.n - 1) * tenths
        wanted += [ranked.c.rank == scaled // 10, ranked.c.rank == (scaled + 9) // 10]
    rows = await session.execute(
        select(ranked.c.key, ranked.c.rank, ranked.c.n, ranked.c.hours).where(or_(*wanted))
    )
    values: dict[int | None, dict[int, float]] = defaultdict(dict)
    counts: dict[int | None, int] = {}
    for row in rows:
        values[row.key][int(row.rank)] = float(row.hours)
        counts[row.key] = int(row.n)
    return {
        group: Quantiles(
            count=count,
            median=interpolated(values[group], count, MEDIAN_TENTHS),
            p90=interpolated(values[group], count, P90_TENTHS),
        )
        for group, count in counts.items()
    }


async def confirmed_resolution_quantiles(
    session: AsyncSession, window: Window, *, by: By, scope: Scope
) -> dict[int | None, Quantiles]:
    """Opened → confirmed fixed, in hours, for cases confirmed in the window."""
    key = _key(
        session,
        by,
        owner=Case.owner_id,
        team=TeamMember.team_id,
        moment=Case.resolved_at,
        window=window,
    )
    stmt = _case_filters(
        select().select_from(Case).where(Case.resolution_kind == CONFIRMED),
        by,
        owner=Case.owner_id,
        moment=Case.resolved_at,
        window=window,
        scope=scope,
    )
    return await _quantiles(session, stmt, key, _hours(session, Case.created_at, Case.resolved_at))


async def opened(
    session: AsyncSession, window: Window, *, by: By, scope: Scope
) -> dict[int | None, OpenedCases]:
    """Cases opened in the window and their contacts: a range scan of ``ix_cases_created_at``."""
    key = _key(
        session,
        by,
        owner=Case.owner_id,
        team=TeamMember.team_id,
        moment=Case.created_at,
        window=window,
    )
    stmt = select(
        _labelled(key),
        func.count().label("cases"),
        func.coalesce(func.sum(Case.contact_count), 0).label("contacts"),
    ).select_from(Case)
    stmt = _case_filters(
        stmt, by, owner=Case.owner_id, moment=Case.created_at, window=window, scope=scope
    )
    rows = await session.execute(_grouped(stmt, key))
    return {row.key: OpenedCases(cases=int(row.cases), contacts=int(row.contacts)) for row in rows}


async def channels(
    session: AsyncSession, window: Window, *, by: By, scope: Scope
) -> dict[int | None, dict[str, int]]:
    """Cases opened in the window per channel, per group."""
    key = _key(
        session,
        by,
        owner=Case.owner_id,
        team=TeamMember.team_id,
        moment=Case.created_at,
        window=window,
    )
    stmt = select(_labelled(key), Case.channel, func.count().label("cases")).select_from(Case)
    stmt = _case_filters(
        stmt, by, owner=Case.owner_id, moment=Case.created_at, window=window, scope=scope
    )
    stmt = stmt.group_by(*([key] if key is not None else []), Case.channel)
    found: dict[int | None, dict[str, int]] = defaultdict(dict)
    for row in await session.execute(stmt):
        found[row.key][row.channel] = int(row.cases)
    return dict(found)


async def steps(
    session: AsyncSession, window: Window, *, by: By, scope: Scope
) -> dict[int | None, StepCounts]:
    """Steps recorded in the window per group (of the rep who recorded them)."""
    key = _key(
        session,
        by,
        owner=Step.rep_id,
        team=TeamMember.team_id,
        moment=Step.created_at,
        window=window,
    )
    stmt = select(
        _labelled(key),
        func.count().label("steps"),
        func.count(Step.repeat_of_id).label("repeated"),
    ).select_from(Step)
    stmt = _case_filters(
        stmt, by, owner=Step.rep_id, moment=Step.created_at, window=window, scope=scope
    )
    rows = await session.execute(_grouped(stmt, key))
    return {row.key: StepCounts(steps=int(row.steps), repeated=int(row.repeated)) for row in rows}


def _escalation_filters(stmt: Select[Any], window: Window, scope: Scope) -> Select[Any]:
    # A team's escalations are those sent to it; a rep's, those they answered.
    stmt = stmt.where(Escalation.created_at >= window.since, Escalation.created_at < window.until)
    if scope.team_id is not None:
        stmt = stmt.where(Escalation.team_id == scope.team_id)
    if scope.rep_id is not None:
        stmt = stmt.where(Escalation.answered_by_id == scope.rep_id)
    return stmt


def _escalation_key(session: AsyncSession, by: By, window: Window) -> ColumnElement[Any] | None:
    return _key(
        session,
        by,
        owner=Escalation.answered_by_id,
        team=Escalation.team_id,
        moment=Escalation.created_at,
        window=window,
    )


async def escalation_quantiles(
    session: AsyncSession, window: Window, *, by: By, scope: Scope
) -> dict[int | None, Quantiles]:
    """Asked → answered, in hours, for escalations asked in the window and answered."""
    key = _escalation_key(session, by, window)
    stmt = _escalation_filters(
        select().select_from(Escalation).where(Escalation.answered_at.is_not(None)), window, scope
    )
    hours = _hours(session, Escalation.created_at, Escalation.answered_at)
    return await _quantiles(session, stmt, key, hours)


async def overdue(
    session: AsyncSession, window: Window, *, by: By, scope: Scope, now: datetime
) -> dict[int | None, int]:
    """Escalations asked in the window, unanswered and past due, per group (none per rep)."""
    if by == "rep" or scope.rep_id is not None:
        return {}
    key = _escalation_key(session, by, window)
    stmt = _escalation_filters(
        select(_labelled(key), func.count().label("overdue"))
        .select_from(Escalation)
        .where(Escalation.answered_at.is_(None), Escalation.due_at < now),
        window,
        scope,
    )
    return {row.key: int(row.overdue) for row in await session.execute(_grouped(stmt, key))}


async def self_service(session: AsyncSession, window: Window, *, by: By) -> dict[int | None, int]:
    """Flow runs started in the window that the customer ended with "that fixed it".

    Flows belong to no rep or team, so only the desk and its weeks have them.
    No index leads on ``flow_runs.created_at``: one scan of the (small) runs table.
    """
    if by in ("rep", "team"):
        return {}
    key = _key(session, by, owner=None, team=None, moment=FlowRun.created_at, window=window)
    stmt = (
        select(_labelled(key), func.count().label("solved"))
        .select_from(FlowRun)
        .where(
            FlowRun.state == SOLVED,
            FlowRun.created_at >= window.since,
            FlowRun.created_at < window.until,
        )
    )
    return {row.key: int(row.solved) for row in await session.execute(_grouped(stmt, key))}


async def team_names(session: AsyncSession, team_ids: set[int]) -> dict[int, str]:
    if not team_ids:
        return {}
    rows = await session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids)))
    return {row.id: row.name for row in rows}


async def all_teams(session: AsyncSession) -> list[Team]:
    return list(await session.scalars(select(Team).order_by(Team.name)))


async def active_reps(session: AsyncSession) -> list[Rep]:
    return list(await session.scalars(select(Rep).where(Rep.is_active).order_by(Rep.name)))


async def kudos_given(session: AsyncSession, case_id: int, giver_id: int) -> bool:
    found = await session.scalar(
        select(Kudos.id).where(Kudos.case_id == case_id, Kudos.giver_id == giver_id)
    )
    return found is not None


@dataclass(frozen=True)
class KudosRow:
    case_id: int
    subject: str
    giver_id: int
    note: str | None
    created_at: datetime


async def kudos_received(
    session: AsyncSession, rep_id: int, window: Window, *, limit: int = 100
) -> list[KudosRow]:
    """Newest first: a range on ``ix_kudos_receiver_id_created_at``."""
    rows = await session.execute(
        select(Kudos.case_id, Case.subject, Kudos.giver_id, Kudos.note, Kudos.created_at)
        .join(Case, Case.id == Kudos.case_id)
        .where(
            Kudos.receiver_id == rep_id,
            Kudos.created_at >= window.since,
            Kudos.created_at < window.until,
        )
        .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        .limit(limit)
    )
    return [KudosRow(r.case_id, r.subject, r.giver_id, r.note, r.created_at) for r in rows]


@dataclass(frozen=True)
class SolvedCase:
    case_id: int
    subject: str
    resolved_at: datetime
    escalations: int
    steps: int


async def escalated_confirmed_cases(
    session: AsyncSession, rep_id: int, window: Window, *, limit: int = 200
) -> list[SolvedCase]:
    """The rep's cases confirmed fixed in the window that went to a specialist at least once,
    with their counts of escalations and steps (``rules.is_hard_solve`` decides the rest).

    A range on ``ix_cases_resolved_at`` filtered by owner; the counts are correlated
    subqueries on ``ix_steps_case_id_normalized`` and the escalations' case index."""
    escalations = (
        select(func.count())
        .select_from(Escalation)
        .where(Escalation.case_id == Case.id)
        .scalar_subquery()
    )
    steps = select(func.count()).select_from(Step).where(Step.case_id == Case.id).scalar_subquery()
    rows = await session.execute(
        select(
            Case.id,
            Case.subject,
            Case.resolved_at,
            escalations.label("escalations"),
            steps.label("steps"),
        )
        .where(
            Case.owner_id == rep_id,
            Case.resolution_kind == CONFIRMED,
            Case.resolved_at >= window.since,
            Case.resolved_at < window.until,
            escalations > 0,
        )
        .order_by(Case.resolved_at.desc())
        .limit(limit)
    )
    return [
        SolvedCase(r.id, r.subject, r.resolved_at, int(r.escalations), int(r.steps))
        for r in rows
        if r.resolved_at is not None
    ]
