"""Helpers for portal tests: the CSRF token, and signing in through a real emailed link."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage, Message
from email.utils import parseaddr
from pathlib import Path

import httpx

from throughline.config import Settings
from throughline.db import Database
from throughline.models import utcnow
from throughline.worker.runner import Worker

LINK = re.compile(r"https?://\S+/portal/sign-in/[0-9a-f]+")


async def csrf(client: httpx.AsyncClient) -> str:
    """The browser's CSRF token (a first GET makes the server set it)."""
    if "tl_csrf" not in client.cookies:
        await client.get("/portal", headers={"accept": "text/html"})
    return client.cookies["tl_csrf"]


async def post_form(
    client: httpx.AsyncClient,
    path: str,
    data: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> httpx.Response:
    token = await csrf(client)
    return await client.post(
        path,
        data={**data, "csrf_token": token},
        files=files,
        headers={"accept": "text/html"},
    )


async def run_outbox(database: Database, settings: Settings) -> None:
    await Worker(database, settings, name="test").run_outbox(utcnow())


def mails_to(settings: Settings, address: str) -> list[EmailMessage]:
    folder = Path(settings.var_dir) / "outgoing-mail"
    found: list[EmailMessage] = []
    if not folder.exists():
        return found
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if parseaddr(message["To"] or "")[1].lower() == address.lower():
            found.append(message)
    return found


def sign_in_mails(settings: Settings, address: str) -> list[EmailMessage]:
    return [m for m in mails_to(settings, address) if "sign-in link" in str(m["Subject"])]


def link_in(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = LINK.search(body.decode())
    assert found, body
    return found.group(0)


async def emailed_link(
    client: httpx.AsyncClient, database: Database, settings: Settings, address: str
) -> str:
    before = len(sign_in_mails(settings, address))
    response = await post_form(client, "/portal/sign-in", {"email": address})
    assert response.status_code == 200, response.text
    await run_outbox(database, settings)
    mails = sign_in_mails(settings, address)
    assert len(mails) == before + 1
    return link_in(mails[-1])


async def sign_in(
    client: httpx.AsyncClient, database: Database, settings: Settings, address: str
) -> None:
    link = await emailed_link(client, database, settings, address)
    path = link.split("testserver", 1)[1]
    response = await post_form(client, path, {})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/portal?flash=welcome"
