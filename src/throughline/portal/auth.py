"""Customers sign in with an emailed, single-use link; a cookie then names their session.

No passwords. Every address gets the same answer ("check your email"): a link
is sent whether or not we know the address (a first-time customer signs in the
same way), so the form tells nobody who our customers are. Only hashes of
link and session tokens are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from throughline.config import Settings
from throughline.customers import service as customers
from throughline.customers.rules import normalize_identity
from throughline.kit.errors import DomainError
from throughline.kit.limits import TokenBuckets
from throughline.kit.security import hash_secret, new_nonce
from throughline.models import Customer, CustomerSession, MagicLink, utcnow
from throughline.outbox import service as outbox
from throughline.portal import repository

COOKIE = "tl_customer"
MAIL_TOPIC = "portal.magic_link"


class TooManyRequests(DomainError):
    status_code = 429


class LinkNotUsable(DomainError):
    status_code = 400

    def __init__(self) -> None:
        super().__init__(
            "This sign-in link has expired or was already used. "
            "Ask for a new one: it only takes your email address."
        )


def limiter(state: Any, name: str, per_minute: int) -> TokenBuckets:
    """Rate buckets kept on the app's state (per process), made on first use."""
    buckets: dict[str, TokenBuckets] = state.__dict__.setdefault("portal_limits", {})
    if name not in buckets:
        buckets[name] = TokenBuckets(per_minute=per_minute)
    return buckets[name]


def client_address(connection: HTTPConnection) -> str:
    return (connection.client.host if connection.client else "unknown")[:64]


def link_token(settings: Settings, nonce: str) -> str:
    """The link's token, derivable again only with the secret key (like status links)."""
    key = settings.resolved_secret_key().encode()
    return hmac.new(key, f"magic-link:{nonce}".encode(), hashlib.sha256).hexdigest()


def sign_in_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/portal/sign-in/{token}"


async def request_link(
    session: AsyncSession, *, email: str, client: str, settings: Settings, now: datetime
) -> bool:
    """Queue a sign-in link for ``email``. False when the address had enough links this hour.

    The caller answers the same either way; only a flooding client hears "too many".
    """
    address = normalize_identity("email", email)
    hour_ago = now - timedelta(hours=1)
    sent_from_client = await repository.links_from_client_since(
        session, client=client, since=hour_ago
    )
    if sent_from_client >= settings.magic_links_per_client_per_hour:
        raise TooManyRequests(
            "Too many sign-in links were asked for from your network. Try again in an hour."
        )
    if await repository.links_since(session, email=address, since=hour_ago) >= (
        settings.magic_links_per_hour
    ):
        return False  # the links already sent still work; do not flood the mailbox
    nonce = new_nonce()
    link = MagicLink(
        email=address,
        nonce=nonce,
        token_hash=hash_secret(link_token(settings, nonce)),
        client=client,
        expires_at=now + timedelta(minutes=settings.magic_link_minutes),
        created_at=now,
    )
    session.add(link)
    await session.flush()
    await outbox.enqueue(session, MAIL_TOPIC, {"link_id": link.id}, now=now)
    return True


async def link_is_usable(session: AsyncSession, token: str, *, now: datetime) -> bool:
    return await repository.link_is_usable(session, hash_secret(token), now=now)


async def use_link(
    session: AsyncSession, token: str, *, settings: Settings, now: datetime
) -> tuple[Customer, str]:
    """Spend the link (once) and open a session. Returns the customer and the cookie's token."""
    email = await repository.claim_link(session, hash_secret(token), now=now)
    if email is None:
        raise LinkNotUsable()
    customer, _made = await customers.find_or_make(
        session, kind="email", value=email, name="", now=now
    )
    session_token = secrets.token_urlsafe(32)
    session.add(
        CustomerSession(
            customer_id=customer.id,
            token_hash=hash_secret(session_token),
            expires_at=now + timedelta(days=settings.customer_session_days),
            created_at=now,
        )
    )
    return customer, session_token


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.customer_session_days * 86400),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )


async def signed_in_customer(connection: HTTPConnection, session: AsyncSession) -> Customer | None:
    """The customer signed in on this browser (request or websocket), or None."""
    token = connection.cookies.get(COOKIE)
    if not token or len(token) > 200:
        return None
    return await repository.customer_for_session(session, hash_secret(token), now=utcnow())


async def sign_out(connection: HTTPConnection, session: AsyncSession, *, now: datetime) -> None:
    token = connection.cookies.get(COOKIE)
    if token and len(token) <= 200:
        await repository.end_session(session, hash_secret(token), now=now)
