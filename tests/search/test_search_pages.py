"""The search page of the workspace and the "Solved before" panel of a case page."""

from __future__ import annotations

import httpx

from tests.builders import Personas, create_case
from tests.search.support import solved_case
from tests.workspace.support import browser, give_password, sign_in, text_of
from throughline.db import Database


async def test_a_rep_searches_from_the_workspace(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    created = await create_case(
        client, people.owner, subject="Printer offline <again>", body="The printer is offline."
    )
    await give_password(database, people.owner)
    rep = browser(client)
    await sign_in(rep, people.owner)
    home = await rep.get("/app")
    assert 'href="/app/search"' in home.text
    page = await rep.get("/app/search", params={"q": "printer offline"})
    assert page.status_code == 200
    assert f'href="/app/cases/{created["number"]}"' in page.text
    assert "<mark>Printer</mark> <mark>offline</mark> &lt;again&gt;" in page.text
    partial = await rep.get(
        "/app/search", params={"q": "printer", "status": "new"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text
    assert created["number"] in partial.text
    bad = await rep.get("/app/search", params={"q": "AND"})
    assert bad.status_code == 422
    assert "too common to search for" in text_of(bad.text)
    nothing = await rep.get("/app/search", params={"q": "scanner"})
    assert "Nothing found for “scanner”" in text_of(nothing.text)
    assert (await browser(client).get("/app/search", params={"q": "x"})).status_code in (303, 401)


async def test_the_case_page_shows_how_a_similar_case_was_solved(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    solved, _token = await solved_case(
        client,
        people.owner,
        subject="Two-factor codes rejected",
        body="Codes from my authenticator app are always rejected.",
        steps=[("Synced the phone's clock with network time", "worked")],
        resolution="The phone clock was 3 minutes off; codes depend on it.",
    )
    new = await create_case(
        client,
        people.owner,
        subject="authenticator codes rejected",
        body="My two-factor codes are rejected every time",
        customer={"email": "kofi@example.org", "name": "Kofi"},
    )
    await give_password(database, people.owner)
    rep = browser(client)
    await sign_in(rep, people.owner)
    case_page = await rep.get(f"/app/cases/{new['number']}")
    assert f'hx-get="/app/cases/{new["number"]}/similar"' in case_page.text
    panel = await rep.get(f"/app/cases/{new['number']}/similar", headers={"HX-Request": "true"})
    words = text_of(panel.text)
    assert f"{solved} Two-factor codes rejected" in words
    assert "What worked: Synced the phone's clock with network time" in words
    assert "The phone clock was 3 minutes off" in words
