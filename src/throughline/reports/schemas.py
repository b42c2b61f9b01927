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


class TeamRef(BaseModel):
    id: int
    name: str


class Percentiles(BaseModel):
    median: float | None = Field(description="hours; null without any")
    p90: float | None = Field(description="hours; null without any")
    count: int


class EscalationFigures(BaseModel):
    """Escalations asked in the window: a team's are those sent to it, a rep's those they
    answered (a rep has no overdue ones: nobody answered them)."""

    round_trip_hours: Percentiles
    overdue: int = Field(description="unanswered and past their due time")


class SatisfactionFigures(BaseModel):
    mean: float | None = Field(description="1 to 5; null without responses")
    responses: int
    share_4_or_5: float | None = Field(description="ratings of 4 or 5 / responses")


class Figures(BaseModel):
    """What a desk, a team, a rep or a week solved: resolutions, never minutes per call."""

    confirmed_resolutions: int = Field(description="resolved by the customer's confirmation")
    auto_resolved: int = Field(description="closed after the customer stayed silent")
    resolved: int
    reopened: int
    reopen_rate: float | None = Field(description="reopened / resolved; null when none resolved")
    self_service_resolutions: int | None = Field(
        description="flow runs the customer ended with 'that fixed it'; desk and weeks only"
    )
    time_to_confirmed_resolution_hours: Percentiles
    cases_opened: int
    contacts_per_case: float | None = Field(
        description="how often customers had to get in touch, per case opened in the window"
    )
    steps: int
    repeated_steps: int
    repeated_step_share: float | None
    escalations: EscalationFigures
    satisfaction: SatisfactionFigures
    cases_per_channel: dict[str, int] = Field(description="cases opened in the window")


class TeamFigures(BaseModel):
    team: TeamRef
    figures: Figures


class RepFigures(BaseModel):
    rep: RepRef
    figures: Figures


class ReportFigures(BaseModel):
    """The desk (or the team or rep asked for), its teams and its reps, listed by name."""

    since: datetime
    until: datetime
    team_id: int | None
    rep_id: int | None
    desk: Figures
    teams: list[TeamFigures] = Field(description="leads: every team; others: their own")
    reps: list[RepFigures] = Field(description="leads: every rep; others: only themselves")


class WeekFigures(BaseModel):
    week_start: datetime
    figures: Figures


class WeeklyFigures(BaseModel):
    since: datetime
    until: datetime
    team_id: int | None
    rep_id: int | None
    weeks: list[WeekFigures] = Field(description="every week from since, empty ones included")


class KudosIn(BaseModel):
    note: str | None = Field(default=None, max_length=500, description="optional thanks")


class KudosOut(BaseModel):
    case: str
    subject: str
    giver: RepRef
    receiver: RepRef
    note: str | None
    at: datetime


class HardSolve(BaseModel):
    case: str
    subject: str
    resolved_at: datetime
    escalations: int
    steps: int


class Recognition(BaseModel):
    """What one rep solved and the thanks they got: recognition, not a ranking."""

    rep: RepRef
    since: datetime
    until: datetime
    confirmed_resolutions: int
    hard_solves: list[HardSolve] = Field(
        description="escalated at least once, three or more steps, confirmed by the customer"
    )
    kudos: list[KudosOut]
