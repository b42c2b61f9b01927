"""Voice webhooks called by a hosted telephony provider: /voice/incoming, /voice/menu.

The provider posts form fields (``From``, ``To``, ``CallSid``, ``Digits``) and
reads TwiML back. These routes are outside the CSRF-checked page router: the
provider is not a browser. When ``THROUGHLINE_TWILIO_AUTH_TOKEN`` is set,
every request must carry a valid ``X-Twilio-Signature``, computed over the
public URL (``THROUGHLINE_BASE_URL`` + path + query) and the posted fields.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from throughline.config import Settings
from throughline.kit.deps import AppSettings, WriteSession
from throughline.kit.errors import Forbidden, InvalidInput
from throughline.models import utcnow
from throughline.phone import directory as directories
from throughline.phone import service, signature, twiml

router = APIRouter(tags=["voice"])
log = logging.getLogger("throughline.phone")

MAX_FIELD = 64


def public_url(request: Request, settings: Settings) -> str:
    """The URL the provider called, as it signed it: behind a proxy, base_url is the truth."""
    url = settings.base_url.rstrip("/") + request.url.path
    return url + ("?" + request.url.query if request.url.query else "")


async def _call_in(request: Request, settings: Settings) -> service.CallIn:
    form = await request.form()
    params = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    if settings.twilio_auth_token:
        sent = request.headers.get("x-twilio-signature", "")
        if not sent or not signature.is_valid(
            settings.twilio_auth_token, public_url(request, settings), params, sent
        ):
            raise Forbidden("X-Twilio-Signature: missing or does not match this request")
    fields = dict(params)
    for name in ("CallSid", "From", "To", "Digits"):
        value = fields.get(name, "")
        if len(value) > MAX_FIELD or "\x00" in value:
            raise InvalidInput(f"{name}: at most {MAX_FIELD} characters, no NUL")
    if not fields.get("CallSid", "").strip():
        raise InvalidInput("CallSid: required")
    return service.CallIn(
        call_sid=fields["CallSid"].strip(),
        from_number=fields.get("From", "").strip(),
        to_number=fields.get("To", "").strip(),
        digits=fields.get("Digits", "").strip(),
    )


def _directory(settings: Settings) -> directories.Directory:
    """The directory; when the file is broken, a menu with a person on "0" still answers."""
    try:
        return directories.load(settings)
    except (directories.DirectoryInvalid, OSError) as exc:
        log.error("phone directory unusable, offering only a person: %s", exc)
        return directories.Directory(greeting="Thank you for calling.")


def _xml(root: ET.Element) -> Response:
    return Response(content=twiml.to_bytes(root), media_type="text/xml")


@router.post("/voice/incoming")
async def incoming(request: Request, session: WriteSession, settings: AppSettings) -> Response:
    """A call arrives: a returning caller hears about their case first, others the menu."""
    call = await _call_in(request, settings)
    root = await service.incoming(session, call, directory=_directory(settings), now=utcnow())
    return _xml(root)


@router.post("/voice/menu")
async def menu(
    request: Request,
    session: WriteSession,
    settings: AppSettings,
    at: Annotated[str, Query(max_length=8, pattern=r"^(main|owner|d[1-9])$")] = "main",
    silent: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """The caller pressed a key (``Digits``) on menu ``at``; "0" is a person on every menu."""
    call = await _call_in(request, settings)
    root = await service.menu(
        session,
        call,
        at=at,
        silent=bool(silent),
        directory=_directory(settings),
        settings=settings,
        now=utcnow(),
    )
    return _xml(root)


@router.post("/voice/after-dial")
async def after_dial(request: Request, session: WriteSession, settings: AppSettings) -> Response:
    """The dialled person's line finished (``DialCallStatus``): hang up, or say nobody answered."""
    call = await _call_in(request, settings)
    form = await request.form()
    status = form.get("DialCallStatus")
    root = await service.after_dial(
        session,
        call,
        status=status if isinstance(status, str) else "",
        settings=settings,
        now=utcnow(),
    )
    return _xml(root)


@router.post("/voice/status")
async def call_status(request: Request, session: WriteSession, settings: AppSettings) -> Response:
    """The provider's status callback (``CallStatus``): a call that ended in the menu is
    noted on the caller's case."""
    call = await _call_in(request, settings)
    form = await request.form()
    status = form.get("CallStatus")
    status = status if isinstance(status, str) else ""
    if status in ("completed", "busy", "failed", "no-answer", "canceled"):
        await service.ended(session, call, status=status, now=utcnow())
    return _xml(twiml.response())
