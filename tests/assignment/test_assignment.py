"""Who gets a case, through the API, on SQLite and PostgreSQL (principles 1, 2 and 7)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import Person, create_case, make_rep
from throughline.db import Database


async def _case(client: httpx.AsyncClient, person: Person, number: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{number}", headers=person.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _customer(email: str, name: str = "Ada Customer") -> dict[str, str]:
    return {"email": email, "name": name}


async def _propose(client: httpx.AsyncClient, person: Person, number: str) -> None:
    response = await client.post(
        f"/api/v1/cases/{number}/propose-resolution",
        headers=person.headers,
        json={"summary": "Fixed by the steps above."},
    )
    assert response.status_code == 200, response.text


async def _shift(client: httpx.AsyncClient, person: Person, *, on: bool) -> dict[str, Any]:
    response = await client.post("/api/v1/reps/me/shift", headers=person.headers, json={"on": on})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_returning_customer_goes_back_to_their_rep_by_one_above_capacity(
    client: httpx.AsyncClient, database: Database
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    rita = await make_rep(database, "Rita Returning", capacity=1)
    other = await make_rep(database, "Otto Other", capacity=5, on_shift=False)
    ada = _customer("ada@example.org")

    first = await create_case(client, desk, customer=ada)
    assert first["owner"]["id"] == rita.id
    # Rita's one slot goes to somebody else's case while Ada's first case is resolved.
    await _propose(client, rita, first["number"])
    confirmed = await client.post(
        f"/api/v1/status/{first['status_token']}/confirm", json={"fixed": True}
    )
    assert confirmed.json()["status"] == "resolved"
    stranger = await create_case(client, desk, customer=_customer("bo@example.org", "Bo"))
    assert stranger["owner"]["id"] == rita.id
    await _shift(client, other, on=True)  # Otto has room, but Ada is Rita's customer

    again = await create_case(client, desk, customer=ada, subject="Printer offline again")
    assert again["owner"]["id"] == rita.id, "a returning customer goes back to their rep"
    worklist = (await client.get("/api/v1/worklist", headers=rita.headers)).json()
    assert (worklist["capacity"], worklist["active_cases"]) == (1, 2)
    entries = [e for e in (await _case(client, rita, again["number"]))["timeline"]]
    owner_entries = [e for e in entries if e["kind"] == "owner_change"]
    assert [e["data"]["why"] for e in owner_entries] == ["returning customer"]

    # Capacity + 1 is the limit: a third case of Ada's waits, with Rita noted.
    third = await create_case(client, desk, customer=ada, subject="Scanner too")
    assert third["owner"]["id"] == other.id, "above capacity + 1 the queue decides"
    worklist = (await client.get("/api/v1/worklist", headers=rita.headers)).json()
    assert worklist["active_cases"] == 2
    assert (await _case(client, other, third["number"]))["previous_owner"]["id"] == rita.id


async def test_returning_customer_waits_with_previous_owner_noted_when_rep_is_off_shift(
    client: httpx.AsyncClient, database: Database
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    rita = await make_rep(database, "Rita Returning", capacity=3)
    ada = _customer("ada@example.org")
    first = await create_case(client, desk, customer=ada)
    assert first["owner"]["id"] == rita.id
    await _shift(client, rita, on=False)

    again = await create_case(client, desk, customer=ada, subject="Still offline")
    assert again["owner"] is None
    assert again["status"] == "new"
    case = await _case(client, desk, again["number"])
    assert case["previous_owner"]["id"] == rita.id
    assert case["owner"] is None
    notes = [e["body"] for e in case["timeline"] if e["kind"] == "note"]
    assert any("Rita Returning helped them last" in (body or "") for body in notes)
    # Rita still has her first case: going off shift never takes a case away.
    assert (await _case(client, desk, first["number"]))["owner"]["id"] == rita.id
    # Nobody else is on shift, so it stays in the queue for the next rep with room.
    listed = await client.get("/api/v1/cases?unowned=true", headers=desk.headers)
    assert [c["number"] for c in listed.json()["items"]] == [again["number"]]


async def test_plan_tier_never_changes_order_only_severity_and_arrival(
    client: httpx.AsyncClient, database: Database
) -> None:
    desk = await make_rep(database, "Dana Desk", on_shift=False, lead=True)
    solo = await make_rep(database, "Sol Solo", capacity=1, on_shift=False)
    arrivals = [  # (label, plan tier, severity), in order of arrival
        ("enterprise-sev3", "enterprise", 3),
        ("free-sev4", "free", 4),
        ("enterprise-sev4", "enterprise", 4),
        ("free-sev1", "free", 1),
        ("enterprise-sev2", "enterprise", 2),
        ("free-sev2", "free", 2),
    ]
    numbers: dict[str, str] = {}
    for label, tier, severity in arrivals:
        created = await create_case(
            client,
            desk,
            customer=_customer(f"{label}@example.org", label),
            subject=f"Problem of {label}",
            severity=severity,
            plan_tier=tier,
        )
        assert created["owner"] is None, "nobody is on shift yet: every case waits"
        numbers[created["number"]] = label

    shift = await _shift(client, solo, on=True)
    assert shift["pulled"] == 1
    served: list[str] = []
    for _ in arrivals:
        worklist = (await client.get("/api/v1/worklist", headers=solo.headers)).json()
        new = [item["number"] for item in worklist["items"] if item["reason"] == "new"]
        assert len(new) == 1, worklist
        served.append(numbers[new[0]])
        # Proposing a fix frees Sol's one slot, which pulls the next case due.
        await _propose(client, solo, new[0])

    assert served == [
        "free-sev1",  # due in 1 hour beats the enterprise sev-3 that came first
        "enterprise-sev2",  # equal severity: arrival order, whatever the tier
        "free-sev2",
        "enterprise-sev3",
        "free-sev4",
        "enterprise-sev4",
    ]
