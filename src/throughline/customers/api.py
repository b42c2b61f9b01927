"""The customer's side, reached with the case's status link; no rep token involved."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from throughline.cases import service as cases
from throughline.customers import service as customers
from throughline.customers.schemas import ConfirmIn, CustomerMessageIn, StatusView
from throughline.customers.status import case_for_token, status_view
from throughline.kit.deps import AppSettings, CurrentRep, ReadSession, WriteSession
from throughline.kit.schemas import In
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


class MergeIn(In):
    into: int


class IdentityOut(BaseModel):
    kind: str
    value: str


class CustomerMerged(BaseModel):
    id: int
    name: str
    email: str | None
    identities: list[IdentityOut]
    moved_cases: list[str]
    merged_customer_id: int


@router.post(
    "/api/v1/customers/{customer_id}/merge", response_model=CustomerMerged, tags=["customers"]
)
async def merge_customer(
    customer_id: int, body: MergeIn, session: WriteSession, actor: CurrentRep
) -> CustomerMerged:
    """A rep joins two customers who are one person (a chat handle and an email address):
    identities, cases and reports move to ``into``; this customer is removed. Audited."""
    merged = await customers.merge(
        session, customer_id, into_id=body.into, actor=actor, now=utcnow()
    )
    return CustomerMerged(
        id=merged.customer.id,
        name=merged.customer.name,
        email=merged.customer.email,
        identities=[IdentityOut(kind=i.kind, value=i.value) for i in merged.identities],
        moved_cases=merged.case_numbers,
        merged_customer_id=customer_id,
    )
