"""An admin sets a rep's working hours; the customer's status page then says when the
owner is back (and says nothing about when before there were hours)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_workspace import make_rep, open_case, sign_in
from throughline.schedules.rules import DAY_NAMES, FULL_DAY_NAMES

TOKYO = "Asia/Tokyo"


def test_an_admin_sets_hours_and_the_status_page_says_when_the_owner_is_back(
    live_server: LiveServer, page: Page
) -> None:
    admin = make_rep(live_server, "admin", on_shift=False)
    owner = make_rep(live_server)
    case = open_case(live_server, owner, admin)
    off = httpx.post(
        f"{live_server.url}/api/v1/reps/me/shift", json={"on": False}, headers=owner.headers
    )
    assert off.status_code == 200, off.text

    status_url = f"{live_server.url}/status/{case['status_token']}"
    customer = page.context.new_page()
    customer.goto(status_url)
    expect(customer.locator("#owner")).to_contain_text(owner.name)
    expect(customer.locator("#owner-back")).to_have_count(0)

    day = (datetime.now(ZoneInfo(TOKYO)) + timedelta(days=2)).date()
    sign_in(page, live_server, admin)
    page.goto(f"{live_server.url}/app/admin")
    page.get_by_label("Whose hours", exact=True).select_option(label=owner.name)
    page.get_by_label("Time zone (IANA name, e.g. Europe/Berlin)").fill("Mars/Olympus")
    page.get_by_label("Weekly hours").fill(f"{DAY_NAMES[day.weekday()]} 09:00-17:00")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_role("alert")).to_contain_text("is not a known time zone")

    page.get_by_label("Whose hours", exact=True).select_option(label=owner.name)
    page.get_by_label("Time zone (IANA name, e.g. Europe/Berlin)").fill(TOKYO)
    page.get_by_label("Weekly hours").fill(f"{DAY_NAMES[day.weekday()]} 09:00-17:00")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_text("Working hours saved")).to_be_visible()
    expect(page.locator("table tr", has_text=owner.name).last).to_contain_text(TOKYO)
    screenshot(page, "admin-working-hours")

    # The open status page tells the customer by itself (its live panel), no reload.
    expect(customer.locator("#owner-back")).to_have_text(
        f"{owner.name} is back {FULL_DAY_NAMES[day.weekday()]} at 09:00 {TOKYO} time.",
        timeout=15_000,
    )
    screenshot(customer, "status-owner-back")
    on = httpx.post(
        f"{live_server.url}/api/v1/reps/me/shift", json={"on": True}, headers=owner.headers
    )
    assert on.status_code == 200, on.text
    expect(customer.locator("#owner-back")).to_have_count(0, timeout=15_000)
