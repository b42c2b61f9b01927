"""Live chat in a real browser: honest when nobody is there, live both ways when someone is."""

from __future__ import annotations

import functools
import http.server
import re
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_portal import rep_headers


def set_reps_seen(live_server: LiveServer, *, online: bool) -> None:
    """Stand in for the workspace's heartbeat: reps on shift have (not) been seen just now."""
    seen = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ") if online else None
    with sqlite3.connect(Path(live_server.var_dir) / "throughline.db") as db:
        db.execute("UPDATE reps SET last_seen_at = ?", (seen,))


def start_chat(page: Page, live_server: LiveServer, name: str, address: str) -> None:
    page.goto(f"{live_server.url}/portal/chat")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your email").fill(address)
    page.get_by_role("button", name="Start chat").click()
    expect(page.get_by_label("Your message")).to_be_visible()


def send(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def test_nobody_online_says_when_to_expect_an_answer_and_continues_by_email(
    page: Page, live_server: LiveServer
) -> None:
    set_reps_seen(live_server, online=False)
    start_chat(page, live_server, "Ines Duarte", "ines@example.org")
    availability = page.locator(".tl-chat-availability")
    expect(availability).to_contain_text("Nobody is at their desk right now")
    send(page, "My invoice shows the wrong address")
    expect(page.locator(".tl-chat-case")).to_contain_text(re.compile(r"TL-\d+"))
    expect(page.locator(".tl-mine")).to_contain_text("My invoice shows the wrong address")
    expect(availability).to_contain_text(
        re.compile(r"will answer by \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    )
    expect(availability).to_contain_text("We will continue by email at ines@example.org")
    screenshot(page, "chat-nobody-online")


def test_a_chat_exchange_both_ways_live(page: Page, live_server: LiveServer) -> None:
    set_reps_seen(live_server, online=True)
    start_chat(page, live_server, "Kofi Mensah", "kofi@example.org")
    expect(page.locator(".tl-chat-availability")).to_contain_text("online")
    send(page, "Hi, my VPN will not connect")
    case_line = page.locator(".tl-chat-case")
    expect(case_line).to_contain_text(re.compile(r"TL-\d+"))
    number = re.search(r"TL-\d+", case_line.inner_text())
    assert number is not None
    lead = rep_headers(live_server, "alex@example.com")
    case = httpx.get(f"{live_server.url}/api/v1/cases/{number.group(0)}", headers=lead).json()
    assert case["channel"] == "chat"
    owner = case["owner"]
    expect(page.locator(".tl-chat-availability")).to_contain_text(f"{owner['name']} is online")
    owner_headers = rep_headers(live_server, owner["email"])
    httpx.post(
        f"{live_server.url}/api/v1/cases/{number.group(0)}/messages",
        headers=owner_headers,
        json={"body": "Hello Kofi, which VPN app do you use?", "internal": False},
    ).raise_for_status()
    # The rep's reply appears without a reload, under the rep's name.
    reply = page.locator(".tl-theirs", has_text="which VPN app do you use?")
    expect(reply).to_be_visible()
    expect(reply).to_contain_text(owner["name"])
    send(page, "The company one, GlobalProtect")
    expect(page.locator(".tl-mine", has_text="GlobalProtect")).to_be_visible()
    timeline = httpx.get(
        f"{live_server.url}/api/v1/cases/{number.group(0)}", headers=owner_headers
    ).json()["timeline"]
    bodies = [entry["body"] for entry in timeline if entry["kind"] == "message_in"]
    assert bodies == ["Hi, my VPN will not connect", "The company one, GlobalProtect"]
    screenshot(page, "chat-live")
    # Coming back later resumes the same conversation.
    page.reload()
    expect(page.locator(".tl-chat-case")).to_contain_text(number.group(0))
    expect(page.locator(".tl-theirs", has_text="which VPN app do you use?")).to_be_visible()


def test_the_widget_works_on_the_same_site_and_is_refused_elsewhere(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    # Any page of the support site can carry the widget: add its one script tag to one.
    page.goto(f"{live_server.url}/")
    page.add_script_tag(url=f"{live_server.url}/static/widget.js")
    page.get_by_role("button", name="Chat with us").click()
    expect(page.get_by_role("dialog", name="Chat with our support team")).to_be_visible()
    page.get_by_label("Your name").fill("Widget User")
    page.get_by_label("Your email").fill("widget@example.org")
    page.get_by_role("button", name="Start chat").click()
    expect(page.get_by_label("Your message")).to_be_visible()
    screenshot(page, "chat-widget")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    # Another site that is not in chat_allowed_origins: the socket is refused.
    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang=en><head><title>Shop</title></head><body><h1>Shop</h1>"
        f'<script src="{live_server.url}/static/widget.js"></script></body></html>'
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        page.get_by_role("button", name="Chat with us").click()
        expect(page.locator(".tl-chat-availability")).to_contain_text("Connection lost")
        expect(page.get_by_label("Your name")).to_be_hidden()
    finally:
        server.shutdown()
        server.server_close()
