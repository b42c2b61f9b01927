"""Cases as reps and customers make them, through the API, for the search tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import Person, create_case
from tests.cases.support import customer_confirms


async def search(client: httpx.AsyncClient, person: Person, **params: Any) -> httpx.Response:
    return await client.get("/api/v1/search", params=params, headers=person.headers)


async def found(client: httpx.AsyncClient, person: Person, q: str, **params: Any) -> list[Any]:
    """The (kind, case) pairs a search finds, best first."""
    response = await search(client, person, q=q, **params)
    assert response.status_code == 200, response.text
    return [(item["kind"], item["case"]) for item in response.json()["items"]]


async def solved_case(
    client: httpx.AsyncClient,
    owner: Person,
    *,
    subject: str,
    body: str,
    steps: list[tuple[str, str]],
    resolution: str,
    email: str = "maria@example.org",
) -> tuple[str, str]:
    """A case opened, worked (steps with outcomes), proposed and confirmed by its customer.
    Returns its number and the customer's status token."""
    created = await create_case(
        client, owner, subject=subject, body=body, customer={"email": email, "name": "Maria"}
    )
    number = created["number"]
    for description, outcome in steps:
        response = await client.post(
            f"/api/v1/cases/{number}/steps",
            json={"description": description, "outcome": outcome},
            headers=owner.headers,
        )
        assert response.status_code == 201, response.text
    response = await client.post(
        f"/api/v1/cases/{number}/propose-resolution",
        json={"summary": resolution},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    confirmed = await customer_confirms(client, created["status_token"], fixed=True)
    assert confirmed.status_code == 200, confirmed.text
    return str(number), str(created["status_token"])
