"""The self-service guides are offered wherever a customer starts: landing, portal, chat."""

from __future__ import annotations

import re

import httpx

from tests.portal.support import sign_in
from throughline.config import Settings
from throughline.db import Database

PAGE = {"accept": "text/html"}
GUIDE_LINK = re.compile(r'<a[^>]*href="/portal/help"[^>]*>\s*Fix it yourself\s*</a>', re.I)


async def test_guides_are_offered_on_landing_portal_and_chat(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    for path in ("/", "/portal", "/portal/chat"):
        shown = await client.get(path, headers=PAGE)
        assert shown.status_code == 200, path
        assert GUIDE_LINK.search(shown.text), path
    chat = (await client.get("/portal/chat", headers=PAGE)).text
    assert chat.index('id="chat-guides"') < chat.index("data-throughline-chat")  # before the panel

    await sign_in(client, database, settings, "maria@example.org")
    home = await client.get("/portal", headers=PAGE)
    assert "My cases" in home.text
    assert GUIDE_LINK.search(home.text)
    assert '<a href="/portal/help">Guides</a>' in home.text  # in the signed-in navigation

    guides = await client.get("/portal/help", headers=PAGE)
    assert guides.status_code == 200
    assert "step by step" in guides.text  # the guides index, one click away
