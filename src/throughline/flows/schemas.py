"""Pydantic shapes of the flows API: what the chat widget and leads' tools exchange."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from throughline.kit.schemas import In, ShortText

TALK_TO_A_PERSON = "Talk to a person"
YES_FIXED = "Yes, that fixed it"
NO_NOT_FIXED = "No, it did not help"


class FlowSummary(BaseModel):
    name: str
    title: str
    summary: str
    origin: str


class ChoiceOut(BaseModel):
    number: int
    label: str


class NodeOut(BaseModel):
    id: str
    type: str
    text: str
    # For an instruction: "Did that fix it?"
    question: str | None = None
    # Numbered answers: a question's choices; for an instruction 1 = fixed, 2 = not fixed.
    choices: list[ChoiceOut] = Field(default_factory=list)


class ActionOut(BaseModel):
    label: str
    method: Literal["POST"] = "POST"
    url: str


class CaseLink(BaseModel):
    number: str
    status_url: str | None = None


class RunOut(BaseModel):
    token: str
    flow: str
    title: str
    # active, solved, person, abandoned
    state: str
    node: NodeOut
    # On every node, without exception: end the run and reach a person.
    talk_to_person: ActionOut
    # After asking for a person, until the case is open: post name, email, description here.
    contact: ActionOut | None = None
    case: CaseLink | None = None


class StartIn(In):
    channel: Literal["portal", "chat"] = "chat"


class AnswerIn(In):
    node: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    choice: int | None = Field(default=None, ge=1, le=9)
    fixed: bool | None = None


class ContactIn(In):
    # Not needed when the customer is signed in to the portal (their own are used).
    name: ShortText | None = None
    email: EmailStr | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""


class FlowSaved(BaseModel):
    name: str
    title: str
    nodes: int
    origin: str


class FlowSource(BaseModel):
    name: str
    origin: str
    source: str


class NodeReport(BaseModel):
    node: str
    text: str
    reached: int
    dropped: int
    opted_out: int


class FlowReportOut(BaseModel):
    name: str
    title: str
    runs: int
    active: int
    solved: int
    person: int
    opted_out: int
    reached_open_case: int
    abandoned: int
    solved_rate: float | None
    opt_out_rate: float | None
    abandon_rate: float | None
    nodes: list[NodeReport]


class FlowReportList(BaseModel):
    flows: list[FlowReportOut]
