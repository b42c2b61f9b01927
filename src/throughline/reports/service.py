"""The resolution-centred report (principle 10): queries in, figures out.

Reads only: any rep may read the desk-wide summary, which holds no customer
data. On PostgreSQL each query sees its own committed snapshot, so figures
taken a moment apart can differ by a case that changed in between.
"""

from __future__ import annotations

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
    rank_reps,
    refused_scope,
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
    """The desk's figures and every rep's, in the summary's older shape."""
    everyone = repository.Scope()
    desk = (await _figures_by(session, window, "desk", everyone, now))[repository.DESK_KEY]
    by_rep = await _figures_by(session, window, "rep", everyone, now)
    ranked = rank_reps(
        RepTotals(
            rep_id=rep_id,
            confirmed_resolutions=found.confirmed_resolutions,
            reopened=found.reopened,
            median_time_to_confirmed_resolution_hours=(
                found.time_to_confirmed_resolution_hours.median
            ),
            escalations_answered=found.escalations.round_trip_hours.count,
        )
        for rep_id, found in by_rep.items()
    )
    reps = await cases.rep_names(session, {figures.rep_id for figures in ranked})
    trips = desk.escalations.round_trip_hours
    return ReportSummary(
        since=window.since,
        until=window.until,
        confirmed_resolutions=desk.confirmed_resolutions,
        auto_resolved=desk.auto_resolved,
        resolved=desk.resolved,
        reopened=desk.reopened,
        reopen_rate=desk.reopen_rate,
        median_time_to_confirmed_resolution_hours=desk.time_to_confirmed_resolution_hours.median,
        cases_opened=desk.cases_opened,
        contacts_per_case=desk.contacts_per_case,
        steps=desk.steps,
        repeated_steps=desk.repeated_steps,
        repeated_step_share=desk.repeated_step_share,
        escalation_round_trip_hours=EscalationRoundTrip(
            median=trips.median,
            p90=trips.p90,
            answered=trips.count,
            unanswered_overdue=desk.escalations.overdue,
        ),
        satisfaction=Satisfaction(
            average=desk.satisfaction.mean, responses=desk.satisfaction.responses
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


async def filter_choices(
    session: AsyncSession, viewer: Viewer
) -> tuple[list[TeamRef], list[RepRef]]:
    """The teams and reps a viewer may narrow a report to: all for a lead, else their own."""
    teams = await repository.all_teams(session)
    people = await repository.active_reps(session)
    return (
        [TeamRef(id=t.id, name=t.name) for t in teams if may_see_team(viewer, t.id)],
        [RepRef(id=r.id, name=r.name) for r in people if may_see_rep(viewer, r.id)],
    )
