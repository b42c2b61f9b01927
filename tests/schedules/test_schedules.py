"""Working hours through the API, and what the customer is told when their owner is away."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from tests.builders import Person, Personas, create_case, set_shift
from tests.portal.support import post_form, sign_in
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, Customer, utcnow
from throughline.portal.chat import availability
from throughline.schedules.rules import DAY_NAMES, FULL_DAY_NAMES

TOKYO = "Asia/Tokyo"


def in_two_days(zone: str = TOKYO) -> tuple[str, datetime]:
    """Hours only on the day after tomorrow (in ``zone``), 09:00 to 17:00, and their start."""
    day = (utcnow().astimezone(ZoneInfo(zone)) + timedelta(days=2)).date()
    start = datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo(zone))
    return f"{DAY_NAMES[day.weekday()]} 09:00-17:00", start


async def put_hours(
    client: httpx.AsyncClient, by: Person, of: Person, hours: str, zone: str = TOKYO
) -> httpx.Response:
    return await client.put(
        f"/api/v1/reps/{of.email}/schedule",
        json={"time_zone": zone, "hours": hours},
        headers=by.headers,
    )


async def test_a_lead_sets_a_reps_hours_and_anyone_sees_when_they_are_expected(
    client: httpx.AsyncClient, people: Personas
) -> None:
    hours, start = in_two_days()
    response = await put_hours(client, people.lead, people.owner, hours)
    assert response.status_code == 200, response.text
    shown = (
        await client.get(f"/api/v1/reps/{people.owner.id}/schedule", headers=people.other.headers)
    ).json()
    assert shown["time_zone"] == TOKYO
    assert shown["hours"] == hours
    assert datetime.fromisoformat(shown["next_expected"]) == start
    day_off = await client.post(
        f"/api/v1/reps/{people.owner.email}/days-off",
        json={"day": start.date().isoformat(), "name": "Dentist"},
        headers=people.lead.headers,
    )
    assert day_off.status_code == 201, day_off.text
    # That week's only day is off: next expected a week later.
    assert datetime.fromisoformat(day_off.json()["next_expected"]) == start + timedelta(days=7)
    assert day_off.json()["days_off"] == [{"day": start.date().isoformat(), "name": "Dentist"}]


async def test_a_desk_holiday_counts_for_every_rep(
    client: httpx.AsyncClient, people: Personas
) -> None:
    hours, start = in_two_days()
    await put_hours(client, people.owner, people.owner, hours)
    holiday = await client.post(
        "/api/v1/days-off",
        json={"day": start.date().isoformat(), "name": "New Year"},
        headers=people.lead.headers,
    )
    assert holiday.status_code == 201, holiday.text
    shown = (
        await client.get(f"/api/v1/reps/{people.owner.id}/schedule", headers=people.owner.headers)
    ).json()
    assert datetime.fromisoformat(shown["next_expected"]) == start + timedelta(days=7)
    again = await client.post(
        "/api/v1/days-off", json={"day": start.date().isoformat()}, headers=people.lead.headers
    )
    assert again.status_code == 409


async def test_hours_are_refused_with_what_is_wrong_and_only_leads_set_others(
    client: httpx.AsyncClient, people: Personas
) -> None:
    bad_zone = await put_hours(client, people.lead, people.owner, "mon 09:00-17:00", "Mars/Base")
    assert bad_zone.status_code == 422
    assert "time_zone" in bad_zone.text
    bad_hours = await put_hours(client, people.lead, people.owner, "monday nine to five")
    assert bad_hours.status_code == 422
    assert "hours:" in bad_hours.text
    not_theirs = await put_hours(client, people.other, people.owner, "mon 09:00-17:00")
    assert not_theirs.status_code == 403
    own = await put_hours(client, people.other, people.other, "mon 09:00-17:00")
    assert own.status_code == 200
    team = await client.put(
        "/api/v1/teams/Tier 2/schedule",
        json={"time_zone": TOKYO, "hours": "mon 09:00-17:00"},
        headers=people.other.headers,
    )
    assert team.status_code == 403
    stranger = await client.get(f"/api/v1/reps/{people.owner.id}/schedule", headers=people.stranger)
    assert stranger.status_code == 401


async def _status(client: httpx.AsyncClient, token: str) -> dict[str, object]:
    response = await client.get(f"/api/v1/status/{token}")
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


async def test_the_status_page_says_when_the_owner_is_back_in_the_customers_time(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    created = await create_case(client, people.owner, environment={"time_zone": "Europe/Paris"})
    await set_shift(database, people.owner, False)
    # Without a schedule nothing is promised about when.
    assert (await _status(client, created["status_token"]))["owner_back_words"] is None
    hours, start = in_two_days()
    await put_hours(client, people.lead, people.owner, hours)
    paris = start.astimezone(ZoneInfo("Europe/Paris"))
    words = (await _status(client, created["status_token"]))["owner_back_words"]
    assert words == (
        f"Olivia Owner is back {FULL_DAY_NAMES[paris.weekday()]} at {paris:%H:%M} your time."
    )
    await set_shift(database, people.owner, True)
    assert (await _status(client, created["status_token"]))["owner_back_words"] is None


async def test_without_the_customers_zone_the_reps_zone_is_named(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    await set_shift(database, people.owner, False)
    hours, start = in_two_days()
    await put_hours(client, people.lead, people.owner, hours)
    words = (await _status(client, created["status_token"]))["owner_back_words"]
    assert (
        words == f"Olivia Owner is back {FULL_DAY_NAMES[start.weekday()]} at 09:00 Asia/Tokyo time."
    )


async def test_the_chat_says_when_the_owner_is_back_and_nothing_without_a_schedule(
    client: httpx.AsyncClient, database: Database, people: Personas, settings: Settings
) -> None:
    created = await create_case(client, people.owner)
    await set_shift(database, people.owner, False)

    async def text() -> str:
        async with database.unit_of_work(write=False) as session:
            case = await session.get(Case, int(created["number"].removeprefix("TL-")))
            said = await availability(
                session, case, email="maria@example.org", settings=settings, now=utcnow()
            )
        assert said["online"] is False
        return str(said["text"])

    before = await text()
    assert "is back" not in before
    hours, start = in_two_days()
    await put_hours(client, people.lead, people.owner, hours)
    after = await text()
    assert after.startswith(
        "Nobody is at their desk right now. "
        f"Olivia Owner is back {FULL_DAY_NAMES[start.weekday()]} at 09:00 Asia/Tokyo time. "
        "Olivia Owner will answer by "
    )


async def test_the_phone_line_says_when_the_owner_is_back(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    from tests.phone.test_voice import Call, _menu, _returning_caller

    number = await _returning_caller(client, database, people)
    await set_shift(database, people.owner, False)
    hours, start = in_two_days()
    await put_hours(client, people.lead, people.owner, hours)
    _action, words = _menu(await Call(client).incoming())
    assert words.startswith(
        f"You are calling about case {number}. Olivia, who is handling it, is not working right "
        f"now. Olivia is back {FULL_DAY_NAMES[start.weekday()]} at 09:00 Asia/Tokyo time."
    )


async def test_a_customer_gives_their_time_zone_in_the_portal_and_a_wrong_one_is_refused(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await sign_in(client, database, settings, "aiko@example.jp")
    wrong = await post_form(client, "/portal/profile", {"time_zone": "Tokyo time"})
    assert wrong.status_code == 422
    assert "we do not know &#39;Tokyo time&#39;; use a name like Europe/Madrid" in wrong.text
    saved = await post_form(client, "/portal/profile", {"time_zone": "Asia/Tokyo"})
    assert saved.status_code == 303
    async with database.unit_of_work(write=False) as session:
        customer = await session.scalar(select(Customer))
    assert customer is not None
    assert customer.environment["time_zone"] == "Asia/Tokyo"
