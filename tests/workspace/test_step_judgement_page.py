"""The case page teaches the repeated-step warning: "not the same step", "same as …"."""

from __future__ import annotations

import re

import httpx

from tests.builders import Personas, create_case
from tests.cases.support import read_case
from tests.workspace.support import give_password, post, sign_in, text_of
from throughline.db import Database


def step_id(location: str) -> str:
    found = re.search(r"step=(\d+)", location)
    assert found, location
    return found.group(1)


async def test_a_rep_says_not_the_same_step_and_then_same_as_an_earlier_one(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = (await create_case(client, people.owner))["number"]
    await give_password(database, people.owner)
    await sign_in(client, people.owner)
    url = f"/app/cases/{number}/steps"
    await post(client, url, description="Restarted the router", outcome="did_not_work")
    second = await post(client, url, description="rebooted the modem", outcome="did_not_work")
    page = await client.get(second.headers["location"])
    assert "Already tried" in text_of(page.text)
    assert "Not the same step" in page.text

    judged = await post(client, f"{url}/{step_id(second.headers['location'])}/judgement")
    assert judged.status_code == 303
    shown = await client.get(judged.headers["location"])
    assert "the repeated-step warning uses your judgement" in text_of(shown.text)
    steps = (await read_case(client, people.owner, number))["steps"]
    assert [s["repeated"] for s in steps] == [False, False]

    third = await post(client, url, description="called the ISP", outcome="did_not_work")
    page = await client.get(third.headers["location"])
    assert "Already tried" not in text_of(page.text)
    assert "No warning, but it repeats an earlier step?" in text_of(page.text)
    bad = await post(client, f"{url}/{step_id(third.headers['location'])}/judgement", same_as="x")
    assert bad.status_code == 422
    assert "choose one of the earlier steps" in text_of(bad.text)
