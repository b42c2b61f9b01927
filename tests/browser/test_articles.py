"""A customer finds an answer in the portal and says it helped, in a real browser."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_portal import rep_headers


def test_a_customer_reads_a_public_answer_and_says_it_helped(
    page: Page, live_server: LiveServer
) -> None:
    headers = rep_headers(live_server, "alex@example.com")
    written = httpx.post(
        f"{live_server.url}/api/v1/articles",
        headers=headers,
        json={
            "title": "Printer offline after a new router",
            "body": "## Fix\n\n1. Print the printer's **network page**.\n2. Re-add the printer.",
            "visibility": "public",
        },
    )
    assert written.status_code == 201, written.text
    slug = written.json()["slug"]

    page.goto(f"{live_server.url}/portal/help")
    page.get_by_role("link", name="answers to common problems").click()
    page.get_by_role("link", name="Printer offline after a new router").click()
    expect(page.get_by_role("heading", name="Fix")).to_be_visible()
    expect(page.locator("article strong")).to_have_text("network page")
    page.get_by_role("button", name="This helped").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    screenshot(page, "portal-article")

    counts = httpx.get(f"{live_server.url}/api/v1/articles/{slug}", headers=headers).json()
    assert (counts["views"], counts["helped"]) == (1, 1)
