"""The application as a client meets it: auth, bad input, health, and the API's map."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from tests.builders import Personas, case_body, create_case
from throughline.config import Settings
from throughline.db import Database
from throughline.models import WorkerHeartbeat, utcnow
from throughline.worker.runner import Worker

REP_ROUTES = [
    ("GET", "/api/v1/cases"),
    ("POST", "/api/v1/cases"),
    ("GET", "/api/v1/cases/TL-1001"),
    ("GET", "/api/v1/worklist"),
    ("POST", "/api/v1/reps/me/shift"),
    ("POST", "/api/v1/cases/TL-1001/messages"),
    ("POST", "/api/v1/cases/TL-1001/steps"),
    ("POST", "/api/v1/cases/TL-1001/escalations"),
    ("GET", "/api/v1/teams/Tier 2/escalations"),
    ("POST", "/api/v1/escalations/1/answer"),
    ("POST", "/api/v1/cases/TL-1001/follow-ups"),
    ("POST", "/api/v1/cases/TL-1001/handoff"),
    ("POST", "/api/v1/cases/TL-1001/propose-resolution"),
]


async def test_rep_routes_need_a_token(client: httpx.AsyncClient, people: Personas) -> None:
    for method, path in REP_ROUTES:
        response = await client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "token" in response.json()["detail"]

        response = await client.request(method, path, json={}, headers=people.stranger)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_other_schemes_and_empty_tokens_are_refused(
    client: httpx.AsyncClient, people: Personas
) -> None:
    for value in (f"Basic {people.owner.token}", "Bearer", "Bearer ", people.owner.token):
        response = await client.get("/api/v1/worklist", headers={"Authorization": value})
        assert response.status_code == 401, value
    assert (await client.get("/api/v1/worklist", headers=people.owner.headers)).status_code == 200


async def test_nothing_is_created_without_a_valid_token(
    client: httpx.AsyncClient, people: Personas
) -> None:
    response = await client.post("/api/v1/cases", json=case_body(), headers=people.stranger)
    assert response.status_code == 401
    listing = await client.get("/api/v1/cases", headers=people.owner.headers)
    assert listing.json()["items"] == []


async def test_unknown_fields_are_named(client: httpx.AsyncClient, people: Personas) -> None:
    response = await client.post(
        "/api/v1/cases", headers=people.owner.headers, json=case_body(priority="vip")
    )
    assert response.status_code == 422
    assert "priority" in response.json()["detail"]
    assert [e["field"] for e in response.json()["errors"]] == ["priority"]

    nested = case_body(customer={"email": "a@example.org", "name": "A", "vip": True})
    response = await client.post("/api/v1/cases", headers=people.owner.headers, json=nested)
    assert response.status_code == 422
    assert "customer.vip" in response.json()["detail"]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"subject": "x",}', b"", b"\xff\xfe{}", b"[1, 2]", b"null", b'"text"'],
)
async def test_malformed_json_is_a_422_never_a_500(
    client: httpx.AsyncClient, people: Personas, content: bytes
) -> None:
    response = await client.post(
        "/api/v1/cases",
        headers={**people.owner.headers, "Content-Type": "application/json"},
        content=content,
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_malformed_json_on_the_public_status_routes(
    client: httpx.AsyncClient, people: Personas
) -> None:
    token = (await create_case(client, people.owner))["status_token"]
    for path in (f"/api/v1/status/{token}/messages", f"/api/v1/status/{token}/confirm"):
        response = await client.post(
            path, headers={"Content-Type": "application/json"}, content=b"{oops"
        )
        assert response.status_code == 422, response.text


async def test_an_oversized_text_is_refused(client: httpx.AsyncClient, people: Personas) -> None:
    huge = "x" * 100_001
    response = await client.post(
        "/api/v1/cases", headers=people.owner.headers, json=case_body(body=huge)
    )
    assert response.status_code == 422
    assert "body" in response.json()["detail"]

    created = await create_case(client, people.owner)
    number, token = created["number"], created["status_token"]
    response = await client.post(
        f"/api/v1/cases/{number}/messages", headers=people.owner.headers, json={"body": huge}
    )
    assert response.status_code == 422
    response = await client.post(f"/api/v1/status/{token}/messages", json={"body": huge})
    assert response.status_code == 422

    just_fits = "y" * 100_000
    response = await client.post(
        f"/api/v1/cases/{number}/messages",
        headers=people.owner.headers,
        json={"body": just_fits, "internal": True},
    )
    assert response.status_code == 201


async def test_healthz(client: httpx.AsyncClient, backend: str) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    health = response.json()
    assert health == {
        "status": "ok",
        "database": backend,
        "worker": None,
        "statements": health["statements"],
    }
    # What this process has sent the database, counting the health check's own statements.
    assert health["statements"] >= 2
    assert (await client.get("/healthz")).json()["statements"] > health["statements"]


async def test_healthz_shows_when_the_worker_was_last_seen(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await Worker(database, settings, name="worker-a").run_once()
    worker = (await client.get("/healthz")).json()["worker"]
    assert worker["name"] == "worker-a"
    assert worker["stale"] is False
    async with database.unit_of_work() as session:
        await session.execute(update(WorkerHeartbeat).values(seen_at=utcnow() - timedelta(hours=1)))
    worker = (await client.get("/healthz")).json()["worker"]
    assert worker["stale"] is True
    assert worker["age_seconds"] >= 3600


EXPECTED_PATHS = [
    "/api/v1/cases",
    "/api/v1/cases/{number}",
    "/api/v1/worklist",
    "/api/v1/reps/me/shift",
    "/api/v1/cases/{number}/messages",
    "/api/v1/cases/{number}/steps",
    "/api/v1/cases/{number}/escalations",
    "/api/v1/teams/{team}/escalations",
    "/api/v1/escalations/{escalation_id}/answer",
    "/api/v1/cases/{number}/follow-ups",
    "/api/v1/cases/{number}/handoff",
    "/api/v1/cases/{number}/propose-resolution",
    "/api/v1/status/{token}",
    "/api/v1/status/{token}/messages",
    "/api/v1/status/{token}/confirm",
]


async def openapi_paths(client: httpx.AsyncClient) -> set[str]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return set(response.json()["paths"])


async def test_openapi_lists_every_route_of_the_case_journey(client: httpx.AsyncClient) -> None:
    paths = await openapi_paths(client)
    missing = [path for path in EXPECTED_PATHS if path not in paths]
    assert missing == []


async def test_openapi_lists_remedy_actions_and_reports(client: httpx.AsyncClient) -> None:
    paths = await openapi_paths(client)
    assert "/api/v1/cases/{number}/actions" in paths
    assert any(re.fullmatch(r"/api/v1/actions/\{[a-z_]+\}/decision", path) for path in paths)
    assert "/api/v1/reports/summary" in paths


async def test_nul_characters_are_refused_on_both_engines(
    client: httpx.AsyncClient, people: Personas
) -> None:
    """PostgreSQL cannot store U+0000; SQLite can. Both must answer the same clear 422."""
    created = await create_case(client, people.owner)
    number, token = created["number"], created["status_token"]
    headers = people.owner.headers
    bodies = [
        ("/api/v1/cases", case_body(subject="Wi-Fi\u0000"), "subject"),
        ("/api/v1/cases", case_body(environment={"os": "Linux\u0000"}), "environment"),
        (f"/api/v1/cases/{number}/messages", {"body": "a\u0000b"}, "body"),
        (f"/api/v1/cases/{number}/steps", {"description": "x\u0000", "outcome": "worked"}, "desc"),
        (f"/api/v1/status/{token}/messages", {"body": "a\u0000b"}, "body"),
    ]
    for path, body, field in bodies:
        response = await client.post(path, headers=headers, json=body)
        assert response.status_code == 422, (path, response.text)
        assert field in response.json()["detail"]
    for path in (
        "/api/v1/cases?channel=chat%00",
        "/api/v1/cases?owner=a%00b",
        "/api/v1/teams/Tier%002/escalations",
        f"/api/v1/status/{token}%00",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 422, (path, response.text)
    case = (await client.get(f"/api/v1/cases/{number}", headers=headers)).json()
    assert case["contact_count"] == 1
    assert [e["kind"] for e in case["timeline"] if e["kind"] in ("message_out", "step")] == []
