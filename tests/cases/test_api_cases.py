"""Opening, listing and reading cases through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import httpx

from tests.builders import Personas, case_body, create_case, set_shift
from tests.cases.support import customer, read_case, reply
from throughline.db import Database


async def list_numbers(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str | int
) -> list[str]:
    response = await client.get("/api/v1/cases", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


# --- POST /api/v1/cases


async def test_create_returns_number_owner_and_status_link(
    client: httpx.AsyncClient, people: Personas
) -> None:
    response = await client.post(
        "/api/v1/cases",
        headers=people.owner.headers,
        json=case_body(channel="chat", plan_tier="enterprise", environment={"os": "macOS 15"}),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"number", "status", "owner", "status_token", "status_url"}
    assert created["number"].startswith("TL-")
    assert created["number"][3:].isdigit()
    assert created["status"] == "new"
    assert created["owner"] == {
        "id": people.owner.id,
        "name": "Olivia Owner",
        "email": people.owner.email,
        "extension": "2201",
    }
    assert created["status_token"]
    assert created["status_token"] in created["status_url"]
    assert created["status_url"].startswith("http://testserver/")

    case = await read_case(client, people.owner, created["number"])
    assert case["channel"] == "chat"
    assert case["severity"] == 2
    assert case["plan_tier"] == "enterprise"
    assert case["environment"] == {"os": "macOS 15"}
    assert case["customer"]["email"] == "maria@example.org"
    assert case["contact_count"] == 1


async def test_each_case_gets_its_own_number_and_link(
    client: httpx.AsyncClient, people: Personas
) -> None:
    first = await create_case(client, people.owner, customer=customer(1))
    second = await create_case(client, people.owner, customer=customer(2))
    assert first["number"] != second["number"]
    assert first["status_token"] != second["status_token"]


async def test_create_checks_the_body(client: httpx.AsyncClient, people: Personas) -> None:
    for bad, field in [
        (case_body(severity=5), "severity"),
        (case_body(severity=0), "severity"),
        (case_body(subject="   "), "subject"),
        (case_body(customer={"email": "not-an-email", "name": "X"}), "customer.email"),
        (case_body(channel="Not A Channel"), "channel"),
    ]:
        response = await client.post("/api/v1/cases", headers=people.owner.headers, json=bad)
        assert response.status_code == 422, bad
        assert field in response.json()["detail"]


async def test_a_case_waits_unowned_when_nobody_is_on_shift(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await set_shift(database, people.owner, on=False)
    created = await create_case(client, people.owner)
    assert created["owner"] is None
    assert created["status"] == "new"


async def test_a_returning_customer_goes_back_to_their_rep(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    first = await create_case(client, people.owner)
    # The other rep comes on shift with nothing to do; the customer still goes to Olivia.
    await set_shift(database, people.other, on=True)
    second = await create_case(client, people.other, subject="Printer offline too")
    assert second["owner"]["id"] == people.owner.id
    case = await read_case(client, people.owner, second["number"])
    assert (
        case["customer"]["id"]
        == (await read_case(client, people.owner, first["number"]))["customer"]["id"]
    )


# --- GET /api/v1/cases


async def test_list_is_newest_first_with_a_cursor_stable_under_inserts(
    client: httpx.AsyncClient, people: Personas
) -> None:
    numbers = [
        (await create_case(client, people.owner, customer=customer(n)))["number"] for n in range(3)
    ]
    page = await client.get("/api/v1/cases", headers=people.owner.headers, params={"limit": 2})
    assert page.status_code == 200
    first = page.json()
    assert [item["number"] for item in first["items"]] == [numbers[2], numbers[1]]
    assert first["next_cursor"]

    # A case arriving between pages neither repeats nor hides anything on the next page.
    newest = (await create_case(client, people.owner, customer=customer(9)))["number"]
    page = await client.get(
        "/api/v1/cases",
        headers=people.owner.headers,
        params={"limit": 2, "cursor": first["next_cursor"]},
    )
    assert page.status_code == 200
    assert [item["number"] for item in page.json()["items"]] == [numbers[0]]
    assert page.json()["next_cursor"] is None

    assert await list_numbers(client, people.owner.headers) == [newest, *reversed(numbers)]


async def test_list_items_carry_what_a_rep_scans_for(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner, severity=1)
    items = (await client.get("/api/v1/cases", headers=people.owner.headers)).json()["items"]
    assert items[0]["number"] == created["number"]
    assert items[0]["severity"] == 1
    assert items[0]["subject"] == "Internet drops every evening"
    assert items[0]["owner"]["name"] == "Olivia Owner"
    assert items[0]["status"] == "new"


async def test_list_filters_by_status(client: httpx.AsyncClient, people: Personas) -> None:
    answered = (await create_case(client, people.owner, customer=customer(1)))["number"]
    untouched = (await create_case(client, people.owner, customer=customer(2)))["number"]
    assert (await reply(client, people.owner, answered, "Which router model?")).status_code == 201

    headers = people.owner.headers
    assert await list_numbers(client, headers, status="waiting_on_customer") == [answered]
    assert await list_numbers(client, headers, status="new") == [untouched]
    assert await list_numbers(client, headers, status="resolved") == []


async def test_list_filters_by_owner_and_unowned(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    olivias = (await create_case(client, people.owner, customer=customer(1)))["number"]
    await set_shift(database, people.owner, on=False)
    waiting = (await create_case(client, people.owner, customer=customer(2)))["number"]
    assert await list_numbers(client, people.owner.headers, unowned="true") == [waiting]

    await set_shift(database, people.other, on=True)  # pulls the waiting case
    assert await list_numbers(client, people.owner.headers, unowned="true") == []
    assert await list_numbers(client, people.owner.headers, owner="me") == [olivias]
    assert await list_numbers(client, people.other.headers, owner="me") == [waiting]
    assert await list_numbers(client, people.lead.headers, owner=people.owner.email) == [olivias]
    assert await list_numbers(client, people.lead.headers, owner=people.other.email) == [waiting]
    assert await list_numbers(client, people.lead.headers, owner=str(people.other.id)) == [waiting]
    assert await list_numbers(client, people.lead.headers, owner="me") == []


async def test_list_filters_by_channel(client: httpx.AsyncClient, people: Personas) -> None:
    chat = (await create_case(client, people.owner, customer=customer(1), channel="chat"))["number"]
    api = (await create_case(client, people.owner, customer=customer(2)))["number"]
    assert await list_numbers(client, people.owner.headers, channel="chat") == [chat]
    assert await list_numbers(client, people.owner.headers, channel="api") == [api]
    assert await list_numbers(client, people.owner.headers, channel="email") == []


async def test_list_rejects_bad_filters_by_name(
    client: httpx.AsyncClient, people: Personas
) -> None:
    headers = people.owner.headers
    cases = [
        ({"status": "closed"}, "status"),
        ({"owner": "nobody@desk.example"}, "owner"),
        ({"owner": "9" * 30}, "owner"),
        ({"owner": "\u00b2"}, "owner"),  # a digit to str.isdigit, not to int()
        ({"owner": "me", "unowned": "true"}, "owner"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
    ]
    for params, field in cases:
        response = await client.get("/api/v1/cases", headers=headers, params=params)
        assert response.status_code == 422, params
        assert field in response.json()["detail"], params


async def test_list_rejects_a_cursor_it_did_not_give_out(
    client: httpx.AsyncClient, people: Personas
) -> None:
    await create_case(client, people.owner)
    forged = [
        "garbage!",
        "%%%",
        base64.urlsafe_b64encode(b"before:abc").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        base64.urlsafe_b64encode(b"before:" + b"9" * 30).decode(),
    ]
    for cursor in forged:
        response = await client.get(
            "/api/v1/cases", headers=people.owner.headers, params={"cursor": cursor}
        )
        assert response.status_code == 422, (cursor, response.text)
        assert "cursor" in response.json()["detail"]


# --- GET /api/v1/cases/{number}


async def test_a_case_shows_its_whole_timeline_to_any_rep(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    note = await reply(client, people.other, number, "Same street had an outage.", internal=True)
    assert note.status_code == 201
    await reply(client, people.owner, number, "Which router model do you have?")
    await client.post(
        f"/api/v1/cases/{number}/steps",
        headers=people.owner.headers,
        json={"description": "Restart the router", "outcome": "did_not_work"},
    )

    case = await read_case(client, people.other, number)
    assert case["number"] == number
    assert case["status"] == "waiting_on_customer"
    assert case["status_words"]
    kinds = [entry["kind"] for entry in case["timeline"]]
    assert kinds[0] == "message_in"
    assert case["timeline"][0]["body"] == "Since Monday the connection drops around 8pm."
    assert case["timeline"][0]["actor"]["name"] == "Maria Gonzalez"
    notes = [entry for entry in case["timeline"] if entry["kind"] == "note"]
    assert [(n["body"], n["internal"], n["actor"]["name"]) for n in notes] == [
        ("Same street had an outage.", True, "Oscar Other")
    ]
    outgoing = [entry for entry in case["timeline"] if entry["kind"] == "message_out"]
    assert [(m["body"], m["internal"]) for m in outgoing] == [
        ("Which router model do you have?", False)
    ]
    assert [(s["description"], s["outcome"], s["by"]["name"]) for s in case["steps"]] == [
        ("Restart the router", "did_not_work", "Olivia Owner")
    ]
    assert "step" in kinds


async def test_case_number_is_case_insensitive(client: httpx.AsyncClient, people: Personas) -> None:
    number = (await create_case(client, people.owner))["number"]
    assert (await read_case(client, people.owner, number.lower()))["number"] == number


async def test_unknown_case_numbers_are_not_found(
    client: httpx.AsyncClient, people: Personas
) -> None:
    await create_case(client, people.owner)
    for number in ("TL-9999999", "garbage", "TL-", "TL-12abc", "9" * 40, "TL-%20", "TL-\u00b2"):
        response = await client.get(f"/api/v1/cases/{number}", headers=people.owner.headers)
        assert response.status_code == 404, (number, response.text)
        assert response.json()["detail"]
