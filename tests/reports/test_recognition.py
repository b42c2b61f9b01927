"""Recognition: kudos from colleagues and the hard problems a rep solved, through the API and
the workspace pages, on both databases."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import Person, Personas
from tests.flows.support import forms
from tests.reports.support import answer, confirm, escalate, open_case, propose, step
from tests.workspace.support import browser, give_password, sign_in, text_of
from throughline.db import Database


async def _solved(
    client: httpx.AsyncClient, people: Personas, who: str, *, steps: int, escalations: int
) -> dict[str, Any]:
    owner = people.owner
    case = await open_case(client, owner, who)
    for n in range(steps):
        await step(client, owner, case["number"], f"Tried fix number {n + 1} on the {who} line")
    for _ in range(escalations):
        asked = await escalate(client, owner, case["number"], "Tier 2")
        await answer(client, people.specialist, asked)
    await propose(client, owner, case["number"])
    await confirm(client, case["status_token"], fixed=True, satisfaction=5)
    return case


async def _kudos(
    client: httpx.AsyncClient, person: Person, number: str, note: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{number}/kudos", headers=person.headers, json={"note": note}
    )


async def test_hard_solves_and_kudos_show_on_the_reps_recognition(
    client: httpx.AsyncClient, people: Personas
) -> None:
    hard = await _solved(client, people, "ana", steps=3, escalations=1)
    await _solved(client, people, "bo", steps=1, escalations=1)  # escalated, too few steps
    await _solved(client, people, "cy", steps=4, escalations=0)  # never escalated
    unconfirmed = await open_case(client, people.owner, "dee")
    for n in range(3):
        await step(client, people.owner, unconfirmed["number"], f"Step {n}")
    await answer(
        client,
        people.specialist,
        await escalate(client, people.owner, unconfirmed["number"], "Tier 2"),
    )

    given = await _kudos(client, people.other, hard["number"], "Great catch on the line fault")
    assert given.status_code == 201, given.text
    assert given.json()["receiver"]["name"] == "Olivia Owner"
    again = await _kudos(client, people.other, hard["number"], "Once more")
    assert again.status_code == 409
    assert again.json()["detail"] == "case: you already gave kudos for this case"
    to_self = await _kudos(client, people.owner, hard["number"])
    assert to_self.status_code == 403
    too_long = await _kudos(client, people.lead, hard["number"], "x" * 501)
    assert too_long.status_code == 422
    assert (await _kudos(client, people.lead, hard["number"])).status_code == 201

    response = await client.get(
        f"/api/v1/reps/{people.owner.id}/recognition", headers=people.owner.headers
    )
    assert response.status_code == 200, response.text
    mine = response.json()
    assert mine["confirmed_resolutions"] == 3
    assert [(s["case"], s["steps"], s["escalations"]) for s in mine["hard_solves"]] == [
        (hard["number"], 3, 1)
    ]
    assert sorted((k["giver"]["name"], k["note"]) for k in mine["kudos"]) == [
        ("Lena Lead", None),
        ("Oscar Other", "Great catch on the line fault"),
    ]

    url = f"/api/v1/reps/{people.owner.id}/recognition"
    assert (await client.get(url, headers=people.other.headers)).status_code == 403
    assert (await client.get(url, headers=people.lead.headers)).status_code == 200
    missing = await client.get("/api/v1/reps/999999999/recognition", headers=people.lead.headers)
    assert missing.status_code == 404


async def test_a_colleague_gives_kudos_from_the_case_page_and_it_shows_on_the_rep_page(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    hard = await _solved(client, people, "ana", steps=3, escalations=1)
    colleague = browser(client)
    await give_password(database, people.other)
    assert (await sign_in(colleague, people.other)).status_code == 303

    case_page = await colleague.get(f"/app/cases/{hard['number']}")
    form = next(f for f in forms(case_page.text) if f.action.endswith("/kudos"))
    sent = await colleague.post(form.action, data={**form.fields, "note": "Nice work"})
    assert sent.status_code == 303
    after = await colleague.get(sent.headers["location"])
    assert "Your kudos is on Olivia Owner's page." in text_of(after.text)
    twice = await colleague.post(form.action, data={**form.fields, "note": "again"})
    assert "kudos=twice" in twice.headers["location"]

    owner = browser(client)
    await give_password(database, people.owner)
    assert (await sign_in(owner, people.owner)).status_code == 303
    own_case = await owner.get(f"/app/cases/{hard['number']}")
    assert not [f for f in forms(own_case.text) if f.action.endswith("/kudos")]
    words = text_of((await owner.get(f"/app/reps/{people.owner.id}")).text)
    assert "1 case the customer confirmed fixed." in words
    assert "Hard problems solved (1)" in words
    assert "Oscar Other for " in words
    assert "“Nice work”" in words
    assert (await colleague.get(f"/app/reps/{people.owner.id}")).status_code == 403
