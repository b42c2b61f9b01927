"""When a rep or a team is expected at work, and time counted in working hours only.

Pure functions without I/O. A schedule is weekly wall-clock hours in one IANA zone; a day
off removes every period that starts on that local date. A period whose end is at or before
its start runs past midnight into the next day (a night shift belongs to the day it starts).
Wall-clock times that a change to summer time skips are read as the same instant just after
the change; a time that the change back to winter time repeats is its first occurrence.

The schedule only says when someone is expected; being on shift stays the rep's own switch.
Without a schedule nothing is promised: ``next_expected`` answers None, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from throughline.kit.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_PER_DAY = 24 * 60
# How far ahead to look for the next working period: a year of holidays is not a schedule.
HORIZON_DAYS = 400
MAX_PERIODS = 7 * 6


@dataclass(frozen=True)
class Period:
    """Weekly hours: ``day`` 0 is Monday; minutes from local midnight, ``end`` up to 1440."""

    day: int
    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def text(self) -> str:
        return f"{DAY_NAMES[self.day]} {_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class Schedule:
    time_zone: str
    periods: tuple[Period, ...]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def text(self) -> str:
        return ", ".join(period.text() for period in self.periods)


@dataclass(frozen=True)
class Calendar:
    """A schedule with the local dates on which it does not apply."""

    schedule: Schedule
    days_off: frozenset[date] = field(default_factory=frozenset)


def check_zone(name: str) -> str:
    """An IANA zone name as typed, refused with a clear message when unknown."""
    name = (name or "").strip()
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        raise InvalidInput("time_zone: give an IANA zone name, like Europe/Berlin or UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"time_zone: {name!r} is not a known time zone; use a name like Europe/Berlin"
        ) from None
    return name


def known_zone(name: object) -> ZoneInfo | None:
    """The zone a customer gave, if it is a real one (nothing is guessed from a bad value)."""
    if not isinstance(name, str):
        return None
    try:
        return ZoneInfo(check_zone(name))
    except InvalidInput:
        return None


_PART = re.compile(
    r"^(?P<days>[a-z]{3}(?:\s*-\s*[a-z]{3})?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


def parse_hours(text: str) -> tuple[Period, ...]:
    """Weekly hours as people write them: "mon-fri 09:00-17:00, sat 10:00-14:00".

    "sun 22:00-06:00" is a night shift into Monday; "24:00" ends at midnight. Empty text is
    a week with no hours at all.
    """
    periods: list[Period] = []
    for raw in re.split(r"[,;\n]", (text or "").lower()):
        part = raw.strip()
        if not part:
            continue
        match = _PART.match(part)
        if match is None:
            raise InvalidInput(
                f"hours: {part!r} is not like 'mon-fri 09:00-17:00' (days, then from-to)"
            )
        days = _days(match["days"], part)
        start, end = _minutes(match["start"], part), _minutes(match["end"], part)
        if start == MINUTES_PER_DAY:
            raise InvalidInput(f"hours: {part!r} cannot start at 24:00; start at 00:00")
        periods.extend(Period(day, start, end) for day in days)
    return check_periods(periods)


def check_periods(periods: Collection[Period]) -> tuple[Period, ...]:
    """Periods in week order, refused when out of range or overlapping one another."""
    if len(periods) > MAX_PERIODS:
        raise InvalidInput(f"hours: at most {MAX_PERIODS} periods a week")
    for period in periods:
        if not 0 <= period.day <= 6:
            raise InvalidInput("hours: day must be 0 (Monday) to 6 (Sunday)")
        if not 0 <= period.start < MINUTES_PER_DAY or not 0 <= period.end <= MINUTES_PER_DAY:
            raise InvalidInput("hours: times must be between 00:00 and 24:00")
        if period.start == period.end:
            raise InvalidInput(f"hours: {period.text()} is empty; give a start and a later end")
    ordered = tuple(sorted(set(periods), key=lambda p: (p.day, p.start)))
    spans = sorted(_week_spans(ordered))
    for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise InvalidInput(f"hours: {first.text()} overlaps {second.text()}")
    return ordered


def _week_spans(periods: tuple[Period, ...]) -> Iterator[tuple[int, int, Period]]:
    """Each period as minutes of the week (a Sunday night shift wraps to Monday)."""
    week = 7 * MINUTES_PER_DAY
    for period in periods:
        start = period.day * MINUTES_PER_DAY + period.start
        end = start + (period.end - period.start) % MINUTES_PER_DAY
        if end > week:
            yield start, week, period
            yield 0, end - week, period
        else:
            yield start, end, period


def _days(text: str, part: str) -> list[int]:
    names = [name.strip() for name in text.split("-")]
    for name in names:
        if name not in DAY_NAMES:
            raise InvalidInput(f"hours: {name!r} in {part!r} is not a day (mon, tue … sun)")
    first, last = DAY_NAMES.index(names[0]), DAY_NAMES.index(names[-1])
    return [(first + offset) % 7 for offset in range((last - first) % 7 + 1)]


def _minutes(text: str, part: str) -> int:
    hours, minutes = (int(piece) for piece in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidInput(f"hours: {text!r} in {part!r} is not a time of day")
    return hours * 60 + minutes


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as UTC; a time skipped by summer time lands just after it."""
    local = datetime.combine(day, time()) + timedelta(minutes=minutes)
    first = local.replace(tzinfo=zone).astimezone(UTC)
    if _wall(first, zone) == local:
        return first
    # In the gap: the wall clock jumped over this time, so take the instant of the jump,
    # the first minute whose wall-clock time is at or after it.
    instant = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    while _wall(instant, zone) < local:
        instant += timedelta(minutes=1)
    return instant


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def working_periods(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The calendar's working periods (UTC, in order) that end after ``start``.

    Stops after ``HORIZON_DAYS`` of local dates; adjacent periods are not merged.
    """
    zone = calendar.schedule.zone
    by_day: dict[int, list[Period]] = {}
    for period in calendar.schedule.periods:
        by_day.setdefault(period.day, []).append(period)
    if not by_day:
        return
    # From the day before: yesterday's night shift may still be running.
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    for offset in range(HORIZON_DAYS):
        day = first_day + timedelta(days=offset)
        if day in calendar.days_off:
            continue
        for period in by_day.get(day.weekday(), []):
            begins = _instant(day, period.start, zone)
            end_day = day + timedelta(days=1) if period.overnight else day
            ends = _instant(end_day, period.end, zone)
            if ends > start and ends > begins:
                yield begins, ends


def next_expected(
    schedule: Schedule | None, days_off: Collection[date], now: datetime
) -> datetime | None:
    """When the rep is next expected at work: the start of the working period running at
    ``now`` (at or before ``now``), or of the next one. None when nothing is scheduled."""
    if schedule is None:
        return None
    calendar = Calendar(schedule, frozenset(days_off))
    return next((begins for begins, _ in working_periods(calendar, now)), None)


def expected_until(calendar: Calendar, now: datetime) -> datetime | None:
    """The end of the working period running at ``now``, or None outside working hours."""
    for begins, ends in working_periods(calendar, now):
        return ends if begins <= now else None
    return None


def add_working_time(calendar: Calendar, start: datetime, duration: timedelta) -> datetime | None:
    """The instant when ``duration`` of working time has passed since ``start``.

    None when the calendar does not hold that much working time within its horizon
    (e.g. a week with no hours at all); the caller then counts plain hours.
    """
    left = duration
    if left <= timedelta(0):
        return start
    for begins, ends in working_periods(calendar, start):
        begins = max(begins, start)
        if ends - begins >= left:
            return begins + left
        left -= ends - begins
    return None


def working_time_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """How much working time lies between two instants."""
    total = timedelta(0)
    if end <= start:
        return total
    for begins, ends in working_periods(calendar, start):
        if begins >= end:
            break
        total += min(ends, end) - max(begins, start)
    return total


def back_words(
    name: str,
    expected: datetime,
    *,
    now: datetime,
    customer_zone: ZoneInfo | None,
    rep_zone: str,
) -> str:
    """ "Alex is back Monday at 09:00 your time", in the customer's zone where known, else the
    rep's zone by name. ``expected`` at or before ``now`` means within hours but not here."""
    zone = customer_zone or ZoneInfo(rep_zone)
    whose = "your time" if customer_zone is not None else f"{rep_zone} time"
    if expected <= now:
        return f"{name} is expected at work now and will answer as soon as they are at their desk."
    local, today = expected.astimezone(zone), now.astimezone(zone).date()
    days = (local.date() - today).days
    if days == 0:
        when = "today"
    elif days == 1:
        when = "tomorrow"
    elif days < 7:
        when = FULL_DAY_NAMES[local.weekday()]
    else:
        when = f"{FULL_DAY_NAMES[local.weekday()]} {local.day} {local:%B}"
    return f"{name} is back {when} at {local:%H:%M} {whose}."
