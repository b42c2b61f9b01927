"""The customer's one-click rating after a confirmed fix: from the status page and from the
links in the "resolved" mail; signed per case, changed (never added) by a second click,
recorded only by a POST carrying the CSRF token, and only for a confirmed case."""

from __future__ import annotations

import re
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

import httpx

from tests.builders import Personas
from tests.flows.support import Form, forms, submit
from tests.reports.support import confirm, open_case, propose
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case
from throughline.worker.runner import Worker

FIGURES = "/api/v1/reports/figures"
RATING_LINK = re.compile(r"(\S+) (\d) ([A-Za-z ]+): (http\S+/rate/\S+)")


async def _satisfaction(client: httpx.AsyncClient, people: Personas) -> dict[str, Any]:
    response = await client.get(FIGURES, headers=people.lead.headers)
    assert response.status_code == 200, response.text
    figures: dict[str, Any] = response.json()["desk"]["satisfaction"]
    return figures


async def _stored_rating(database: Database, number: str) -> int | None:
    async with database.unit_of_work(write=False) as session:
        case = await session.get(Case, int(number.removeprefix("TL-")))
        assert case is not None
        return case.satisfaction


def _rating_form(html: str) -> Form:
    found = [form for form in forms(html) if "/rate/" in form.action]
    assert len(found) == 1, "one rating form on the page"
    return found[0]


async def _confirmed_case(client: httpx.AsyncClient, people: Personas) -> dict[str, Any]:
    case = await open_case(client, people.owner, "ana")
    await propose(client, people.owner, case["number"])
    await confirm(client, case["status_token"], fixed=True)
    return case


async def test_the_status_page_offers_five_faces_once_confirmed_and_a_second_click_changes_it(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    case = await open_case(client, people.owner, "ana")
    await propose(client, people.owner, case["number"])
    page = await client.get(f"/status/{case['status_token']}")
    assert [f for f in forms(page.text) if "/rate/" in f.action] == []  # not before confirming

    proposal = next(f for f in forms(page.text) if f.action.endswith("/confirm"))
    page = await submit(client, proposal, {"fixed": "yes"})

    rating = _rating_form(page.text)
    assert [(value, text) for _, value, text in rating.buttons] == [
        ("1", "😞 1 · Very unhappy"),
        ("2", "🙁 2 · Unhappy"),
        ("3", "😐 3 · Okay"),
        ("4", "🙂 4 · Happy"),
        ("5", "😀 5 · Very happy"),
    ]
    thanks = await submit(client, rating, {"score": "4"})
    assert "Thank you: you rated this 🙂 4 (Happy)." in thanks.text
    assert await _stored_rating(database, case["number"]) == 4
    assert await _satisfaction(client, people) == {
        "mean": 4.0,
        "responses": 1,
        "share_4_or_5": 1.0,
    }

    await submit(client, _rating_form(thanks.text), {"score": "2"})
    assert await _satisfaction(client, people) == {
        "mean": 2.0,
        "responses": 1,
        "share_4_or_5": 0.0,
    }
    page = await client.get(f"/status/{case['status_token']}")
    assert "You said: 🙁 Unhappy." in page.text


async def test_the_resolved_mail_carries_five_signed_links_that_ask_before_recording(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    case = await _confirmed_case(client, people)
    for _ in range(3):
        await Worker(database, settings, name="test-worker").run_once()

    mails = [
        BytesParser(policy=default_policy).parsebytes(path.read_bytes())
        for path in (settings.var_dir / "outgoing-mail").iterdir()
    ]
    resolved = [m for m in mails if "How did we do?" in m.get_body(("plain",)).get_content()]
    assert len(resolved) == 1
    text = resolved[0].get_body(("plain",)).get_content()
    links = RATING_LINK.findall(text)
    assert [(face, score, words) for face, score, words, _ in links] == [
        ("😞", "1", "Very unhappy"),
        ("🙁", "2", "Unhappy"),
        ("😐", "3", "Okay"),
        ("🙂", "4", "Happy"),
        ("😀", "5", "Very happy"),
    ]
    assert case["status_token"] not in "".join(url for *_, url in links)
    path = links[4][3].removeprefix(settings.base_url.rstrip("/"))

    # Following the link (as a mail scanner would) records nothing: it shows a button.
    page = await client.get(path)
    assert page.status_code == 200
    assert "Press the button to rate this 😀 5 (Very happy)" in page.text
    assert await _stored_rating(database, case["number"]) is None

    await submit(client, _rating_form(page.text), {"score": "5"})
    assert await _stored_rating(database, case["number"]) == 5


async def test_a_rating_needs_the_cases_own_token_the_csrf_token_and_a_score(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    case = await _confirmed_case(client, people)
    other = await _confirmed_case(client, people)
    page = await client.get(f"/status/{case['status_token']}")
    form = _rating_form(page.text)
    number, token = form.action.split("/")[-2:]

    # Another case's number with this case's token opens nothing.
    assert (await client.get(f"/rate/{other['number']}/{token}")).status_code == 404
    assert (await client.get(f"/rate/{number}/{token[:-2]}xx")).status_code == 404
    forged = await client.post(form.action, data={"score": "1"})  # no CSRF field
    assert forged.status_code == 403
    bad = await client.post(form.action, data={**form.fields, "score": "9"})
    assert bad.status_code == 422
    assert "choose one of 1 to 5" in bad.text
    assert await _stored_rating(database, case["number"]) is None
    assert await _stored_rating(database, other["number"]) is None


async def test_only_a_case_the_customer_confirmed_can_be_rated(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    rated = await _confirmed_case(client, people)
    page = await client.get(f"/status/{rated['status_token']}")
    form = _rating_form(page.text)
    # The customer writes again: the case reopens and is no longer a confirmed fix.
    response = await client.post(
        f"/api/v1/status/{rated['status_token']}/messages", json={"body": "Broken again."}
    )
    assert response.status_code == 201

    refused = await client.post(form.action, data={**form.fields, "score": "5"})
    assert refused.status_code == 409
    assert "once you have confirmed that it is fixed" in refused.text
    assert (await client.get(form.action)).status_code == 409
    assert await _stored_rating(database, rated["number"]) is None
