from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from throughline.kit.schemas import In, Text


class ContactOut(BaseModel):
    name: str
    email: str
    extension: str | None
    phone: str | None


class PublicStep(BaseModel):
    description: str
    outcome: str
    at: datetime


class PublicEntry(BaseModel):
    kind: str
    at: datetime
    author: str
    body: str | None


class StatusView(BaseModel):
    number: str
    subject: str
    status: str
    status_words: str
    owner: ContactOut | None
    steps_tried: list[PublicStep]
    next_update_due: datetime | None
    next_update_words: str
    resolution_summary: str | None
    auto_resolve_at: datetime | None
    timeline: list[PublicEntry]
    # When an off-shift owner is next expected, from their schedule; None: nothing promised.
    owner_back_words: str | None = None


class CustomerMessageIn(In):
    body: Text


class ConfirmIn(In):
    fixed: bool
    comment: Annotated[str, Field(max_length=10_000)] | None = None
    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None
