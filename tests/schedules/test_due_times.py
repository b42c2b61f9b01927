"""Targets counted in the desk's business hours, and time waiting on the customer paused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from tests.builders import Personas, create_case
from tests.workspace.support import give_password, post, sign_in, text_of
from throughline.cases.rules import OwnerAct, Status
from throughline.cases.service import owner_worked, set_status
from throughline.db import Database
from throughline.kit.actors import SYSTEM, Actor
from throughline.models import Case, Rep, Team, utcnow
from throughline.schedules.rules import DAY_NAMES

TARGETS = {f"severity_{n}": h for n, h in zip((1, 2, 3, 4), ("1", "4", "24", "72"), strict=True)}
ESCALATIONS = {
    f"escalation_{n}": h for n, h in zip((1, 2, 3, 4), ("1", "4", "8", "24"), strict=True)
}


def one_hour_a_day() -> tuple[str, datetime]:
    """Every day one working hour (UTC), starting about two hours from now; its next start."""
    first = (utcnow() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    hour = first.hour
    hours = ", ".join(f"{day} {hour:02d}:00-{(hour + 1) % 24:02d}:00" for day in DAY_NAMES)
    return hours, first


async def team_id(database: Database, name: str) -> int:
    async with database.unit_of_work(write=False) as session:
        found = await session.scalar(select(Team.id).where(Team.name == name))
    assert found is not None
    return int(found)


async def test_targets_count_the_hours_teams_working_hours_when_the_admin_says_so(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    hours, first = one_hour_a_day()
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    tier2 = await team_id(database, "Tier 2")
    billing = await team_id(database, "Billing")
    refused = await post(
        client, "/app/admin/targets", **TARGETS, **ESCALATIONS,
        business_hours="on", hours_team=str(billing),
    )  # fmt: skip
    assert refused.status_code == 422
    assert "that team has no working hours yet" in text_of(refused.text)
    saved = await post(
        client, "/app/admin/schedules", who=f"team:{billing}", time_zone="UTC", hours=hours
    )
    assert saved.status_code == 303, saved.text
    on = await post(
        client, "/app/admin/targets", **TARGETS, **ESCALATIONS,
        business_hours="on", hours_team=str(billing),
    )  # fmt: skip
    assert on.status_code == 303, on.text

    case = await create_case(client, people.owner, severity=2)
    shown = (
        await client.get(f"/api/v1/cases/{case['number']}", headers=people.owner.headers)
    ).json()
    # Four working hours: one a day, so the fourth ends three days after the first starts.
    assert datetime.fromisoformat(shown["due_at"]) == first + timedelta(days=3, hours=1)
    # Tier 2 has no hours of its own: its escalations count the desk's hours too.
    escalated = await client.post(
        f"/api/v1/cases/{case['number']}/escalations",
        headers=people.owner.headers,
        json={"team": "Tier 2", "question": "Line fault?"},
    )
    assert escalated.status_code == 201, escalated.text
    assert datetime.fromisoformat(escalated.json()["due_at"]) == first + timedelta(days=3, hours=1)
    assert tier2 != billing

    off = await post(client, "/app/admin/targets", **TARGETS, **ESCALATIONS)
    assert off.status_code == 303
    plain = await create_case(client, people.owner, severity=2, subject="Another one")
    shown = (
        await client.get(f"/api/v1/cases/{plain['number']}", headers=people.owner.headers)
    ).json()
    took = datetime.fromisoformat(shown["due_at"]) - datetime.fromisoformat(shown["created_at"])
    assert took == timedelta(hours=4)


async def test_time_waiting_on_the_customer_moves_the_due_time_on(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = int((await create_case(client, people.owner))["number"].removeprefix("TL-"))
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    async with database.unit_of_work() as session:
        case = await session.get(Case, number)
        assert case is not None
        due = case.due_at
        await set_status(session, case, Status.WAITING_ON_CUSTOMER, actor=SYSTEM, now=start)
        await set_status(session, case, Status.OPEN, actor=SYSTEM, now=start + timedelta(hours=30))
    async with database.unit_of_work(write=False) as session:
        case = await session.get(Case, number)
        assert case is not None
        assert case.due_at == due + timedelta(hours=30)
        assert case.waiting_since is None


async def test_waiting_time_left_by_the_owners_act_counts_the_desks_hours_too(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    """The owner escalating a case that waited on the customer: only the working hours of
    the wait move the due time on, as when the customer's reply ends the wait."""
    hours, first = one_hour_a_day()
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    billing = await team_id(database, "Billing")
    saved = await post(
        client, "/app/admin/schedules", who=f"team:{billing}", time_zone="UTC", hours=hours
    )
    assert saved.status_code == 303, saved.text
    on = await post(
        client, "/app/admin/targets", **TARGETS, **ESCALATIONS,
        business_hours="on", hours_team=str(billing),
    )  # fmt: skip
    assert on.status_code == 303, on.text
    number = int((await create_case(client, people.owner))["number"].removeprefix("TL-"))
    async with database.unit_of_work() as session:
        case = await session.get(Case, number)
        assert case is not None
        due = case.due_at
        # Waiting from the start of one working hour until 30 hours later: two working
        # hours of it (one each day), not thirty.
        await set_status(session, case, Status.WAITING_ON_CUSTOMER, actor=SYSTEM, now=first)
        owner = await session.get(Rep, people.owner.id)
        assert owner is not None
        await owner_worked(
            session, case, Actor.of_rep(owner), OwnerAct.ESCALATE, now=first + timedelta(hours=30)
        )
    async with database.unit_of_work(write=False) as session:
        case = await session.get(Case, number)
        assert case is not None
        assert case.status == Status.WAITING_ON_TEAM
        # Two more working hours at one a day: the due time is two days later, same hour.
        assert case.due_at == due + timedelta(days=2)
