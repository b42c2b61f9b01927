"""The customer's side, reached with the case's status link; no rep token involved."""

from __future__ import annotations

from fastapi import APIRouter

from throughline.cases import service as cases
from throughline.customers.schemas import ConfirmIn, CustomerMessageIn, StatusView
from throughline.customers.status import case_for_token, status_view
from throughline.kit.deps import AppSettings, ReadSession, WriteSession
from throughline.models import utcnow

router = APIRouter(tags=["customer"])


@router.get("/api/v1/status/{token}", response_model=StatusView)
async def get_status(token: str, session: ReadSession, settings: AppSettings) -> StatusView:
    case = await case_for_token(session, token)
    return await status_view(session, case, settings=settings, now=utcnow())


@router.post("/api/v1/status/{token}/messages", status_code=201, response_model=StatusView)
async def post_message(
    token: str, body: CustomerMessageIn, session: WriteSession, settings: AppSettings
) -> StatusView:
    """The customer writes; a resolved or proposed case reopens to the same owner."""
    case = await case_for_token(session, token, for_update=True)
    now = utcnow()
    await cases.customer_message(
        session, case, body=body.body, settings=settings, now=now, channel="portal"
    )
    await session.flush()
    return await status_view(session, case, settings=settings, now=now)


@router.post("/api/v1/status/{token}/confirm", response_model=StatusView)
async def confirm(
    token: str, body: ConfirmIn, session: WriteSession, settings: AppSettings
) -> StatusView:
    """'Yes, it's fixed' resolves the case; 'No, still broken' sends it back to the owner."""
    case = await case_for_token(session, token, for_update=True)
    now = utcnow()
    await cases.confirm(
        session,
        case,
        fixed=body.fixed,
        comment=body.comment,
        satisfaction=body.satisfaction,
        settings=settings,
        now=now,
    )
    await session.flush()
    return await status_view(session, case, settings=settings, now=now)
