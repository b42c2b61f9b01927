"""Every page a customer or a rep uses: controls have names, the page has a language, one
main heading and a skip link as the first stop of the keyboard, and nothing scrolls sideways
on a phone.

These are the checks a screen-reader or keyboard user notices first; they run on the demo desk.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import LiveServer

# Controls without an accessible name: no <label>, aria-label or aria-labelledby, no title.
UNNAMED_CONTROLS = """
() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length)
             && !el.getAttribute('aria-label')
             && !el.getAttribute('aria-labelledby')
             && !el.getAttribute('title')
             && !(el.tagName === 'BUTTON' && el.textContent.trim())
             && !(el.type === 'submit' && el.value))
  .map(el => el.outerHTML.slice(0, 120))
"""
# The first element the keyboard reaches in document order (pages may autofocus a field).
FIRST_STOP = """
() => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
  .filter(el => el.type !== 'hidden' && el.tabIndex >= 0)[0].textContent.trim()
"""
IMAGES_WITHOUT_ALT = "() => [...document.images].filter(i => !i.hasAttribute('alt')).length"


def _credentials(live_server: LiveServer) -> tuple[str, str, str]:
    printed = (live_server.var_dir / "demo-credentials.txt").read_text()
    row = re.search(r"Alex Rivera\s+(\S+@\S+)\s+admin\s+(\S+)\s+tl_", printed)
    link = re.search(r"TL-1001 .*?(http\S+/status/\S+)", printed)
    assert row, printed
    assert link, printed
    return row.group(1), row.group(2), link.group(1)


def _check(page: Page, url: str) -> None:
    page.goto(url)
    assert page.evaluate("document.documentElement.lang"), f"{url}: <html> has no lang"
    assert page.locator("h1").count() == 1, f"{url}: needs exactly one <h1>"
    assert page.evaluate(UNNAMED_CONTROLS) == [], f"{url}: controls without a name"
    assert page.evaluate(IMAGES_WITHOUT_ALT) == 0, f"{url}: images without alt text"
    first = page.evaluate(FIRST_STOP)
    assert first == "Skip to main content", f"{url}: the first keyboard stop is {first!r}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        f"{url}: the page scrolls sideways"
    )


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_pages_are_usable_by_keyboard_and_screen_reader(
    live_server: LiveServer, browser: Browser, viewport: tuple[int, int]
) -> None:
    email, password, status_link = _credentials(live_server)
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        for path in ("/", "/portal", "/portal/help", "/portal/help/home-internet-down"):
            _check(page, f"{live_server.url}{path}")
        _check(page, status_link)
        _check(page, f"{live_server.url}/app/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/app/?$"))
        for path in ("/app", "/app/cases/TL-1001", "/app/team", "/app/lead", "/app/admin"):
            _check(page, f"{live_server.url}{path}")
    finally:
        context.close()
