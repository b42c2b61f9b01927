"""Lead and admin views, and the rest of the case page's actions, through the pages."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import select

from tests.builders import Personas, create_case
from tests.workspace.support import browser, give_password, post, sign_in, text_of
from throughline.db import Database
from throughline.models import Case, FollowUp, Rep, TeamMember, utcnow


async def test_admin_adds_a_rep_who_signs_in_with_the_password_shown_once(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.lead, role="admin")
    await sign_in(client, people.lead)
    page = text_of((await client.get("/app/admin")).text)
    assert "Severity targets" in page
    assert "THROUGHLINE_SEVERITY_TARGETS_HOURS" in page
    assert "1 · down 1.0 h 1.0 h" in page

    added = await post(
        client,
        "/app/admin/reps",
        name="Nia New",
        email="nia@desk.example",
        role="specialist",
        capacity="3",
    )
    assert added.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', added.text)
    assert password is not None
    newcomer = browser(client)
    from tests.builders import Person

    nia = Person(id=0, name="Nia New", email="nia@desk.example", token="")
    assert (await sign_in(newcomer, nia, password=password.group(1))).status_code == 303
    assert "Nia New" in (await newcomer.get("/app")).text

    async with database.unit_of_work(write=False) as session:
        rep = await session.scalar(select(Rep).where(Rep.email == "nia@desk.example"))
        assert rep is not None
        assert rep.role == "specialist"
        assert rep.capacity == 3
        tier2 = await session.scalar(select(TeamMember.team_id).limit(1))
    saved = await post(
        client,
        f"/app/admin/reps/{rep.id}",
        role="lead",
        capacity="7",
        extension="2301",
        phone="",
        teams=str(tier2),
    )
    assert saved.status_code == 303
    async with database.unit_of_work(write=False) as session:
        rep = await session.get(Rep, rep.id)
        assert rep is not None
        assert (rep.role, rep.is_lead, rep.capacity, rep.extension) == ("lead", True, 7, "2301")

    bad = await post(client, f"/app/admin/reps/{rep.id}", role="boss", capacity="7")
    assert bad.status_code == 422
    assert "role: choose a role from the list" in text_of(bad.text)


async def test_lead_view_shows_waiting_cases_load_and_the_report(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.lead)
    # The owner is full: the next case waits in the queue.
    async with database.unit_of_work() as session:
        owner = await session.get(Rep, people.owner.id)
        assert owner is not None
        owner.capacity = 0
    waiting = await create_case(client, people.owner, subject="Nobody free to take this")
    await sign_in(client, people.lead)
    page = text_of((await client.get("/app/lead")).text)
    assert "Waiting for an owner (1)" in page
    assert f"{waiting['number']} Nobody free to take this 2 · badly broken" in page
    assert "Olivia Owner on shift 0 / 0" in page
    assert "Confirmed resolutions 0" in page
    assert "handle time" in page  # only to say there is none


async def test_follow_up_hand_off_and_proposal_from_the_case_page(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    due = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    scheduled = await post(
        client, f"/app/cases/{number}/follow-up", due_at=due, note="Check the line"
    )
    assert scheduled.status_code == 303
    past = await post(
        client, f"/app/cases/{number}/follow-up", due_at="2001-01-01T00:00", note="late"
    )
    assert past.status_code == 422
    assert "due_at: must be in the future" in text_of(past.text)
    async with database.unit_of_work(write=False) as session:
        assert [f.note for f in await session.scalars(select(FollowUp))] == ["Check the line"]
    shown = text_of((await client.get(scheduled.headers["location"])).text)
    assert "Follow-up scheduled: the case comes back to your list when it is due." in shown
    assert "(in 1 days): Check the line" in shown or "(in 24 h): Check the line" in shown

    proposed = await post(client, f"/app/cases/{number}/propose", summary="New router fixed it")
    assert proposed.status_code == 303
    twice = await post(client, f"/app/cases/{number}/propose", summary="Again")
    assert twice.status_code == 409
    assert "already resolution proposed" in text_of(twice.text)

    handed = await post(
        client, f"/app/cases/{number}/handoff", to_rep=str(people.other.id), note="I am on leave"
    )
    assert handed.status_code == 303
    async with database.unit_of_work(write=False) as session:
        case = await session.get(Case, int(number.removeprefix("TL-")))
        assert case is not None
        assert case.owner_id == people.other.id
    # Now the case is someone else's: the page says so.
    page = text_of((await client.get(f"/app/cases/{number}")).text)
    assert "Oscar Other owns this case" in page
    assert "I am on leave" in page
