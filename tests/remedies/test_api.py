"""Remedies through the API (principle 8), on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.builders import Person, Personas, create_case, make_rep
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import AuditEntry, Rep, utcnow
from throughline.remedies import service


@pytest.fixture
async def catalogue(database: Database) -> None:
    async with database.unit_of_work() as session:
        await service.seed_catalogue(session, now=utcnow())


async def take(
    client: httpx.AsyncClient, person: Person, number: str, **body: Any
) -> httpx.Response:
    body.setdefault("note", "Customer lost a day of work.")
    return await client.post(f"/api/v1/cases/{number}/actions", json=body, headers=person.headers)


async def decide(
    client: httpx.AsyncClient, person: Person, action_id: int, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/actions/{action_id}/decision", json=body, headers=person.headers
    )


async def timeline(client: httpx.AsyncClient, person: Person, number: str) -> list[dict[str, Any]]:
    case = (await client.get(f"/api/v1/cases/{number}", headers=person.headers)).json()
    entries: list[dict[str, Any]] = case["timeline"]
    return entries


async def customer_sees(client: httpx.AsyncClient, token: str) -> list[str | None]:
    status = (await client.get(f"/api/v1/status/{token}")).json()
    return [entry["body"] for entry in status["timeline"]]


@pytest.mark.usefixtures("catalogue")
async def test_within_the_limit_the_action_is_done_at_once(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    number = created["number"]

    response = await take(client, people.owner, number, kind="refund", amount="30")

    assert response.status_code == 201, response.text
    action = response.json()
    assert action["case"] == number
    assert (action["kind"], action["label"], action["unit"]) == ("refund", "Refund", "money")
    assert (action["amount"], action["limit"]) == ("30.00", "50.00")
    assert action["status"] == "done"
    assert action["approver"] is None
    assert action["words"] == "Done: within your limit of 50.00"
    # Taking an action is the owner working the case.
    case = (await client.get(f"/api/v1/cases/{number}", headers=people.owner.headers)).json()
    assert case["status"] == "open"
    [entry] = [e for e in case["timeline"] if e["kind"] == "action"]
    assert entry["internal"] is False
    assert entry["data"]["note"] == "Customer lost a day of work."
    # The customer sees what they were given, never the rep's internal reasoning.
    seen = await customer_sees(client, created["status_token"])
    assert "Refund of 30.00 granted." in seen
    assert not any("lost a day" in (body or "") for body in seen)


@pytest.mark.usefixtures("catalogue")
async def test_items_default_to_one(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)

    response = await take(client, people.owner, created["number"], kind="replacement")

    assert response.status_code == 201, response.text
    assert (response.json()["amount"], response.json()["status"]) == ("1", "done")
    assert response.json()["words"] == "Done: within your limit of 1 item"
    assert "Replacement device granted." in await customer_sees(client, created["status_token"])


@pytest.mark.usefixtures("catalogue")
async def test_above_the_limit_one_named_approver_decides_once(
    client: httpx.AsyncClient, people: Personas
) -> None:
    owner, lead = people.owner, people.lead
    created = await create_case(client, owner)
    number = created["number"]

    asked = await take(client, owner, number, kind="refund", amount="80.00")

    assert asked.status_code == 201, asked.text
    action = asked.json()
    assert action["status"] == "pending_approval"
    assert action["approver"] == {"id": lead.id, "name": "Lena Lead"}
    assert action["words"] == "Waiting for Lena Lead to approve: above your limit of 50.00"
    assert "Refund of 80.00 granted." not in await customer_sees(client, created["status_token"])

    waiting = (await client.get("/api/v1/actions?pending=true", headers=lead.headers)).json()
    assert [(item["id"], item["case"]) for item in waiting["items"]] == [(action["id"], number)]
    assert waiting["items"][0]["words"] == (
        "Waiting for Lena Lead to approve: above Olivia Owner's limit of 50.00"
    )
    nothing = (await client.get("/api/v1/actions?pending=true", headers=owner.headers)).json()
    assert nothing["items"] == []

    decided = await decide(client, lead, action["id"], approve=True, note="Fair.")

    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["decided_at"] is not None
    entries = await timeline(client, owner, number)
    [pending_entry] = [e for e in entries if e["kind"] == "action"]
    assert pending_entry["internal"] is True
    [decision] = [e for e in entries if e["kind"] == "action_decision"]
    assert decision["actor"]["name"] == "Lena Lead"
    assert decision["data"]["decision"] == "approved"
    assert decision["internal"] is False
    assert "Refund of 80.00 granted." in await customer_sees(client, created["status_token"])
    after = (await client.get("/api/v1/actions?pending=true", headers=lead.headers)).json()
    assert after["items"] == []

    again = await decide(client, lead, action["id"], approve=False)
    assert again.status_code == 409
    assert again.json()["detail"] == f"action {action['id']} was already approved"


@pytest.mark.usefixtures("catalogue")
async def test_a_rejection_stays_internal(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)
    asked = await take(client, people.owner, created["number"], kind="licence_extension", amount=90)
    assert asked.json()["words"] == "Waiting for Lena Lead to approve: above your limit of 30 days"

    decided = await decide(client, people.lead, asked.json()["id"], approve=False, note="Too long.")

    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "rejected"
    assert decided.json()["words"] == "Rejected by Lena Lead: nothing was granted"
    [entry] = [
        e
        for e in await timeline(client, people.owner, created["number"])
        if e["kind"] == "action_decision"
    ]
    assert entry["internal"] is True
    assert entry["body"] == "Licence extension of 90 days rejected by Lena Lead.\n\nToo long."
    seen = await customer_sees(client, created["status_token"])
    assert not any("Licence extension" in (body or "") for body in seen)


@pytest.mark.usefixtures("catalogue")
async def test_only_the_named_approver_decides(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    other_lead = await make_rep(database, "Lars Second", on_shift=False, lead=True)
    created = await create_case(client, people.owner)
    action = (await take(client, people.owner, created["number"], kind="credit", amount=40)).json()
    assert action["approver"]["name"] == "Lena Lead"

    for person in (people.owner, other_lead, people.other):
        response = await decide(client, person, action["id"], approve=True)
        assert response.status_code == 403
        assert response.json()["detail"] == f"only Lena Lead may decide on action {action['id']}"
    stranger = await client.post(
        f"/api/v1/actions/{action['id']}/decision", json={"approve": True}, headers=people.stranger
    )
    assert stranger.status_code == 401

    still = (await client.get("/api/v1/actions?pending=true", headers=people.lead.headers)).json()
    assert [item["status"] for item in still["items"]] == ["pending_approval"]


@pytest.mark.usefixtures("catalogue")
async def test_an_action_done_within_the_limit_has_nothing_to_decide(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    action = (await take(client, people.owner, created["number"], kind="credit", amount=5)).json()

    response = await decide(client, people.lead, action["id"], approve=False)

    assert response.status_code == 409
    assert "nothing to decide" in response.json()["detail"]
    for unknown in (999_999, 2**63):
        missing = await decide(client, people.lead, unknown, approve=True)
        assert missing.status_code == 404
        assert missing.json()["detail"] == f"no action {unknown}"


@pytest.mark.usefixtures("catalogue")
async def test_the_reps_named_approver_decides(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    second = await make_rep(database, "Lars Second", on_shift=False, lead=True)
    async with database.unit_of_work() as session:
        owner = await session.get(Rep, people.owner.id)
        approver = await session.get(Rep, second.id)
        assert owner is not None
        assert approver is not None
        await service.set_approver(session, owner, approver, actor=CLI)
    created = await create_case(client, people.owner)

    action = (await take(client, people.owner, created["number"], kind="refund", amount=99)).json()

    assert action["approver"] == {"id": second.id, "name": "Lars Second"}
    refused = await decide(client, people.lead, action["id"], approve=True)
    assert refused.status_code == 403
    approved = await decide(client, second, action["id"], approve=True)
    assert approved.json()["status"] == "approved"


@pytest.mark.usefixtures("catalogue")
async def test_a_lead_above_their_limit_with_no_other_lead_is_told_why(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)

    response = await take(client, people.lead, created["number"], kind="refund", amount=500)

    assert response.status_code == 409
    assert response.json()["detail"].startswith("nobody can approve this")
    entries = await timeline(client, people.owner, created["number"])
    assert not [e for e in entries if e["kind"] == "action"]


@pytest.mark.usefixtures("catalogue")
async def test_a_lead_may_step_in_within_their_limit(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)

    response = await take(client, people.lead, created["number"], kind="refund", amount=20)

    assert response.status_code == 201, response.text
    assert response.json()["rep"] == {"id": people.lead.id, "name": "Lena Lead"}


@pytest.mark.usefixtures("catalogue")
async def test_only_the_owner_or_a_lead_takes_an_action(
    client: httpx.AsyncClient, people: Personas
) -> None:
    created = await create_case(client, people.owner)
    number = created["number"]

    for person in (people.other, people.specialist):
        response = await take(client, person, number, kind="refund", amount=10)
        assert response.status_code == 403
        assert response.json()["detail"].startswith(
            f"only the case owner or a lead may take an action on {number}"
        )
    stranger = await client.post(
        f"/api/v1/cases/{number}/actions",
        json={"kind": "refund", "amount": 10, "note": "x"},
        headers=people.stranger,
    )
    assert stranger.status_code == 401
    entries = await timeline(client, people.owner, number)
    assert not [e for e in entries if e["kind"] == "action"]


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"kind": "refund", "amount": "12.345"}, "amount: at most 2 decimals"),
        ({"kind": "refund", "amount": -3}, "amount: must be more than 0"),
        ({"kind": "refund"}, "amount: required; this remedy needs an amount of money"),
        ({"kind": "licence_extension", "amount": 1.5}, "amount: a whole number of days"),
        ({"kind": "refund", "amount": "lots"}, "amount: Input should be a valid decimal"),
        (
            {"kind": "free_pizza", "amount": 1},
            "kind: no remedy 'free_pizza'; known kinds: credit, licence_extension, refund, "
            "replacement",
        ),
        ({"kind": "refund", "amount": 5, "note": ""}, "note: String should have at least 1"),
        (
            {"kind": "refund", "amount": 5, "approver": 1},
            "approver: Extra inputs are not permitted",
        ),
    ],
)
async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, people: Personas, body: dict[str, Any], detail: str
) -> None:
    created = await create_case(client, people.owner)

    response = await take(client, people.owner, created["number"], **body)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


@pytest.mark.usefixtures("catalogue")
async def test_a_retired_remedy_is_refused(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    async with database.unit_of_work() as session:
        remedy = await service.get_remedy(session, "credit")
        await service.set_active(session, remedy, active=False, actor=CLI)
    created = await create_case(client, people.owner)

    response = await take(client, people.owner, created["number"], kind="credit", amount=5)

    assert response.status_code == 422
    assert response.json()["detail"] == "kind: 'credit' (Account credit) is no longer offered"
    offered = (await client.get("/api/v1/remedies", headers=people.owner.headers)).json()
    assert "credit" not in [item["kind"] for item in offered["items"]]


@pytest.mark.usefixtures("catalogue")
async def test_no_action_on_a_resolved_case(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)
    number, token = created["number"], created["status_token"]
    proposed = await client.post(
        f"/api/v1/cases/{number}/propose-resolution",
        headers=people.owner.headers,
        json={"summary": "Router replaced."},
    )
    assert proposed.status_code == 200, proposed.text
    confirmed = await client.post(f"/api/v1/status/{token}/confirm", json={"fixed": True})
    assert confirmed.json()["status"] == "resolved"

    response = await take(client, people.owner, number, kind="refund", amount=10)

    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"{number} is resolved")


@pytest.mark.usefixtures("catalogue")
async def test_a_per_rep_limit_overrides_the_default(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    async with database.unit_of_work() as session:
        owner = await session.get(Rep, people.owner.id)
        assert owner is not None
        refund = await service.get_remedy(session, "refund")
        await service.set_rep_limit(session, owner, refund, limit=Decimal("100"), actor=CLI)

    mine = (await client.get("/api/v1/remedies", headers=people.owner.headers)).json()
    theirs = (await client.get("/api/v1/remedies", headers=people.other.headers)).json()
    assert {i["kind"]: i["limit"] for i in mine["items"]} == {
        "credit": "25.00",
        "licence_extension": "30",
        "refund": "100.00",
        "replacement": "1",
    }
    assert {i["kind"]: i["limit"] for i in theirs["items"]}["refund"] == "50.00"

    created = await create_case(client, people.owner)
    response = await take(client, people.owner, created["number"], kind="refund", amount=80)

    assert response.json()["status"] == "done"
    assert response.json()["words"] == "Done: within your limit of 100.00"


@pytest.mark.usefixtures("catalogue")
async def test_every_action_and_decision_is_audited(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    created = await create_case(client, people.owner)
    action = (await take(client, people.owner, created["number"], kind="refund", amount=75)).json()
    await decide(client, people.lead, action["id"], approve=True)

    async with database.unit_of_work(write=False) as session:
        rows = list(
            await session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.target_kind == "action", AuditEntry.target_id == str(action["id"])
                )
                .order_by(AuditEntry.id)
            )
        )
        trail = [(row.action, row.actor_rep_id, row.data) for row in rows]

    assert [(action, rep_id) for action, rep_id, _data in trail] == [
        ("action.take", people.owner.id),
        ("action.decide", people.lead.id),
    ]
    taken, decided = trail[0][2], trail[1][2]
    assert (taken["amount"], taken["limit"]) == ("75.00", "50.00")
    assert taken["status"] == "pending_approval"
    assert taken["approver_id"] == people.lead.id
    assert decided["decision"] == "approved"


@pytest.mark.usefixtures("catalogue")
async def test_my_recent_actions(client: httpx.AsyncClient, people: Personas) -> None:
    created = await create_case(client, people.owner)
    first = (await take(client, people.owner, created["number"], kind="credit", amount=5)).json()
    second = (await take(client, people.owner, created["number"], kind="refund", amount=60)).json()

    mine = (await client.get("/api/v1/actions?pending=false", headers=people.owner.headers)).json()
    others = (
        await client.get("/api/v1/actions?pending=false", headers=people.other.headers)
    ).json()

    assert [item["id"] for item in mine["items"]] == [second["id"], first["id"]]
    assert others["items"] == []


async def test_seeding_twice_keeps_one_catalogue(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    empty = (await client.get("/api/v1/remedies", headers=people.owner.headers)).json()
    assert empty["items"] == []
    for _ in range(2):
        async with database.unit_of_work() as session:
            await service.seed_catalogue(session, now=utcnow())

    offered = (await client.get("/api/v1/remedies", headers=people.owner.headers)).json()

    assert [(i["kind"], i["label"], i["unit"]) for i in offered["items"]] == [
        ("credit", "Account credit", "money"),
        ("licence_extension", "Licence extension", "days"),
        ("refund", "Refund", "money"),
        ("replacement", "Replacement device", "items"),
    ]
