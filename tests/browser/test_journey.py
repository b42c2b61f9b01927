"""The whole journey of issue 4, in real browsers, through the real pages:

customer opens a case on the portal → the rep sees it appear live in their work list →
the rep records a step and escalates → the specialist answers in the team view → the rep
replies and proposes a resolution → the customer confirms on the status page → the case is
resolved and the report counts it.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_portal import rep_headers, sign_in

REP = ("Jamie Journey", "jamie@example.com", "journey-rep-password-1")
SPECIALIST = ("priya@example.com", "journey-specialist-password-1")


def _on_shift_emails(live_server: LiveServer) -> list[str]:
    with sqlite3.connect(Path(live_server.var_dir) / "throughline.db") as db:
        return [row[0] for row in db.execute("SELECT email FROM reps WHERE on_shift")]


def _set_shift(live_server: LiveServer, email: str, on: bool) -> None:
    httpx.post(
        f"{live_server.url}/api/v1/reps/me/shift",
        headers=rep_headers(live_server, email),
        json={"on": on},
    ).raise_for_status()


@contextlib.contextmanager
def only_on_shift(live_server: LiveServer, rep_email: str) -> Iterator[None]:
    """Only this rep is on shift, so the new case is theirs; the others come back afterwards."""
    others = [email for email in _on_shift_emails(live_server) if email != rep_email]
    for email in others:
        _set_shift(live_server, email, False)
    try:
        yield
    finally:
        for email in others:
            _set_shift(live_server, email, True)


def _new_page(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _workspace_sign_in(page: Page, live_server: LiveServer, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/app/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _confirmed_resolutions(live_server: LiveServer) -> int:
    report = httpx.get(
        f"{live_server.url}/api/v1/reports/summary",
        headers=rep_headers(live_server, "alex@example.com"),
    )
    report.raise_for_status()
    return int(report.json()["confirmed_resolutions"])


def test_the_whole_journey_from_portal_to_confirmed_resolution(
    browser: Browser, live_server: LiveServer
) -> None:
    name, email, password = REP
    live_server.cli(
        "rep", "add", "--name", name, "--email", email, "--password", password, "--capacity", "20"
    )
    live_server.cli("rep", "password", SPECIALIST[0], "--password", SPECIALIST[1])
    confirmed_before = _confirmed_resolutions(live_server)
    rep_context, rep = _new_page(browser)
    customer_context, customer = _new_page(browser)
    specialist_context, specialist = _new_page(browser)
    try:
        # The rep signs in and comes on shift; the others step away so the case is theirs.
        _workspace_sign_in(rep, live_server, email, password)
        _set_shift(live_server, email, True)
        with only_on_shift(live_server, email):
            rep.goto(f"{live_server.url}/app")
            expect(rep.get_by_role("heading", name="My work list")).to_be_visible()

            # 1. The customer opens a case on the portal.
            sign_in(customer, live_server, "journey@example.org")
            customer.get_by_role("link", name="Open a new case").click()
            customer.get_by_label("Your name").fill("Jo Customer")
            customer.get_by_label("What is wrong, in a few words").fill("Laptop will not charge")
            customer.get_by_label("What happened").fill(
                "The charging light stays off since yesterday."
            )
            customer.get_by_label("I can't work at all").check()
            customer.get_by_role("button", name="Send to our team").click()
            expect(customer.get_by_text(re.compile(r"Your case TL-\d+ is opened"))).to_be_visible()
            number = customer.locator(".case-number").inner_text()
            status_url = customer.url.split("?", 1)[0]
            expect(customer.locator("#owner")).to_contain_text(name)

            # 2. It appears in the rep's work list without a reload.
            row = rep.locator(f"tr[data-case='{number}']")
            expect(row).to_be_visible(timeout=15_000)
            expect(row).to_contain_text("Laptop will not charge")
            screenshot(rep, "journey-worklist")

            # 3. The rep records a step and escalates to Tier 2.
            row.get_by_role("link").click()
            expect(
                rep.get_by_role("heading", name=re.compile("Laptop will not charge"))
            ).to_be_visible()
            rep.get_by_label("What was tried").fill("Try a different charger and socket")
            rep.get_by_label("What happened").select_option("did_not_work")
            rep.get_by_role("button", name="Record step").click()
            expect(rep.get_by_text("Try a different charger and socket").first).to_be_visible()
            rep.get_by_label("Team", exact=True).select_option(label="Tier 2")
            rep.get_by_label(re.compile("Your question")).fill(
                "Charger and socket ruled out: battery or board?"
            )
            rep.get_by_role("button", name=re.compile("Escalate")).click()
            screenshot(rep, "journey-case-escalated")

            # 4. The specialist answers in the team view.
            _workspace_sign_in(specialist, live_server, *SPECIALIST)
            specialist.goto(f"{live_server.url}/app/team")
            question = specialist.locator("article.escalation", has_text=number)
            expect(question).to_contain_text("battery or board?")
            expect(question).to_contain_text("Try a different charger and socket")
            question.get_by_label("Your answer to the owner").fill(
                "Board fault on this model: reset the SMC, else replace the board."
            )
            question.get_by_role("button", name="Send answer to the owner").click()
            screenshot(specialist, "journey-team-view")

            # 5. The rep sees the answer, replies and proposes the resolution.
            rep.goto(f"{live_server.url}/app/cases/{number}")
            expect(rep.get_by_text(re.compile("reset the SMC")).first).to_be_visible()
            rep.get_by_label(re.compile("Your reply")).fill(
                "Please hold the power button for ten seconds, then plug in the charger."
            )
            rep.get_by_role("button", name=re.compile("Send reply|Send anyway")).click()
            rep.get_by_label(re.compile("What fixed it")).fill(
                "A reset of the power controller brought charging back."
            )
            rep.get_by_role("button", name="Propose resolution").click()
            screenshot(rep, "journey-case-proposed")

            # 6. The customer confirms on the status page.
            customer.goto(status_url)
            expect(customer.get_by_text("hold the power button for ten seconds")).to_be_visible()
            expect(customer.locator(".steps")).to_contain_text("Try a different charger")
            expect(customer.get_by_role("heading", name="Is it fixed?")).to_be_visible()
            screenshot(customer, "journey-status-proposed")
            customer.get_by_role("button", name="Yes, it's fixed").click()
            expect(customer.get_by_text("Fixed, as you confirmed.")).to_be_visible()
            screenshot(customer, "journey-status-resolved")

        # 7. Resolved, and the report counts it.
        case = httpx.get(
            f"{live_server.url}/api/v1/cases/{number}",
            headers=rep_headers(live_server, email),
        ).json()
        assert (case["status"], case["resolution_kind"]) == ("resolved", "confirmed")
        assert _confirmed_resolutions(live_server) == confirmed_before + 1
    finally:
        for context in (rep_context, customer_context, specialist_context):
            context.close()
