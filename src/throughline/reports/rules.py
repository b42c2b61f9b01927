"""What the desk measures (principle 10), as plain functions without I/O.

Solved problems are counted, not minutes spent: confirmed resolutions, how
often a case came back, how long the customer waited for a fix they confirmed,
how often they had to get in touch, steps repeated, how long specialists took
to report back, and what customers said. Nothing here measures handle time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from throughline.kit.errors import InvalidInput

DEFAULT_WINDOW = timedelta(days=30)
LONGEST_WINDOW = timedelta(days=366)

HOURS_DIGITS = 2
SHARE_DIGITS = 4
MEAN_DIGITS = 2


@dataclass(frozen=True)
class Window:
    """The half-open stretch of time ``since <= t < until`` a report covers."""

    since: datetime
    until: datetime


def _as_utc(moment: datetime) -> datetime:
    # A time given without an offset is read as UTC, the zone everything is stored in.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def report_window(since: datetime | None, until: datetime | None, *, now: datetime) -> Window:
    """The window asked for, defaulting to the 30 days up to now.

    Invariant: ``0 < until - since <= 366 days``, so one report never walks
    more than about a year of cases.
    """
    end = _as_utc(until) if until is not None else now
    start = _as_utc(since) if since is not None else end - DEFAULT_WINDOW
    if end <= start:
        raise InvalidInput("until: must be after since")
    if end - start > LONGEST_WINDOW:
        raise InvalidInput(
            f"since: the window spans {(end - start).days} days; "
            f"a report covers at most {LONGEST_WINDOW.days}"
        )
    return Window(since=start, until=end)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The value below which ``fraction`` of the values lie, None for no values.

    Linear interpolation between the closest ranks (the "inclusive" method):
    the result always lies between the smallest and the largest value, and
    ``percentile(v, 0.5)`` of an even count is the mean of the middle two.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1, not {fraction}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 0.5)


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def share(part: int, whole: int) -> float | None:
    """``part`` out of ``whole``; None when there was nothing to share, never a false 0."""
    return None if whole == 0 else round(part / whole, SHARE_DIGITS)


def mean(total: float, count: int) -> float | None:
    return None if count == 0 else round(total / count, MEAN_DIGITS)


@dataclass(frozen=True)
class RepFigures:
    """What one rep solved in the window: recognition, not a stopwatch."""

    rep_id: int
    confirmed_resolutions: int
    reopened: int
    median_time_to_confirmed_resolution_hours: float | None
    escalations_answered: int


def rank_reps(figures: Iterable[RepFigures]) -> list[RepFigures]:
    """Most confirmed resolutions first, then most escalations answered.

    Reps with nothing to show in the window are left out rather than shown
    as zeros at the bottom of a table.
    """
    shown = [f for f in figures if f.confirmed_resolutions or f.reopened or f.escalations_answered]
    return sorted(
        shown, key=lambda f: (-f.confirmed_resolutions, -f.escalations_answered, f.rep_id)
    )


MEDIAN_TENTHS = 5
P90_TENTHS = 9
HAPPY_RATING = 4  # ratings of 4 and 5 count as satisfied


def rank_bounds(count: int, tenths: int) -> tuple[int, int]:
    """The two 0-based ranks a percentile of ``count`` sorted values is interpolated from.

    The repository picks exactly these rows in SQL (integer arithmetic, the
    same on SQLite and PostgreSQL), so at most four rows per group leave the
    database for a median and a 90th percentile.
    """
    scaled = (count - 1) * tenths
    return scaled // 10, (scaled + 9) // 10


def interpolated(by_rank: dict[int, float], count: int, tenths: int) -> float | None:
    """The percentile ``tenths``/10 of ``count`` values, from the values at its two ranks.

    Same result as ``percentile(values, tenths / 10)``; None for no values.
    """
    if count == 0:
        return None
    low, high = rank_bounds(count, tenths)
    position = (count - 1) * tenths / 10
    return by_rank[low] + (by_rank[high] - by_rank[low]) * (position - low)


@dataclass(frozen=True)
class Viewer:
    """Who reads a report: a lead, or a rep with the teams they belong to."""

    rep_id: int
    is_lead: bool
    team_ids: frozenset[int]


def may_see_rep(viewer: Viewer, rep_id: int) -> bool:
    """Leads see every rep's figures; a rep sees their own, never a colleague's."""
    return viewer.is_lead or viewer.rep_id == rep_id


def may_see_team(viewer: Viewer, team_id: int) -> bool:
    """Leads see every team; a specialist sees the teams they belong to."""
    return viewer.is_lead or team_id in viewer.team_ids


def refused_scope(viewer: Viewer, *, team_id: int | None, rep_id: int | None) -> str | None:
    """Why a report narrowed to this team or rep is not for this viewer, or None.

    Desk totals are for every rep: they name no colleague and no customer.
    """
    if team_id is not None and not may_see_team(viewer, team_id):
        return "team: only leads and members of a team see its figures"
    if rep_id is not None and not may_see_rep(viewer, rep_id):
        return "rep: only leads see another rep's figures"
    return None


def week_start(window: Window, index: int) -> datetime:
    """Weeks are counted from the window's start: week 0 is ``since`` to ``since`` + 7 days."""
    return window.since + timedelta(days=7 * index)


def week_count(window: Window) -> int:
    return math.ceil((window.until - window.since) / timedelta(days=7))


@dataclass(frozen=True)
class HardSolve:
    escalations: int
    steps: int
    confirmed: bool


HARD_SOLVE_STEPS = 3


def is_hard_solve(case: HardSolve) -> bool:
    """A problem that took real work: escalated at least once, three or more steps
    tried, and confirmed fixed by the customer."""
    return case.confirmed and case.escalations >= 1 and case.steps >= HARD_SOLVE_STEPS


@dataclass(frozen=True)
class Rating:
    score: int
    face: str
    words: str


RATINGS = (
    Rating(1, "😞", "Very unhappy"),
    Rating(2, "🙁", "Unhappy"),
    Rating(3, "😐", "Okay"),
    Rating(4, "🙂", "Happy"),
    Rating(5, "😀", "Very happy"),
)


def rating_of(score: str | int | None) -> Rating | None:
    """The rating a link or form asked for; None for anything but 1 to 5."""
    return next((r for r in RATINGS if str(r.score) == str(score).strip()), None)


def may_rate(status: str, resolution_kind: str | None) -> bool:
    """Only a case its customer confirmed fixed is rated: a rating of an unsolved
    problem, or of a case closed after silence, would measure something else."""
    return status == "resolved" and resolution_kind == "confirmed"


KUDOS_NOTE_CHARS = 500


KUDOS_REFUSALS = {
    "unowned": "case: nobody owns this case yet, so there is nobody to thank",
    "self": "case: kudos are for a colleague; you own this case",
    "twice": "case: you already gave kudos for this case",
}


def kudos_refusal(*, giver_id: int, owner_id: int | None, already_given: bool) -> str | None:
    """Why this kudos cannot be given (a key of ``KUDOS_REFUSALS``), or None: it goes to
    the case's owner, never to oneself, and once per rep per case (thanks, not votes)."""
    if owner_id is None:
        return "unowned"
    if owner_id == giver_id:
        return "self"
    if already_given:
        return "twice"
    return None
