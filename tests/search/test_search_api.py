"""GET /api/v1/search: a rep finds cases, messages, notes and steps by their words."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.builders import Personas, create_case
from tests.cases.support import reply
from tests.search.support import found, search, solved_case
from throughline.cli import app
from throughline.config import Settings
from throughline.db import Database


async def _printer_and_vpn(client: httpx.AsyncClient, people: Personas) -> tuple[str, str]:
    printer = await create_case(
        client,
        people.owner,
        subject="Printer offline after update",
        body="Since the update yesterday the printer in room 4 shows as offline.",
    )
    vpn = await create_case(
        client,
        people.owner,
        subject="VPN disconnects every hour",
        body="The VPN drops exactly every hour and asks me to log in again.",
        customer={"email": "kofi@example.org", "name": "Kofi"},
    )
    return printer["number"], vpn["number"]


async def test_finds_a_case_by_its_subject_and_message_with_marked_snippets(
    client: httpx.AsyncClient, people: Personas
) -> None:
    printer, vpn = await _printer_and_vpn(client, people)
    response = await search(client, people.owner, q="printers offline")
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["words"] == ["printers", "offline"]
    assert {(item["kind"], item["case"]) for item in page["items"]} == {
        ("case", printer),
        ("message", printer),
    }
    case_hit = next(item for item in page["items"] if item["kind"] == "case")
    assert (
        case_hit["title_html"]
        == f"TL-{printer[3:]} <mark>Printer</mark> <mark>offline</mark> after update"
    )
    assert case_hit["url"] == f"/app/cases/{printer}"
    assert case_hit["case_subject"] == "Printer offline after update"
    message = next(item for item in page["items"] if item["kind"] == "message")
    assert "<mark>printer</mark>" in message["snippet_html"]
    assert await found(client, people.owner, "hour vpn") == [("case", vpn), ("message", vpn)]


async def test_a_case_number_finds_the_case(client: httpx.AsyncClient, people: Personas) -> None:
    printer, _vpn = await _printer_and_vpn(client, people)
    assert await found(client, people.owner, printer) == [("case", printer)]
    assert await found(client, people.owner, printer.lower().replace("-", " ")) == [
        ("case", printer)
    ]


async def test_replies_notes_and_steps_are_found_as_they_are_written(
    client: httpx.AsyncClient, people: Personas
) -> None:
    printer, _vpn = await _printer_and_vpn(client, people)
    assert await found(client, people.owner, "spooler") == []
    assert (
        await reply(client, people.owner, printer, "Please restart the print spooler.")
    ).status_code == 201
    assert (
        await reply(client, people.other, printer, "Spooler service crashed twice", internal=True)
    ).status_code == 201
    step = await client.post(
        f"/api/v1/cases/{printer}/steps",
        json={"description": "Restarted the spooler service", "outcome": "did_not_work"},
        headers=people.owner.headers,
    )
    assert step.status_code == 201
    kinds = [kind for kind, _case in await found(client, people.owner, "spooler")]
    assert sorted(kinds) == ["note", "reply", "step"]


async def test_the_resolution_summary_is_found_once_proposed(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number, _token = await solved_case(
        client,
        people.owner,
        subject="Sync stuck at 99%",
        body="Files stop syncing at 99% and the icon keeps spinning.",
        steps=[("Reset the sync database", "worked")],
        resolution="Reset the sync database and re-linked the account.",
    )
    assert ("case", number) in await found(client, people.owner, "re-linked account")
    assert await found(client, people.owner, "linked account") == [("case", number)]


async def test_content_is_escaped_before_matches_are_marked(
    client: httpx.AsyncClient, people: Personas
) -> None:
    await create_case(
        client,
        people.owner,
        subject="<script>alert(1)</script> in the invoice",
        body='My invoice shows <img src=x onerror="alert(1)"> instead of a total',
    )
    response = await search(client, people.owner, q="invoice")
    items = response.json()["items"]
    assert len(items) == 2
    for item in items:
        html = item["title_html"] + item["snippet_html"]
        assert "<script" not in html
        assert "<img" not in html
        assert "<mark>invoice</mark>" in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in items[0]["title_html"] + items[1]["title_html"]
    )


@pytest.mark.parametrize(
    ("q", "says"),
    [
        ("", "q: type a word"),
        ("   ", "q: type a word"),
        ('"', "q: has no letters or digits"),
        ("*:()-", "q: has no letters or digits"),
        ("AND", "'and' is too common"),
        ("x" * 201, "q: at most 200 characters"),
        (" ".join(f"word{i}" for i in range(13)), "q: at most 12 words"),
    ],
)
async def test_bad_queries_are_named_not_failed(
    client: httpx.AsyncClient, people: Personas, q: str, says: str
) -> None:
    response = await search(client, people.owner, q=q)
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"]


@pytest.mark.parametrize(
    "q", ['printer"', "printer AND", "(printer offline)", "printer*", "printer:", "-printer"]
)
async def test_search_syntax_is_read_as_words(
    client: httpx.AsyncClient, people: Personas, q: str
) -> None:
    printer, _vpn = await _printer_and_vpn(client, people)
    assert ("case", printer) in await found(client, people.owner, q)


async def test_filters_by_status_owner_team_and_date(
    client: httpx.AsyncClient, people: Personas
) -> None:
    printer, vpn = await _printer_and_vpn(client, people)
    assert await found(client, people.owner, "every", status="resolved") == []
    assert {c for _k, c in await found(client, people.owner, "every", status="new")} == {vpn}
    assert {c for _k, c in await found(client, people.owner, "every", owner="me")} == {vpn}
    assert await found(client, people.owner, "every", owner=people.other.email) == []
    assert await found(client, people.owner, "every", team="Tier 2") == []
    assert await found(client, people.owner, "every", since="2999-01-01") == []
    assert {c for _k, c in await found(client, people.owner, "every", until="2999-01-01")} == {vpn}
    for params, says in [
        ({"status": "closed"}, "status: 'closed' is not one of"),
        ({"owner": "nobody@desk.example"}, "owner: no rep"),
        ({"team": "Plumbing"}, "team: no team 'Plumbing'"),
        ({"since": "2026-12-08", "until": "2026-12-07"}, "until: must be after since"),
        ({"since": "yesterday"}, "since"),
    ]:
        response = await search(client, people.owner, q="every", **params)
        assert response.status_code == 422, params
        assert says in response.text, response.text
    assert {c for _k, c in await found(client, people.owner, "offline", owner="me")} == {printer}


async def test_pages_through_results(client: httpx.AsyncClient, people: Personas) -> None:
    numbers = set()
    for i in range(5):
        created = await create_case(
            client,
            people.owner,
            subject=f"Router number {i} blinks red",
            body="The router light blinks red.",
            customer={"email": f"c{i}@example.org", "name": f"C{i}"},
        )
        numbers.add(created["number"])
    first = (await search(client, people.owner, q="router", limit=4)).json()
    assert len(first["items"]) == 4
    assert first["next_offset"] == 4
    seen = [(i["kind"], i["case"]) for i in first["items"]]
    while first["next_offset"] is not None:
        first = (
            await search(client, people.owner, q="router", limit=4, offset=first["next_offset"])
        ).json()
        seen += [(i["kind"], i["case"]) for i in first["items"]]
    assert len(seen) == len(set(seen)) == 10
    assert {case for _kind, case in seen} == numbers
    too_deep = await search(client, people.owner, q="router", limit=20, offset=190)
    assert too_deep.status_code == 422
    assert "best 200 results" in too_deep.json()["detail"]
    assert (await search(client, people.owner, q="router", limit=51)).status_code == 422


async def test_reps_only(client: httpx.AsyncClient, people: Personas) -> None:
    await _printer_and_vpn(client, people)
    assert (await client.get("/api/v1/search", params={"q": "printer"})).status_code == 401
    stranger = await client.get("/api/v1/search", params={"q": "printer"}, headers=people.stranger)
    assert stranger.status_code == 401
    assert (await found(client, people.other, "printer")) != []


async def test_rebuild_command_refills_the_index(
    client: httpx.AsyncClient, people: Personas, database: Database, settings: Settings
) -> None:
    printer, vpn = await _printer_and_vpn(client, people)
    before = await found(client, people.owner, "offline") + await found(client, people.owner, "vpn")
    async with database.unit_of_work() as session:
        table = (
            "search_index" if session.get_bind().dialect.name == "sqlite" else "search_documents"
        )
        await session.execute(text(f"DELETE FROM {table}"))
    assert await found(client, people.owner, "offline") == []
    env = {
        "THROUGHLINE_DATABASE_URL": settings.resolved_database_url,
        "THROUGHLINE_VAR_DIR": str(settings.var_dir),
        "THROUGHLINE_SECRET_KEY": "test-secret-key",
    }
    result = await asyncio.to_thread(CliRunner().invoke, app, ["search", "rebuild"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Search index rebuilt: 4 documents, 0 solved cases."
    assert (
        await found(client, people.owner, "offline") + await found(client, people.owner, "vpn")
        == before
    )
    assert {case for _kind, case in before} == {printer, vpn}
