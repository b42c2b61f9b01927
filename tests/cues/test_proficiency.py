"""Comfort with technology: the customer's answer on the portal, the rep's setting, which wins."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests.builders import Personas
from tests.portal.support import post_form
from tests.portal.support import sign_in as customer_signs_in
from tests.workspace.support import browser, give_password, post, sign_in, text_of
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, CustomerProficiency

REPLY = "Please flush your DNS cache."


async def test_the_customers_answer_drives_the_hint_until_the_rep_sets_their_own(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await customer_signs_in(client, database, settings, "maria@example.org")
    form = {
        "subject": "Pages do not load",
        "description": "Since this morning nothing opens.",
        "severity": "3",
        "proficiency": "novice",
    }
    opened = await post_form(client, "/portal/new", form)
    assert opened.status_code == 303, opened.text
    async with database.unit_of_work(write=False) as session:
        case = await session.scalar(select(Case))
        assert case is not None
    number = case.number

    rep = browser(client)
    await give_password(database, people.owner)
    await sign_in(rep, people.owner)
    page = await rep.get(f"/app/cases/{number}")
    assert "The customer said: novice" in text_of(page.text)
    hint = await post(rep, f"/app/cases/{number}/jargon", body=REPLY)
    assert "DNS →" in text_of(hint.text)

    saved = await post(rep, f"/app/cases/{number}/proficiency", proficiency="expert")
    assert saved.status_code == 303
    page = await rep.get(saved.headers["location"])
    assert "The customer said: novice · set by a rep: expert" in text_of(page.text)
    hint = await post(rep, f"/app/cases/{number}/jargon", body=REPLY)
    assert "DNS →" not in text_of(hint.text)

    refused = await post(rep, f"/app/cases/{number}/proficiency", proficiency="wizard")
    assert refused.status_code == 422
    assert "proficiency: one of novice" in text_of(refused.text)
    async with database.unit_of_work(write=False) as session:
        row = await session.get(CustomerProficiency, case.customer_id)
    assert row is not None
    assert (row.said, row.set_by_rep, row.set_by_rep_id) == ("novice", "expert", people.owner.id)


async def test_a_wrong_answer_on_the_new_case_form_is_shown_on_the_page(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await customer_signs_in(client, database, settings, "maria@example.org")
    form = {"subject": "Help", "description": "Broken", "severity": "3", "proficiency": "guru"}
    refused = await post_form(client, "/portal/new", form)
    assert refused.status_code == 422
    assert "How comfortable are you with technology: choose one answer." in refused.text
