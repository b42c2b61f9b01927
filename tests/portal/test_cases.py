"""The signed-in customer's portal: my cases only, a new case with files, profile, status page."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests.builders import Personas, create_case
from tests.portal.support import post_form, sign_in
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, Customer, StoredFile

HTML = {"accept": "text/html"}


def _new_case(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Maria Gonzalez",
        "subject": "Printer prints blank pages",
        "description": "Paper comes out empty since the new toner.",
        "severity": "2",
        "device": "LaserJet 4200",
        "os": "Windows 11",
        "managed_by_it": "yes",
    }
    form.update(overrides)
    return form


async def test_a_customer_opens_a_case_with_attachments_and_sees_its_owner(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await sign_in(client, database, settings, "maria@example.org")
    files = [
        ("attachments", ("screen.png", b"\x89PNG fake image", "image/png")),
        ("attachments", ("log.txt", b"error 42", "text/plain")),
    ]
    response = await post_form(client, "/portal/new", _new_case(), files=files)
    assert response.status_code == 303, response.text
    status = await client.get(response.headers["location"], headers=HTML)
    assert status.status_code == 200
    assert "Printer prints blank pages" in status.text
    assert "Olivia Owner</strong> looks after your case" in status.text
    assert "Extension: 2201" in status.text
    assert "Your case TL-" in status.text
    async with database.unit_of_work(write=False) as session:
        case = await session.scalar(select(Case))
        assert case is not None
        assert (case.severity, case.channel) == (2, "portal")
        assert case.environment["managed_by_it"] is True
        assert case.environment["device"] == "LaserJet 4200"
        stored = list(await session.scalars(select(StoredFile).order_by(StoredFile.filename)))
        customer = await session.get(Customer, case.customer_id)
    assert [f.filename for f in stored] == ["log.txt", "screen.png"]
    assert all(f.case_id == case.id and f.timeline_entry_id for f in stored)
    assert customer is not None
    assert customer.name == "Maria Gonzalez"


async def test_a_new_case_names_each_wrong_field_and_keeps_the_text(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await sign_in(client, database, settings, "maria@example.org")
    response = await post_form(
        client, "/portal/new", _new_case(subject="", severity="9", description="Kept text")
    )
    assert response.status_code == 422
    assert "Subject: please say in a few words" in response.text
    assert "How bad is it: please choose" in response.text
    assert "Kept text" in response.text
    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(Case)) is None


async def test_attachment_limits_refuse_the_case_before_anything_is_stored(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    settings.max_attachment_bytes = 2048
    settings.max_attachments = 2
    await sign_in(client, database, settings, "maria@example.org")
    too_big = [("attachments", ("dump.bin", b"x" * 4096, "application/octet-stream"))]
    response = await post_form(client, "/portal/new", _new_case(), files=too_big)
    assert response.status_code == 422
    assert "Attachments: dump.bin is larger than" in response.text
    too_many = [("attachments", (f"f{n}.txt", b"hi", "text/plain")) for n in range(3)]
    response = await post_form(client, "/portal/new", _new_case(), files=too_many)
    assert response.status_code == 422
    assert "Attachments: at most 2 files, please." in response.text
    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(Case)) is None
        assert await session.scalar(select(StoredFile)) is None


async def test_my_cases_lists_only_mine_and_another_customers_case_is_not_found(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    mine = await create_case(client, people.owner)
    theirs = await create_case(
        client,
        people.owner,
        customer={"email": "tom@example.net", "name": "Tom Becker"},
        subject="Tom's secret problem",
    )
    await sign_in(client, database, settings, "maria@example.org")
    home = await client.get("/portal", headers=HTML)
    assert mine["number"] in home.text
    assert theirs["number"] not in home.text
    assert "Tom's secret problem" not in home.text
    opened = await client.get(f"/portal/cases/{mine['number']}")
    assert opened.status_code == 303
    assert opened.headers["location"].endswith(f"/status/{mine['status_token']}")
    other = await client.get(f"/portal/cases/{theirs['number']}", headers=HTML)
    assert other.status_code == 404
    assert (await client.get("/portal/cases/TL-99999999999999999999")).status_code == 404


async def test_signed_out_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in ("/portal/new", "/portal/profile", "/portal/cases/TL-1001"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/portal")
    page = await client.get("/portal", headers=HTML)
    assert "Email me a sign-in link" in page.text


async def test_the_profile_records_proficiency_and_environment(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await sign_in(client, database, settings, "aiko@example.jp")
    page = await client.get("/portal/profile", headers=HTML)
    assert "How comfortable are you with technology?" in page.text
    wrong = await post_form(client, "/portal/profile", {"proficiency": "wizard"})
    assert wrong.status_code == 422
    assert "How comfortable are you with technology: choose one answer." in wrong.text
    saved = await post_form(
        client,
        "/portal/profile",
        {"name": "Aiko Tanaka", "proficiency": "novice", "os": "iOS 18", "managed_by_it": "yes"},
    )
    assert saved.status_code == 303
    async with database.unit_of_work(write=False) as session:
        customer = await session.scalar(select(Customer))
    assert customer is not None
    assert (customer.name, customer.proficiency) == ("Aiko Tanaka", "novice")
    assert customer.environment == {"os": "iOS 18", "managed_by_it": True}
