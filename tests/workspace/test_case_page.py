"""The case page: who may do what, the repeated-step warning, the jargon hint, remedies, CSRF."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select, update

from tests.builders import Personas, create_case
from tests.workspace.support import PAGE, browser, give_password, post, sign_in, text_of
from throughline.db import Database
from throughline.models import Customer, Rep, TimelineEntry


async def _count(database: Database, kind: str) -> int:
    async with database.unit_of_work(write=False) as session:
        query = select(func.count()).select_from(TimelineEntry).where(TimelineEntry.kind == kind)
        return int(await session.scalar(query) or 0)


async def test_owner_replies_and_a_non_owner_is_refused_clearly(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    case = await create_case(client, people.owner)
    number = case["number"]
    await give_password(database, people.owner)
    await give_password(database, people.other)
    other = browser(client)
    await sign_in(other, people.other)

    page = await other.get(f"/app/cases/{number}")
    assert page.status_code == 200
    assert f"{people.owner.name} owns this case" in text_of(page.text)
    refused = await post(other, f"/app/cases/{number}/reply", body="Try turning it off and on.")
    assert refused.status_code == 403
    assert "only the case owner or a lead may reply to the customer" in text_of(refused.text)
    # What they typed is still there, and nothing went to the customer.
    assert "Try turning it off and on." in refused.text
    assert await _count(database, "message_out") == 0
    # A note is what a non-owner may add.
    noted = await post(other, f"/app/cases/{number}/note", note="Same issue as last week?")
    assert noted.status_code == 303

    owner = client
    await sign_in(owner, people.owner)
    sent = await post(owner, f"/app/cases/{number}/reply", body="We are on it.")
    assert sent.status_code == 303
    shown = await owner.get(sent.headers["location"])
    assert "Reply sent to the customer." in shown.text
    assert "We are on it." in shown.text
    assert "Same issue as last week?" in shown.text
    assert await _count(database, "message_out") == 1


async def test_a_repeated_step_is_recorded_with_a_warning(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    first = await post(
        client,
        f"/app/cases/{number}/steps",
        description="Restart the router",
        outcome="did_not_work",
    )
    assert "Already tried" not in (await client.get(first.headers["location"])).text
    again = await post(
        client, f"/app/cases/{number}/steps", description="restart the router!", outcome="unknown"
    )
    shown = text_of((await client.get(again.headers["location"])).text)
    assert "Already tried on" in shown
    assert f"by {people.owner.name} (outcome: did not work): Restart the router" in shown
    assert "tried 2 times" in shown
    assert await _count(database, "step") == 2


async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    missing = await post(client, f"/app/cases/{number}/steps", description="", outcome="worked")
    assert missing.status_code == 422
    assert "description: please fill in the step" in text_of(missing.text)
    odd = await post(client, f"/app/cases/{number}/steps", description="x", outcome="maybe")
    assert odd.status_code == 422
    assert "outcome: choose what happened" in text_of(odd.text)
    unknown = await client.get("/app/cases/TL-99999999")
    assert unknown.status_code == 404


async def test_jargon_is_flagged_for_a_novice_and_the_rep_can_still_send(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    async with database.unit_of_work() as session:
        await session.execute(update(Customer).values(proficiency="novice"))
    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    reply = "Please power cycle the router and flush your DNS cache."

    hint = await post(client, f"/app/cases/{number}/jargon", body=reply)
    words = text_of(hint.text)
    assert "new to technology" in words
    assert "router → the box that brings the internet" in words
    assert "DNS →" in words
    assert "power cycle →" in words
    assert "cache →" in words

    held = await post(client, f"/app/cases/{number}/reply", body=reply)
    assert held.status_code == 200
    assert "Send anyway" in held.text
    assert await _count(database, "message_out") == 0

    sent = await post(client, f"/app/cases/{number}/reply", body=reply, send_anyway="1")
    assert sent.status_code == 303
    assert await _count(database, "message_out") == 1


async def test_no_jargon_hint_for_a_customer_who_is_not_a_novice(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    hint = await post(client, f"/app/cases/{number}/jargon", body="Flush your DNS cache")
    assert "new to technology" not in hint.text
    sent = await post(client, f"/app/cases/{number}/reply", body="Flush your DNS cache")
    assert sent.status_code == 303


async def test_escalate_answer_in_team_view_and_it_comes_back_to_the_owner(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await give_password(database, people.owner)
    await give_password(database, people.specialist, role="specialist")
    await sign_in(client, people.owner)
    asked = await post(
        client, f"/app/cases/{number}/escalate", team="Tier 2", question="Line fault at 8pm?"
    )
    assert asked.status_code == 303

    specialist = browser(client)
    await sign_in(specialist, people.specialist)
    team = await specialist.get("/app/team")
    assert "Line fault at 8pm?" in team.text
    escalation_id = team.text.split('action="/app/escalations/')[1].split("/")[0]
    answered = await post(
        specialist, f"/app/escalations/{escalation_id}/answer", body="Yes: a known line fault."
    )
    assert answered.status_code == 303
    assert "Line fault at 8pm?" not in (await specialist.get("/app/team")).text

    work = text_of((await client.get("/app")).text)
    assert number in work
    assert "Specialist answered" in work
    # Someone outside the team cannot answer.
    other = browser(client)
    await give_password(database, people.other)
    await sign_in(other, people.other)
    refused = await post(other, f"/app/escalations/{escalation_id}/answer", body="me too")
    assert refused.status_code in (403, 409)


async def test_remedy_over_the_limit_names_the_approver_who_approves_it(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await give_password(database, people.owner)
    await give_password(database, people.lead)
    from throughline.models import utcnow
    from throughline.remedies.service import seed_catalogue

    async with database.unit_of_work() as session:
        await seed_catalogue(session, now=utcnow())
    await sign_in(client, people.owner)
    page = text_of((await client.get(f"/app/cases/{number}")).text)
    assert "Refund: your limit is 50.00" in page
    assert f"Above it, {people.lead.name} approves, in one step" in page

    taken = await post(
        client, f"/app/cases/{number}/action", kind="refund", amount="80", note="Double charge"
    )
    assert taken.status_code == 303
    shown = text_of((await client.get(taken.headers["location"])).text)
    assert people.lead.name in shown
    assert "50" in shown

    lead = browser(client)
    await sign_in(lead, people.lead)
    assert "1 remedy waits for your approval" in text_of((await lead.get("/app")).text)
    lead_page = await lead.get("/app/lead")
    assert "Double charge" in lead_page.text
    action_id = lead_page.text.split('action="/app/actions/')[1].split("/")[0]
    decided = await post(lead, f"/app/actions/{action_id}/decision", decision="approve")
    assert decided.status_code == 303
    assert "Double charge" not in (await lead.get("/app/lead")).text


async def test_a_form_post_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    for url, data in (
        (f"/app/cases/{number}/reply", {"body": "hello"}),
        (f"/app/cases/{number}/note", {"note": "hello"}),
        ("/app/shift", {"on": "0"}),
    ):
        refused = await client.post(url, data=data, headers=PAGE)
        assert refused.status_code == 403, url
        assert "did not come from this site" in refused.text
        forged = await client.post(url, data={**data, "csrf_token": "forged"}, headers=PAGE)
        assert forged.status_code == 403, url
    assert await _count(database, "message_out") == 0
    assert await _count(database, "note") == 0
    async with database.unit_of_work(write=False) as session:
        rep = await session.get(Rep, people.owner.id)
        assert rep is not None
        assert rep.on_shift


async def test_every_workspace_route_needs_a_signed_in_rep(
    client: httpx.AsyncClient, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    client.headers.update(PAGE)
    gets = [
        "/app",
        "/app/worklist",
        "/app/events",
        f"/app/cases/{number}",
        f"/app/cases/{number}/live",
        f"/app/cases/{number}/raw/1",
        "/app/files/1",
        "/app/team",
        "/app/lead",
        "/app/admin",
    ]
    for url in gets:
        response = await client.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/app/sign-in"), url
    posts = [
        "/app/shift",
        f"/app/cases/{number}/reply",
        f"/app/cases/{number}/jargon",
        f"/app/cases/{number}/note",
        f"/app/cases/{number}/steps",
        f"/app/cases/{number}/escalate",
        f"/app/cases/{number}/propose",
        f"/app/cases/{number}/follow-up",
        f"/app/cases/{number}/action",
        f"/app/cases/{number}/handoff",
        "/app/escalations/1/answer",
        "/app/actions/1/decision",
        "/app/admin/reps",
        "/app/admin/reps/1",
        "/app/admin/reps/1/password",
        "/app/admin/teams",
        "/app/admin/remedies",
        "/app/admin/limits",
        "/app/admin/approver",
    ]
    for url in posts:
        response = await post(client, url, body="x")
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/app/sign-in"), url
    assert await _count_sessions(client) == 0


async def _count_sessions(client: httpx.AsyncClient) -> int:
    return 0 if "tl_session" not in client.cookies else 1
