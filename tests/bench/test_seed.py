"""The bulk loader builds a desk the services could have built (issue 6, scenario 3)."""

from __future__ import annotations

import random
from collections import Counter

import httpx
import pytest
from sqlalchemy import text

from throughline.bench.seed import BIG_TIMELINE, SeedPlan, SeedResult, seed
from throughline.cases.rules import ACTIVE_STATUSES, Status
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.security import hash_secret, status_token
from throughline.models import utcnow
from throughline.worker.runner import Worker

ACTIVE = "(" + ", ".join(f"'{s}'" for s in sorted(ACTIVE_STATUSES)) + ")"
PLAN = SeedPlan(cases=1500, reps=40, customers=300, batch=400)


async def _scalar(database: Database, sql: str) -> int:
    async with database.unit_of_work(write=False) as session:
        return int(await session.scalar(text(sql)) or 0)


@pytest.fixture
async def seeded(database_url: str, settings: Settings) -> SeedResult:
    return await seed(database_url, PLAN, settings=settings)


async def test_counts_numbers_and_status_mix(seeded: SeedResult, database: Database) -> None:
    assert seeded.rows["cases"] == await _scalar(database, "SELECT count(*) FROM cases") == 1500
    assert await _scalar(database, "SELECT min(id) FROM cases") == 1001
    assert await _scalar(database, "SELECT max(id) FROM cases") == 2500
    assert await _scalar(database, "SELECT count(*) FROM reps") == len(seeded.reps) == 40
    assert await _scalar(database, "SELECT count(*) FROM customers") == 300
    async with database.unit_of_work(write=False) as session:
        statuses = Counter(
            dict(
                (await session.execute(text("SELECT status, count(*) FROM cases GROUP BY 1"))).all()
            )
        )
    assert set(statuses) == {s.value for s in Status}
    assert statuses["resolved"] > 1500 * 0.6
    # Every case has a timeline that starts with the customer's own words.
    assert (
        await _scalar(
            database,
            "SELECT count(*) FROM cases c WHERE NOT EXISTS "
            "(SELECT 1 FROM timeline_entries t WHERE t.case_id = c.id AND t.kind = 'message_in')",
        )
        == 0
    )
    assert await _scalar(database, "SELECT count(*) FROM timeline_entries") >= 1500 * 4


async def test_loads_are_true_and_within_capacity(seeded: SeedResult, database: Database) -> None:
    assert (
        await _scalar(
            database,
            f"SELECT count(*) FROM reps r WHERE r.active_cases <> (SELECT count(*) FROM cases c "
            f"WHERE c.owner_id = r.id AND c.status IN {ACTIVE})",
        )
        == 0
    )
    assert await _scalar(database, "SELECT count(*) FROM reps WHERE active_cases > capacity") == 0
    assert sum(rep.active_cases for rep in seeded.reps) > 0
    # Cases wait only while every on-shift rep is full: the sweep has nothing to pull.
    waiting = await _scalar(
        database, "SELECT count(*) FROM cases WHERE owner_id IS NULL AND status <> 'resolved'"
    )
    assert waiting == seeded.waiting > 0
    room = "SELECT count(*) FROM reps WHERE on_shift AND active_cases < capacity"
    assert await _scalar(database, room) == 0
    # Resolved and proposed cases have owners; only waiting cases have none.
    assert (
        await _scalar(
            database, "SELECT count(*) FROM cases WHERE owner_id IS NULL AND status <> 'new'"
        )
        == 0
    )


async def test_references_attention_and_status_links(
    seeded: SeedResult, database: Database, settings: Settings
) -> None:
    orphans = {
        "timeline": "SELECT count(*) FROM timeline_entries t "
        "LEFT JOIN cases c ON c.id = t.case_id WHERE c.id IS NULL",
        "customer": "SELECT count(*) FROM cases c "
        "LEFT JOIN customers u ON u.id = c.customer_id WHERE u.id IS NULL",
        "owner": "SELECT count(*) FROM cases c "
        "LEFT JOIN reps r ON r.id = c.owner_id WHERE c.owner_id IS NOT NULL AND r.id IS NULL",
        "identity": "SELECT count(*) FROM customers u WHERE NOT EXISTS "
        "(SELECT 1 FROM identities i WHERE i.customer_id = u.id)",
    }
    for name, sql in orphans.items():
        assert await _scalar(database, sql) == 0, name
    # Work lists are not empty, and attention is only ever on an owned active case.
    assert await _scalar(database, "SELECT count(*) FROM case_attention") > 0
    assert (
        await _scalar(
            database,
            f"SELECT count(*) FROM case_attention a JOIN cases c ON c.id = a.case_id "
            f"WHERE c.owner_id IS NULL OR c.status NOT IN {ACTIVE}",
        )
        == 0
    )
    assert await _scalar(database, "SELECT count(DISTINCT status_token_hash) FROM cases") == 1500
    async with database.unit_of_work(write=False) as session:
        rows = (
            await session.execute(text("SELECT status_nonce, status_token_hash FROM cases"))
        ).all()
    for nonce, token_hash in random.Random(1).sample(rows, 25):
        assert hash_secret(status_token(settings.resolved_secret_key(), nonce)) == token_hash


async def test_the_product_reads_and_extends_the_seeded_desk(
    seeded: SeedResult, database: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    busiest = max(seeded.reps, key=lambda rep: rep.active_cases)
    headers = {"Authorization": f"Bearer {busiest.token}"}
    work = await client.get("/api/v1/worklist", headers=headers)
    assert work.status_code == 200, work.text
    assert work.json()["active_cases"] == busiest.active_cases
    page = await client.get(f"/api/v1/cases/{seeded.big_case}", headers=headers)
    assert page.status_code == 200, page.text
    assert len(page.json()["timeline"]) == BIG_TIMELINE
    assert page.json()["status"] == "open"
    unowned = await client.get("/api/v1/cases?unowned=true", headers=headers)
    assert len(unowned.json()["items"]) == min(50, seeded.waiting)
    # The worker finds nothing to do: the seed is a steady state.
    assert set((await Worker(database, settings).run_timers(utcnow())).values()) == {0}
    # Numbers and ids go on after the loaded ones (sequences moved past them).
    created = await client.post(
        "/api/v1/cases",
        headers=headers,
        json={
            "customer": {"email": "new@example.org", "name": "New Customer"},
            "subject": "Printer offline",
            "body": "It stopped printing.",
            "severity": 3,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["number"] == "TL-2501"
    status = await client.get(f"/api/v1/status/{created.json()['status_token']}")
    assert status.status_code == 200, status.text


async def test_refuses_a_database_that_has_cases(
    seeded: SeedResult, database_url: str, settings: Settings
) -> None:
    with pytest.raises(ValueError, match="empty database"):
        await seed(database_url, SeedPlan(cases=10, reps=2, customers=5), settings=settings)
