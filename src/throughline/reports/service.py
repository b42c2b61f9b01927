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
from throughline.reports import repository
from throughline.reports.rules import (
    RepFigures,
    Window,
    mean,
    median_hours,
    rank_reps,
    round_trips,
    share,
)
from throughline.reports.schemas import (
    EscalationRoundTrip,
    ReportSummary,
    RepRecognition,
    RepRef,
    Satisfaction,
)


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
        RepFigures(
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
