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


def median_hours(pairs: Iterable[tuple[datetime, datetime]]) -> float | None:
    return rounded(median([hours_between(a, b) for a, b in pairs]), HOURS_DIGITS)


@dataclass(frozen=True)
class RoundTrips:
    median: float | None
    p90: float | None
    answered: int


def round_trips(pairs: Sequence[tuple[datetime, datetime]]) -> RoundTrips:
    """How long specialists took to report back: asked → answered, in hours."""
    hours = [hours_between(asked, answered) for asked, answered in pairs]
    return RoundTrips(
        median=rounded(median(hours), HOURS_DIGITS),
        p90=rounded(percentile(hours, 0.9), HOURS_DIGITS),
        answered=len(hours),
    )


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
