"""When a rep is expected back, and counting working hours: DST, night shifts, holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from throughline.kit.errors import InvalidInput
from throughline.schedules.rules import (
    Calendar,
    Period,
    Schedule,
    add_working_time,
    back_words,
    check_zone,
    expected_until,
    next_expected,
    parse_hours,
    working_time_between,
)

BERLIN = "Europe/Berlin"
OFFICE = Schedule(BERLIN, parse_hours("mon-fri 09:00-17:00"))
NIGHTS = Schedule(BERLIN, parse_hours("sun-thu 22:00-06:00"))


def at(text: str, zone: str = "UTC") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_hours_are_read_as_people_write_them() -> None:
    periods = parse_hours("mon-wed 09:00-17:00, sat 10:00-14:00; sun 22:00-06:00")
    assert [p.text() for p in periods] == [
        "mon 09:00-17:00",
        "tue 09:00-17:00",
        "wed 09:00-17:00",
        "sat 10:00-14:00",
        "sun 22:00-06:00",
    ]
    assert parse_hours("fri-mon 08:00-24:00")[-1] == Period(6, 8 * 60, 24 * 60)
    assert parse_hours("  ") == ()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("monday 09:00-17:00", "is not like"),
        ("mon 9-17", "is not like"),
        ("xyz 09:00-17:00", "is not a day"),
        ("mon 09:00-25:00", "is not a time of day"),
        ("mon 09:60-17:00", "is not a time of day"),
        ("mon 09:00-09:00", "is empty"),
        ("mon 09:00-17:00, mon 16:00-18:00", "overlaps"),
        ("sun 22:00-06:00, mon 05:00-09:00", "overlaps"),
        ("mon 24:00-02:00", "cannot start at 24:00"),
    ],
)
def test_bad_hours_are_refused_saying_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(InvalidInput, match=complaint):
        parse_hours(text)


def test_a_zone_must_be_a_real_iana_name() -> None:
    assert check_zone(" Europe/Berlin ") == BERLIN
    for bad in ("Mars/Olympus", "", "../etc/passwd", "Europe/" + "x" * 80):
        with pytest.raises(InvalidInput, match="time_zone"):
            check_zone(bad)


def test_expected_back_at_the_next_start_of_hours_in_the_reps_zone() -> None:
    friday_evening = at("2026-12-04 18:00", BERLIN)
    assert next_expected(OFFICE, [], friday_evening) == at("2026-12-07 09:00", BERLIN)
    tuesday_night = at("2026-12-08 23:00", BERLIN)
    assert next_expected(OFFICE, [], tuesday_night) == at("2026-12-09 09:00", BERLIN)


def test_within_hours_the_rep_is_expected_now() -> None:
    noon = at("2026-12-08 12:00", BERLIN)
    assert next_expected(OFFICE, [], noon) == at("2026-12-08 09:00", BERLIN)
    assert expected_until(Calendar(OFFICE), noon) == at("2026-12-08 17:00", BERLIN)
    assert expected_until(Calendar(OFFICE), at("2026-12-08 18:00", BERLIN)) is None


def test_no_schedule_or_a_week_without_hours_promises_nothing() -> None:
    now = at("2026-12-08 12:00")
    assert next_expected(None, [], now) is None
    assert next_expected(Schedule(BERLIN, ()), [], now) is None
    assert add_working_time(Calendar(Schedule(BERLIN, ())), now, timedelta(hours=1)) is None
    assert working_time_between(Calendar(Schedule(BERLIN, ())), now, now + timedelta(days=9)) == (
        timedelta(0)
    )


def test_days_off_and_holidays_are_skipped() -> None:
    christmas = [date(2026, 12, 24), date(2026, 12, 25)]
    wednesday_evening = at("2026-12-23 18:00", BERLIN)
    assert next_expected(OFFICE, christmas, wednesday_evening) == at("2026-12-28 09:00", BERLIN)


def test_a_year_of_days_off_is_not_a_schedule() -> None:
    start = date(2026, 12, 8)
    every_day = [start + timedelta(days=n) for n in range(-2, 500)]
    assert next_expected(OFFICE, every_day, at("2026-12-08 12:00")) is None


def test_night_shift_across_midnight_is_running_after_midnight() -> None:
    monday_3am = at("2026-12-07 03:00", BERLIN)
    # Sunday's shift, 22:00 to 06:00, is still running at 03:00 on Monday.
    assert next_expected(NIGHTS, [], monday_3am) == at("2026-12-06 22:00", BERLIN)
    assert expected_until(Calendar(NIGHTS), monday_3am) == at("2026-12-07 06:00", BERLIN)
    # A day off on the Sunday removes the shift that starts that evening.
    assert next_expected(NIGHTS, [date(2026, 12, 6)], monday_3am) == at("2026-12-07 22:00", BERLIN)


def test_summer_time_moves_the_hours_in_utc_but_not_on_the_wall_clock() -> None:
    # Berlin: winter UTC+1, summer UTC+2 from Sunday 29 March 2026.
    assert next_expected(OFFICE, [], at("2026-03-27 18:00", BERLIN)) == at("2026-03-30 07:00")
    assert next_expected(OFFICE, [], at("2026-03-26 18:00", BERLIN)) == at("2026-03-27 08:00")


def test_a_night_shift_over_a_clock_change_is_an_hour_shorter_or_longer() -> None:
    spring = Calendar(NIGHTS)
    saturday = Calendar(Schedule(BERLIN, parse_hours("sat 22:00-06:00")))
    start_spring = at("2026-03-28 21:00", BERLIN)
    assert working_time_between(saturday, start_spring, start_spring + timedelta(days=1)) == (
        timedelta(hours=7)
    )
    start_autumn = at("2026-10-24 21:00", BERLIN)
    assert working_time_between(saturday, start_autumn, start_autumn + timedelta(days=1)) == (
        timedelta(hours=9)
    )
    assert spring.schedule.periods[0].overnight


def test_hours_starting_in_the_skipped_hour_start_when_the_clock_jumps() -> None:
    early = Schedule(BERLIN, parse_hours("sun 02:30-10:00"))
    # On 29 March 2026 the clock goes from 02:00 straight to 03:00 (01:00 UTC).
    assert next_expected(early, [], at("2026-03-28 12:00", BERLIN)) == at("2026-03-29 01:00")


def test_working_time_is_added_over_evenings_weekends_and_holidays() -> None:
    calendar = Calendar(OFFICE, frozenset({date(2026, 12, 7)}))
    friday_4pm = at("2026-12-04 16:00", BERLIN)
    # One hour on Friday, Monday is a holiday, three more hours on Tuesday.
    assert add_working_time(calendar, friday_4pm, timedelta(hours=4)) == at(
        "2026-12-08 12:00", BERLIN
    )
    # Starting outside hours, the clock starts with the next working hour.
    assert add_working_time(calendar, at("2026-12-05 10:00", BERLIN), timedelta(hours=1)) == at(
        "2026-12-08 10:00", BERLIN
    )
    assert working_time_between(calendar, friday_4pm, at("2026-12-08 12:00", BERLIN)) == timedelta(
        hours=4
    )


def test_adding_and_counting_agree_across_a_night_shift() -> None:
    calendar = Calendar(NIGHTS)
    start = at("2026-12-07 05:00", BERLIN)
    due = add_working_time(calendar, start, timedelta(hours=3))
    # One hour left of Sunday night's shift, then two of Monday night's.
    assert due == at("2026-12-08 00:00", BERLIN)
    assert working_time_between(calendar, start, due) == timedelta(hours=3)


def test_the_customer_hears_when_in_their_own_zone() -> None:
    friday = at("2026-12-04 18:00", BERLIN)
    back = at("2026-12-07 09:00", BERLIN)
    new_york = ZoneInfo("America/New_York")
    assert (
        back_words("Alex", back, now=friday, customer_zone=new_york, rep_zone=BERLIN)
        == "Alex is back Monday at 03:00 your time."
    )
    assert (
        back_words("Alex", back, now=friday, customer_zone=None, rep_zone=BERLIN)
        == "Alex is back Monday at 09:00 Europe/Berlin time."
    )
    tomorrow = back_words(
        "Alex", at("2026-12-05 09:00", BERLIN), now=friday, customer_zone=None, rep_zone=BERLIN
    )
    assert tomorrow == "Alex is back tomorrow at 09:00 Europe/Berlin time."
    far = back_words(
        "Alex", at("2026-12-28 09:00", BERLIN), now=friday, customer_zone=None, rep_zone=BERLIN
    )
    assert far == "Alex is back Monday 28 December at 09:00 Europe/Berlin time."
    now_words = back_words("Alex", friday, now=friday, customer_zone=None, rep_zone=BERLIN)
    assert "expected at work now" in now_words


def test_due_times_count_working_hours_when_the_desk_does() -> None:
    from throughline.cases.rules import due_at

    targets = [timedelta(hours=h) for h in (1, 4, 24, 72)]
    friday_4pm = at("2026-12-04 16:00", BERLIN)
    assert due_at(2, friday_4pm, targets) == friday_4pm + timedelta(hours=4)
    assert due_at(2, friday_4pm, targets, Calendar(OFFICE)) == at("2026-12-07 12:00", BERLIN)
    # No working time at all: plain hours, never "never".
    empty = Calendar(Schedule(BERLIN, ()))
    assert due_at(2, friday_4pm, targets, empty) == friday_4pm + timedelta(hours=4)


def test_waiting_on_the_customer_moves_the_due_time_on() -> None:
    from throughline.cases.rules import due_after_waiting

    due = at("2026-12-08 12:00", BERLIN)
    start, end = at("2026-12-07 10:00", BERLIN), at("2026-12-07 13:00", BERLIN)
    assert due_after_waiting(due, start, end) == due + timedelta(hours=3)
    assert due_after_waiting(due, end, start) == due
    # Waiting over a weekend costs the desk nothing in business hours.
    friday_5pm, monday_9am = at("2026-12-04 17:00", BERLIN), at("2026-12-07 09:00", BERLIN)
    assert due_after_waiting(due, friday_5pm, monday_9am, Calendar(OFFICE)) == due
    # Three working hours waited: the due time moves three working hours (past 17:00).
    moved = due_after_waiting(due, start, end, Calendar(OFFICE))
    assert moved == at("2026-12-08 15:00", BERLIN)
