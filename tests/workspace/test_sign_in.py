"""Signing in: passwords, the session cookie, sign-out, expiry, guessing limits, roles, CSRF."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from tests.builders import Personas
from tests.workspace.support import PAGE, PASSWORD, browser, give_password, post, sign_in, text_of
from throughline.db import Database
from throughline.kit.security import hash_secret
from throughline.models import Rep, RepSession, utcnow


async def test_sign_in_sets_a_secure_session_and_sign_out_ends_it(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.owner)
    page = await client.get("/app", headers=PAGE)
    assert page.status_code == 303
    assert page.headers["location"] == "/app/sign-in?next=%2Fapp"

    response = await sign_in(client, people.owner)
    assert response.status_code == 303
    assert response.headers["location"] == "/app"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("tl_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    token = client.cookies["tl_session"]
    async with database.unit_of_work(write=False) as session:
        stored = await session.scalar(select(RepSession.token_hash))
    # Only the hash is kept: the token itself is nowhere in the database.
    assert stored == hash_secret(token)

    work = await client.get("/app", headers=PAGE)
    assert work.status_code == 200
    assert "My work list" in work.text
    assert people.owner.name in work.text

    out = await post(client, "/app/sign-out")
    assert out.status_code == 303
    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(RepSession)) == 0
    # The old cookie, sent again by someone who copied it, opens nothing.
    client.cookies.set("tl_session", token)
    assert (await client.get("/app", headers=PAGE)).status_code == 303


async def test_cookie_is_secure_when_configured(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    client._transport.app.state.settings.cookie_secure = True  # type: ignore[attr-defined]
    await give_password(database, people.owner)
    response = await sign_in(client, people.owner)
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("tl_session="))
    assert "Secure" in cookie


async def test_wrong_password_is_refused_in_words_and_expired_sessions_end(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.owner)
    wrong = await sign_in(client, people.owner, password="not the password")
    assert wrong.status_code == 401
    assert "do not match" in text_of(wrong.text)
    assert "tl_session" not in client.cookies

    assert (await sign_in(client, people.owner)).status_code == 303
    async with database.unit_of_work() as session:
        await session.execute(update(RepSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await client.get("/app", headers=PAGE)).status_code == 303


async def test_repeated_wrong_passwords_are_slowed_down(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.owner)
    for _ in range(5):
        assert (await sign_in(client, people.owner, password="guess guess")).status_code == 401
    # Now even the right password waits: a guesser cannot tell when they hit it.
    blocked = await sign_in(client, people.owner)
    assert blocked.status_code == 429
    assert "Too many wrong passwords" in text_of(blocked.text)
    # Another rep's address is not blocked by someone guessing this one.
    await give_password(database, people.other)
    assert (await sign_in(browser(client), people.other)).status_code == 303


async def test_a_rep_without_a_password_or_inactive_cannot_sign_in(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    assert (await sign_in(client, people.other)).status_code == 401
    await give_password(database, people.other)
    async with database.unit_of_work() as session:
        await session.execute(update(Rep).where(Rep.id == people.other.id).values(is_active=False))
    assert (await sign_in(client, people.other)).status_code == 401


async def test_roles_decide_which_views_open(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.owner)
    await give_password(database, people.lead)
    await give_password(database, people.specialist, role="specialist")
    await give_password(database, people.other, role="admin")

    rep = client
    await sign_in(rep, people.owner)
    for url in ("/app/lead", "/app/admin"):
        refused = await rep.get(url, headers=PAGE)
        assert refused.status_code == 403, url
        assert "Not allowed" in refused.text
    assert (await rep.get("/app/team", headers=PAGE)).status_code == 200

    lead = browser(client)
    await sign_in(lead, people.lead)
    assert (await lead.get("/app/lead", headers=PAGE)).status_code == 200
    assert (await lead.get("/app/admin", headers=PAGE)).status_code == 403

    admin = browser(client)
    await sign_in(admin, people.other)
    assert (await admin.get("/app/admin", headers=PAGE)).status_code == 200
    # An admin is a lead too, for the services and the lead view.
    assert (await admin.get("/app/lead", headers=PAGE)).status_code == 200
    async with database.unit_of_work(write=False) as session:
        made_admin = await session.get(Rep, people.other.id)
        assert made_admin is not None
        assert made_admin.is_lead


async def test_sign_in_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.owner)
    response = await client.post(
        "/app/sign-in", data={"email": people.owner.email, "password": PASSWORD}, headers=PAGE
    )
    assert response.status_code == 403
    assert "tl_session" not in client.cookies


async def test_next_never_leads_off_site(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.owner)
    token = (
        client.cookies.get("tl_csrf")
        or (await client.get("/app/sign-in", headers=PAGE)).cookies["tl_csrf"]
    )
    response = await client.post(
        "/app/sign-in",
        data={
            "email": people.owner.email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/app",
        },
        headers=PAGE,
    )
    assert response.headers["location"] == "/app"


async def test_an_htmx_fragment_after_the_session_ended_loads_the_sign_in_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/app/worklist", headers={**PAGE, "HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/app/sign-in?next=%2Fapp%2Fworklist"
