from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from throughline.kit.schemas import In, ShortText, Text


class EscalateIn(In):
    team: ShortText
    question: Text


class AnswerIn(In):
    body: Text


class EscalationOut(BaseModel):
    id: int
    case: str
    team: str
    question: str
    summary: str
    steps_tried: list[dict[str, Any]]
    asked_by: str | None
    created_at: datetime
    due_at: datetime
    overdue: bool
    answered_at: datetime | None
    answer: str | None


class TeamEscalations(BaseModel):
    team: str
    items: list[EscalationOut]
