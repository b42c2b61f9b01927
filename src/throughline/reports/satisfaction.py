"""The customer's one-click rating after they confirm a fix (principle 10: satisfaction).

Links carry a token signed per case (``kit.security.rating_token``), so a
rating link rates that case and opens nothing else. The rating is one value
on the case: a second click changes it, never adds a second response.
"""

from __future__ import annotations

import hmac

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository as cases
from throughline.config import Settings
from throughline.kit.errors import Conflict, NotFound
from throughline.kit.security import rating_token
from throughline.models import Case
from throughline.reports.rules import Rating, may_rate

NOT_YET = (
    "This case can be rated once you have confirmed that it is fixed; "
    "until then, tell us on your case page whether it is."
)


def rating_path(settings: Settings, case: Case) -> str:
    token = rating_token(settings.resolved_secret_key(), case.id, case.status_nonce)
    return f"/rate/{case.number}/{token}"


def rating_url(settings: Settings, case: Case, rating: Rating) -> str:
    return f"{settings.base_url.rstrip('/')}{rating_path(settings, case)}?score={rating.score}"


def offered(settings: Settings, case: Case) -> str | None:
    """The rating form's address on the status page, once the customer confirmed the fix."""
    return rating_path(settings, case) if may_rate(case.status, case.resolution_kind) else None


async def case_for_rating(
    session: AsyncSession, number: str, token: str, *, settings: Settings, for_update: bool = False
) -> Case:
    """The case behind a rating link; the same 404 for a wrong number and a wrong token."""
    refused = NotFound("no case behind this rating link; check that it was copied whole")
    try:
        case = await cases.get_case(session, number, for_update=for_update)
    except NotFound:
        raise refused from None
    expected = rating_token(settings.resolved_secret_key(), case.id, case.status_nonce)
    if len(token) > 200 or not hmac.compare_digest(expected, token):
        raise refused
    return case


def rate(case: Case, rating: Rating) -> None:
    """Record (or change) the customer's rating of a confirmed fix."""
    if not may_rate(case.status, case.resolution_kind):
        raise Conflict(NOT_YET)
    case.satisfaction = rating.score
