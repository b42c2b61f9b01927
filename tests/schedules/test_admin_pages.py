"""The admin page's working hours and days off: saved, shown, refused with a message."""

from __future__ import annotations

import httpx

from tests.builders import Personas
from tests.workspace.support import PAGE, give_password, post, sign_in, text_of
from throughline.db import Database


async def test_an_admin_sets_hours_and_days_off_and_sees_them(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    who = f"rep:{people.owner.id}"
    saved = await post(
        client, "/app/admin/schedules", who=who, time_zone="Europe/Lisbon",
        hours="mon-fri 08:00-16:00",
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    page = text_of((await client.get(saved.headers["location"])).text)
    assert "Working hours saved" in page
    assert "Olivia Owner Europe/Lisbon mon 08:00-16:00, tue 08:00-16:00" in page

    added = await post(
        client, "/app/admin/days-off", who="desk", day="2030-12-25", name="Christmas Day"
    )
    assert added.status_code == 303, added.text
    page = text_of((await client.get("/app/admin")).text)
    assert "2030-12-25 Christmas Day (whole desk)" in page
    removed = await post(client, "/app/admin/days-off/remove", who="desk", day="2030-12-25")
    assert removed.status_code == 303
    assert "Christmas Day" not in text_of((await client.get("/app/admin")).text)


async def test_bad_hours_are_refused_on_the_page_and_what_was_typed_is_kept(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    who = f"rep:{people.owner.id}"
    refused = await post(
        client, "/app/admin/schedules", who=who, time_zone="Europe/Lisbon", hours="mon 9 to 5"
    )
    assert refused.status_code == 422
    assert "hours: 'mon 9 to 5' is not like 'mon-fri 09:00-17:00'" in text_of(refused.text)
    assert 'value="mon 9 to 5"' in refused.text
    no_one = await post(client, "/app/admin/schedules", who="rep:999999", time_zone="UTC")
    assert no_one.status_code == 404
    bad_day = await post(client, "/app/admin/days-off", who="desk", day="25/12/2030")
    assert bad_day.status_code == 422
    assert "is not a date like 2026-12-24" in text_of(bad_day.text)


async def test_only_admins_change_hours_on_the_page(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.lead)  # a lead, not an admin
    await sign_in(client, people.lead)
    refused = await post(
        client, "/app/admin/schedules", who=f"rep:{people.owner.id}", time_zone="UTC",
        hours="mon 09:00-17:00",
    )  # fmt: skip
    assert refused.status_code == 403
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    forged = await client.post(
        "/app/admin/days-off", data={"who": "desk", "day": "2030-12-25"}, headers=PAGE
    )
    assert forged.status_code == 403
    shown = (
        await client.get(f"/api/v1/reps/{people.owner.id}/schedule", headers=people.owner.headers)
    ).json()
    assert shown["time_zone"] is None
