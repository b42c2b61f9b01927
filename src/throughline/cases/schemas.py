from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, EmailStr, Field, StringConstraints

from throughline.kit.schemas import In, RepOut, ShortText, Text

Channel = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_-]{0,31}$")
]
Severity = Annotated[
    int, Field(ge=1, le=4, description="1 down, 2 badly broken, 3 wrong, 4 question")
]
Outcome = Literal["worked", "did_not_work", "unknown"]


class CustomerIn(In):
    email: EmailStr
    name: ShortText


class CaseCreate(In):
    customer: CustomerIn
    subject: ShortText
    body: Text
    severity: Severity
    channel: Channel = "api"
    plan_tier: Annotated[str, StringConstraints(max_length=40)] | None = None
    environment: dict[str, Any] = Field(default_factory=dict, max_length=50)


class CaseCreated(BaseModel):
    number: str
    status: str
    owner: RepOut | None
    status_token: str
    status_url: str


class ActorOut(BaseModel):
    kind: str
    id: int | None = None
    name: str | None = None


class TimelineEntryOut(BaseModel):
    id: int
    kind: str
    at: datetime
    actor: ActorOut
    body: str | None
    internal: bool
    channel: str | None
    data: dict[str, Any]


class StepOut(BaseModel):
    id: int
    description: str
    outcome: str
    by: ActorOut
    at: datetime
    repeated: bool


class CustomerOut(BaseModel):
    id: int
    name: str
    email: str | None
    plan_tier: str | None
    proficiency: str | None
    environment: dict[str, Any]


class CaseSummaryOut(BaseModel):
    number: str
    subject: str
    severity: int
    status: str
    channel: str
    owner: RepOut | None
    due_at: datetime
    created_at: datetime
    updated_at: datetime


class CaseOut(CaseSummaryOut):
    status_words: str
    plan_tier: str | None
    environment: dict[str, Any]
    customer: CustomerOut
    previous_owner: RepOut | None
    resolution_summary: str | None
    resolution_proposed_at: datetime | None
    resolved_at: datetime | None
    resolution_kind: str | None
    reopen_count: int
    contact_count: int
    steps: list[StepOut]
    timeline: list[TimelineEntryOut]


class CaseList(BaseModel):
    items: list[CaseSummaryOut]
    next_cursor: str | None


class WorkItem(BaseModel):
    number: str
    subject: str
    severity: int
    status: str
    reason: str
    reasons: list[str]
    due_at: datetime
    since: datetime
    overdue: bool


class WorkList(BaseModel):
    rep: RepOut
    on_shift: bool
    capacity: int
    active_cases: int
    items: list[WorkItem]


class MessageIn(In):
    body: Text
    internal: bool = False


class EntryCreated(BaseModel):
    id: int
    kind: str
    status: str


class StepIn(In):
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ]
    outcome: Outcome


class StepCreated(BaseModel):
    id: int
    description: str
    outcome: str
    repeated: bool
    warning: str | None


class FollowUpIn(In):
    due_at: AwareDatetime
    note: Text


class FollowUpOut(BaseModel):
    id: int
    due_at: datetime
    note: str


class HandoffIn(In):
    to_rep: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)] | int
    )
    note: Text


class ProposeIn(In):
    summary: Text


class CaseState(BaseModel):
    number: str
    status: str
    owner: RepOut | None


class StepJudgementIn(In):
    """A rep's word on a step: ``same_as`` an earlier step's id, or null for "not a repeat"."""

    same_as: int | None = Field(default=None, ge=1)


class StepJudged(BaseModel):
    id: int
    repeated: bool
    repeat_of: int | None
