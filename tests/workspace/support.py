"""Signing test reps in through the real sign-in form."""

from __future__ import annotations

import html
import re

import httpx

from tests.builders import Person
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import Rep, utcnow
from throughline.workspace import auth

PASSWORD = "correct horse battery"
PAGE = {"accept": "text/html"}


async def give_password(database: Database, person: Person, *, role: str | None = None) -> None:
    async with database.unit_of_work() as session:
        rep = await session.get(Rep, person.id)
        assert rep is not None
        await auth.set_password(session, rep, PASSWORD, actor=CLI, now=utcnow())
        if role:
            auth.set_role(session, rep, role, actor=CLI)


def browser(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Another browser on the same app: its own cookies."""
    return httpx.AsyncClient(transport=client._transport, base_url=client.base_url, headers=PAGE)


async def csrf(client: httpx.AsyncClient) -> str:
    if "tl_csrf" not in client.cookies:
        await client.get("/app/sign-in", headers=PAGE)
    return str(client.cookies["tl_csrf"])


async def sign_in(
    client: httpx.AsyncClient, person: Person, *, password: str = PASSWORD
) -> httpx.Response:
    token = await csrf(client)
    return await client.post(
        "/app/sign-in",
        data={"email": person.email, "password": password, "csrf_token": token, "next": "/app"},
        headers=PAGE,
    )


async def post(client: httpx.AsyncClient, url: str, **data: str) -> httpx.Response:
    """A form post as the browser sends it: with the CSRF field."""
    return await client.post(url, data={"csrf_token": await csrf(client), **data}, headers=PAGE)


def text_of(markup: str) -> str:
    """The page's words without tags, white space collapsed (for assertions on what people read)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
