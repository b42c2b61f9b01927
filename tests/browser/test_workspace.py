"""The rep workspace in a real browser against a real server: sign-in, a live work list,
working a case, the team view, the jargon hint, refusals, and screenshots of each view."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, screenshot

PASSWORD = "browser-test-password"
LIVE_TIMEOUT = 15_000  # ms: the page checks every ~1.5 s; a loaded CI machine is slower


@dataclass(frozen=True)
class Rep:
    name: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_rep(
    live: LiveServer, role: str = "rep", *, on_shift: bool = True, teams: tuple[str, ...] = ()
) -> Rep:
    uid = uuid.uuid4().hex[:6]
    name = f"{role.title()} {uid}"
    email = f"{role}-{uid}@desk.example"
    args = ["rep", "add", "--name", name, "--email", email, "--password", PASSWORD]
    args += ["--role", role, "--capacity", "20"]
    if on_shift:
        args.append("--on-shift")
    for team in teams:
        args += ["--team", team]
    output = live.cli(*args)
    return Rep(name=name, email=email, token=output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def lead(live_server: LiveServer) -> Rep:
    return make_rep(live_server, "lead", on_shift=False)


def open_case(
    live: LiveServer, owner: Rep, lead: Rep, *, email: str | None = None, subject: str = ""
) -> dict[str, Any]:
    """A case owned by ``owner``: opened through the API, handed to them when it went elsewhere."""
    body = {
        "customer": {
            "email": email or f"customer-{uuid.uuid4().hex[:6]}@example.org",
            "name": "Casey Customer",
        },
        "subject": subject or f"Wi-Fi drops {uuid.uuid4().hex[:4]}",
        "body": "The connection drops every evening.",
        "severity": 2,
        "channel": "email",
    }
    created = httpx.post(f"{live.url}/api/v1/cases", json=body, headers=owner.headers, timeout=10)
    assert created.status_code == 201, created.text
    data: dict[str, Any] = created.json()
    if (data["owner"] or {}).get("email") != owner.email:
        moved = httpx.post(
            f"{live.url}/api/v1/cases/{data['number']}/handoff",
            json={"to_rep": owner.email, "note": "For the browser test"},
            headers=lead.headers,
            timeout=10,
        )
        assert moved.status_code == 200, moved.text
    return data


def sign_in(page: Page, live: LiveServer, rep: Rep) -> None:
    page.goto(f"{live.url}/app")
    expect(page.get_by_role("heading", name="Sign in to the workspace")).to_be_visible()
    page.get_by_label("Email address").fill(rep.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work list")).to_be_visible()


def test_sign_in_and_the_work_list_updates_live(
    live_server: LiveServer, page: Page, lead: Rep
) -> None:
    rep = make_rep(live_server)
    page.goto(f"{live_server.url}/app/sign-in")
    page.get_by_label("Email address").fill(rep.email)
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")

    sign_in(page, live_server, rep)
    expect(page.get_by_text("0 of 20 active cases")).to_be_visible()

    # A new case comes to this rep while the page is open: it appears without a reload.
    case = open_case(live_server, rep, lead)
    row = page.locator(f"tr[data-case='{case['number']}']")
    expect(row).to_contain_text("New to you", timeout=LIVE_TIMEOUT)
    screenshot(page, "workspace-work-list")

    # The rep answers (through the API, as another tab would): the case leaves the list ...
    answered = httpx.post(
        f"{live_server.url}/api/v1/cases/{case['number']}/messages",
        json={"body": "Could you restart the router tonight?"},
        headers=rep.headers,
    )
    assert answered.status_code == 201
    expect(row).to_have_count(0, timeout=LIVE_TIMEOUT)

    # ... and comes back, live, the moment the customer replies on their status link.
    replied = httpx.post(
        f"{live_server.url}/api/v1/status/{case['status_token']}/messages",
        json={"body": "Restarted it, still drops."},
    )
    assert replied.status_code == 201, replied.text
    expect(row).to_contain_text("Customer replied", timeout=LIVE_TIMEOUT)

    # Going off shift keeps the case; the toggle says so.
    page.get_by_role("button", name="Go off shift (you keep your cases)").click()
    expect(page.get_by_text("Off shift")).to_be_visible()
    expect(row).to_be_visible()


def test_working_a_case_with_a_specialist(
    live_server: LiveServer, context: BrowserContext, page: Page, lead: Rep
) -> None:
    rep = make_rep(live_server)
    specialist = make_rep(live_server, "specialist", on_shift=False, teams=("Tier 2",))
    case = open_case(live_server, rep, lead)
    number = case["number"]
    sign_in(page, live_server, rep)
    page.goto(f"{live_server.url}/app/cases/{number}")
    expect(page.get_by_role("heading", name="Casey Customer", exact=True)).to_be_visible()

    page.get_by_label("What was tried").fill("Restart the router")
    page.get_by_label("What happened").select_option("did_not_work")
    page.get_by_role("button", name="Record step").click()
    expect(page.get_by_role("status")).to_contain_text("Step recorded.")
    page.get_by_label("What was tried").fill("Restart the router")
    page.get_by_role("button", name="Record step").click()
    expect(page.locator("#repeat-warning")).to_contain_text("Already tried on")
    expect(page.locator(".tried")).to_contain_text("tried 2 times")

    page.get_by_label("Team", exact=True).select_option("Tier 2")
    page.get_by_label("Your question (the summary and every step tried go with it)").fill(
        "Drops at 8pm daily: line maintenance?"
    )
    page.get_by_role("button", name="Escalate (you stay the owner)").click()
    expect(page.get_by_role("status")).to_contain_text("Escalated")
    screenshot(page, "workspace-case-page")

    # The specialist answers in the team view, in their own browser.
    other = context.browser.new_context() if context.browser else None
    assert other is not None
    try:
        their_page = other.new_page()
        sign_in(their_page, live_server, specialist)
        their_page.get_by_role("link", name="Team escalations").click()
        card = their_page.locator("article.escalation", has_text="Drops at 8pm daily")
        expect(card).to_contain_text("Restart the router")
        screenshot(their_page, "workspace-team-view")
        card.get_by_label("Your answer to the owner").fill("Yes: planned works until Friday.")
        card.get_by_role("button", name="Send answer to the owner").click()
        expect(their_page.get_by_role("status")).to_contain_text("Answer sent")
    finally:
        other.close()

    # The owner's open case page shows the answer without a reload.
    expect(page.locator("#case-live")).to_contain_text(
        "Yes: planned works until Friday.", timeout=LIVE_TIMEOUT
    )

    page.get_by_label("Your reply (sent by email)").fill(
        "There is planned work on your line until Friday; it will be stable after that."
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply sent to the customer.")
    page.get_by_label("What fixed it (the customer reads this and confirms)").fill(
        "The line works finished on Friday."
    )
    page.get_by_role("button", name="Propose resolution").click()
    expect(page.get_by_role("status")).to_contain_text("Resolution proposed")
    expect(page.locator(".status-pill")).to_have_text("resolution proposed")


def test_jargon_hint_for_a_novice_before_sending(
    live_server: LiveServer, page: Page, lead: Rep
) -> None:
    rep = make_rep(live_server)
    # Tom, from the demo workspace, told us he is new to technology.
    case = open_case(live_server, rep, lead, email="tom@example.net", subject="Printer again")
    sign_in(page, live_server, rep)
    page.goto(f"{live_server.url}/app/cases/{case['number']}")
    box = page.get_by_label("Your reply (sent by email)")
    box.fill("Please reboot the router and update the printer driver.")
    hint = page.locator("#jargon-hint")
    expect(hint).to_contain_text("new to technology")
    expect(hint).to_contain_text("reboot → turn it off and on again")
    expect(hint).to_contain_text("driver →")
    page.get_by_role("button", name="Send reply").click()
    # Nothing was sent yet: the rep sees the plain words and chooses.
    expect(page.get_by_role("button", name="Send anyway")).to_be_visible()
    screenshot(page, "workspace-jargon-hint")
    page.get_by_role("button", name="Send anyway").click()
    expect(page.get_by_role("status")).to_contain_text("Reply sent to the customer.")


def test_a_non_owner_cannot_reply_and_a_post_without_csrf_is_refused(
    live_server: LiveServer, page: Page, lead: Rep
) -> None:
    owner = make_rep(live_server)
    other = make_rep(live_server, on_shift=False)
    case = open_case(live_server, owner, lead)
    number = case["number"]
    sign_in(page, live_server, other)
    page.goto(f"{live_server.url}/app/cases/{number}")
    expect(page.locator("#not-owner")).to_contain_text(f"{owner.name} owns this case")
    page.get_by_label("Your reply (sent by email)").fill("I will take this one.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "only the case owner or a lead may reply to the customer"
    )

    # The browser's own cookies, but no CSRF token: refused, and nothing is added.
    forged = page.request.post(
        f"{live_server.url}/app/cases/{number}/note", form={"note": "forged note"}
    )
    assert forged.status == 403
    page.goto(f"{live_server.url}/app/cases/{number}")
    expect(page.locator("#case-live")).not_to_contain_text("forged note")


def test_lead_and_admin_views(live_server: LiveServer, page: Page, lead: Rep) -> None:
    admin = make_rep(live_server, "admin", on_shift=False)
    sign_in(page, live_server, admin)
    page.get_by_role("link", name="Lead").click()
    expect(page.get_by_role("heading", name="What the desk solved (last 30 days)")).to_be_visible()
    expect(page.get_by_role("heading", name="Reps and their load")).to_be_visible()
    screenshot(page, "workspace-lead-view")
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Severity targets")).to_be_visible()
    page.get_by_text("Add a rep").click()
    new_email = f"new-{uuid.uuid4().hex[:6]}@desk.example"
    page.get_by_label("Full name (shown to customers)").fill("Nia New")
    page.get_by_label("Work email (their sign-in)").fill(new_email)
    page.get_by_role("button", name="Add rep (a first password is shown once)").click()
    expect(page.locator("#new-password")).to_be_visible()
    screenshot(page, "workspace-admin-view")

    # A phone-sized screen still shows the work list usably.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/app")
    expect(page.get_by_role("heading", name="My work list")).to_be_visible()
    screenshot(page, "workspace-work-list-phone")
