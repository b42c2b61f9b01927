"""Joining two customers who are one person, from the case page's customer card.

Two steps, because a merge cannot be undone: the rep names the other customer
(email address or customer number) and sees who that is, then confirms. The
merge itself is customers.service.merge, the same as POST
/api/v1/customers/{id}/merge: the other customer's identities and cases move
to this case's customer, audited and noted on each moved case.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from throughline.cases import repository as cases
from throughline.customers import service as customers
from throughline.kit.actors import Actor
from throughline.kit.deps import WriteSession
from throughline.kit.errors import DomainError, InvalidInput
from throughline.kit.queries import valid_id
from throughline.models import Case, Customer, Identity, utcnow
from throughline.workspace import customer_card, forms
from throughline.workspace.auth import PageRep
from throughline.workspace.case_pages import render_case

router = APIRouter()


async def _find(session: AsyncSession, text: str) -> Customer:
    ref = customer_card.customer_ref(text)
    if ref.customer_id is not None:
        found = await session.get(Customer, ref.customer_id) if valid_id(ref.customer_id) else None
        if found is None:
            raise InvalidInput(f"other: no customer number {ref.customer_id}")
        return found
    found = await session.scalar(
        select(Customer)
        .outerjoin(
            Identity,
            (Identity.customer_id == Customer.id) & (Identity.kind == "email"),
        )
        .where(or_(func.lower(Customer.email) == ref.email, Identity.value == ref.email))
        .order_by(Customer.id)
        .limit(1)
    )
    if found is None:
        raise InvalidInput(f"other: no customer with the email address {ref.email}")
    return found


async def _summary(session: AsyncSession, customer: Customer) -> dict[str, object]:
    identities = list(
        await session.execute(
            select(Identity.kind, Identity.value)
            .where(Identity.customer_id == customer.id)
            .order_by(Identity.id)
        )
    )
    numbers = list(
        await session.scalars(
            select(Case.id).where(Case.customer_id == customer.id).order_by(Case.id)
        )
    )
    return {
        "customer": customer,
        "identities": [customer_card.identity_words(row.kind, row.value) for row in identities],
        "cases": [f"TL-{number}" for number in numbers],
    }


@router.post("/cases/{number}/customer/merge")
async def merge_customer(
    number: str, request: Request, session: WriteSession, me: PageRep
) -> Response:
    """Without ``confirm``: show who was found. With it: merge them into this customer."""
    form = await forms.read_form(request)
    case = await cases.get_case(session, number)
    try:
        if forms.flag(form, "confirm"):
            other_id = forms.integer(
                form, "other_id", label="the customer to merge", low=1, high=2**62
            )
            await customers.merge(
                session,
                other_id,
                into_id=case.customer_id,
                actor=Actor.of_rep(me),
                now=utcnow(),
            )
            await session.flush()
            return RedirectResponse(
                f"/app/cases/{case.number}?{urlencode({'done': 'merged'})}", status_code=303
            )
        other = await _find(session, forms.text(form, "other", label="the other customer"))
        if other.id == case.customer_id:
            raise InvalidInput(
                f"other: that is this case's customer ({other.name or other.id}) already"
            )
        candidate = await _summary(session, other)
    except DomainError as exc:
        await session.rollback()
        case = await cases.get_case(session, number)
        return await render_case(
            session, request, me, case, status_code=exc.status_code, error=exc.message, form=form
        )
    return await render_case(session, request, me, case, form=form, extra={"merge": candidate})
