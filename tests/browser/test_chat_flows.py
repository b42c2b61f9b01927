"""A self-service guide walked inside the chat panel, in a real browser, up to a person who
then sees on the case exactly what was tried, with the chat going on on that same case."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_portal import rep_headers
from tests.browser.test_portal_chat import send, start_chat


def test_a_guide_in_the_chat_reaches_a_person_who_sees_the_steps(
    page: Page, live_server: LiveServer
) -> None:
    start_chat(page, live_server, "Grace Hopper", "grace@example.org")
    expect(page.get_by_role("heading", name="Fix it yourself, step by step")).to_be_visible()
    screenshot(page, "chat-guides")
    page.get_by_role("button", name="Fix it yourself: My home internet is not working").click()
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("Is the internet not working on every device")
    answers = page.get_by_role("group", name="Your answer")
    first = answers.get_by_role("button", name="Not working on any device")
    # Focus moves to the first answer; the new step is announced by the live log.
    expect(first).to_be_focused()
    expect(log).to_have_attribute("aria-live", "polite")
    expect(answers.get_by_role("button", name="Talk to a person")).to_be_visible()
    page.keyboard.press("Enter")
    answers.get_by_role("button", name="Yes, and one of them is red or orange").click()
    expect(log).to_contain_text("Restart the router: pull its power cable out")
    expect(log).to_contain_text("Did that fix it?")
    expect(answers.get_by_role("button", name="Talk to a person")).to_be_visible()
    screenshot(page, "chat-guide-step")
    answers.get_by_role("button", name="No, it did not help").click()
    expect(log).to_contain_text("Check the cable that brings the internet into the router")
    answers.get_by_role("button", name="Talk to a person").click()

    case_line = page.locator(".tl-chat-case")
    expect(case_line).to_contain_text(re.compile(r"TL-\d+"))
    expect(log).to_contain_text("with every step you tried")
    expect(page.get_by_label("Your message")).to_be_focused()
    send(page, "The light on the fibre box is off too")
    expect(page.locator(".tl-mine", has_text="fibre box is off too")).to_be_visible()
    screenshot(page, "chat-guide-person")
    number = re.search(r"TL-\d+", case_line.inner_text())
    assert number is not None

    lead = rep_headers(live_server, "alex@example.com")
    case = httpx.get(f"{live_server.url}/api/v1/cases/{number.group(0)}", headers=lead).json()
    assert case["channel"] == "chat"
    assert case["customer"]["name"] == "Grace Hopper"
    assert [(step["description"], step["outcome"]) for step in case["steps"]] == [
        ("Restart the router", "did_not_work")
    ]
    messages = [e["body"] for e in case["timeline"] if e["kind"] == "message_in"]
    assert "- Asked for a person at: Check the cable" in messages[0]
    assert messages[-1] == "The light on the fibre box is off too"
