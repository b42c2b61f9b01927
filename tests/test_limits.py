"""Limits a client runs into: oversized requests and floods of customer messages."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import Personas, case_body, create_case
from throughline.app import create_app
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.limits import RateLimit


async def test_oversized_request_is_refused_with_413(
    client: httpx.AsyncClient, people: Personas
) -> None:
    body = case_body(body="x" * 2_000_000)
    response = await client.post("/api/v1/cases", json=body, headers=people.owner.headers)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    listing = await client.get("/api/v1/cases", headers=people.owner.headers)
    assert listing.json()["items"] == []


async def test_customer_routes_are_rate_limited_per_client(
    settings: Settings, database: Database, people: Personas
) -> None:
    limited = settings.model_copy(update={"customer_requests_per_minute": 3})
    app = create_app(limited, database=database, run_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = (await create_case(client, people.owner))["status_token"]
        codes = [
            (
                await client.post(f"/api/v1/status/{token}/messages", json={"body": f"hello {i}"})
            ).status_code
            for i in range(5)
        ]
        assert codes == [201, 201, 201, 429, 429]
        # Reps' routes are not affected by the customers' limit.
        assert (
            await client.get("/api/v1/worklist", headers=people.owner.headers)
        ).status_code == 200


@pytest.mark.parametrize("elapsed", [0.0, 20.0, 61.0])
def test_bucket_refills_with_time(elapsed: float) -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("not called")

    limit = RateLimit(app, prefix="/x", per_minute=3)  # type: ignore[arg-type]
    assert all(limit.allow("a", 100.0) for _ in range(3))
    assert not limit.allow("a", 100.0)
    assert limit.allow("b", 100.0)  # another client has its own bucket
    assert limit.allow("a", 100.0 + elapsed) is (elapsed >= 20.0)
