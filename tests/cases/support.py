"""Small helpers for API tests of cases, work lists, escalations and status links."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import Person


async def work_items(client: httpx.AsyncClient, person: Person) -> list[tuple[str, str]]:
    """The rep's work list as (case number, reason) pairs, in the order shown."""
    response = await client.get("/api/v1/worklist", headers=person.headers)
    assert response.status_code == 200, response.text
    return [(item["number"], item["reason"]) for item in response.json()["items"]]


async def work_list(client: httpx.AsyncClient, person: Person) -> dict[str, Any]:
    response = await client.get("/api/v1/worklist", headers=person.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def read_case(client: httpx.AsyncClient, person: Person, number: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{number}", headers=person.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def reply(
    client: httpx.AsyncClient, person: Person, number: str, body: str, *, internal: bool = False
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{number}/messages",
        headers=person.headers,
        json={"body": body, "internal": internal},
    )


async def propose(client: httpx.AsyncClient, person: Person, number: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{number}/propose-resolution",
        headers=person.headers,
        json={"summary": "Replaced the router's power supply."},
    )


async def customer_writes(client: httpx.AsyncClient, token: str, body: str) -> httpx.Response:
    return await client.post(f"/api/v1/status/{token}/messages", json={"body": body})


async def customer_confirms(
    client: httpx.AsyncClient, token: str, *, fixed: bool, **extra: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/status/{token}/confirm", json={"fixed": fixed, **extra})


def customer(n: int) -> dict[str, str]:
    """A distinct customer, so that no case goes back to a returning customer's rep."""
    return {"email": f"customer{n}@example.org", "name": f"Customer {n}"}
