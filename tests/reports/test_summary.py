"""The resolution-centred report, over histories built through the API, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from tests.builders import Personas
from tests.reports.support import (
    URL,
    build_desk_history,
    case_id,
    confirm,
    customer_writes,
    open_case,
    propose,
    set_case_times,
    step,
    summary,
)
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Step, utcnow

# Words that would mean the report times calls instead of counting solved problems.
STOPWATCH_WORDS = ("handle", "duration", "call", "talk", "length", "aht", "wrap")


async def test_summary_counts_solved_problems(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await build_desk_history(client, database, settings, people)

    report = await summary(client, people.owner)

    assert report["confirmed_resolutions"] == 3
    assert report["auto_resolved"] == 1
    assert report["resolved"] == 4
    assert report["reopened"] == 1
    assert report["reopen_rate"] == 0.25
    assert report["median_time_to_confirmed_resolution_hours"] == 4.0
    assert report["cases_opened"] == 5
    assert report["contacts_per_case"] == 1.4  # 1 + 2 + 2 + 1 + 1 over five cases
    assert (report["steps"], report["repeated_steps"]) == (3, 1)
    assert report["repeated_step_share"] == 0.3333
    assert report["escalation_round_trip_hours"] == {
        "median": 3.0,
        "p90": 4.6,
        "answered": 2,
        "unanswered_overdue": 1,
    }
    # C's first rating (4) was replaced when the customer confirmed again.
    assert report["satisfaction"] == {"average": 3.33, "responses": 3}
    assert report["by_rep"] == [
        {
            "rep": {"id": people.owner.id, "name": "Olivia Owner"},
            "confirmed_resolutions": 3,
            "reopened": 1,
            "median_time_to_confirmed_resolution_hours": 4.0,
            "escalations_answered": 0,
        },
        {
            "rep": {"id": people.specialist.id, "name": "Sid Specialist"},
            "confirmed_resolutions": 0,
            "reopened": 0,
            "median_time_to_confirmed_resolution_hours": None,
            "escalations_answered": 2,
        },
    ]


async def test_summary_never_mentions_handle_time(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await build_desk_history(client, database, settings, people)
    report = await summary(client, people.owner)
    assert report["by_rep"], "the check must see the per-rep keys too"

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    found = keys(report)
    assert "escalations_answered" in found
    assert [k for k in found if any(word in k.lower() for word in STOPWATCH_WORDS)] == []


async def test_a_reopened_case_leaves_the_resolutions_until_resolved_again(
    client: httpx.AsyncClient, people: Personas
) -> None:
    owner = people.owner
    case = await open_case(client, owner, "ana")
    await propose(client, owner, case["number"])
    await confirm(client, case["status_token"], fixed=True, satisfaction=5)
    assert (await summary(client, owner))["confirmed_resolutions"] == 1

    await customer_writes(client, case["status_token"])

    report = await summary(client, owner)
    assert report["confirmed_resolutions"] == 0
    assert report["resolved"] == 0
    assert report["reopen_rate"] is None
    assert report["contacts_per_case"] == 2.0


async def test_empty_desk_reports_unknowns_not_zeros(
    client: httpx.AsyncClient, people: Personas
) -> None:
    report = await summary(client, people.other)
    assert report["confirmed_resolutions"] == 0
    assert report["auto_resolved"] == 0
    assert report["reopen_rate"] is None
    assert report["median_time_to_confirmed_resolution_hours"] is None
    assert report["contacts_per_case"] is None
    assert report["repeated_step_share"] is None
    assert report["escalation_round_trip_hours"] == {
        "median": None,
        "p90": None,
        "answered": 0,
        "unanswered_overdue": 0,
    }
    assert report["satisfaction"] == {"average": None, "responses": 0}
    assert report["by_rep"] == []


async def test_window_decides_what_counts(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    owner = people.owner
    old = await open_case(client, owner, "ana")
    await step(client, owner, old["number"], "Check the cables")
    await propose(client, owner, old["number"])
    await confirm(client, old["status_token"], fixed=True, satisfaction=4)
    await open_case(client, owner, "bo")

    now = utcnow()
    long_ago = now - timedelta(days=40)
    await set_case_times(
        database, old["number"], created=long_ago, resolved=long_ago + timedelta(hours=6)
    )
    async with database.unit_of_work() as session:
        await session.execute(
            update(Step).where(Step.case_id == case_id(old["number"])).values(created_at=long_ago)
        )

    default = await summary(client, owner)
    assert (default["confirmed_resolutions"], default["cases_opened"], default["steps"]) == (
        0,
        1,
        0,
    )
    assert default["by_rep"] == []

    wide = await summary(client, owner, since=(now - timedelta(days=45)).isoformat())
    assert (wide["confirmed_resolutions"], wide["cases_opened"], wide["steps"]) == (1, 2, 1)
    assert wide["median_time_to_confirmed_resolution_hours"] == 6.0
    assert wide["satisfaction"] == {"average": 4.0, "responses": 1}

    # until is exclusive: a window ending at the moment of resolution leaves it out.
    narrow = await summary(
        client,
        owner,
        since=(long_ago - timedelta(days=1)).isoformat(),
        until=(long_ago + timedelta(hours=6)).isoformat(),
    )
    assert (narrow["confirmed_resolutions"], narrow["cases_opened"], narrow["steps"]) == (0, 1, 1)
    assert narrow["since"].startswith((long_ago - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))


async def test_until_must_come_after_since(client: httpx.AsyncClient, people: Personas) -> None:
    response = await client.get(
        URL,
        headers=people.owner.headers,
        params={"since": "2026-06-02T00:00:00Z", "until": "2026-06-01T00:00:00Z"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("until:")


async def test_window_over_366_days_is_refused(client: httpx.AsyncClient, people: Personas) -> None:
    response = await client.get(
        URL,
        headers=people.owner.headers,
        params={"since": "2025-01-01T00:00:00Z", "until": "2026-01-03T00:00:00Z"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("since:")
    assert "366" in response.json()["detail"]


async def test_a_malformed_date_names_its_field(
    client: httpx.AsyncClient, people: Personas
) -> None:
    response = await client.get(URL, headers=people.owner.headers, params={"until": "yesterday"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["until"]


async def test_any_rep_may_read_the_summary_but_nobody_else(
    client: httpx.AsyncClient, people: Personas
) -> None:
    for rep in (people.owner, people.other, people.specialist, people.lead):
        assert (await client.get(URL, headers=rep.headers)).status_code == 200
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(URL, headers=people.stranger)).status_code == 401
