from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from throughline.kit.schemas import In, ShortText, Text


class ActionIn(In):
    kind: ShortText = Field(description="A remedy's key from GET /api/v1/remedies")
    amount: Decimal | None = Field(
        default=None, description="Money (2 decimals), days or items; items default to 1"
    )
    note: Text = Field(description="Why: kept on the case's internal timeline and in the audit")


class DecisionIn(In):
    approve: bool
    note: Text | None = None


class PersonOut(BaseModel):
    id: int
    name: str


class ActionOut(BaseModel):
    id: int
    case: str
    kind: str
    label: str
    amount: Decimal
    unit: str
    status: str
    rep: PersonOut | None
    approver: PersonOut | None
    limit: Decimal = Field(description="The limit of the rep who took the action, for this kind")
    words: str = Field(description="Where the action stands, in one plain sentence")
    note: str
    created_at: datetime
    decided_at: datetime | None


class ActionList(BaseModel):
    items: list[ActionOut]


class RemedyOut(BaseModel):
    kind: str
    label: str
    unit: str
    limit: Decimal = Field(description="Your own limit: above it, one named approver decides")
    default_limit: Decimal


class Catalogue(BaseModel):
    items: list[RemedyOut]
