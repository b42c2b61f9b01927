"""Similar solved cases: the owner of a new case sees how the same problem was fixed before."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import Personas, create_case
from tests.cases.support import customer_writes
from tests.search.similar_eval import evaluate, labelled_cases
from tests.search.support import solved_case
from throughline.config import Settings
from throughline.db import Database


async def _similar(client: httpx.AsyncClient, people: Personas, number: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{number}/similar", headers=people.owner.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_resolved_look_alikes_come_first_with_what_fixed_them(
    client: httpx.AsyncClient, people: Personas
) -> None:
    printer, _token = await solved_case(
        client,
        people.owner,
        subject="Printer shows offline after the Windows update",
        body="Since the update my office printer says offline, nothing prints.",
        steps=[
            ("Restarted the printer", "did_not_work"),
            ("Reinstalled the printer driver from the vendor site", "worked"),
        ],
        resolution="The update replaced the driver; the vendor driver brought it back online.",
    )
    await solved_case(
        client,
        people.owner,
        subject="Charged twice for March",
        body="My card was charged twice for the March invoice.",
        steps=[("Refunded the duplicate charge", "worked")],
        resolution="Refunded the duplicate payment.",
        email="kofi@example.org",
    )
    new = await create_case(
        client,
        people.owner,
        subject="printer offline",
        body="After last night's update the printer is offline and the queue is stuck.",
        customer={"email": "ines@example.org", "name": "Ines"},
    )
    panel = await _similar(client, people, new["number"])
    assert "printer" in panel["words"]
    assert "the" not in panel["words"]
    assert [c["case"] for c in panel["cases"]] == [printer]
    best = panel["cases"][0]
    assert best["worked"] == ["Reinstalled the printer driver from the vendor site"]
    assert best["resolution_summary"].startswith("The update replaced the driver")
    assert best["url"] == f"/app/cases/{printer}"


async def test_open_and_reopened_cases_are_not_offered(
    client: httpx.AsyncClient, people: Personas
) -> None:
    await create_case(
        client, people.owner, subject="VPN drops hourly", body="The VPN drops every hour."
    )
    other = await create_case(
        client,
        people.owner,
        subject="VPN disconnects every hour",
        body="VPN drops each hour",
        customer={"email": "kofi@example.org", "name": "Kofi"},
    )
    assert (await _similar(client, people, other["number"]))["cases"] == []
    solved, token = await solved_case(
        client,
        people.owner,
        subject="VPN drops every hour",
        body="The VPN disconnects every hour on the hour.",
        steps=[("Raised the session lifetime", "worked")],
        resolution="The VPN session lifetime was one hour.",
        email="lena@example.org",
    )
    assert [c["case"] for c in (await _similar(client, people, other["number"]))["cases"]] == [
        solved
    ]
    assert solved not in [c["case"] for c in (await _similar(client, people, solved))["cases"]]


async def test_unknown_case_and_strangers(client: httpx.AsyncClient, people: Personas) -> None:
    missing = await client.get("/api/v1/cases/TL-999999/similar", headers=people.owner.headers)
    assert missing.status_code == 404
    created = await create_case(client, people.owner)
    refused = await client.get(
        f"/api/v1/cases/{created['number']}/similar", headers=people.stranger
    )
    assert refused.status_code == 401


async def test_a_reply_reopening_a_solved_case_takes_it_out(
    client: httpx.AsyncClient, people: Personas
) -> None:
    solved, token = await solved_case(
        client,
        people.owner,
        subject="Screen flickers on the external monitor",
        body="The second monitor flickers when the laptop charges.",
        steps=[("Replaced the USB-C cable", "worked")],
        resolution="A faulty cable; a certified USB-C cable fixed the flicker.",
    )
    new = await create_case(
        client,
        people.owner,
        subject="external monitor flickers",
        body="My external monitor flickers while charging",
        customer={"email": "kofi@example.org", "name": "Kofi"},
    )
    assert [c["case"] for c in (await _similar(client, people, new["number"]))["cases"]] == [solved]
    assert (await customer_writes(client, token, "It flickers again")).status_code == 201
    assert (await _similar(client, people, new["number"]))["cases"] == []


async def test_recall_at_5_on_the_labelled_set(database: Database, settings: Settings) -> None:
    """Measured 0.767 (SQLite, BM25) and 0.741 (PostgreSQL, ts_rank) on 229 cases in 25
    families; hit@5 0.991 and 0.987. The floors sit just below."""
    quality = await evaluate(database, settings, labelled_cases())
    assert quality.cases >= 200
    assert quality.families >= 20
    floor = 0.75 if database.is_sqlite else 0.72
    assert quality.recall_at_5 >= floor
    assert quality.hit_at_5 >= 0.98
