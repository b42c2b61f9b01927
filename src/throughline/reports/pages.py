"""HTML routes of the reports: the customer's one-click rating."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from throughline.config import Settings
from throughline.kit.deps import AppSettings, ReadSession, WriteSession
from throughline.kit.errors import Conflict
from throughline.kit.security import status_token
from throughline.models import Case
from throughline.portal.pages import Limited
from throughline.reports import satisfaction
from throughline.reports.rules import RATINGS, Rating, may_rate, rating_of
from throughline.web.templating import render

router = APIRouter()

PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _rate_page(
    request: Request,
    case: Case,
    settings: Settings,
    *,
    chosen: Rating | None = None,
    rated: Rating | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    open_to_rating = may_rate(case.status, case.resolution_kind)
    token = status_token(settings.resolved_secret_key(), case.status_nonce)
    return render(
        request,
        "portal/rate.html",
        {
            "case": case,
            "chosen": chosen,
            "rated": rated,
            "error": error if error else (None if open_to_rating else satisfaction.NOT_YET),
            "current": rating_of(case.satisfaction),
            "ratings": RATINGS,
            "rating_action": satisfaction.offered(settings, case),
            "status_path": f"/status/{token}",
        },
        status_code=status_code if open_to_rating else 409,
        headers=PRIVATE,
    )


@router.get("/rate/{number}/{token}")
async def rating_page(
    number: str, token: str, request: Request, session: ReadSession, settings: AppSettings
) -> Response:
    """What a rating link in the mail opens: a button to confirm (a GET never records,
    so a mail scanner following the link rates nothing)."""
    case = await satisfaction.case_for_rating(session, number, token, settings=settings)
    return _rate_page(
        request,
        case,
        settings,
        chosen=rating_of(request.query_params.get("score")),
        rated=rating_of(request.query_params.get("rated")),
    )


@router.post("/rate/{number}/{token}", dependencies=[Limited])
async def rate(
    number: str, token: str, request: Request, session: WriteSession, settings: AppSettings
) -> Response:
    case = await satisfaction.case_for_rating(
        session, number, token, settings=settings, for_update=True
    )
    form = await request.form(max_files=0, max_fields=5)
    rating = rating_of(str(form.get("score", "")))
    if rating is None:
        return _rate_page(
            request, case, settings, error="Your rating: choose one of 1 to 5.", status_code=422
        )
    try:
        satisfaction.rate(case, rating)
    except Conflict as refused:
        return _rate_page(request, case, settings, error=refused.message, status_code=409)
    return RedirectResponse(f"/rate/{number}/{token}?rated={rating.score}", status_code=303)
