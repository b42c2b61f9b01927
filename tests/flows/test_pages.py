"""The portal pages of every shipped flow: every node, reached through the real pages,
offers "Talk to a person"; pressing it on any node leads to a person."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.flows.support import form_posting_to, submit, talk_to_person_form
from throughline.flows import loader
from throughline.flows.rules import INSTRUCTION, OPEN_CASE, QUESTION, Flow

SHIPPED = Path(__file__).resolve().parents[2] / "flows"


def _paths(flow: Flow) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """For every node, the shortest list of (node, button pressed) that reaches it."""
    paths: dict[str, list[tuple[str, dict[str, str]]]] = {flow.start: []}
    queue = [flow.start]
    while queue:
        node = flow.node(queue.pop(0))
        moves: list[tuple[str, dict[str, str]]] = []
        if node.type == QUESTION:
            moves = [(c.next, {"choice": str(i)}) for i, c in enumerate(node.choices, start=1)]
        elif node.type == INSTRUCTION:
            assert node.fixed
            assert node.not_fixed
            moves = [(node.fixed, {"fixed": "yes"}), (node.not_fixed, {"fixed": "no"})]
        for target, press in moves:
            if target not in paths:
                paths[target] = [*paths[node.id], (node.id, press)]
                queue.append(target)
    return paths


def _node_on(page: httpx.Response) -> str | None:
    found = re.search(r'data-node="([^"]+)"', page.text)
    return found.group(1) if found else None


async def _start(client: httpx.AsyncClient, name: str) -> httpx.Response:
    intro = await client.get(f"/portal/help/{name}")
    assert intro.status_code == 200
    assert talk_to_person_form(intro.text) is not None, "the start page offers a person"
    return await submit(client, form_posting_to(intro.text, "/start"))


async def test_every_node_of_every_shipped_flow_offers_a_person(
    client: httpx.AsyncClient,
) -> None:
    index = await client.get("/portal/help")
    assert index.status_code == 200
    flows = [loader.load_source(item.name, item.source) for item in loader.flow_files(SHIPPED)]
    assert len(flows) == 3
    for flow in flows:
        assert f'href="/portal/help/{flow.name}"' in index.text
        paths = _paths(flow)
        assert set(paths) == set(flow.nodes), f"{flow.name}: every node is reachable"
        for target, path in paths.items():
            page = await _start(client, flow.name)
            for node, press in path:
                assert _node_on(page) == node
                page = await submit(client, form_posting_to(page.text, "/answer"), press)
            assert _node_on(page) == target, f"{flow.name}: reached {target}"
            if flow.node(target).type == OPEN_CASE:
                # The flow itself hands over: the page is the way to a person.
                assert '<h1 class="flow-heading">Talk to a person</h1>' in page.text
                form_posting_to(page.text, "/contact")
                continue
            person = talk_to_person_form(page.text)
            assert person is not None, f"{flow.name}: no 'Talk to a person' on node {target}"
            after = await submit(client, person)
            assert "Talk to a person" in after.text
            form_posting_to(after.text, "/contact")


async def test_a_page_reload_or_old_tab_never_answers_twice(client: httpx.AsyncClient) -> None:
    page = await _start(client, "printer-will-not-print")
    answer = form_posting_to(page.text, "/answer")
    page = await submit(client, answer, {"choice": "1"})
    assert _node_on(page) == "printer_on"
    # The same form again (an old tab): nothing changes, the customer sees where they are.
    again = await submit(client, answer, {"choice": "2"})
    assert _node_on(again) == "printer_on"


async def test_forms_without_the_csrf_token_are_refused(client: httpx.AsyncClient) -> None:
    page = await _start(client, "printer-will-not-print")
    answer = form_posting_to(page.text, "/answer")
    fields = {key: value for key, value in answer.fields.items() if key != "csrf_token"}
    response = await client.post(answer.action, data={**fields, "choice": "1"})
    assert response.status_code == 403


async def test_unknown_flow_and_run_are_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/portal/help/no-such-flow")).status_code == 404
    assert (await client.get("/portal/help/printer-will-not-print/fr_nothing")).status_code == 404
