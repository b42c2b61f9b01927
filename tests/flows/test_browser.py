"""A guide in a real browser on a phone-sized screen, driven by the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveServer, launch_chromium, screenshot


@pytest.fixture
def chromium() -> Iterator[Browser]:
    """Chromium for this test only: Playwright's sync API holds an event loop while it is
    open, which would stop the async tests that run after it in the same session."""
    with launch_chromium() as browser:
        yield browser


def test_a_guide_on_a_phone_with_the_keyboard_reaches_a_person(
    chromium: Browser, live_server: LiveServer
) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/portal/help")
        expect(page.get_by_role("heading", name="Solve it yourself, step by step")).to_be_visible()
        page.get_by_role("link", name="My home internet is not working").click()
        page.get_by_role("button", name="Start").focus()
        page.keyboard.press("Enter")

        # A question is a group named by its question; each answer is a big button.
        group = page.get_by_role("group", name="Is the internet not working on every device")
        expect(group).to_be_visible()
        first = group.get_by_role("button", name="Not working on any device")
        box = first.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 300
        person = page.get_by_role("button", name="Talk to a person")
        expect(person).to_be_visible()
        # Nothing sticks out sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "flow-question-phone")

        first.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("group", name="Are any of its lights on?")).to_be_visible()
        page.get_by_role("button", name="No, all the lights are off").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text("The router has no power.")).to_be_visible()
        expect(page.get_by_role("group", name="Did that fix it?")).to_be_visible()
        screenshot(page, "flow-instruction-phone")
        page.get_by_role("button", name="No, it did not help").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text("Plug the router into a different wall socket")).to_be_visible()

        page.get_by_role("button", name="Talk to a person").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Talk to a person")).to_be_visible()
        # What was tried, by the short names the rep will see as steps.
        expect(page.get_by_text("Check the router's power cable and switch")).to_be_visible()
        page.get_by_label("Your name").fill("Maria Gonzalez")
        page.get_by_label("Your email address").fill("maria.flow@example.org")
        page.get_by_label("Anything else we should know?").fill("The lights went off last night.")
        screenshot(page, "flow-contact-phone")
        page.get_by_role("button", name="Send to a person").click()
        expect(page.get_by_role("heading", name="A person has your problem")).to_be_visible()
        screenshot(page, "flow-case-opened-phone")
        page.get_by_role("link", name="See your case and who is handling it").click()
        expect(page.get_by_text("Check the router's power cable and switch").first).to_be_visible()
    finally:
        context.close()
