"""In-app error reports over real HTTP, on SQLite and PostgreSQL: a product sends a report,
the customer gets a case number, the rep sees environment, diagnostics and log files."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from tests.builders import Personas
from tests.cases.support import read_case, work_items
from throughline.app import create_app
from throughline.channels.files import file_path
from throughline.channels.reports import service as reports
from throughline.channels.reports.schemas import ReportIn
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import (
    Case,
    ErrorReport,
    InboundMessage,
    OutboxMessage,
    StoredFile,
    utcnow,
)
from throughline.worker.runner import Worker


async def make_product(database: Database, name: str = "Acme Mail") -> str:
    async with database.unit_of_work() as session:
        _product, key = await reports.add_product(session, name, actor=CLI, now=utcnow())
    return key


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {"email": "maria@example.org", "name": "Maria Gonzalez"},
        "product": "Acme Mail",
        "version": "4.2.1",
        "summary": "Sync failed after 3 retries (error 0x80004005)",
        "description": "Happens every morning when I open my laptop.",
        "environment": {
            "os": "Windows",
            "os_version": "11 23H2",
            "app_version": "4.2.1",
            "device": "ThinkPad X1",
            "managed_by_it": True,
        },
        "diagnostics": {"free_disk_mb": 512, "accounts": ["imap", "exchange"]},
    }
    body.update(overrides)
    return body


async def send(
    client: httpx.AsyncClient, key: str | None, body: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    headers = {"X-Api-Key": key} if key is not None else {}
    return await client.post("/api/v1/reports", json=body, headers=headers, **kwargs)


async def send_with_logs(
    client: httpx.AsyncClient, key: str, body: dict[str, Any], logs: list[tuple[str, bytes, str]]
) -> httpx.Response:
    """The report as multipart/form-data: its JSON in 'report', each (filename, content,
    content type) of ``logs`` in 'files'."""
    return await client.post(
        "/api/v1/reports",
        headers={"X-Api-Key": key},
        data={"report": json.dumps(body)},
        files=[("files", log) for log in logs],
    )


def text_logs(how_many: int, size: int) -> list[tuple[str, bytes, str]]:
    """``how_many`` plain-text log files of ``size`` bytes each."""
    return [(f"{n}.log", b"x" * size, "text/plain") for n in range(how_many)]


async def filed(client: httpx.AsyncClient, key: str, **overrides: Any) -> dict[str, Any]:
    response = await send(client, key, report_body(**overrides))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def count(database: Database, model: Any) -> int:
    async with database.unit_of_work(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def key(database: Database, people: Personas) -> str:
    return await make_product(database)


async def test_report_opens_a_case_the_rep_reads_with_environment_and_diagnostics(
    client: httpx.AsyncClient, people: Personas, key: str, database: Database
) -> None:
    created = await filed(client, key)
    assert set(created) == {"number", "status_url", "appended"}
    assert created["appended"] is False
    number = created["number"]

    case = await read_case(client, people.owner, number)
    assert case["owner"]["name"] == "Olivia Owner"
    assert case["channel"] == "in_app"
    assert case["subject"] == "Acme Mail: Sync failed after 3 retries (error 0x80004005)"
    environment = {
        "os": "Windows",
        "os_version": "11 23H2",
        "app_version": "4.2.1",
        "device": "ThinkPad X1",
        "managed_by_it": True,
    }
    assert case["environment"] == environment
    assert case["customer"]["email"] == "maria@example.org"
    assert case["customer"]["environment"] == environment
    opening = case["timeline"][0]
    assert opening["kind"] == "message_in"
    assert opening["channel"] == "in_app"
    assert opening["body"].splitlines()[0] == (
        "Error report from Acme Mail 4.2.1: Sync failed after 3 retries (error 0x80004005)"
    )
    assert "Happens every morning" in opening["body"]
    assert "Environment: Windows 11 23H2, app 4.2.1, device ThinkPad X1" in opening["body"]
    assert "Diagnostics: 2 fields (accounts, free_disk_mb)" in opening["body"]

    listed = await client.get(f"/api/v1/cases/{number}/reports", headers=people.other.headers)
    assert listed.status_code == 200, listed.text
    [report] = listed.json()["reports"]
    assert report["product"] == "Acme Mail"
    assert report["version"] == "4.2.1"
    assert report["diagnostics"] == {"free_disk_mb": 512, "accounts": ["imap", "exchange"]}
    assert report["environment"] == environment
    assert report["timeline_entry_id"] == opening["id"]

    # The customer's link works and shows the report as their message.
    token = created["status_url"].rsplit("/", 1)[1]
    status = await client.get(f"/api/v1/status/{token}")
    assert status.status_code == 200, status.text
    assert status.json()["number"] == number
    assert status.json()["owner"]["name"] == "Olivia Owner"

    # Filed in its request: the worker's safety-net job is already settled.
    async with database.unit_of_work(write=False) as session:
        job = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.topic == "reports.file")
        )
    assert job is not None
    assert job.done_at is not None

    # Reports on a case are for reps only.
    assert (await client.get(f"/api/v1/cases/{number}/reports")).status_code == 401


async def test_same_error_within_a_day_joins_the_open_case_and_needs_the_owner(
    client: httpx.AsyncClient, people: Personas, key: str, database: Database
) -> None:
    first = await filed(client, key)
    # The owner answers, so the case is off their list until the customer writes again.
    reply = await client.post(
        f"/api/v1/cases/{first['number']}/messages",
        headers=people.owner.headers,
        json={"body": "Looking into it.", "internal": False},
    )
    assert reply.status_code == 201, reply.text
    assert first["number"] not in dict(await work_items(client, people.owner))

    # Same error, other numbers and spacing, from a new app version of the OS: appended.
    again = await filed(
        client,
        key,
        summary="sync  failed after 7 retries (error 0x80070005)",
        environment={
            "os": "Windows",
            "os_version": "11 24H2",
            "app_version": "4.2.1",
            "device": "ThinkPad X1",
        },
        diagnostics={"free_disk_mb": 100},
    )
    assert again == {**first, "appended": True}
    case = await read_case(client, people.owner, first["number"])
    assert case["contact_count"] == 2
    assert case["environment"]["os_version"] == "11 24H2"
    assert case["customer"]["environment"]["os_version"] == "11 24H2"
    assert [e["kind"] for e in case["timeline"] if e["kind"] == "message_in"] == [
        "message_in",
        "message_in",
    ]
    assert dict(await work_items(client, people.owner))[first["number"]] == "customer_replied"
    listed = await client.get(
        f"/api/v1/cases/{first['number']}/reports", headers=people.owner.headers
    )
    assert [r["diagnostics"] for r in listed.json()["reports"]] == [
        {"free_disk_mb": 512, "accounts": ["imap", "exchange"]},
        {"free_disk_mb": 100},
    ]

    # Another error, or another customer with the same error: their own cases.
    other_error = await filed(client, key, summary="Calendar invites show the wrong time zone")
    other_customer = await filed(
        client, key, customer={"email": "tom@example.org", "name": "Tom Berg"}
    )
    other_version = await filed(client, key, version="4.3.0")
    numbers = {first["number"], other_error["number"], other_customer["number"]}
    assert len(numbers | {other_version["number"]}) == 4
    assert other_error["appended"] is False
    assert other_customer["appended"] is False

    # A day later the same error is a new case.
    async with database.unit_of_work() as session:
        await session.execute(update(ErrorReport).values(created_at=utcnow() - timedelta(hours=25)))
    later = await filed(client, key)
    assert later["appended"] is False
    assert later["number"] not in numbers
    assert await count(database, Case) == 5


async def test_same_error_after_the_case_was_resolved_opens_a_new_case(
    client: httpx.AsyncClient, people: Personas, key: str, database: Database
) -> None:
    first = await filed(client, key)
    async with database.unit_of_work() as session:
        await session.execute(update(Case).values(status="resolved", resolved_at=utcnow()))
    second = await filed(client, key)
    assert second["appended"] is False
    assert second["number"] != first["number"]
    resolved = await read_case(client, people.owner, first["number"])
    assert resolved["status"] == "resolved"
    assert resolved["contact_count"] == 1


async def test_log_files_are_kept_on_the_case_and_listed_with_the_report(
    client: httpx.AsyncClient, people: Personas, key: str, settings: Settings, database: Database
) -> None:
    log = b"2026-11-23 08:00:01 ERROR sync: 0x80004005\n" * 200
    response = await send_with_logs(
        client,
        key,
        report_body(),
        [
            ("sync.log", log, "text/plain"),
            ("../../etc/crash.dmp", b"\x00\x01crash", "application/octet-stream"),
        ],
    )
    assert response.status_code == 201, response.text
    number = response.json()["number"]
    listed = await client.get(f"/api/v1/cases/{number}/reports", headers=people.owner.headers)
    files = listed.json()["reports"][0]["files"]
    assert [(f["filename"], f["size"], f["kept"]) for f in files] == [
        ("sync.log", len(log), True),
        ("crash.dmp", 7, True),
    ]
    async with database.unit_of_work(write=False) as session:
        stored = list(await session.scalars(select(StoredFile).order_by(StoredFile.id)))
    assert file_path(settings, stored[0].sha256).read_bytes() == log
    case = await read_case(client, people.owner, number)
    assert "Log files: sync.log (8 KB), crash.dmp (7 bytes)" in case["timeline"][0]["body"]


async def test_a_report_needs_its_products_own_working_key(
    client: httpx.AsyncClient, people: Personas, key: str, database: Database
) -> None:
    missing = await send(client, None, report_body())
    assert missing.status_code == 401
    assert "X-Api-Key" in missing.json()["detail"]
    wrong = await send(client, "tlp_not-a-key", report_body())
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "unknown or revoked product key"

    calendar_key = await make_product(database, "Acme Calendar")
    other = await send(client, calendar_key, report_body())
    assert other.status_code == 403
    assert other.json()["detail"].startswith(
        "product: this key belongs to 'Acme Calendar', not 'Acme Mail'"
    )

    async with database.unit_of_work() as session:
        await reports.revoke_product(session, "Acme Mail", actor=CLI)
    revoked = await send(client, key, report_body())
    assert revoked.status_code == 401
    assert await count(database, Case) == 0
    assert await count(database, ErrorReport) == 0


async def test_wrong_fields_are_named(
    client: httpx.AsyncClient, people: Personas, key: str, database: Database
) -> None:
    body = report_body(customer={"email": "not-an-address", "name": "Maria"})
    del body["environment"]["os"]
    response = await send(client, key, body)
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"customer.email", "environment.os"}

    unknown = await send(client, key, report_body(severity=1))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "severity"

    not_json = await client.post(
        "/api/v1/reports",
        content=b"{not json",
        headers={"X-Api-Key": key, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422

    in_form = await send_with_logs(client, key, report_body(summary=""), text_logs(1, 1))
    assert in_form.status_code == 422
    assert in_form.json()["errors"][0]["field"] == "report.summary"

    no_report = await client.post(
        "/api/v1/reports",
        headers={"X-Api-Key": key},
        files=[("files", ("a.log", b"x", "text/plain"))],
    )
    assert no_report.status_code == 422
    assert no_report.json()["detail"].startswith("report: missing")

    text = await client.post(
        "/api/v1/reports",
        content=b"hello",
        headers={"X-Api-Key": key, "Content-Type": "text/plain"},
    )
    assert text.status_code == 415
    assert text.json()["detail"].startswith("content-type:")
    assert await count(database, Case) == 0


@pytest.fixture
async def tight(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An app with small limits, as an operator might set them."""
    limited = settings.model_copy(
        update={
            "max_attachments": 2,
            "max_attachment_bytes": 2048,
            "max_report_bytes": 8192,
            "max_request_bytes": 4096,
            "max_diagnostics_bytes": 300,
            "report_requests_per_minute": 30,
        }
    )
    app = create_app(limited, database=database, run_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_limits_on_body_files_and_diagnostics_are_clear(
    tight: httpx.AsyncClient, people: Personas, key: str, database: Database
) -> None:
    three = await send_with_logs(tight, key, report_body(), text_logs(3, 10))
    assert three.status_code == 422
    assert three.json()["detail"].startswith("files: 3 sent; at most 2 log files")

    big_file = await send_with_logs(
        tight, key, report_body(), [("big.log", b"x" * 3000, "text/plain")]
    )
    assert big_file.status_code == 413
    assert big_file.json()["detail"].startswith("files: big.log is larger than 2048 bytes")

    # Two files under their own limit but over the cap on the whole request.
    huge = await send_with_logs(
        tight, key, report_body(), [*text_logs(2, 2000), ("more.log", b"x" * 5000, "text/plain")]
    )
    assert huge.status_code == 413
    assert huge.json()["detail"] == "request body is larger than 8192 bytes"

    diagnostics = await send(tight, key, report_body(diagnostics={"trace": "x" * 400}))
    assert diagnostics.status_code == 413
    assert diagnostics.json()["detail"].startswith("diagnostics: ")

    # Without files, a report is an ordinary request with the ordinary cap.
    long_json = await send(tight, key, report_body(description="x" * 5000))
    assert long_json.status_code == 413
    assert "without log files may be at most 4096 bytes" in long_json.json()["detail"]
    assert await count(database, Case) == 0

    ok = await send_with_logs(tight, key, report_body(), text_logs(2, 2000))
    assert ok.status_code == 201, ok.text
    # Other routes keep the ordinary cap even though reports have a larger one.
    big_note = await tight.post(
        "/api/v1/cases",
        headers=people.owner.headers,
        content=b"x" * 5000,
    )
    assert big_note.status_code == 413


async def test_reports_are_rate_limited_per_key(
    settings: Settings, database: Database, people: Personas, key: str
) -> None:
    app = create_app(
        settings.model_copy(update={"report_requests_per_minute": 3}),
        database=database,
        run_worker=False,
    )
    transport = httpx.ASGITransport(app=app)
    calendar = await make_product(database, "Acme Calendar")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for n in range(3):
            response = await send(client, key, report_body(summary=f"Error number {n}a"))
            assert response.status_code == 201, response.text
        limited = await send(client, key, report_body(summary="Another error"))
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "20"
        assert limited.json()["detail"].startswith("too many reports from Acme Mail")
        # Another product has its own allowance.
        other = await send(client, calendar, report_body(product="Acme Calendar"))
        assert other.status_code == 201, other.text
    assert await count(database, ErrorReport) == 4


async def test_a_stored_report_is_filed_by_the_worker_when_its_request_could_not(
    client: httpx.AsyncClient, people: Personas, key: str, database: Database, settings: Settings
) -> None:
    async with database.unit_of_work() as session:
        product = await reports.authenticate(session, key)
        inbound_id = await reports.store(
            session,
            product,
            ReportIn.model_validate(report_body()),
            [reports.LogFile(filename="sync.log", content_type="text/plain", data=b"boom")],
            settings=settings,
            now=utcnow(),
        )
    # The request died here: the report is kept, not yet on any case.
    assert await count(database, Case) == 0
    await Worker(database, settings, name="test-worker").run_outbox(utcnow())
    async with database.unit_of_work(write=False) as session:
        row = await session.get(InboundMessage, inbound_id)
    assert row is not None
    assert (row.state, row.outcome) == ("processed", "new_case")
    number = f"TL-{row.case_id}"
    case = await read_case(client, people.owner, number)
    assert case["subject"].startswith("Acme Mail: Sync failed")
    listed = await client.get(f"/api/v1/cases/{number}/reports", headers=people.owner.headers)
    assert [f["filename"] for f in listed.json()["reports"][0]["files"]] == ["sync.log"]
    # Filing again (a retry after a lost commit acknowledgement) changes nothing.
    async with database.unit_of_work() as session:
        again = await reports.file_report(session, inbound_id, settings=settings, now=utcnow())
    assert again.case.number == number
    assert await count(database, Case) == 1
    assert await count(database, ErrorReport) == 1


async def test_the_same_report_sent_twice_at_once_is_one_case(
    client: httpx.AsyncClient, people: Personas, key: str, database: Database
) -> None:
    first, second = await asyncio.gather(
        send(client, key, report_body()), send(client, key, report_body())
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] == second.json()["number"]
    assert sorted([first.json()["appended"], second.json()["appended"]]) == [False, True]
    assert await count(database, Case) == 1

    # A known customer, their case resolved, sends it twice at once again: one new case.
    async with database.unit_of_work() as session:
        await session.execute(update(Case).values(status="resolved", resolved_at=utcnow()))
    third, fourth = await asyncio.gather(
        send(client, key, report_body()), send(client, key, report_body())
    )
    assert third.json()["number"] == fourth.json()["number"]
    assert third.json()["number"] != first.json()["number"]
    assert await count(database, Case) == 2
