"""Signing reps in to the workspace: passwords, sessions, roles, and the page dependencies.

Passwords are argon2 hashes. A session is a random token in an HttpOnly cookie;
the database keeps only its SHA-256, with an expiry, and signing out deletes it.
Wrong passwords are counted in the database (per address and per client), so the
limit holds however many web processes run.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import DomainError, Forbidden, InvalidInput
from throughline.kit.security import hash_secret
from throughline.models import Rep, RepSession, SignInFailure, utcnow
from throughline.workspace import changes

COOKIE = "tl_session"
ROLES = ("rep", "specialist", "lead", "admin")
ROLE_WORDS = {
    "rep": "Rep: owns cases",
    "specialist": "Specialist: answers a team's escalations, and owns cases",
    "lead": "Lead: may step into any case, approves remedies, sees all queues",
    "admin": "Admin: a lead who also manages reps, teams and remedies",
}
MIN_PASSWORD = 10
FAILURE_WINDOW = timedelta(minutes=15)

# argon2id with OWASP's recommended floor (19 MiB, 2 passes, 1 lane): slow for a guesser with
# a stolen hash, yet about 50 ms here, so a sign-in never stalls the server for others.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Checked when the address is unknown, so that a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class TooManyAttempts(DomainError):
    status_code = 429


class SignInFailed(DomainError):
    status_code = 401


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A first password to hand over: 16 letters and digits, easy to type from a printout."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def role_of(rep: Rep) -> str:
    """The rep's role; a lead made before roles existed (``is_lead`` only) counts as a lead."""
    if rep.role in ("lead", "admin"):
        return rep.role
    return "lead" if rep.is_lead else rep.role


def is_lead(rep: Rep) -> bool:
    return role_of(rep) in ("lead", "admin")


def is_admin(rep: Rep) -> bool:
    return role_of(rep) == "admin"


def check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise InvalidInput(f"role: {role!r} is not one of {', '.join(ROLES)}")
    return role


def set_role(session: AsyncSession, rep: Rep, role: str, *, actor: Actor) -> None:
    """Change a rep's role; lead and admin also make them a lead for the services."""
    role = check_role(role)
    before = role_of(rep)
    rep.role = role
    rep.is_lead = role in ("lead", "admin")
    if before != role:
        audit(session, actor, "rep.role", "rep", rep.id, role=role, before=before)


async def set_password(
    session: AsyncSession, rep: Rep, password: str, *, actor: Actor, now: datetime
) -> None:
    """Set a new password; every session the rep had ends (a reset locks out whoever had it)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password: must be at least {MIN_PASSWORD} characters")
    if len(password) > 200:
        raise InvalidInput("password: must be at most 200 characters")
    rep.password_hash = await asyncio.to_thread(hash_password, password)
    await session.execute(delete(RepSession).where(RepSession.rep_id == rep.id))
    audit(session, actor, "rep.password", "rep", rep.id)


async def _failures(
    session: AsyncSession, *, email: str, client: str, since: datetime
) -> tuple[int, int]:
    """Wrong passwords since ``since``: for this address, and from this client."""
    recent = SignInFailure.created_at >= since
    by_email = select(func.count()).where(SignInFailure.email == email, recent)
    by_client = select(func.count()).where(SignInFailure.client == client, recent)
    row = (
        await session.execute(select(by_email.scalar_subquery(), by_client.scalar_subquery()))
    ).one()
    return int(row[0]), int(row[1])


async def sign_in(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    client: str,
    settings: Settings,
    now: datetime,
) -> str:
    """Check the password and open a session; returns the token for the cookie.

    Raises SignInFailed with the same words whether the address or the password
    was wrong, and TooManyAttempts once an address or a client failed too often.
    """
    email = email.strip().lower()[:320]
    client = client[:64]
    since = now - FAILURE_WINDOW
    allowed = settings.sign_in_failures_allowed
    by_email, by_client = await _failures(session, email=email, client=client, since=since)
    if by_email >= allowed or by_client >= 4 * allowed:
        raise TooManyAttempts(
            "Too many wrong passwords: wait 15 minutes and try again, "
            "or ask your lead to reset your password."
        )
    rep = await session.scalar(select(Rep).where(Rep.email == email))
    # In a thread: the hash is deliberately slow and must not block other requests.
    good = await asyncio.to_thread(password_matches, rep.password_hash if rep else None, password)
    if rep is None or not good or not rep.is_active:
        # Failures older than the window count for nothing: the table stays small.
        await session.execute(delete(SignInFailure).where(SignInFailure.created_at < since))
        session.add(SignInFailure(email=email, client=client, created_at=now))
        raise SignInFailed("That email address and password do not match. Please try again.")
    token = secrets.token_urlsafe(32)
    session.add(
        RepSession(
            rep_id=rep.id,
            token_hash=hash_secret(token),
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    # Old expired sessions of this rep go now: the table holds only live ones (and few).
    await session.execute(
        delete(RepSession).where(RepSession.rep_id == rep.id, RepSession.expires_at <= now)
    )
    audit(session, Actor.of_rep(rep), "rep.sign_in", "rep", rep.id, client=client)
    return token


async def sign_out(session: AsyncSession, token: str) -> None:
    ended = await session.scalars(
        delete(RepSession)
        .where(RepSession.token_hash == hash_secret(token))
        .returning(RepSession.rep_id)
    )
    # Its open pages learn at once that they are signed out (workspace/live.py).
    changes.touch(session, reps=ended.all())


async def rep_for_token(session: AsyncSession, token: str, *, now: datetime) -> Rep | None:
    return await session.scalar(
        select(Rep)
        .join(RepSession, RepSession.rep_id == Rep.id)
        .where(
            RepSession.token_hash == hash_secret(token),
            RepSession.expires_at > now,
            Rep.is_active.is_(True),
        )
    )


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
    )


def _to_sign_in(request: Request) -> HTTPException:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    location = "/app/sign-in"
    if request.method == "GET" and target.startswith("/app") and "/events" not in target:
        location += "?next=" + quote(target, safe="")
    if request.headers.get("hx-request"):
        # An XMLHttpRequest would follow a 303 silently and swap the sign-in page into a
        # fragment; htmx instead loads the whole page it names in HX-Redirect.
        return HTTPException(status_code=401, headers={"HX-Redirect": location})
    return HTTPException(status_code=303, headers={"Location": location})


async def signed_in_rep(request: Request) -> Rep:
    """The signed-in rep, read in a short session of its own (detached, like CurrentRep).

    Not signed in (or expired): a redirect to the sign-in page.
    """
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        raise _to_sign_in(request)
    database: Database = request.app.state.database
    async with database.unit_of_work(write=False, lookup=True) as session:
        rep = await rep_for_token(session, token, now=utcnow())
        if rep is None:
            raise _to_sign_in(request)
        session.expunge(rep)
    return rep


async def signed_in_lead(rep: Annotated[Rep, Depends(signed_in_rep)]) -> Rep:
    if not is_lead(rep):
        raise Forbidden("This page is for leads and admins. Your work list is at /app.")
    return rep


async def signed_in_admin(rep: Annotated[Rep, Depends(signed_in_rep)]) -> Rep:
    if not is_admin(rep):
        raise Forbidden("This page is for admins. Your work list is at /app.")
    return rep


# For page routes (the flows engineer uses these too): the rep, or a redirect to sign in.
PageRep = Annotated[Rep, Depends(signed_in_rep)]
LeadRep = Annotated[Rep, Depends(signed_in_lead)]
AdminRep = Annotated[Rep, Depends(signed_in_admin)]


def actor_of(rep: Rep) -> Actor:
    return Actor.of_rep(rep)
