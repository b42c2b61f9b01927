"""Signing in to the portal with an emailed link: single use, expiring, no enumeration."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from tests.builders import Personas, create_case
from tests.portal.support import (
    csrf,
    emailed_link,
    post_form,
    run_outbox,
    sign_in,
    sign_in_mails,
)
from throughline.config import Settings
from throughline.db import Database
from throughline.models import CustomerSession, MagicLink, utcnow


def _path(link: str) -> str:
    return link.split("testserver", 1)[1]


async def test_an_emailed_link_signs_in_once_and_shows_my_cases(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await create_case(client, people.owner)  # maria@example.org's case
    link = await emailed_link(client, database, settings, "Maria@Example.org")
    mail = sign_in_mails(settings, "maria@example.org")[-1]
    assert "sign-in link" in mail["Subject"]
    # Opening the link only shows a button: mail scanners must not spend it.
    page = await client.get(_path(link), headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Sign me in" in page.text
    signed = await post_form(client, _path(link), {})
    assert signed.status_code == 303
    home = await client.get("/portal", headers={"accept": "text/html"})
    assert "My cases" in home.text
    assert "Internet drops every evening" in home.text
    assert "Olivia Owner looks after it." in home.text
    # Only the hashes are stored.
    async with database.unit_of_work(write=False) as session:
        stored = list(await session.scalars(select(CustomerSession.token_hash)))
        links = list(await session.scalars(select(MagicLink.token_hash)))
    assert client.cookies["tl_customer"] not in stored
    assert link.rsplit("/", 1)[1] not in links
    # The same link a second time, in a fresh browser, is refused.
    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://testserver"
    ) as other:
        again = await post_form(other, _path(link), {})
        assert again.status_code == 400
        assert "expired or was already used" in again.text
        assert "tl_customer" not in other.cookies


async def test_an_expired_link_is_refused(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    link = await emailed_link(client, database, settings, "late@example.org")
    async with database.unit_of_work() as session:
        await session.execute(update(MagicLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    page = await client.get(_path(link), headers={"accept": "text/html"})
    assert page.status_code == 400
    response = await post_form(client, _path(link), {})
    assert response.status_code == 400
    assert "expired" in response.text
    assert (await client.get("/portal/new")).status_code == 303  # still signed out


async def test_known_and_unknown_addresses_get_the_same_answer(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await create_case(client, people.owner)
    known = await post_form(client, "/portal/sign-in", {"email": "maria@example.org"})
    unknown = await post_form(client, "/portal/sign-in", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    token = await csrf(client)
    assert known.text.replace(token, "") == unknown.text.replace(token, "")
    # A first-time customer signs in the same way and lands on an empty list.
    await run_outbox(database, settings)
    assert len(sign_in_mails(settings, "nobody@example.org")) == 1


async def test_sign_in_links_are_rate_limited_per_address_and_per_client(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    for _ in range(settings.magic_links_per_hour + 2):
        response = await post_form(client, "/portal/sign-in", {"email": "flood@example.org"})
        assert response.status_code == 200  # the same answer: nothing to learn from it
    await run_outbox(database, settings)
    assert len(sign_in_mails(settings, "flood@example.org")) == settings.magic_links_per_hour
    # Many addresses from one client: that client is told to slow down.
    statuses = []
    for n in range(settings.magic_links_per_client_per_hour):
        response = await post_form(client, "/portal/sign-in", {"email": f"a{n}@example.org"})
        statuses.append(response.status_code)
    assert statuses[-1] == 429
    assert "Too many sign-in links" in response.text


async def test_a_wrong_address_is_named(client: httpx.AsyncClient) -> None:
    response = await post_form(client, "/portal/sign-in", {"email": "not an address"})
    assert response.status_code == 422
    assert "Email address: please enter the address" in response.text
    assert 'value="not an address"' in response.text


async def test_sign_out_ends_the_session_on_the_server(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await sign_in(client, database, settings, "leaving@example.org")
    cookie = client.cookies["tl_customer"]
    assert (await client.get("/portal/profile")).status_code == 200
    response = await post_form(client, "/portal/sign-out", {})
    assert response.status_code == 303
    # Even a copy of the old cookie no longer works.
    client.cookies.set("tl_customer", cookie)
    assert (await client.get("/portal/profile")).status_code == 303


async def test_a_post_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await sign_in(client, database, settings, "csrf@example.org")
    response = await client.post(
        "/portal/profile",
        data={"name": "Hijacked", "proficiency": "expert"},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    profile = await client.get("/portal/profile")
    assert "Hijacked" not in profile.text
