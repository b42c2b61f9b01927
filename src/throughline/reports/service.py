"""The resolution-centred report (principle 10): queries in, figures out.

Reads only: any rep may read the desk-wide summary, which holds no customer
data. On PostgreSQL each query sees its own committed snapshot, so figures
taken a moment apart can differ by a case that changed in between.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository as cases
from throughline.kit.actors import Actor
from throughline.kit.errors import Forbidden
from throughline.reports import repository
from throughline.reports.rules import (
    HOURS_DIGITS,
    Viewer,
    Window,
    may_see_rep,
    may_see_team,
    mean,
    median_hours,
    rank_reps,
    refused_scope,
    round_trips,
    rounded,
    share,
    week_count,
    week_start,
)
from throughline.reports.rules import (
    RepFigures as RepTotals,
)
from throughline.reports.schemas import (
    EscalationFigures,
    EscalationRoundTrip,
    Figures,
    Percentiles,
    RepFigures,
    ReportFigures,
    ReportSummary,
    RepRecognition,
    RepRef,
    Satisfaction,
    SatisfactionFigures,
    TeamFigures,
    TeamRef,
    WeekFigures,
    WeeklyFigures,
)
from throughline.reps import repository as reps_repository


async def summary(session: AsyncSession, window: Window, *, now: datetime) -> ReportSummary:
    owners = await repository.resolutions_by_owner(session, window)
    confirmed_times = await repository.confirmed_resolution_times(session, window)
    opened = await repository.opened_cases(session, window)
    steps = await repository.step_counts(session, window)
    answered = await repository.answered_escalations(session, window)
    overdue = await repository.overdue_escalations(session, window, now=now)

    resolved = sum(o.resolved for o in owners)
    reopened = sum(o.reopened for o in owners)
    trips = round_trips([(t.asked_at, t.answered_at) for t in answered])

    times_by_rep: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for time in confirmed_times:
        if time.owner_id is not None:
            times_by_rep[time.owner_id].append((time.created_at, time.resolved_at))
    answers_by_rep: dict[int, int] = defaultdict(int)
    for trip in answered:
        if trip.answered_by_id is not None:
            answers_by_rep[trip.answered_by_id] += 1
    by_owner = {o.owner_id: o for o in owners if o.owner_id is not None}
    ranked = rank_reps(
        RepTotals(
            rep_id=rep_id,
            confirmed_resolutions=by_owner[rep_id].confirmed if rep_id in by_owner else 0,
            reopened=by_owner[rep_id].reopened if rep_id in by_owner else 0,
            median_time_to_confirmed_resolution_hours=median_hours(times_by_rep[rep_id]),
            escalations_answered=answers_by_rep[rep_id],
        )
        for rep_id in by_owner.keys() | answers_by_rep.keys()
    )
    reps = await cases.rep_names(session, {figures.rep_id for figures in ranked})

    return ReportSummary(
        since=window.since,
        until=window.until,
        confirmed_resolutions=sum(o.confirmed for o in owners),
        auto_resolved=sum(o.auto for o in owners),
        resolved=resolved,
        reopened=reopened,
        reopen_rate=share(reopened, resolved),
        median_time_to_confirmed_resolution_hours=median_hours(
            (t.created_at, t.resolved_at) for t in confirmed_times
        ),
        cases_opened=opened.cases,
        contacts_per_case=mean(opened.contacts, opened.cases),
        steps=steps.steps,
        repeated_steps=steps.repeated,
        repeated_step_share=share(steps.repeated, steps.steps),
        escalation_round_trip_hours=EscalationRoundTrip(
            median=trips.median,
            p90=trips.p90,
            answered=trips.answered,
            unanswered_overdue=overdue,
        ),
        satisfaction=Satisfaction(
            average=mean(
                sum(o.satisfaction_total for o in owners),
                sum(o.satisfaction_responses for o in owners),
            ),
            responses=sum(o.satisfaction_responses for o in owners),
        ),
        by_rep=[
            RepRecognition(
                rep=RepRef(id=f.rep_id, name=reps[f.rep_id].name if f.rep_id in reps else "?"),
                confirmed_resolutions=f.confirmed_resolutions,
                reopened=f.reopened,
                median_time_to_confirmed_resolution_hours=(
                    f.median_time_to_confirmed_resolution_hours
                ),
                escalations_answered=f.escalations_answered,
            )
            for f in ranked
        ],
    )


# --- Figures per desk, team, rep and week ---------------------------------------------------

_EMPTY_COUNTS = repository.Resolutions(0, 0, 0, 0, 0, 0, 0)
_NO_TIMES = repository.Quantiles(count=0, median=None, p90=None)


def _percentiles(times: repository.Quantiles) -> Percentiles:
    return Percentiles(
        median=rounded(times.median, HOURS_DIGITS),
        p90=rounded(times.p90, HOURS_DIGITS),
        count=times.count,
    )


async def _figures_by(
    session: AsyncSession, window: Window, by: repository.By, scope: repository.Scope, now: datetime
) -> dict[int, Figures]:
    """The figures of every group seen in the window; seven grouped queries, whatever ``by``."""
    resolved = await repository.resolutions(session, window, by=by, scope=scope)
    times = await repository.confirmed_resolution_quantiles(session, window, by=by, scope=scope)
    opened = await repository.opened(session, window, by=by, scope=scope)
    channels = await repository.channels(session, window, by=by, scope=scope)
    steps = await repository.steps(session, window, by=by, scope=scope)
    trips = await repository.escalation_quantiles(session, window, by=by, scope=scope)
    overdue = await repository.overdue(session, window, by=by, scope=scope, now=now)
    solved_alone = (
        await repository.self_service(session, window, by=by) if scope == repository.Scope() else {}
    )
    keys = {
        key
        for found in (resolved, times, opened, channels, steps, trips, overdue, solved_alone)
        for key in found
        if key is not None
    }
    if by == "desk":
        keys = {repository.DESK_KEY}
    elif by == "week":
        keys = set(range(week_count(window)))
    result = {}
    for key in keys:
        counts = resolved.get(key, _EMPTY_COUNTS)
        cases = opened.get(key, repository.OpenedCases(0, 0))
        tried = steps.get(key, repository.StepCounts(0, 0))
        result[key] = Figures(
            confirmed_resolutions=counts.confirmed,
            auto_resolved=counts.auto,
            resolved=counts.resolved,
            reopened=counts.reopened,
            reopen_rate=share(counts.reopened, counts.resolved),
            self_service_resolutions=(
                solved_alone.get(key, 0)
                if by in ("desk", "week") and scope == repository.Scope()
                else None
            ),
            time_to_confirmed_resolution_hours=_percentiles(times.get(key, _NO_TIMES)),
            cases_opened=cases.cases,
            contacts_per_case=mean(cases.contacts, cases.cases),
            steps=tried.steps,
            repeated_steps=tried.repeated,
            repeated_step_share=share(tried.repeated, tried.steps),
            escalations=EscalationFigures(
                round_trip_hours=_percentiles(trips.get(key, _NO_TIMES)),
                overdue=overdue.get(key, 0),
            ),
            satisfaction=SatisfactionFigures(
                mean=mean(counts.satisfaction_total, counts.satisfaction_responses),
                responses=counts.satisfaction_responses,
                share_4_or_5=share(counts.satisfaction_happy, counts.satisfaction_responses),
            ),
            cases_per_channel=dict(sorted(channels.get(key, {}).items())),
        )
    return result


async def viewer_of(session: AsyncSession, actor: Actor) -> Viewer:
    assert actor.rep is not None
    return Viewer(
        rep_id=actor.rep.id,
        is_lead=actor.rep.is_lead,
        team_ids=frozenset(await reps_repository.team_ids_of(session, actor.rep.id)),
    )


def _check(viewer: Viewer, scope: repository.Scope) -> None:
    refused = refused_scope(viewer, team_id=scope.team_id, rep_id=scope.rep_id)
    if refused is not None:
        raise Forbidden(refused)


async def figures(
    session: AsyncSession,
    window: Window,
    *,
    viewer: Viewer,
    scope: repository.Scope,
    now: datetime,
) -> ReportFigures:
    """The desk's figures, and those of the teams and reps this viewer may see.

    Teams and reps are listed by name, never ranked: the report rewards
    fixing problems, it is not a race.
    """
    _check(viewer, scope)
    desk = await _figures_by(session, window, "desk", scope, now)
    by_team = await _figures_by(session, window, "team", scope, now)
    by_rep = await _figures_by(session, window, "rep", scope, now)
    teams = await repository.team_names(session, set(by_team))
    people = await cases.rep_names(session, set(by_rep))
    return ReportFigures(
        since=window.since,
        until=window.until,
        team_id=scope.team_id,
        rep_id=scope.rep_id,
        desk=desk[repository.DESK_KEY],
        teams=sorted(
            (
                TeamFigures(team=TeamRef(id=key, name=teams[key]), figures=found)
                for key, found in by_team.items()
                if key in teams and may_see_team(viewer, key)
            ),
            key=lambda t: t.team.name,
        ),
        reps=sorted(
            (
                RepFigures(rep=RepRef(id=key, name=people[key].name), figures=found)
                for key, found in by_rep.items()
                if key in people and may_see_rep(viewer, key)
            ),
            key=lambda r: r.rep.name,
        ),
    )


async def weekly(
    session: AsyncSession,
    window: Window,
    *,
    viewer: Viewer,
    scope: repository.Scope,
    now: datetime,
) -> WeeklyFigures:
    """The scope's figures week by week from ``since``; weeks without activity are zeros."""
    _check(viewer, scope)
    weeks = await _figures_by(session, window, "week", scope, now)
    return WeeklyFigures(
        since=window.since,
        until=window.until,
        team_id=scope.team_id,
        rep_id=scope.rep_id,
        weeks=[
            WeekFigures(week_start=week_start(window, index), figures=weeks[index])
            for index in range(week_count(window))
        ],
    )
