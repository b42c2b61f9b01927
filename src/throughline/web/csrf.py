"""CSRF protection for every page form: a double-submit token.

Each browser gets a random token in the ``tl_csrf`` cookie (SameSite=Strict).
Forms carry it in a hidden ``csrf_token`` field and htmx requests in the
``X-CSRF-Token`` header (``base.html`` sets it on ``<body hx-headers>``). A
state-changing request whose token is missing or does not match the cookie is
refused with 403 and changes nothing. Another site can make a browser send the
cookie but cannot read it, so it cannot forge the matching field.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from throughline.kit.errors import Forbidden

COOKIE = "tl_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NEW = "csrf_new_token"


class CsrfRejected(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "This form has expired or did not come from this site. Reload the page and try again."
        )


def csrf_token(request: Request) -> str:
    """The browser's token, making one (set as a cookie on the response) on first use."""
    token = request.cookies.get(COOKIE) or getattr(request.state, _NEW, None)
    if not token:
        token = secrets.token_urlsafe(32)
        setattr(request.state, _NEW, token)
    return str(token)


async def verify_csrf(request: Request) -> None:
    """Dependency for page routers: refuse a state-changing request without the right token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(COOKIE)
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRejected()


class CsrfCookie:
    """Sets the ``tl_csrf`` cookie on responses to requests that created a token."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.attributes = "; Path=/; SameSite=Strict" + ("; Secure" if secure else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                token = scope.get("state", {}).get(_NEW)
                if token:
                    cookie = f"{COOKIE}={token}{self.attributes}".encode()
                    message = {**message, "headers": [*message["headers"], (b"set-cookie", cookie)]}
            await send(message)

        await self.app(scope, receive, with_cookie)
