"""Articles in search: reps find every article; the portal's search finds public ones only."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import Personas, create_case
from tests.search.support import found, search

PUBLIC = {
    "title": "Evening Wi-Fi drops: change the channel",
    "body": "Neighbours crowd **channel 6** at night. Move the router to channel 11.",
    "visibility": "public",
}
INTERNAL = {
    "title": "Router channel reset on firmware 2.3",
    "body": "Firmware 2.3 resets the router channel to auto: <b>set it again</b>.",
    "visibility": "internal",
}


async def _write(client: httpx.AsyncClient, people: Personas, body: dict[str, Any]) -> str:
    response = await client.post("/api/v1/articles", json=body, headers=people.owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["slug"])


async def test_reps_find_public_and_internal_articles(
    client: httpx.AsyncClient, people: Personas
) -> None:
    public = await _write(client, people, PUBLIC)
    internal = await _write(client, people, INTERNAL)
    response = await search(client, people.other, q="router channel")
    items = response.json()["items"]
    assert {item["url"] for item in items} == {
        f"/app/articles/{public}",
        f"/app/articles/{internal}",
    }
    assert {item["kind"] for item in items} == {"article"}
    internal_hit = next(i for i in items if i["url"].endswith(internal))
    assert "<b>" not in internal_hit["snippet_html"]
    assert "set it again" in internal_hit["snippet_html"]
    assert "<mark>channel</mark>" in internal_hit["snippet_html"]
    assert await found(client, people.other, "firmware", status="new") == []


async def test_the_portal_searches_public_articles_only(
    client: httpx.AsyncClient, people: Personas
) -> None:
    public = await _write(client, people, PUBLIC)
    await _write(client, people, INTERNAL)
    await create_case(client, people.owner, subject="Router channel keeps changing")
    page = await client.get("/portal/articles", params={"q": "router channel"})
    assert page.status_code == 200
    assert f'href="/portal/articles/{public}"' in page.text
    assert "1 answer for" in page.text
    assert "firmware" not in page.text.lower()
    assert "TL-" not in page.text
    assert "<mark>channel</mark>" in page.text
    nothing = await client.get("/portal/articles", params={"q": "firmware"})
    assert "0 answers for" in nothing.text
    bad = await client.get("/portal/articles", params={"q": '"'})
    assert bad.status_code == 200
    assert "Has no letters or digits to search for." in bad.text


async def test_an_article_made_internal_leaves_the_portal_search(
    client: httpx.AsyncClient, people: Personas
) -> None:
    public = await _write(client, people, PUBLIC)
    assert "1 answer for" in (await client.get("/portal/articles", params={"q": "channel"})).text
    edited = await client.patch(
        f"/api/v1/articles/{public}",
        json={**PUBLIC, "visibility": "internal"},
        headers=people.owner.headers,
    )
    assert edited.status_code == 200, edited.text
    assert "0 answers for" in (await client.get("/portal/articles", params={"q": "channel"})).text
    assert [
        i["kind"] for i in (await search(client, people.owner, q="channel")).json()["items"]
    ] == ["article"]


async def test_the_similar_panel_offers_articles(
    client: httpx.AsyncClient, people: Personas
) -> None:
    public = await _write(client, people, PUBLIC)
    case = await create_case(
        client,
        people.owner,
        subject="Wi-Fi drops every evening",
        body="Every night the wifi drops, I think the channel is crowded.",
    )
    panel = await client.get(
        f"/api/v1/cases/{case['number']}/similar", headers=people.owner.headers
    )
    assert panel.status_code == 200
    assert [a["url"] for a in panel.json()["articles"]] == [f"/app/articles/{public}"]
