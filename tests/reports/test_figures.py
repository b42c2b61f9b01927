"""Figures per desk, team, rep and week, over histories built through the API, on both
databases; and who may read which of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.builders import Person, Personas, make_rep, set_shift
from tests.reports.support import (
    build_desk_history,
    confirm,
    open_case,
    propose,
    set_case_times,
    step,
)
from throughline.config import Settings
from throughline.db import Database
from throughline.models import utcnow

FIGURES = "/api/v1/reports/figures"
WEEKLY = "/api/v1/reports/weekly"
PHONE_FLOW = "phone-charging-or-sim"


async def _get(
    client: httpx.AsyncClient, url: str, person: Person, **params: Any
) -> dict[str, Any]:
    response = await client.get(url, headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def _solve_by_flow(client: httpx.AsyncClient) -> None:
    """A customer runs the phone flow: no SIM → airplane mode → "that fixed it"."""
    run = (await client.post(f"/api/v1/flows/{PHONE_FLOW}/runs", json={"channel": "chat"})).json()
    for choice in (2, 1):
        response = await client.post(
            f"/api/v1/flow-runs/{run['token']}/answer",
            json={"node": run["node"]["id"], "choice": choice},
        )
        run = response.json()
    assert run["state"] == "solved"


async def _billing_history(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> Person:
    """Bea, in Billing, fixes one chat case in 6 hours (rated 5) after three steps."""
    await set_shift(database, people.owner, False)
    bea = await make_rep(database, "Bea Billing", teams=["Billing"])
    case = await client.post(
        "/api/v1/cases",
        headers=bea.headers,
        json={
            "customer": {"email": "fay@example.org", "name": "Fay"},
            "subject": "Charged twice",
            "body": "My card was charged twice this month.",
            "severity": 3,
            "channel": "chat",
        },
    )
    assert case.status_code == 201, case.text
    number = case.json()["number"]
    for what in ("Check the invoice", "Refund the duplicate", "Clear the card cache"):
        await step(client, bea, number, what)
    await propose(client, bea, number)
    await confirm(client, case.json()["status_token"], fixed=True, satisfaction=5)
    now = utcnow()
    await set_case_times(
        database, number, created=now - timedelta(hours=7), resolved=now - timedelta(hours=1)
    )
    return bea


async def _history(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> Person:
    await build_desk_history(client, database, settings, people)
    await _solve_by_flow(client)
    return await _billing_history(client, database, people)


def _by_name(rows: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {row[kind]["name"]: row["figures"] for row in rows}


async def test_a_lead_reads_desk_team_and_rep_figures(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    bea = await _history(client, database, settings, people)

    report = await _get(client, FIGURES, people.lead)

    desk = report["desk"]
    assert (desk["confirmed_resolutions"], desk["auto_resolved"], desk["resolved"]) == (4, 1, 5)
    assert (desk["reopened"], desk["reopen_rate"]) == (1, 0.2)
    assert desk["self_service_resolutions"] == 1
    # Opened → confirmed: 2 h, 4 h, 6 h, 10 h.
    assert desk["time_to_confirmed_resolution_hours"] == {"median": 5.0, "p90": 8.8, "count": 4}
    assert (desk["cases_opened"], desk["contacts_per_case"]) == (6, 1.33)  # 8 contacts / 6
    assert (desk["steps"], desk["repeated_steps"], desk["repeated_step_share"]) == (6, 1, 0.1667)
    assert desk["escalations"] == {
        "round_trip_hours": {"median": 3.0, "p90": 4.6, "count": 2},
        "overdue": 1,
    }
    # Ratings 5, 3, 2 and Bea's 5.
    assert desk["satisfaction"] == {"mean": 3.75, "responses": 4, "share_4_or_5": 0.5}
    assert desk["cases_per_channel"] == {"api": 5, "chat": 1}

    teams = _by_name(report["teams"], "team")
    assert set(teams) == {"Billing", "Tier 2"}
    # Billing: Bea's case, and the escalation sent to Billing still unanswered.
    billing = teams["Billing"]
    assert (billing["confirmed_resolutions"], billing["cases_opened"]) == (1, 1)
    assert billing["time_to_confirmed_resolution_hours"] == {
        "median": 6.0,
        "p90": 6.0,
        "count": 1,
    }
    assert billing["escalations"]["overdue"] == 1
    assert billing["self_service_resolutions"] is None
    assert billing["cases_per_channel"] == {"chat": 1}
    # Tier 2 owns no case; its figures are the escalations it answered.
    tier2 = teams["Tier 2"]
    assert tier2["confirmed_resolutions"] == 0
    assert tier2["escalations"] == {
        "round_trip_hours": {"median": 3.0, "p90": 4.6, "count": 2},
        "overdue": 0,
    }

    reps = _by_name(report["reps"], "rep")
    assert list(reps) == ["Bea Billing", "Olivia Owner", "Sid Specialist"]  # by name, no ranking
    olivia = reps["Olivia Owner"]
    assert (olivia["confirmed_resolutions"], olivia["reopened"], olivia["resolved"]) == (3, 1, 4)
    assert olivia["time_to_confirmed_resolution_hours"] == {"median": 4.0, "p90": 8.8, "count": 3}
    assert olivia["satisfaction"] == {"mean": 3.33, "responses": 3, "share_4_or_5": 0.3333}
    assert (olivia["steps"], olivia["repeated_steps"]) == (3, 1)
    assert reps["Sid Specialist"]["escalations"]["round_trip_hours"]["count"] == 2
    assert reps["Bea Billing"]["satisfaction"]["share_4_or_5"] == 1.0
    assert reps["Bea Billing"]["steps"] == 3
    assert report["reps"][0]["rep"]["id"] == bea.id


async def test_team_and_rep_filters_narrow_every_figure(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    bea = await _history(client, database, settings, people)
    teams = {
        t["team"]["name"]: t["team"]["id"]
        for t in (await _get(client, FIGURES, people.lead))["teams"]
    }

    billing = await _get(client, FIGURES, people.lead, team=teams["Billing"])
    assert billing["team_id"] == teams["Billing"]
    assert billing["desk"]["confirmed_resolutions"] == 1
    assert billing["desk"]["self_service_resolutions"] is None
    assert [r["rep"]["name"] for r in billing["reps"]] == ["Bea Billing"]
    assert [t["team"]["name"] for t in billing["teams"]] == ["Billing"]

    olivia = await _get(client, FIGURES, people.lead, rep=people.owner.id)
    assert olivia["desk"]["confirmed_resolutions"] == 3
    assert olivia["desk"]["cases_per_channel"] == {"api": 5}
    assert [r["rep"]["name"] for r in olivia["reps"]] == ["Olivia Owner"]

    mine = await _get(client, FIGURES, bea, rep=bea.id)
    assert mine["desk"]["satisfaction"]["mean"] == 5.0


async def test_a_rep_sees_desk_totals_and_only_their_own_figures(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await _history(client, database, settings, people)

    report = await _get(client, FIGURES, people.owner)
    assert report["desk"]["confirmed_resolutions"] == 4
    assert [r["rep"]["name"] for r in report["reps"]] == ["Olivia Owner"]
    assert report["teams"] == []

    refused = await client.get(
        FIGURES, headers=people.owner.headers, params={"rep": people.specialist.id}
    )
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("rep:")


async def test_a_specialist_sees_their_team_but_not_another(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await _history(client, database, settings, people)
    lead_view = await _get(client, FIGURES, people.lead)
    teams = {t["team"]["name"]: t["team"]["id"] for t in lead_view["teams"]}

    report = await _get(client, FIGURES, people.specialist)
    assert [t["team"]["name"] for t in report["teams"]] == ["Tier 2"]
    assert [r["rep"]["name"] for r in report["reps"]] == ["Sid Specialist"]
    assert (await _get(client, FIGURES, people.specialist, team=teams["Tier 2"]))["team_id"]

    for url in (FIGURES, WEEKLY):
        refused = await client.get(
            url, headers=people.specialist.headers, params={"team": teams["Billing"]}
        )
        assert refused.status_code == 403
        assert refused.json()["detail"].startswith("team:")
    assert (await client.get(FIGURES)).status_code == 401
    assert (await client.get(WEEKLY, headers=people.stranger)).status_code == 401


async def test_weekly_series_put_each_resolution_in_its_week(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    owner = people.owner
    now = utcnow()
    since = now - timedelta(days=21)
    # One confirmed case resolved in each of the first and third week; one opened in week two.
    for who, created, hours in (("ana", 1, 3), ("bo", 15, 5)):
        case = await open_case(client, owner, who)
        await propose(client, owner, case["number"])
        await confirm(client, case["status_token"], fixed=True, satisfaction=4)
        opened = since + timedelta(days=created)
        await set_case_times(
            database, case["number"], created=opened, resolved=opened + timedelta(hours=hours)
        )
    waiting = await open_case(client, owner, "cy")
    await set_case_times(database, waiting["number"], created=since + timedelta(days=8))

    series = await _get(client, WEEKLY, people.lead, since=since.isoformat(), until=now.isoformat())

    weeks = series["weeks"]
    assert len(weeks) == 3
    assert [w["figures"]["confirmed_resolutions"] for w in weeks] == [1, 0, 1]
    assert [w["figures"]["cases_opened"] for w in weeks] == [1, 1, 1]
    assert [w["figures"]["time_to_confirmed_resolution_hours"]["median"] for w in weeks] == [
        3.0,
        None,
        5.0,
    ]
    assert weeks[1]["week_start"].startswith((since + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    mine = await _get(client, WEEKLY, owner, rep=owner.id, since=since.isoformat())
    assert sum(w["figures"]["confirmed_resolutions"] for w in mine["weeks"]) == 2
