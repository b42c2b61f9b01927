"""Live pages: the fingerprint changes when what a rep sees changes, and the stream tells."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import HTTPException, Request
from sqlalchemy import select, text

from tests.builders import Personas, create_case
from tests.processes import run_together
from throughline.app import create_app
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import Rep, utcnow
from throughline.worker.runner import Worker
from throughline.workspace import auth, live


async def _token(database: Database, person_id: int) -> str:
    async with database.unit_of_work() as session:
        rep = await session.get(Rep, person_id)
        assert rep is not None
        await auth.set_password(session, rep, "a long password", actor=CLI, now=utcnow())
    async with database.unit_of_work() as session:
        settings = Settings(secret_key="k")
        return await auth.sign_in(
            session,
            email=rep.email,
            password="a long password",
            client="test",
            settings=settings,
            now=utcnow(),
        )


async def _print(database: Database, rep_id: int, token: str, case_id: int | None = None) -> object:
    async with database.unit_of_work(write=False) as session:
        return await live.fingerprint(
            session, rep_id=rep_id, token=token, case_id=case_id, now=utcnow()
        )


async def test_fingerprint_follows_the_work_list(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    token = await _token(database, people.owner.id)
    empty = await _print(database, people.owner.id, token)
    assert empty is not None
    assert await _print(database, people.owner.id, token) == empty  # nothing happened

    case = await create_case(client, people.owner)
    case_id = int(case["number"].removeprefix("TL-"))
    pulled_in = await _print(database, people.owner.id, token)
    assert pulled_in != empty

    replied = await client.post(
        f"/api/v1/cases/{case['number']}/messages",
        json={"body": "Please restart it."},
        headers=people.owner.headers,
    )
    assert replied.status_code == 201
    answered = await _print(database, people.owner.id, token, case_id)
    customer = await client.post(
        f"/api/v1/status/{case['status_token']}/messages", json={"body": "Still broken."}
    )
    assert customer.status_code == 201
    after_customer = await _print(database, people.owner.id, token, case_id)
    assert after_customer is not None
    assert answered is not None
    assert live.worklist_part(after_customer) != live.worklist_part(answered)  # type: ignore[arg-type]
    assert live.case_part(after_customer) != live.case_part(answered)  # type: ignore[arg-type]

    # Another rep's case moving does not disturb this rep's page.
    other_token = await _token(database, people.other.id)
    before = await _print(database, people.other.id, other_token)
    note = await client.post(
        f"/api/v1/cases/{case['number']}/messages",
        json={"body": "looking", "internal": True},
        headers=people.other.headers,
    )
    assert note.status_code == 201
    assert await _print(database, people.other.id, other_token) == before

    # Signing out ends the stream's reason to exist.
    async with database.unit_of_work() as session:
        await auth.sign_out(session, token)
    assert await _print(database, people.owner.id, token) is None


async def test_event_stream_refreshes_on_connect_then_on_change_and_marks_the_rep_seen(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    token = await _token(database, people.owner.id)
    stream = live.events(database, rep_id=people.owner.id, token=token, case_id=None)
    assert await anext(stream) == f"retry: {live.RETRY_MS}\n\n"
    # First look: the page re-fetches once, whatever changed before the stream opened.
    first = await anext(stream)
    assert first.startswith("id: ")
    assert first.endswith("event: worklist\ndata: changed\n\n")
    event_id = first.split("\n")[0].removeprefix("id: ")
    async with database.unit_of_work(write=False) as session:
        seen = await session.scalar(select(Rep.last_seen_at).where(Rep.id == people.owner.id))
    assert seen is not None
    assert utcnow() - seen < timedelta(seconds=5)
    await _listening(database)

    await create_case(client, people.owner)
    changed = await _next(stream)
    assert "event: worklist" in changed
    assert event_id not in changed
    new_id = changed.split("\n")[0].removeprefix("id: ")

    # A browser reconnecting with the id of what it shows is not told to re-fetch; a stale one is.
    again = live.events(
        database,
        rep_id=people.owner.id,
        token=token,
        case_id=None,
        last_event_id=new_id,
        lifetime=0.3,
    )
    assert [part async for part in again] == [f"retry: {live.RETRY_MS}\n\n"]
    stale = live.events(
        database,
        rep_id=people.owner.id,
        token=token,
        case_id=None,
        last_event_id=event_id,
        lifetime=0.3,
    )
    assert "event: worklist" in [part async for part in stale][1]

    async with database.unit_of_work() as session:
        await auth.sign_out(session, token)
    assert await _next(stream) == live.event("signed-out")
    await stream.aclose()


async def _listening(database: Database) -> None:
    """On PostgreSQL the process's listening connection must be up before a write counts."""
    await asyncio.wait_for(database.hub.listening.wait(), timeout=10)


async def _next(stream: AsyncIterator[str], timeout: float = 5) -> str:
    """The stream's next event, keep-alive comments skipped."""
    while True:
        part = await asyncio.wait_for(anext(stream), timeout=timeout)
        if not part.startswith(":"):
            return part


async def _open(
    database: Database, rep_id: int, token: str, case_id: int | None = None
) -> AsyncIterator[str]:
    stream = live.events(database, rep_id=rep_id, token=token, case_id=case_id)
    assert await anext(stream) == f"retry: {live.RETRY_MS}\n\n"
    assert "event: worklist" in await _next(stream)  # the first look of a fresh page
    await _listening(database)
    return stream


async def _quiet(stream: AsyncIterator[str], seconds: float) -> bool:
    """True when the stream says nothing but keep-alives for ``seconds`` (then it is over)."""
    try:
        await _next(stream, timeout=seconds)
    except TimeoutError:
        return True
    return False


async def test_a_case_arriving_and_a_customer_reply_wake_only_the_owners_pages(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    token = await _token(database, people.owner.id)
    owner = await _open(database, people.owner.id, token)
    other = await _open(database, people.other.id, await _token(database, people.other.id))

    case = await create_case(client, people.owner)
    assert "event: worklist" in await _next(owner)
    case_id = int(case["number"].removeprefix("TL-"))
    page = await _open(database, people.owner.id, token, case_id)
    assert "event: timeline" in await _next(page)  # a case page's first look names both parts

    reply = await client.post(
        f"/api/v1/status/{case['status_token']}/messages", json={"body": "Still broken."}
    )
    assert reply.status_code == 201
    assert "event: worklist" in await _next(owner)
    woken = [await _next(page), await _next(page)]
    assert ["worklist" in woken[0], "timeline" in woken[1]] == [True, True]
    # The other rep's work list heard nothing about a case that is not theirs.
    assert await _quiet(other, 1.0)
    for stream in (owner, other, page):
        await stream.aclose()  # type: ignore[attr-defined]


async def test_a_follow_up_falling_due_in_the_worker_wakes_the_owners_work_list(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    case = await create_case(client, people.owner)
    due = utcnow() + timedelta(seconds=1)
    scheduled = await client.post(
        f"/api/v1/cases/{case['number']}/follow-ups",
        json={"due_at": due.isoformat(), "note": "Call back"},
        headers=people.owner.headers,
    )
    assert scheduled.status_code == 201, scheduled.text
    owner = await _open(database, people.owner.id, await _token(database, people.owner.id))
    await asyncio.sleep(max((due - utcnow()).total_seconds(), 0) + 0.05)
    # SQLite: the embedded worker shares the process's database; PostgreSQL: a worker of
    # its own (another engine and hub), heard through the listening connection.
    worker_db = database if database.is_sqlite else Database.from_settings(settings)
    try:
        done = await Worker(worker_db, settings, name="test").run_timers(utcnow())
    finally:
        if worker_db is not database:
            await worker_db.dispose()
    assert done["due_follow_ups"] == 1
    assert "event: worklist" in await _next(owner)
    await owner.aclose()  # type: ignore[attr-defined]


def _reply_from_another_process(job: tuple[str, str], start: Any, results: Any) -> None:
    """A second web process: its own engine and hub, the customer's reply posted to it."""
    url, status_token = job
    start.wait()

    async def reply() -> int:
        settings = Settings(database_url=url, secret_key="k", embedded_worker=False)
        app = create_app(settings, run_worker=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            response = await web.post(
                f"/api/v1/status/{status_token}/messages", json={"body": "Still broken."}
            )
        await app.state.database.dispose()
        return response.status_code

    results.put(asyncio.run(reply()))


async def test_a_reply_written_by_another_process_reaches_the_open_work_list(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    case = await create_case(client, people.owner)
    owner = await _open(database, people.owner.id, await _token(database, people.owner.id))
    job = (settings.resolved_database_url, case["status_token"])
    statuses, _ = await run_together(_reply_from_another_process, [job], timeout=60)
    assert statuses == [201]
    assert "event: worklist" in await _next(owner)
    await owner.aclose()  # type: ignore[attr-defined]


@pytest.mark.postgres_only
async def test_the_listener_comes_back_after_its_connection_is_killed(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    owner = await _open(database, people.owner.id, await _token(database, people.owner.id))
    hub = database.hub
    async with database.unit_of_work() as session:
        killed = await session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
    assert killed == 1
    # It reconnects, and every open page looks once in case it missed a write meanwhile.
    await asyncio.wait_for(_reconnected(hub), timeout=10)

    await create_case(client, people.owner)
    assert "event: worklist" in await _next(owner)
    await owner.aclose()  # type: ignore[attr-defined]


async def _reconnected(hub: Any) -> None:
    while not (hub.reconnects >= 1 and hub.listening.is_set()):
        await asyncio.sleep(0.02)


def _stream_request(database: Database, token: str) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(database=database))
    cookie = f"{auth.COOKIE}={token}".encode()
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/app/events",
        "query_string": b"",
        "headers": [(b"cookie", cookie)],
        "app": app,
    }
    return Request(scope)


async def test_a_reconnecting_stream_is_known_without_a_query_until_its_rep_signs_out(
    database: Database, people: Personas
) -> None:
    token = await _token(database, people.owner.id)
    page = await _open(database, people.owner.id, token)  # the process listens from now on
    assert await live.stream_rep(_stream_request(database, token)) == people.owner.id
    asked = database.statements
    assert await live.stream_rep(_stream_request(database, token)) == people.owner.id
    assert database.statements == asked  # the reconnect cost the database nothing

    async with database.unit_of_work() as session:
        await auth.sign_out(session, token)
    with pytest.raises(HTTPException) as refused:
        await live.stream_rep(_stream_request(database, token))
    assert refused.value.status_code == 303
    assert "/app/sign-in" in refused.value.headers["Location"]
    assert await _next(page) == live.event("signed-out")
    await page.aclose()  # type: ignore[attr-defined]
