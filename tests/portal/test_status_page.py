"""The status page behind every email's link: honest, and the customer can act on it."""

from __future__ import annotations

import httpx

from tests.builders import Personas, create_case
from tests.portal.support import post_form

HTML = {"accept": "text/html"}


async def _propose(client: httpx.AsyncClient, people: Personas, number: str) -> None:
    response = await client.post(
        f"/api/v1/cases/{number}/propose-resolution",
        headers=people.owner.headers,
        json={"summary": "Replaced the router's power supply."},
    )
    assert response.status_code in (200, 201), response.text


async def test_the_status_page_shows_owner_steps_and_no_internal_notes(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    number = created["number"]
    await client.post(
        f"/api/v1/cases/{number}/steps",
        headers=people.owner.headers,
        json={"description": "Restart the router", "outcome": "did_not_work"},
    )
    await client.post(
        f"/api/v1/cases/{number}/messages",
        headers=people.owner.headers,
        json={"body": "Customer sounds annoyed, be gentle", "internal": True},
    )
    page = await client.get(f"/status/{created['status_token']}", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert number in text
    assert "Your case is being worked on." in text
    assert "Olivia Owner</strong> looks after your case" in text
    assert "Restart the router" in text
    assert "didn&#39;t help" in text
    assert "You will hear from us by" in text
    assert "be gentle" not in text
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_the_customer_replies_and_confirms_on_the_status_page(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    token, number = created["status_token"], created["number"]
    sent = await post_form(client, f"/status/{token}/reply", {"body": "It dropped again at 8pm"})
    assert sent.status_code == 303
    page = await client.get(f"/status/{token}", headers=HTML)
    assert "It dropped again at 8pm" in page.text
    assert "Yes, it&#39;s fixed" not in page.text
    await _propose(client, people, number)
    page = await client.get(f"/status/{token}", headers=HTML)
    assert "Is it fixed?" in page.text
    assert "Replaced the router&#39;s power supply." in page.text
    # "No, still broken" goes back to the same owner.
    response = await post_form(client, f"/status/{token}/confirm", {"fixed": "no"})
    assert response.status_code == 303
    api = (await client.get(f"/api/v1/cases/{number}", headers=people.owner.headers)).json()
    assert api["status"] == "open"
    assert api["owner"]["name"] == "Olivia Owner"
    await _propose(client, people, number)
    response = await post_form(
        client, f"/status/{token}/confirm", {"fixed": "yes", "comment": "Works now, thanks"}
    )
    assert response.status_code == 303
    page = await client.get(f"/status/{token}", headers=HTML)
    assert "Fixed, as you confirmed." in page.text
    api = (await client.get(f"/api/v1/cases/{number}", headers=people.owner.headers)).json()
    assert (api["status"], api["resolution_kind"]) == ("resolved", "confirmed")


async def test_status_page_actions_check_their_input_and_their_token(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    token = created["status_token"]
    empty = await post_form(client, f"/status/{token}/reply", {"body": "   "})
    assert empty.status_code == 422
    assert "Your message: please write something" in empty.text
    not_proposed = await post_form(client, f"/status/{token}/confirm", {"fixed": "yes"})
    assert not_proposed.status_code == 409
    missing = await client.get("/status/not-a-real-token", headers=HTML)
    assert missing.status_code == 404
    no_csrf = await client.post(f"/status/{token}/reply", data={"body": "forged"})
    assert no_csrf.status_code == 403
    page = await client.get(f"/status/{token}", headers=HTML)
    assert "forged" not in page.text


async def test_the_live_section_answers_204_until_something_changes(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    token = created["status_token"]
    page = await client.get(f"/status/{token}", headers=HTML)
    version = page.text.split(f"/status/{token}/live?version=", 1)[1].split('"', 1)[0]
    same = await client.get(f"/status/{token}/live", params={"version": version})
    assert same.status_code == 204
    await client.post(
        f"/api/v1/cases/{created['number']}/messages",
        headers=people.owner.headers,
        json={"body": "Could you send a photo of the router lights?", "internal": False},
    )
    changed = await client.get(f"/status/{token}/live", params={"version": version})
    assert changed.status_code == 200
    assert "Could you send a photo of the router lights?" in changed.text


async def test_the_landing_page_points_to_help_and_staff_sign_in(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/", headers=HTML)
    assert page.status_code == 200
    assert 'href="/portal">Get help' in page.text
    assert 'href="/app">Staff sign-in' in page.text
