"""Admins change a remedy's default limit: what every rep may grant without approval."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.builders import Person, Personas, create_case
from tests.workspace.support import give_password, post, sign_in, text_of
from throughline.cli import app
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import AuditEntry, Rep, utcnow
from throughline.remedies import service


@pytest.fixture
async def catalogue(database: Database) -> None:
    async with database.unit_of_work() as session:
        await service.seed_catalogue(session, now=utcnow())


async def refund(client: httpx.AsyncClient, person: Person, amount: str) -> dict[str, Any]:
    number = (await create_case(client, person))["number"]
    response = await client.post(
        f"/api/v1/cases/{number}/actions",
        json={"kind": "refund", "amount": amount, "note": "Two days without service."},
        headers=person.headers,
    )
    assert response.status_code == 201, response.text
    action: dict[str, Any] = response.json()
    return action


async def default_limit(database: Database, key: str) -> Decimal:
    async with database.unit_of_work(write=False) as session:
        remedy = await service.get_remedy(session, key)
        return remedy.default_limit


@pytest.mark.usefixtures("catalogue")
async def test_admin_raises_a_default_limit_and_reps_grant_more_without_approval(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    # The owner's refund of 70 is above the seeded default (50): it waits for approval.
    assert (await refund(client, people.owner, "70"))["status"] == "pending_approval"
    # Oscar has his own limit of 20, which a new default does not touch.
    async with database.unit_of_work() as session:
        oscar = await session.get(Rep, people.other.id)
        assert oscar is not None
        remedy = await service.get_remedy(session, "refund")
        await service.set_rep_limit(session, oscar, remedy, limit=Decimal("20"), actor=CLI)

    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    saved = await post(client, "/app/admin/remedies/refund/limit", limit="80")
    assert saved.status_code == 303
    page = text_of((await client.get(saved.headers["location"])).text)
    assert "Default limit saved." in page
    assert "Refund refund money 80.00" in page

    within = await refund(client, people.owner, "70")
    assert (within["status"], within["limit"]) == ("done", "80.00")
    assert within["words"] == "Done: within your limit of 80.00"
    above = await refund(client, people.owner, "90")
    assert above["status"] == "pending_approval"
    async with database.unit_of_work(write=False) as session:
        remedy = await service.get_remedy(session, "refund")
        assert await service.limit_for(session, people.other.id, remedy) == 20

    [entry] = [
        e for e in await _audit(database, "remedy.default_limit") if e.data["key"] == "refund"
    ]
    assert entry.actor_rep_id == people.lead.id
    assert (entry.data["limit"], entry.data["before"]) == ("80.00", "50.00")


async def _audit(database: Database, action: str) -> list[AuditEntry]:
    async with database.unit_of_work(write=False) as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("url", "limit", "words", "status"),
    [
        ("/app/admin/remedies/refund/limit", "-5", "limit: must be 0 or more", 422),
        (
            "/app/admin/remedies/refund/limit",
            "lots",
            "limit: the default limit must be a number",
            422,
        ),
        ("/app/admin/remedies/refund/limit", "1.005", "limit: at most 2 decimals", 422),
        ("/app/admin/remedies/replacement/limit", "1.5", "limit:", 422),
        ("/app/admin/remedies/pony/limit", "5", "kind: no remedy 'pony'", 422),
    ],
)
async def test_a_wrong_default_limit_is_refused_by_field_and_changes_nothing(
    client: httpx.AsyncClient,
    database: Database,
    people: Personas,
    url: str,
    limit: str,
    words: str,
    status: int,
) -> None:
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    refused = await post(client, url, limit=limit)
    assert refused.status_code == status
    assert words in text_of(refused.text)
    assert await default_limit(database, "refund") == Decimal("50")
    assert await default_limit(database, "replacement") == Decimal("1")
    assert await _audit(database, "remedy.default_limit") == []


@pytest.mark.usefixtures("catalogue")
async def test_only_admins_change_default_limits(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.lead)  # a lead, not an admin
    await sign_in(client, people.lead)
    refused = await post(client, "/app/admin/remedies/refund/limit", limit="500")
    assert refused.status_code == 403
    assert await default_limit(database, "refund") == Decimal("50")
    assert (await refund(client, people.owner, "70"))["status"] == "pending_approval"


def test_the_default_limit_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THROUGHLINE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("THROUGHLINE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("THROUGHLINE_SECRET_KEY", "test-secret-key")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    run("remedy", "add", "refund", "--label", "Refund", "--unit", "money", "--limit", "40")
    changed = run("remedy", "limit", "--default", "--kind", "refund", "--limit", "65")
    assert changed.strip() == "Every rep without their own limit may now grant Refund up to 65.00."
    assert run("remedy", "list").split() == ["refund", "Refund", "money", "limit", "65.00"]

    both = run(
        "remedy",
        "limit",
        "--default",
        "--rep",
        "a@b.example",
        "--kind",
        "refund",
        "--limit",
        "1",
        code=2,
    )
    assert "give either --rep (one rep's limit) or --default" in both
    neither = run("remedy", "limit", "--kind", "refund", "--limit", "1", code=2)
    assert "give either --rep" in neither
    wrong = run("remedy", "limit", "--default", "--kind", "refund", "--limit", "-1", code=1)
    assert "limit: must be 0 or more" in wrong
    assert run("remedy", "list").split()[-1] == "65.00"
