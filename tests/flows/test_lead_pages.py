"""The lead's flow pages in the workspace: the report, and the editor with the loader's errors."""

from __future__ import annotations

import httpx

from tests.builders import Personas
from tests.portal.support import sign_in as customer_sign_in
from tests.workspace.support import PAGE, browser, give_password, post, sign_in, text_of
from throughline.config import Settings
from throughline.db import Database

PRINTER = "printer-will-not-print"


async def test_leads_see_the_report_and_edit_a_flow(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    await give_password(database, people.lead, role="lead")
    await give_password(database, people.owner)
    async with browser(client) as rep:
        await sign_in(rep, people.owner)
        assert (await rep.get("/app/flows", headers=PAGE)).status_code == 403

    started = await client.post(f"/api/v1/flows/{PRINTER}/runs", json={})
    await client.post(started.json()["talk_to_person"]["url"])

    async with browser(client) as lead:
        await sign_in(lead, people.lead)
        report = await lead.get("/app/flows", headers=PAGE)
        assert report.status_code == 200
        words = text_of(report.text)
        assert "My printer will not print" in words
        assert "1 runs · solved 0% (0) · asked for a person 100% (1)" in words

        editor = await lead.get(f"/app/flows/{PRINTER}", headers=PAGE)
        assert editor.status_code == 200
        source = text_of(editor.text)
        assert "title: My printer will not print" in source
        yaml_text = (
            await client.get(f"/api/v1/flows/{PRINTER}/source", headers=people.lead.headers)
        ).json()["source"]

        broken = yaml_text.replace(
            "    choices:\n      - label: Nothing happens at all",
            "    choices: []\n    x:\n      - label: Nothing happens at all",
            1,
        )
        refused = await post(lead, f"/app/flows/{PRINTER}", source=broken, action="save")
        assert refused.status_code == 422
        assert f"flow '{PRINTER}', node 'what_happens'" in text_of(refused.text)

        renamed = yaml_text.replace("title: My printer will not print", "title: Printing trouble")
        saved = await post(lead, f"/app/flows/{PRINTER}", source=renamed, action="save")
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/app/flows?saved={PRINTER}"
    assert "Printing trouble" in (await client.get(f"/portal/help/{PRINTER}")).text


async def test_a_signed_in_customer_is_not_asked_for_name_and_email(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await customer_sign_in(client, database, settings, "maria@example.org")
    started = await client.post(f"/api/v1/flows/{PRINTER}/runs", json={"channel": "portal"})
    token = started.json()["token"]
    await client.post(f"/api/v1/flow-runs/{token}/person")
    page = await client.get(f"/portal/help/{PRINTER}/{token}", headers=PAGE)
    assert "We will reply to <strong>maria@example.org</strong>" in page.text
    assert 'name="email"' not in page.text
    response = await post(client, f"/portal/help/{PRINTER}/{token}/contact", description="Stuck")
    assert response.status_code == 303
    opened = await client.get(response.headers["location"], headers=PAGE)
    assert "A person has your problem: case TL-1001" in opened.text
    case = (await client.get("/api/v1/cases/TL-1001", headers=people.owner.headers)).json()
    assert case["customer"]["email"] == "maria@example.org"

    # The chat widget runs the same API in the same browser: no name or email asked either.
    chat = (await client.post(f"/api/v1/flows/{PRINTER}/runs", json={"channel": "chat"})).json()
    await client.post(chat["talk_to_person"]["url"])
    response = await client.post(f"/api/v1/flow-runs/{chat['token']}/contact", json={})
    assert response.status_code == 200, response.text
    assert response.json()["case"]["number"] == "TL-1002"
