"""Plain builders for tests: they use the real services and commit like a request would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from throughline.db import Database
from throughline.kit.actors import CLI, Actor
from throughline.models import Rep, utcnow
from throughline.reps import service as reps


@dataclass
class Person:
    id: int
    name: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Personas:
    owner: Person  # an on-shift rep who receives new cases
    other: Person  # an on-shift rep who does not own the case
    lead: Person  # a lead, off shift (so new cases never go to them)
    specialist: Person  # member of "Tier 2", off shift
    stranger: dict[str, str]  # headers with a token nobody has


async def make_team(database: Database, name: str) -> None:
    async with database.unit_of_work() as session:
        await reps.add_team(session, name, actor=CLI, now=utcnow())


async def make_rep(
    database: Database,
    name: str,
    *,
    on_shift: bool = True,
    capacity: int = 5,
    teams: list[str] | None = None,
    lead: bool = False,
    extension: str | None = None,
) -> Person:
    async with database.unit_of_work() as session:
        email = name.lower().replace(" ", ".") + "@desk.example"
        rep, token = await reps.add_rep(
            session,
            name=name,
            email=email,
            capacity=capacity,
            teams=teams,
            lead=lead,
            extension=extension,
            on_shift=on_shift,
            actor=CLI,
            now=utcnow(),
        )
        return Person(id=rep.id, name=rep.name, email=rep.email, token=token)


async def set_shift(database: Database, person: Person, on: bool) -> None:
    async with database.unit_of_work() as session:
        rep = await session.get(Rep, person.id)
        assert rep is not None
        await reps.set_shift(session, rep, on=on, actor=Actor.of_rep(rep), now=utcnow())


async def make_personas(database: Database) -> Personas:
    await make_team(database, "Tier 2")
    await make_team(database, "Billing")
    # The owner comes on shift first, so with one case waiting the owner gets it.
    owner = await make_rep(database, "Olivia Owner", extension="2201")
    other = await make_rep(database, "Oscar Other", on_shift=False)
    lead = await make_rep(database, "Lena Lead", on_shift=False, lead=True)
    specialist = await make_rep(database, "Sid Specialist", on_shift=False, teams=["Tier 2"])
    return Personas(
        owner=owner,
        other=other,
        lead=lead,
        specialist=specialist,
        stranger={"Authorization": "Bearer tl_not-a-real-token"},
    )


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {"email": "maria@example.org", "name": "Maria Gonzalez"},
        "subject": "Internet drops every evening",
        "body": "Since Monday the connection drops around 8pm.",
        "severity": 2,
    }
    body.update(overrides)
    return body


async def create_case(
    client: httpx.AsyncClient, person: Person, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/cases", json=case_body(**overrides), headers=person.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data
