"""Pages of the customer portal (/portal), the status page (/status/{token}) and the landing page.

Routes call the same services as the JSON API (open_case, customer_message,
confirm), so the rules stay in one place. Form input is checked here and a
wrong field is named on the page itself, with the customer's text kept.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from throughline.cases import service as cases
from throughline.cases.repository import rep_names
from throughline.cases.rules import Status
from throughline.channels.files import store_file
from throughline.channels.notices import case_status_url
from throughline.config import Settings
from throughline.cues import proficiency
from throughline.customers.rules import PROFICIENCIES
from throughline.customers.status import case_for_token, status_view
from throughline.kit.actors import Actor
from throughline.kit.deps import AppSettings, ReadSession, WriteSession
from throughline.kit.errors import NotFound
from throughline.kit.queries import valid_id
from throughline.models import Customer, Rep, utcnow
from throughline.portal import auth, repository
from throughline.portal import mail as _mail  # noqa: F401 - registers the sign-in mail job
from throughline.portal.auth import TooManyRequests, client_address, limiter
from throughline.portal.rules import (
    ENVIRONMENT_FIELDS,
    PROFICIENCY_WORDS,
    SEVERITY_WORDS,
    environment_problem,
)
from throughline.reports import satisfaction
from throughline.reports.rules import RATINGS, rating_of
from throughline.web.templating import render

router = APIRouter()

MAX_SUBJECT = 300
MAX_TEXT = 100_000


async def _limit_writes(request: Request) -> None:
    """Customers' page writes share the API's per-client rate (customer_requests_per_minute)."""
    if request.method != "POST":
        return
    settings: Settings = request.app.state.settings
    writes = limiter(request.app.state, "writes", settings.customer_requests_per_minute)
    if not writes.allow(client_address(request), time.monotonic()):
        raise TooManyRequests("Too many requests from your network; try again in a minute.")


Limited = Depends(_limit_writes)


async def _customer(request: Request, session: AsyncSession) -> Customer | None:
    return await auth.signed_in_customer(request, session)


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse("/portal?signed_out=1", status_code=303)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


# --- Landing page -------------------------------------------------------------------------


@router.get("/")
async def landing(request: Request) -> Response:
    return render(request, "index.html")


# --- Sign-in by emailed link --------------------------------------------------------------


@router.get("/portal")
async def portal_home(request: Request, session: ReadSession) -> Response:
    customer = await _customer(request, session)
    if customer is None:
        flash = "You are signed out." if request.query_params.get("signed_out") else None
        return render(request, "portal/sign_in.html", {"flash": flash, "email": ""})
    my_cases = await repository.cases_of(session, customer.id)
    settings: Settings = request.app.state.settings
    owners = await _owners(session, {c.owner_id for c in my_cases if c.owner_id})
    rows = [
        {
            "case": case,
            "owner": owners.get(case.owner_id) if case.owner_id else None,
            "link": case_status_url(settings, case),
            "open": case.status != Status.RESOLVED,
        }
        for case in my_cases
    ]
    return render(
        request,
        "portal/home.html",
        {"customer": customer, "rows": rows, "flash": _flash(request)},
    )


async def _owners(session: AsyncSession, ids: set[int]) -> dict[int, Rep]:
    return await rep_names(session, {i for i in ids if i is not None})


def _flash(request: Request) -> str | None:
    return {
        "welcome": "You are signed in.",
        "profile": "Your profile is saved.",
    }.get(request.query_params.get("flash", ""))


@router.post("/portal/sign-in", dependencies=[Limited])
async def ask_for_link(request: Request, session: WriteSession, settings: AppSettings) -> Response:
    form = await request.form()
    email = _text(form, "email")
    if not _looks_like_email(email):
        return render(
            request,
            "portal/sign_in.html",
            {"error": "Email address: please enter the address we can write to.", "email": email},
            status_code=422,
        )
    await auth.request_link(
        session, email=email, client=client_address(request), settings=settings, now=utcnow()
    )
    # The same answer whether or not we know the address, and when it had enough links.
    return render(request, "portal/link_sent.html", {"minutes": int(settings.magic_link_minutes)})


def _looks_like_email(value: str) -> bool:
    from email_validator import EmailNotValidError, validate_email

    if len(value) > 320:
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@router.get("/portal/sign-in/{token}")
async def sign_in_page(token: str, request: Request, session: ReadSession) -> Response:
    """A button, not an immediate sign-in: mail scanners that open links must not spend them."""
    if len(token) > 200 or not await auth.link_is_usable(session, token, now=utcnow()):
        raise auth.LinkNotUsable()
    return render(request, "portal/sign_in_confirm.html", {"token": token})


@router.post("/portal/sign-in/{token}", dependencies=[Limited])
async def sign_in(
    token: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    if len(token) > 200:
        raise auth.LinkNotUsable()
    _signed_in, session_token = await auth.use_link(session, token, settings=settings, now=utcnow())
    response = RedirectResponse("/portal?flash=welcome", status_code=303)
    auth.set_session_cookie(response, session_token, settings)
    return response


@router.post("/portal/sign-out")
async def sign_out(request: Request, session: WriteSession) -> Response:
    await auth.sign_out(request, session, now=utcnow())
    response = RedirectResponse("/portal?signed_out=1", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response


# --- My cases -----------------------------------------------------------------------------


@router.get("/portal/cases/{number}")
async def my_case(number: str, request: Request, session: ReadSession) -> Response:
    """A case of mine opens its status page; anyone else's case does not exist for me."""
    customer = await _customer(request, session)
    if customer is None:
        return _to_sign_in()
    text = number.strip().upper().removeprefix("TL-")
    case_id = int(text) if text.isdecimal() and len(text) <= 18 else 0
    case = await repository.case_of(session, customer.id, case_id) if valid_id(case_id) else None
    if case is None:
        raise NotFound(f"You have no case {number}.")
    return RedirectResponse(case_status_url(request.app.state.settings, case), status_code=303)


def _new_case_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "severities": SEVERITY_WORDS,
        "environment_fields": ENVIRONMENT_FIELDS,
        "proficiencies": PROFICIENCY_WORDS,
    }


@router.get("/portal/new")
async def new_case_form(request: Request, session: ReadSession, settings: AppSettings) -> Response:
    customer = await _customer(request, session)
    if customer is None:
        return _to_sign_in()
    env = customer.environment or {}
    values: dict[str, Any] = {key: str(env.get(key, "")) for key, _label in ENVIRONMENT_FIELDS}
    values["managed_by_it"] = bool(env.get("managed_by_it"))
    values["name"] = "" if "@" in customer.name else customer.name
    return render(
        request,
        "portal/new_case.html",
        {**_new_case_context(values, {}), **_limits(settings), "customer": customer},
    )


def _limits(settings: Settings) -> dict[str, Any]:
    return {
        "max_files": settings.max_attachments,
        "max_mb": round(settings.max_attachment_bytes / 1_048_576, 1),
        # The whole form may not exceed the cap app.py sets for /portal/new.
        "total_mb": round(settings.max_email_bytes / 1_048_576, 1),
    }


@router.post("/portal/new", dependencies=[Limited])
async def open_new_case(request: Request, session: WriteSession, settings: AppSettings) -> Response:
    customer = await _customer(request, session)
    if customer is None:
        return _to_sign_in()
    # More files than allowed is refused by the parser itself, before any is stored.
    form = await request.form(max_files=settings.max_attachments + 1, max_fields=50)
    values: dict[str, Any] = {
        "subject": _text(form, "subject"),
        "description": _text(form, "description"),
        "severity": _text(form, "severity"),
        "name": _text(form, "name"),
        "managed_by_it": form.get("managed_by_it") in ("yes", "on", "true"),
        "proficiency": _text(form, "proficiency"),
    }
    for key, _label in ENVIRONMENT_FIELDS:
        values[key] = _text(form, key)[:200]
    uploads = [
        item
        for item in form.getlist("attachments")
        if isinstance(item, UploadFile) and item.filename
    ]
    errors = _check_new_case(values, uploads, settings)
    if errors:
        return render(
            request,
            "portal/new_case.html",
            {**_new_case_context(values, errors), **_limits(settings), "customer": customer},
            status_code=422,
        )
    now = utcnow()
    environment: dict[str, Any] = {k: values[k] for k, _l in ENVIRONMENT_FIELDS if values[k]}
    environment["managed_by_it"] = values["managed_by_it"]
    if values["name"] and values["name"] != customer.name:
        customer.name = values["name"][:200]
    case, token = await cases.open_case(
        session,
        cases.NewCase(
            email=customer.email or "",
            name=customer.name,
            subject=values["subject"],
            body=values["description"],
            severity=int(values["severity"]),
            channel="portal",
            environment=environment,
        ),
        settings=settings,
        now=now,
    )
    if values["proficiency"]:  # optional: "How comfortable are you with technology?"
        await proficiency.record(
            session, customer, values["proficiency"], by=Actor.of_customer(customer.id), now=now
        )
    await session.flush()
    opening = await repository.public_entries_after(session, case.id, 0, limit=1)
    for upload in uploads:
        data = await upload.read()
        store_file(
            session,
            settings,
            case_id=case.id,
            filename=upload.filename or "attachment",
            content_type=upload.content_type or "application/octet-stream",
            data=data,
            now=now,
            timeline_entry_id=opening[0].id if opening else None,
        )
    return RedirectResponse(f"/status/{token}?flash=opened", status_code=303)


def _check_new_case(
    values: dict[str, Any], uploads: list[UploadFile], settings: Settings
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["subject"]:
        errors["subject"] = "Subject: please say in a few words what is wrong."
    elif len(values["subject"]) > MAX_SUBJECT:
        errors["subject"] = f"Subject: please keep it under {MAX_SUBJECT} characters."
    if not values["description"]:
        errors["description"] = "What happened: please describe the problem."
    elif len(values["description"]) > MAX_TEXT:
        errors["description"] = f"What happened: please keep it under {MAX_TEXT} characters."
    if values["severity"] not in {str(level) for level in SEVERITY_WORDS}:
        errors["severity"] = "How bad is it: please choose one of the answers."
    if len(values["name"]) > 200:
        errors["name"] = "Your name: please keep it under 200 characters."
    if values["proficiency"] and values["proficiency"] not in PROFICIENCIES:
        errors["proficiency"] = "How comfortable are you with technology: choose one answer."
    if any("\x00" in str(value) for value in values.values()):
        errors["description"] = "What happened: the text contains a character we cannot store."
    for key, _label in ENVIRONMENT_FIELDS:
        if problem := environment_problem(key, values[key]):
            errors[key] = problem
    if len(uploads) > settings.max_attachments:
        errors["attachments"] = f"Attachments: at most {settings.max_attachments} files, please."
    for upload in uploads:
        if upload.size is not None and upload.size > settings.max_attachment_bytes:
            errors["attachments"] = (
                f"Attachments: {upload.filename} is larger than "
                f"{settings.max_attachment_bytes // 1_048_576} MB."
            )
    return errors


# --- Profile ------------------------------------------------------------------------------


@router.get("/portal/profile")
async def profile_form(request: Request, session: ReadSession) -> Response:
    customer = await _customer(request, session)
    if customer is None:
        return _to_sign_in()
    return render(request, "portal/profile.html", _profile_context(customer, {}, None))


def _profile_context(
    customer: Customer, errors: dict[str, str], values: dict[str, Any] | None
) -> dict[str, Any]:
    env = customer.environment or {}
    if values is None:
        values = {key: str(env.get(key, "")) for key, _label in ENVIRONMENT_FIELDS}
        values["managed_by_it"] = bool(env.get("managed_by_it"))
        values["name"] = "" if "@" in customer.name else customer.name
        values["proficiency"] = customer.proficiency or ""
    return {
        "customer": customer,
        "values": values,
        "errors": errors,
        "proficiencies": PROFICIENCY_WORDS,
        "environment_fields": ENVIRONMENT_FIELDS,
    }


@router.post("/portal/profile", dependencies=[Limited])
async def save_profile(request: Request, session: WriteSession) -> Response:
    customer = await _customer(request, session)
    if customer is None:
        return _to_sign_in()
    form = await request.form(max_files=0, max_fields=30)
    values: dict[str, Any] = {
        "name": _text(form, "name"),
        "proficiency": _text(form, "proficiency"),
        "managed_by_it": form.get("managed_by_it") in ("yes", "on", "true"),
    }
    for key, _label in ENVIRONMENT_FIELDS:
        values[key] = _text(form, key)
    errors: dict[str, str] = {}
    if values["proficiency"] and values["proficiency"] not in PROFICIENCIES:
        errors["proficiency"] = "How comfortable are you with technology: choose one answer."
    if len(values["name"]) > 200 or "\x00" in values["name"]:
        errors["name"] = "Your name: please keep it under 200 characters."
    for key, _label in ENVIRONMENT_FIELDS:
        if problem := environment_problem(key, values[key]):
            errors[key] = problem
    if errors:
        return render(
            request,
            "portal/profile.html",
            _profile_context(customer, errors, values),
            status_code=422,
        )
    if values["name"]:
        customer.name = values["name"]
    await proficiency.record(
        session,
        customer,
        values["proficiency"] or None,
        by=Actor.of_customer(customer.id),
        now=utcnow(),
    )
    env = dict(customer.environment or {})
    for key, _label in ENVIRONMENT_FIELDS:
        if values[key]:
            env[key] = values[key]
        else:
            env.pop(key, None)
    env["managed_by_it"] = values["managed_by_it"]
    customer.environment = env
    return RedirectResponse("/portal?flash=profile", status_code=303)


# --- Chat page ----------------------------------------------------------------------------


@router.get("/portal/chat")
async def chat_page(request: Request, session: ReadSession) -> Response:
    customer = await _customer(request, session)
    settings: Settings = request.app.state.settings
    return render(
        request,
        "portal/chat.html",
        {"customer": customer, "max_chars": settings.chat_message_chars},
    )


# --- Status page --------------------------------------------------------------------------


async def _status_context(
    session: AsyncSession, token: str, settings: Settings, now: datetime
) -> dict[str, Any]:
    case = await case_for_token(session, token)
    view = await status_view(session, case, settings=settings, now=now)
    last_id = await repository.last_public_entry_id(session, case.id)
    return {
        "view": view,
        "token": token,
        "version": _version(case.status, last_id, view.owner_back_words),
        "rating_action": satisfaction.offered(settings, case),
        "current": rating_of(case.satisfaction),
        "ratings": RATINGS,
    }


def _version(status: str, last_entry_id: int, owner_back: str | None) -> str:
    """What the live panel shows, in short: the status, the newest entry, and when the owner
    is back (which changes with their shift, not with the case)."""
    back = hashlib.sha256((owner_back or "").encode()).hexdigest()[:8]
    return f"{status}.{last_entry_id}.{back}"


@router.get("/status/{token}")
async def status_page(
    token: str, request: Request, session: ReadSession, settings: AppSettings
) -> Response:
    if len(token) > 200:
        raise NotFound("no case behind this link; check that it was copied whole")
    context = await _status_context(session, token, settings, utcnow())
    context["customer"] = await _customer(request, session)
    flash = {
        "opened": f"Your case {context['view'].number} is opened. Keep this page's address: "
        "it always shows where your case stands.",
        "sent": "Your message is with us.",
        "fixed": "Thank you: your case is resolved. Reply any time to reopen it.",
        "broken": "Thank you for telling us. Your case is open again with the same person.",
    }.get(request.query_params.get("flash", ""))
    return render(
        request,
        "portal/status.html",
        {**context, "flash": flash},
        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )


@router.get("/status/{token}/live")
async def status_live(
    token: str, request: Request, session: ReadSession, settings: AppSettings
) -> Response:
    """htmx polls this: 204 (nothing to swap) until the case changed since ``version``."""
    if len(token) > 200:
        raise NotFound("no case behind this link; check that it was copied whole")
    context = await _status_context(session, token, settings, utcnow())
    if request.query_params.get("version") == context["version"]:
        return Response(status_code=204)
    return render(
        request, "portal/_status_live.html", context, headers={"Cache-Control": "no-store"}
    )


@router.post("/status/{token}/reply", dependencies=[Limited])
async def status_reply(
    token: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    case = await case_for_token(session, token[:200], for_update=True)
    form = await request.form(max_files=0, max_fields=10)
    body = _text(form, "body")
    error = None
    if not body:
        error = "Your message: please write something before sending."
    elif len(body) > MAX_TEXT or "\x00" in body:
        error = f"Your message: please keep it under {MAX_TEXT} characters."
    if error:
        context = await _status_context(session, token, settings, utcnow())
        return render(
            request,
            "portal/status.html",
            {**context, "reply_error": error, "reply_body": body},
            status_code=422,
        )
    await cases.customer_message(
        session, case, body=body, settings=settings, now=utcnow(), channel="portal"
    )
    return RedirectResponse(f"/status/{token}?flash=sent#timeline", status_code=303)


@router.post("/status/{token}/confirm", dependencies=[Limited])
async def status_confirm(
    token: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    case = await case_for_token(session, token[:200], for_update=True)
    form = await request.form(max_files=0, max_fields=10)
    answer = _text(form, "fixed")
    if answer not in ("yes", "no"):
        context = await _status_context(session, token, settings, utcnow())
        return render(
            request,
            "portal/status.html",
            {**context, "confirm_error": "Is it fixed: please answer yes or no."},
            status_code=422,
        )
    comment = _text(form, "comment")[:10_000].replace("\x00", "") or None
    rating = _text(form, "satisfaction")
    satisfaction = int(rating) if rating in {"1", "2", "3", "4", "5"} else None
    await cases.confirm(
        session,
        case,
        fixed=answer == "yes",
        comment=comment,
        satisfaction=satisfaction,
        settings=settings,
        now=utcnow(),
    )
    flash = "fixed" if answer == "yes" else "broken"
    return RedirectResponse(f"/status/{token}?flash={flash}", status_code=303)
