"""`throughline rep schedule …`: hours, days off and holidays from the command line."""

from __future__ import annotations

import pytest

from tests.reps.test_cli import database_url, run

# The CLI reads its database from the environment that this fixture sets.
pytestmark = pytest.mark.usefixtures(database_url.__name__)


async def test_hours_days_off_and_holidays_from_the_command_line() -> None:
    added = await run("rep", "add", "--name", "Alex Doe", "--email", "alex@desk.example")
    assert added.exit_code == 0, added.output
    schedule = await run(
        "rep", "schedule", "set", "alex@desk.example", "--zone", "Europe/Berlin",
        "--hours", "mon-fri 09:00-17:00",
    )  # fmt: skip
    assert schedule.exit_code == 0, schedule.output
    assert "Europe/Berlin" in schedule.stdout
    assert "fri 09:00-17:00" in schedule.stdout
    off = await run("rep", "schedule", "day-off", "2030-01-02", "--rep", "alex@desk.example")
    assert off.exit_code == 0, off.output
    holiday = await run("rep", "schedule", "day-off", "2030-01-01", "--name", "New Year")
    assert holiday.stdout.strip() == "2030-01-01 is a day off for the whole desk."
    shown = await run("rep", "schedule", "show", "alex@desk.example")
    assert shown.exit_code == 0, shown.output
    assert "Next expected: " in shown.stdout
    assert "Day off: 2030-01-02" in shown.stdout
    cleared = await run("rep", "schedule", "clear", "alex@desk.example")
    assert cleared.stdout.strip() == "Hours of alex@desk.example removed."
    gone = await run("rep", "schedule", "show", "alex@desk.example")
    assert "no schedule (nothing is said about when they are back)" in gone.stdout


async def test_a_bad_zone_or_date_is_named() -> None:
    await run("rep", "add", "--name", "Alex Doe", "--email", "alex@desk.example")
    zone = await run(
        "rep", "schedule", "set", "alex@desk.example", "--zone", "Moon/Base",
        "--hours", "mon 09:00-17:00",
    )  # fmt: skip
    assert zone.exit_code == 1
    assert "time_zone" in zone.output
    day = await run("rep", "schedule", "day-off", "24.12.2030")
    assert day.exit_code == 1
    assert "is not a date like" in day.output


async def test_a_teams_hours_and_holidays() -> None:
    assert (await run("team", "add", "Night desk")).exit_code == 0
    schedule = await run(
        "rep", "schedule", "set", "Night desk", "--team", "--zone", "UTC",
        "--hours", "sun-thu 22:00-06:00",
    )  # fmt: skip
    assert schedule.exit_code == 0, schedule.output
    holiday = await run("rep", "schedule", "day-off", "2030-01-01", "--team", "Night desk")
    assert holiday.stdout.strip() == "2030-01-01 is a day off for team Night desk."
    shown = await run("rep", "schedule", "show", "Night desk", "--team")
    assert "Night desk (UTC): mon 22:00-06:00, tue 22:00-06:00" in shown.stdout
    assert "thu 22:00-06:00, sun 22:00-06:00" in shown.stdout
    assert "Day off: 2030-01-01" in shown.stdout
    missing = await run("rep", "schedule", "show", "Day desk", "--team")
    assert missing.exit_code == 1
    assert "no team 'Day desk'" in missing.output
