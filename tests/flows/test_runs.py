"""Running flows through the JSON API (the chat widget's way) and the portal: outcomes,
the case a person opens with every step tried, resuming, and the report for leads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.builders import Personas
from tests.flows.support import form_posting_to, submit
from throughline.config import Settings
from throughline.db import Database
from throughline.flows import service
from throughline.models import Case, FlowRun, Step, TimelineEntry, utcnow

PRINTER = "printer-will-not-print"
PHONE = "phone-charging-or-sim"


async def _start(client: httpx.AsyncClient, flow: str) -> dict[str, Any]:
    response = await client.post(f"/api/v1/flows/{flow}/runs", json={"channel": "chat"})
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


async def _answer(client: httpx.AsyncClient, run: dict[str, Any], choice: int) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/flow-runs/{run['token']}/answer",
        json={"node": run["node"]["id"], "choice": choice},
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def _case_count(database: Database) -> int:
    async with database.unit_of_work(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(Case)) or 0)


async def test_every_api_node_carries_talk_to_a_person(client: httpx.AsyncClient) -> None:
    run = await _start(client, PHONE)
    assert run["node"]["type"] == "question"
    assert [c["number"] for c in run["node"]["choices"]] == [1, 2]
    assert run["talk_to_person"] == {
        "label": "Talk to a person",
        "method": "POST",
        "url": f"/api/v1/flow-runs/{run['token']}/person",
    }
    run = await _answer(client, run, 1)
    assert run["node"]["type"] == "instruction"
    assert run["node"]["question"] == "Did that fix it?"
    assert run["talk_to_person"]["label"] == "Talk to a person"


async def test_a_run_to_solved_opens_no_case(client: httpx.AsyncClient, database: Database) -> None:
    run = await _start(client, PHONE)
    run = await _answer(client, run, 2)  # no SIM
    assert run["node"]["id"] == "airplane_mode"
    run = await _answer(client, run, 1)  # fixed
    assert run["state"] == "solved"
    assert run["node"]["type"] == "solved"
    # Solved, yet a person is still one click away.
    assert run["talk_to_person"]["url"].endswith("/person")
    assert await _case_count(database) == 0
    assert (await client.get(f"/api/v1/flow-runs/{run['token']}")).json()["state"] == "solved"


async def test_a_person_sees_every_step_and_a_repeat_warns(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    run = await _start(client, PHONE)
    run = await _answer(client, run, 1)  # will not charge
    for _ in range(3):  # other charger, clean port, restart: none helped
        run = await _answer(client, run, 2)
    tried = [
        "Try another cable and charger",
        "Clean the charging port",
        "Restart the phone while charging",
    ]
    assert run["state"] == "person"
    assert run["node"]["id"] == "charging_person"
    assert run["contact"]["url"].endswith("/contact")
    response = await client.post(
        run["contact"]["url"],
        json={
            "name": "Maria Gonzalez",
            "email": "maria@example.org",
            "description": "Since Monday.",
        },
    )
    assert response.status_code == 200, response.text
    opened = response.json()
    number = opened["case"]["number"]
    assert opened["case"]["status_url"].startswith("http://testserver/status/")
    # A second submit (double click) does not open a second case.
    again = await client.post(
        run["contact"]["url"], json={"name": "Maria Gonzalez", "email": "maria@example.org"}
    )
    assert again.json()["case"]["number"] == number
    assert await _case_count(database) == 1

    async with database.unit_of_work(write=False) as session:
        case = await session.scalar(select(Case))
        assert case is not None
        assert case.number == number
        assert (case.severity, case.channel, case.subject) == (3, "chat", "Phone will not charge")
        steps = list(await session.scalars(select(Step).order_by(Step.id)))
        entries = list(await session.scalars(select(TimelineEntry).order_by(TimelineEntry.id)))
    assert [(step.description, step.outcome, step.source) for step in steps] == [
        (text, "did_not_work", "customer") for text in tried
    ]
    assert all(step.rep_id is None for step in steps)
    opening = next(entry for entry in entries if entry.kind == "message_in")
    assert opening.body is not None
    assert opening.body.startswith("Since Monday.")
    assert "- Tried: Clean the charging port -> No, it did not help" in opening.body
    step_entries = [entry for entry in entries if entry.kind == "step"]
    assert all(entry.actor_kind == "customer" for entry in step_entries)
    hint = [entry for entry in entries if entry.kind == "note" and "Hardware" in (entry.body or "")]
    assert len(hint) == 1

    # The owner suggests cleaning the port again: told it was already tried, by the customer.
    response = await client.post(
        f"/api/v1/cases/{number}/steps",
        json={"description": "clean the charging port.", "outcome": "did_not_work"},
        headers=people.owner.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["repeated"] is True
    assert "by the customer" in response.json()["warning"]


async def test_talk_to_a_person_from_the_first_node(
    client: httpx.AsyncClient, database: Database
) -> None:
    run = await _start(client, PRINTER)
    response = await client.post(run["talk_to_person"]["url"])
    assert response.status_code == 200
    assert response.json()["state"] == "person"
    assert response.json()["contact"] is not None
    contact_url = response.json()["contact"]["url"]
    missing = await client.post(contact_url, json={"name": "Tom"})
    assert missing.status_code == 422
    assert missing.json()["detail"] == "email: required"
    bad = await client.post(contact_url, json={"name": "X", "email": "not-an-email"})
    assert bad.status_code == 422
    assert "email" in bad.json()["detail"]
    assert await _case_count(database) == 0


async def test_bad_answers_name_the_field(client: httpx.AsyncClient) -> None:
    run = await _start(client, PRINTER)
    url = f"/api/v1/flow-runs/{run['token']}/answer"
    wrong_choice = await client.post(url, json={"node": run["node"]["id"], "choice": 5})
    assert wrong_choice.status_code == 422
    assert wrong_choice.json()["detail"].startswith("choice:")
    stale = await client.post(url, json={"node": "paper_check", "choice": 1})
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("node:")
    unknown = await client.post("/api/v1/flows/no-such/runs", json={})
    assert unknown.status_code == 404


async def test_a_customer_can_leave_and_resume_in_the_portal(
    client: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    intro = await client.get(f"/portal/help/{PRINTER}")
    page = await submit(client, form_posting_to(intro.text, "/start"))
    page = await submit(client, form_posting_to(page.text, "/answer"), {"choice": "1"})
    run_url = str(page.url)
    assert 'data-node="printer_on"' in page.text

    # Idle for longer than the limit: counted as abandoned ...
    async with database.unit_of_work() as session:
        later = utcnow() + timedelta(hours=settings.flow_abandon_hours + 1)
        assert await service.abandon_idle(session, settings=settings, now=later) == 1
    # ... yet the cookie brings the customer back to where they were, and they go on.
    intro = await client.get(f"/portal/help/{PRINTER}")
    assert "Continue where you left off" in intro.text
    assert f'href="{run_url.removeprefix("http://testserver")}"' in intro.text
    page = await client.get(run_url)
    assert 'data-node="printer_on"' in page.text
    page = await submit(client, form_posting_to(page.text, "/answer"), {"fixed": "yes"})
    assert "Good news: that fixed it" in page.text
    async with database.unit_of_work(write=False) as session:
        run = await session.scalar(select(FlowRun))
        assert run is not None
        assert run.state == "solved"


async def test_the_portal_opens_the_case_from_the_contact_form(
    client: httpx.AsyncClient, database: Database
) -> None:
    intro = await client.get(f"/portal/help/{PRINTER}")
    page = await submit(client, form_posting_to(intro.text, "/person"))
    contact = form_posting_to(page.text, "/contact")
    response = await client.post(
        contact.action, data={**contact.fields, "name": "Tom", "email": "x"}
    )
    assert response.status_code == 422
    assert "email: please enter an email address" in response.text
    page = await submit(
        client, contact, {"name": "Tom Becker", "email": "tom@example.net", "description": "Help"}
    )
    assert "A person has your problem: case TL-" in page.text
    assert "/status/" in page.text
    assert await _case_count(database) == 1


async def test_report_numbers_for_leads_only(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    # 1 solved, 1 opted out at the first node, 1 reached open_case, 1 abandoned, 1 active.
    solved = await _start(client, PHONE)
    solved = await _answer(client, solved, 2)
    await _answer(client, solved, 1)
    opted = await _start(client, PHONE)
    await client.post(opted["talk_to_person"]["url"])
    reached = await _start(client, PHONE)
    reached = await _answer(client, reached, 2)
    for _ in range(3):
        reached = await _answer(client, reached, 2)
    assert reached["node"]["id"] == "sim_person"
    left = await _start(client, PHONE)
    left = await _answer(client, left, 1)  # left on other_charger
    async with database.unit_of_work() as session:
        later = utcnow() + timedelta(hours=settings.flow_abandon_hours + 1)
        assert await service.abandon_idle(session, settings=settings, now=later) == 1
    await _start(client, PHONE)  # still going

    assert (await client.get("/api/v1/flows/report")).status_code == 401
    assert (
        await client.get("/api/v1/flows/report", headers=people.owner.headers)
    ).status_code == 403
    response = await client.get("/api/v1/flows/report", headers=people.lead.headers)
    assert response.status_code == 200, response.text
    report = {item["name"]: item for item in response.json()["flows"]}[PHONE]
    assert (report["runs"], report["solved"], report["person"], report["opted_out"]) == (5, 1, 2, 1)
    assert (report["reached_open_case"], report["abandoned"], report["active"]) == (1, 1, 1)
    assert report["solved_rate"] == 0.25
    assert report["opt_out_rate"] == 0.25
    nodes = {node["node"]: node for node in report["nodes"]}
    assert nodes["which_problem"]["opted_out"] == 1
    assert nodes["other_charger"]["dropped"] == 1
    assert nodes["airplane_mode"]["reached"] == 2
    assert nodes["which_problem"]["reached"] == 5
    assert nodes["reseat_sim"]["dropped"] == 0


async def test_leads_edit_flows_through_the_same_loader(
    client: httpx.AsyncClient, people: Personas
) -> None:
    source = (
        await client.get(f"/api/v1/flows/{PRINTER}/source", headers=people.lead.headers)
    ).json()
    assert source["origin"] == "file"
    broken = source["source"].replace("next: printer_on", "next: printer_gone")
    url = f"/api/v1/flows/{PRINTER}"
    response = await client.put(url, content=broken, headers=people.lead.headers)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"flow '{PRINTER}', node 'what_happens': refers to unknown node 'printer_gone'"
    )
    assert (
        await client.put(url, content=source["source"], headers=people.owner.headers)
    ).status_code == 403
    edited = source["source"].replace(
        "title: My printer will not print", "title: The printer does not print"
    )
    response = await client.put(url, content=edited, headers=people.lead.headers)
    assert response.status_code == 200, response.text
    assert response.json()["origin"] == "database"
    listed = {item["name"]: item for item in (await client.get("/api/v1/flows")).json()}
    assert listed[PRINTER]["title"] == "The printer does not print"
    assert listed[PRINTER]["origin"] == "database"
    page = await client.get(f"/portal/help/{PRINTER}")
    assert "The printer does not print" in page.text
    # Forgetting the saved version brings the file back.
    assert (await client.delete(url, headers=people.lead.headers)).status_code == 204
    listed = {item["name"]: item for item in (await client.get("/api/v1/flows")).json()}
    assert listed[PRINTER]["origin"] == "file"
