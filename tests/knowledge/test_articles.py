"""Articles through the API, the workspace pages and the portal, on both databases."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from tests.builders import Personas, create_case
from tests.cases.support import customer_confirms, propose
from tests.workspace.support import PAGE, browser, give_password, post, sign_in, text_of
from throughline.db import Database
from throughline.models import AuditEntry

pytestmark = pytest.mark.usefixtures("backend")

ARTICLE = {
    "title": "Evening Wi-Fi drops: change the channel",
    "body": "## Fix\n\nMove the router to channel **11**.\n\n<script>alert(1)</script>",
    "visibility": "public",
}


async def _solved_case(client: httpx.AsyncClient, people: Personas) -> str:
    case = await create_case(
        client,
        people.owner,
        environment={"os": "macOS 14", "device": "MacBook Air"},
    )
    number = case["number"]
    for description, outcome in (
        ("Restarted the router", "did_not_work"),
        ("Changed the Wi-Fi channel from 6 to 11", "worked"),
    ):
        response = await client.post(
            f"/api/v1/cases/{number}/steps",
            headers=people.owner.headers,
            json={"description": description, "outcome": outcome},
        )
        assert response.status_code == 201, response.text
    assert (await propose(client, people.owner, number)).status_code == 200
    assert (await customer_confirms(client, case["status_token"], fixed=True)).status_code == 200
    return str(number)


async def test_a_rep_writes_an_article_and_any_rep_reads_it(
    client: httpx.AsyncClient, people: Personas
) -> None:
    response = await client.post("/api/v1/articles", json=ARTICLE, headers=people.owner.headers)
    assert response.status_code == 201, response.text
    article = response.json()
    assert article["slug"] == "evening-wi-fi-drops-change-the-channel"
    assert article["author"] == "Olivia Owner"
    assert "<strong>11</strong>" in article["html"]
    assert "<script" not in article["html"]
    read = await client.get(f"/api/v1/articles/{article['slug']}", headers=people.other.headers)
    assert read.status_code == 200
    listed = await client.get("/api/v1/articles", headers=people.other.headers)
    assert [a["slug"] for a in listed.json()] == [article["slug"]]
    again = await client.post("/api/v1/articles", json=ARTICLE, headers=people.other.headers)
    assert again.json()["slug"] == "evening-wi-fi-drops-change-the-channel-2"


async def test_strangers_cannot_read_or_write(client: httpx.AsyncClient, people: Personas) -> None:
    assert (await client.get("/api/v1/articles", headers=people.stranger)).status_code == 401
    response = await client.post("/api/v1/articles", json=ARTICLE, headers=people.stranger)
    assert response.status_code == 401


async def test_bad_articles_are_refused_by_name(
    client: httpx.AsyncClient, people: Personas
) -> None:
    for bad, field in (
        ({**ARTICLE, "title": ""}, "title"),
        ({**ARTICLE, "body": "x" * 100_001}, "body"),
        ({**ARTICLE, "visibility": "everyone"}, "visibility"),
    ):
        response = await client.post("/api/v1/articles", json=bad, headers=people.owner.headers)
        assert response.status_code == 422
        assert field in response.text


async def test_only_the_author_or_a_lead_edits_and_visibility_changes_are_audited(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    slug = (
        await client.post("/api/v1/articles", json=ARTICLE, headers=people.owner.headers)
    ).json()["slug"]
    change = {"visibility": "internal"}
    other = await client.patch(
        f"/api/v1/articles/{slug}", json=change, headers=people.other.headers
    )
    assert other.status_code == 403
    lead = await client.patch(f"/api/v1/articles/{slug}", json=change, headers=people.lead.headers)
    assert lead.status_code == 200
    assert lead.json()["visibility"] == "internal"
    async with database.unit_of_work(write=False) as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.target_kind == "article")
            )
        )
    assert actions == ["article.write", "article.visibility"]


async def test_an_article_from_a_solved_case_credits_its_owner(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = await _solved_case(client, people)
    draft = await client.get(f"/api/v1/cases/{number}/article-draft", headers=people.other.headers)
    assert draft.status_code == 200, draft.text
    body = draft.json()["body"]
    assert "Since Monday the connection drops around 8pm." in body
    assert "MacBook Air" in body
    assert "1. Changed the Wi-Fi channel from 6 to 11" in body
    assert "Restarted the router" in body.split("## What did not help")[1]
    written = await client.post(
        "/api/v1/articles",
        json={"title": draft.json()["title"], "body": body, "case": number},
        headers=people.other.headers,
    )
    assert written.status_code == 201
    assert written.json()["author"] == "Oscar Other"
    assert written.json()["solved_by"] == "Olivia Owner"
    assert written.json()["case"] == number


async def test_an_open_case_cannot_become_an_article_yet(
    client: httpx.AsyncClient, people: Personas
) -> None:
    case = await create_case(client, people.owner)
    response = await client.get(
        f"/api/v1/cases/{case['number']}/article-draft", headers=people.owner.headers
    )
    assert response.status_code == 409
    assert "not solved yet" in response.text


async def test_the_workspace_turns_a_solved_case_into_an_article(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    number = await _solved_case(client, people)
    await give_password(database, people.owner)
    rep = browser(client)
    await sign_in(rep, people.owner)
    case_page = await rep.get(f"/app/cases/{number}")
    assert "Turn this case into an article" in case_page.text
    form = await rep.get(f"/app/articles/new?case={number}")
    assert form.status_code == 200
    assert "Changed the Wi-Fi channel from 6 to 11" in form.text
    preview = await post(
        rep, "/app/articles", title="Wi-Fi", body="**bold** <script>x()</script>", do="preview"
    )
    assert "<strong>bold</strong>" in preview.text
    assert "<script>x()" not in preview.text
    missing = await post(rep, "/app/articles", title="", body="text", visibility="public")
    assert missing.status_code == 422
    assert "an article needs a title" in text_of(missing.text)
    saved = await post(
        rep,
        "/app/articles",
        title="Evening drops",
        body="Change the channel.",
        visibility="public",
        case=number,
        do="save",
    )
    assert saved.status_code == 303
    page = await rep.get(saved.headers["location"])
    words = text_of(page.text)
    assert "Written by Olivia Owner" in words
    assert number in words
    listing = await rep.get("/app/articles")
    assert "Evening drops" in listing.text


async def test_the_portal_shows_public_articles_only_and_counts_once_per_visitor(
    client: httpx.AsyncClient, people: Personas
) -> None:
    public = (
        await client.post("/api/v1/articles", json=ARTICLE, headers=people.owner.headers)
    ).json()["slug"]
    internal = (
        await client.post(
            "/api/v1/articles",
            json={**ARTICLE, "title": "Router admin password", "visibility": "internal"},
            headers=people.owner.headers,
        )
    ).json()["slug"]
    visitor = httpx.AsyncClient(transport=client._transport, base_url=client.base_url, headers=PAGE)
    listing = await visitor.get("/portal/articles")
    assert "Evening Wi-Fi drops" in listing.text
    assert "Router admin password" not in listing.text
    assert (await visitor.get(f"/portal/articles/{internal}")).status_code == 404
    for _ in range(3):
        page = await visitor.get(f"/portal/articles/{public}")
        assert page.status_code == 200
        assert "<script>alert" not in page.text
    csrf = visitor.cookies["tl_csrf"]
    for _ in range(2):
        thanks = await visitor.post(f"/portal/articles/{public}/helped", data={"csrf_token": csrf})
        assert thanks.status_code == 303
    page = await visitor.get(f"/portal/articles/{public}")
    assert "Thank you" in page.text
    no_token = await visitor.post(f"/portal/articles/{public}/helped")
    assert no_token.status_code == 403
    counts = (await client.get(f"/api/v1/articles/{public}", headers=people.owner.headers)).json()
    assert (counts["views"], counts["helped"]) == (1, 1)
    assert (
        await visitor.post(f"/portal/articles/{internal}/helped", data={"csrf_token": csrf})
    ).status_code == 404
