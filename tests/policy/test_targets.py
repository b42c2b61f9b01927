"""Admins edit the severity and escalation targets; every process applies them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.types import Receive, Scope, Send

from tests.builders import Person, Personas, create_case
from tests.workspace.support import PAGE, give_password, post, sign_in, text_of
from throughline.app import create_app
from throughline.cases.service import NewCase, open_case
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import AuditEntry, DeskPolicy, utcnow
from throughline.policy import service as policy
from throughline.worker.runner import Worker

NEW_SEVERITY = {"severity_1": "0.5", "severity_2": "6", "severity_3": "30", "severity_4": "96"}
NEW_ESCALATION = {
    "escalation_1": "1.5",
    "escalation_2": "5",
    "escalation_3": "10",
    "escalation_4": "30",
}


def fresh_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Another process's settings: read from the environment's defaults, nothing applied yet."""
    return Settings(
        database_url=settings.database_url,
        var_dir=tmp_path / "other-var",
        secret_key="test-secret-key",
        embedded_worker=False,
        base_url="http://testserver",
    )


@pytest.fixture
async def other_process(
    settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[Settings, httpx.AsyncClient]]:
    """A second web process on the same database: its own Settings object and app."""
    other = fresh_settings(settings, tmp_path)
    database = Database.from_settings(other)
    app = create_app(other, database=database, run_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield other, client
    await database.dispose()


def took(shown: dict[str, Any]) -> timedelta:
    return datetime.fromisoformat(shown["due_at"]) - datetime.fromisoformat(shown["created_at"])


async def opened(client: httpx.AsyncClient, person: Person, severity: int) -> dict[str, Any]:
    """Open a case through the API and read it back: its number, created and due times."""
    number = (await create_case(client, person, severity=severity))["number"]
    shown = await client.get(f"/api/v1/cases/{number}", headers=person.headers)
    assert shown.status_code == 200, shown.text
    case: dict[str, Any] = shown.json()
    return case


async def audit_actions(database: Database, action: str) -> list[AuditEntry]:
    async with database.unit_of_work(write=False) as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_admin_saves_targets_and_new_cases_in_another_process_use_them(
    client: httpx.AsyncClient,
    database: Database,
    people: Personas,
    other_process: tuple[Settings, httpx.AsyncClient],
) -> None:
    other, other_client = other_process
    before = await opened(client, people.owner, 2)
    assert took(before) == timedelta(hours=4)

    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    page = text_of((await client.get("/app/admin")).text)
    assert "Not changed here yet" in page

    saved = await post(client, "/app/admin/targets", **NEW_SEVERITY, **NEW_ESCALATION)
    assert saved.status_code == 303
    page = text_of((await client.get(saved.headers["location"])).text)
    assert "Targets saved: new cases and escalations use them from now on." in page
    assert "2 · badly broken 6.0 h 5.0 h" in page
    assert "Last changed by Lena Lead" in page
    assert "existing cases and escalations keep the due times they already have" in page

    # Another web process, started with the environment's targets, takes the saved ones.
    assert other.severity_targets_hours == [1.0, 4.0, 24.0, 72.0]
    after = await opened(other_client, people.owner, 2)
    assert took(after) == timedelta(hours=6)
    assert other.severity_targets_hours == [0.5, 6.0, 30.0, 96.0]
    assert other.escalation_targets_hours == [1.5, 5.0, 10.0, 30.0]
    escalated = await other_client.post(
        f"/api/v1/cases/{after['number']}/escalations",
        headers=people.owner.headers,
        json={"team": "Tier 2", "question": "Is there a line fault every evening?"},
    )
    assert escalated.status_code == 201, escalated.text
    assert took(escalated.json()) == timedelta(hours=5)
    # And the admin's own process, at once.
    urgent = await opened(client, people.owner, 1)
    assert took(urgent) == timedelta(minutes=30)

    # The case opened before the change keeps its due time.
    kept = await client.get(f"/api/v1/cases/{before['number']}", headers=people.owner.headers)
    assert kept.json()["due_at"] == before["due_at"]
    assert took(before) == timedelta(hours=4)

    [entry] = await audit_actions(database, "policy.targets")
    assert entry.actor_rep_id == people.lead.id
    assert entry.data["severity_targets_hours"] == [0.5, 6.0, 30.0, 96.0]
    assert entry.data["severity_before"] == [1.0, 4.0, 24.0, 72.0]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("severity_3", "0", "severity_3: hours until the first answer for severity 3 must be"),
        ("escalation_4", "soon", "escalation_4: hours until the escalation answer for severity 4"),
        ("severity_1", "5000", "severity_1: hours until the first answer for severity 1 must be"),
        ("escalation_2", "", "escalation_2: hours until the escalation answer for severity 2"),
        ("severity_2", "nan", "severity_2: hours until the first answer for severity 2"),
    ],
)
async def test_invalid_targets_are_refused_by_field_and_change_nothing(
    client: httpx.AsyncClient,
    database: Database,
    people: Personas,
    settings: Settings,
    field: str,
    value: str,
    words: str,
) -> None:
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    refused = await post(
        client, "/app/admin/targets", **{**NEW_SEVERITY, **NEW_ESCALATION, field: value}
    )
    assert refused.status_code == 422
    assert words in text_of(refused.text)
    # The form comes back with what was typed, the wrong field marked.
    wrong = re.search(rf'<input [^>]*name="{field}"[^>]*>', refused.text)
    assert wrong is not None
    assert f'value="{value}"' in wrong.group(0)
    assert 'aria-invalid="true"' in wrong.group(0)
    assert settings.severity_targets_hours == [1.0, 4.0, 24.0, 72.0]
    assert settings.escalation_targets_hours == [1.0, 4.0, 8.0, 24.0]
    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(DeskPolicy)) == 0
    assert await audit_actions(database, "policy.targets") == []
    created = await opened(client, people.owner, 2)
    assert took(created) == timedelta(hours=4)


async def test_only_admins_change_the_targets(
    client: httpx.AsyncClient, database: Database, people: Personas, settings: Settings
) -> None:
    await give_password(database, people.lead)  # a lead, not an admin
    await sign_in(client, people.lead)
    assert (await client.get("/app/admin")).status_code == 403
    refused = await post(client, "/app/admin/targets", **NEW_SEVERITY, **NEW_ESCALATION)
    assert refused.status_code == 403
    assert "This page is for admins" in text_of(refused.text)

    await give_password(database, people.owner)
    owner = httpx.AsyncClient(transport=client._transport, base_url=client.base_url, headers=PAGE)
    await sign_in(owner, people.owner)
    assert (await post(owner, "/app/admin/targets", **NEW_SEVERITY)).status_code == 403
    # Signed in as an admin but without the form's CSRF field: refused too.
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    forged = await client.post(
        "/app/admin/targets", data={**NEW_SEVERITY, **NEW_ESCALATION}, headers=PAGE
    )
    assert forged.status_code == 403

    assert settings.severity_targets_hours == [1.0, 4.0, 24.0, 72.0]
    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(DeskPolicy)) == 0


async def test_the_worker_applies_saved_targets_each_round(
    database: Database, people: Personas, settings: Settings, tmp_path: Path
) -> None:
    worker_settings = fresh_settings(settings, tmp_path)
    worker = Worker(database, worker_settings, name="test-worker")
    await worker.run_once()
    assert worker_settings.severity_targets_hours == [1.0, 4.0, 24.0, 72.0]

    # An admin saves in a web process (here: the service with that process's settings).
    async with database.unit_of_work() as session:
        await policy.save(session, settings, CLI, [3, 8, 48, 96], [2, 6, 12, 36])
    assert worker_settings.severity_targets_hours == [1.0, 4.0, 24.0, 72.0]
    await worker.run_once()
    assert worker_settings.severity_targets_hours == [3.0, 8.0, 48.0, 96.0]
    assert worker_settings.escalation_targets_hours == [2.0, 6.0, 12.0, 36.0]

    # What the worker opens (e.g. from mail) is due by the new targets.
    now = utcnow()
    async with database.unit_of_work() as session:
        case, _token = await open_case(
            session,
            NewCase(
                email="maria@example.org",
                name="Maria Gonzalez",
                subject="Printer offline",
                body="It says offline since this morning.",
                severity=3,
                channel="email",
            ),
            settings=worker_settings,
            now=now,
        )
        assert case.due_at == now + timedelta(hours=48)


async def test_a_web_process_reads_the_targets_again_after_ten_seconds(
    database: Database, people: Personas, settings: Settings, tmp_path: Path
) -> None:
    other = fresh_settings(settings, tmp_path)
    seen: list[list[float]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(list(other.severity_targets_hours))

    middleware = policy.PolicyRefresh(app, settings=other, database=database)
    request: Scope = {"type": "http", "path": "/app", "headers": []}

    async def nothing() -> Any:
        return {"type": "http.disconnect"}

    async def ignore(_message: Any) -> None:
        return None

    async with database.unit_of_work() as session:
        await policy.save(session, settings, CLI, [2, 5, 20, 60], [1, 3, 6, 20])
    await middleware(request, nothing, ignore)
    assert seen[-1] == [2.0, 5.0, 20.0, 60.0]

    async with database.unit_of_work() as session:
        await policy.save(session, settings, CLI, [1, 2, 3, 4], [1, 2, 3, 4])
    await middleware(request, nothing, ignore)
    assert seen[-1] == [2.0, 5.0, 20.0, 60.0]  # read less than ten seconds ago
    middleware.last -= policy.REFRESH_SECONDS
    await middleware(request, nothing, ignore)
    assert seen[-1] == [1.0, 2.0, 3.0, 4.0]
    assert len(await audit_actions(database, "policy.targets")) == 2
