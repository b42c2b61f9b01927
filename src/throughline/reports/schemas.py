"""The desk-wide summary as it leaves the API: solved problems, never minutes per call."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RepRef(BaseModel):
    id: int
    name: str


class EscalationRoundTrip(BaseModel):
    """Asked → answered, for escalations asked in the window."""

    median: float | None = Field(description="hours; null when none was answered")
    p90: float | None = Field(description="hours; null when none was answered")
    answered: int
    unanswered_overdue: int


class Satisfaction(BaseModel):
    average: float | None = Field(description="1 to 5; null without responses")
    responses: int


class RepRecognition(BaseModel):
    rep: RepRef
    confirmed_resolutions: int
    reopened: int = Field(description="of their cases resolved in the window, how many came back")
    median_time_to_confirmed_resolution_hours: float | None
    escalations_answered: int


class ReportSummary(BaseModel):
    since: datetime
    until: datetime
    confirmed_resolutions: int = Field(description="resolved by the customer's confirmation")
    auto_resolved: int = Field(description="closed after the customer stayed silent")
    resolved: int
    reopened: int
    reopen_rate: float | None = Field(description="reopened / resolved; null when none resolved")
    median_time_to_confirmed_resolution_hours: float | None
    cases_opened: int
    contacts_per_case: float | None = Field(
        description="how often customers had to get in touch, per case opened in the window"
    )
    steps: int
    repeated_steps: int
    repeated_step_share: float | None
    escalation_round_trip_hours: EscalationRoundTrip
    satisfaction: Satisfaction
    by_rep: list[RepRecognition]
