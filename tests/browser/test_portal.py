"""The customer portal in a real browser: sign in by emailed link, open a case, confirm it."""

from __future__ import annotations

import email
import re
import time
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, screenshot

LINK = re.compile(r"https?://\S+/portal/sign-in/[0-9a-f]+")


def emailed_sign_in_link(live_server: LiveServer, address: str, *, timeout: float = 15) -> str:
    """The link in the newest sign-in mail to ``address`` (the server writes .eml files)."""
    folder = Path(live_server.var_dir) / "outgoing-mail"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        paths = list(folder.glob("*.eml")) if folder.exists() else []
        for path in sorted(paths, key=lambda p: p.stat().st_mtime_ns, reverse=True):
            message = email.message_from_bytes(path.read_bytes())
            if parseaddr(message["To"] or "")[1].lower() == address and "sign-in" in (
                message["Subject"] or ""
            ):
                body = message.get_payload(decode=True)
                assert isinstance(body, bytes)
                found = LINK.search(body.decode())
                assert found is not None
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no sign-in mail to {address} within {timeout} s")


def rep_headers(live_server: LiveServer, rep_email: str) -> dict[str, str]:
    token = live_server.cli("rep", "token", rep_email).strip().splitlines()[-1]
    return {"Authorization": f"Bearer {token}"}


def open_case(
    live_server: LiveServer, *, customer: dict[str, str], subject: str, body: str, severity: int
) -> dict[str, Any]:
    """A case the demo's lead opens through the API for a customer; its owner is assigned."""
    response = httpx.post(
        f"{live_server.url}/api/v1/cases",
        headers=rep_headers(live_server, "alex@example.com"),
        json={"customer": customer, "subject": subject, "body": body, "severity": severity},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def sign_in(page: Page, live_server: LiveServer, address: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Get help").click()
    page.get_by_label("Your email address").fill(address)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(emailed_sign_in_link(live_server, address))
    page.get_by_role("button", name="Sign me in").click()
    expect(page.get_by_text("You are signed in.")).to_be_visible()


def test_a_customer_signs_in_and_opens_a_case_and_sees_its_number_and_owner(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    page.goto(f"{live_server.url}/")
    screenshot(page, "landing")
    sign_in(page, live_server, "nadia@example.org")
    screenshot(page, "portal-my-cases-empty")
    page.get_by_role("link", name="Open a new case").click()
    page.get_by_label("Your name").fill("Nadia Haddad")
    page.get_by_label("What is wrong, in a few words").fill("Email app crashes on start")
    page.get_by_label("What happened").fill(
        "Since this morning the mail app closes as soon as I open it."
    )
    page.get_by_label("Something important is badly broken").check()
    page.get_by_label("Operating system and version").fill("macOS 15")
    page.get_by_label("My computer is managed by my company's IT").check()
    shot = tmp_path / "crash.txt"
    shot.write_text("crash report: SIGSEGV in MailCore")
    page.get_by_label("Screenshots or files (optional)").set_input_files(str(shot))
    screenshot(page, "portal-new-case")
    page.get_by_role("button", name="Send to our team").click()
    expect(page.get_by_text(re.compile(r"Your case TL-\d+ is opened"))).to_be_visible()
    number = page.locator(".case-number").inner_text()
    assert re.fullmatch(r"TL-\d+", number)
    # The demo's reps on shift take new cases: the customer sees who owns it, by name.
    expect(page.locator("#owner")).to_contain_text("looks after your case from start to finish")
    expect(page.locator("#owner")).to_contain_text("Email:")
    expect(page.locator("#next-update")).to_contain_text("You will hear from us by")
    screenshot(page, "status-page")
    page.get_by_role("link", name="My cases").click()
    expect(page.get_by_role("link", name=re.compile(number))).to_be_visible()
    screenshot(page, "portal-my-cases")
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("I'm new to this: please keep it simple").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()


def test_the_customer_confirms_the_fix_on_the_status_page(
    page: Page, live_server: LiveServer
) -> None:
    created = open_case(
        live_server,
        customer={"email": "omar@example.org", "name": "Omar Haddad"},
        subject="Scanner not found",
        body="The scanner is not listed any more.",
        severity=3,
    )
    number, owner = created["number"], created["owner"]
    owner_headers = rep_headers(live_server, owner["email"])
    httpx.post(
        f"{live_server.url}/api/v1/cases/{number}/steps",
        headers=owner_headers,
        json={"description": "Reinstall the scanner driver", "outcome": "worked"},
    ).raise_for_status()
    httpx.post(
        f"{live_server.url}/api/v1/cases/{number}/propose-resolution",
        headers=owner_headers,
        json={"summary": "The driver update had removed the scanner; reinstalled."},
    ).raise_for_status()
    page.goto(created["status_url"])
    expect(page.get_by_role("heading", name="Is it fixed?")).to_be_visible()
    expect(page.locator(".steps")).to_contain_text("Reinstall the scanner driver")
    expect(page.locator("#owner")).to_contain_text(owner["name"])
    screenshot(page, "status-page-proposed")
    # A form post from anywhere without this page's CSRF token changes nothing.
    forged = page.evaluate(
        """async (url) => (await fetch(url + "/confirm", {method: "POST",
            headers: {"Content-Type": "application/x-www-form-urlencoded"},
            body: "fixed=no"})).status""",
        created["status_url"],
    )
    assert forged == 403
    page.get_by_label("Anything to add? (optional)").fill("Works again, thank you!")
    page.get_by_role("button", name="Yes, it's fixed").click()
    expect(page.get_by_text("Fixed, as you confirmed.")).to_be_visible()
    case = httpx.get(f"{live_server.url}/api/v1/cases/{number}", headers=owner_headers).json()
    assert (case["status"], case["resolution_kind"]) == ("resolved", "confirmed")


def test_the_status_page_updates_itself_when_the_owner_replies(
    page: Page, live_server: LiveServer
) -> None:
    created = open_case(
        live_server,
        customer={"email": "pia@example.org", "name": "Pia Berg"},
        subject="Cannot print to PDF",
        body="Print to PDF does nothing.",
        severity=4,
    )
    page.goto(created["status_url"])
    owner_headers = rep_headers(live_server, created["owner"]["email"])
    httpx.post(
        f"{live_server.url}/api/v1/cases/{created['number']}/messages",
        headers=owner_headers,
        json={"body": "Which program are you printing from?", "internal": False},
    ).raise_for_status()
    # No reload: the page polls cheaply and swaps in the change.
    expect(page.get_by_text("Which program are you printing from?")).to_be_visible(timeout=12_000)


def test_portal_pages_fit_a_phone_screen(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, "phone@example.org")
        for path, name in (
            ("/", "phone-landing"),
            ("/portal", "phone-portal"),
            ("/portal/new", "phone-new-case"),
            ("/portal/chat", "phone-chat"),
        ):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
            screenshot(page, name)
        # Signed in, the chat needs no name or email: it goes straight to the message box.
        page.goto(f"{live_server.url}/portal/chat")
        expect(page.get_by_label("Your message")).to_be_visible()
        expect(page.get_by_label("Your name")).to_be_hidden()
        # Keyboard only: the skip link comes first and leads to the content.
        page.goto(f"{live_server.url}/portal/new")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    finally:
        context.close()
