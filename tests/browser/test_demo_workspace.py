"""The demo desk that `make run` creates is usable as printed: sign in with the printed
password, see the demo cases, open one, and open a customer's status link.

Its screenshots are the ones the README shows (copied to docs/screenshots/).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot


def _credentials(live_server: LiveServer) -> str:
    return (live_server.var_dir / "demo-credentials.txt").read_text()


def test_a_new_user_signs_in_with_the_printed_demo_password(
    live_server: LiveServer, page: Page
) -> None:
    printed = _credentials(live_server)
    row = re.search(r"Alex Rivera\s+(\S+@\S+)\s+admin\s+(\S+)\s+tl_", printed)
    assert row, printed
    email, password = row.groups()

    page.goto(f"{live_server.url}/app")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work list")).to_be_visible()
    # Alex owns demo cases: the list links to them by number.
    first = page.get_by_role("link", name=re.compile(r"TL-10\d\d")).first
    expect(first).to_be_visible()
    screenshot(page, "readme-work-list")

    page.goto(f"{live_server.url}/app/cases/TL-1001")
    expect(
        page.get_by_role("heading", name=re.compile("Internet drops every evening"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Steps already tried")).to_be_visible()
    screenshot(page, "readme-case-page")


def test_a_demo_customer_opens_their_status_link(live_server: LiveServer, page: Page) -> None:
    link = re.search(r"TL-1001 .*?(http\S+/status/\S+)", _credentials(live_server))
    assert link, _credentials(live_server)
    page.goto(link.group(1))
    expect(
        page.get_by_role("heading", name=re.compile("Internet drops every evening"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\w+ \w+ looks after your case"))).to_be_visible()
    screenshot(page, "readme-status-page")
