"""What a product sends with an error report, and what reps read back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from throughline.kit.schemas import In, ShortText, Text

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Version = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class ReportCustomer(In):
    email: EmailStr
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class ReportEnvironment(In):
    os: Short
    os_version: Short
    app_version: Version
    device: Short
    managed_by_it: bool | None = None

    def as_profile(self) -> dict[str, Any]:
        """The fields that were sent, as they go on the customer profile and the case."""
        return self.model_dump(exclude_none=True)


class ReportIn(In):
    customer: ReportCustomer
    product: Short
    version: Version
    summary: ShortText
    description: Text | None = None
    environment: ReportEnvironment
    diagnostics: dict[str, Any] = Field(default_factory=dict)


class ReportCreated(BaseModel):
    # None only with 202: the report is stored and will be filed on a case shortly.
    number: str | None
    status_url: str | None
    # True when this report joined the customer's open case about the same error.
    appended: bool


class ReportFileOut(BaseModel):
    id: int
    filename: str
    size: int
    content_type: str
    kept: bool


class ReportOut(BaseModel):
    id: int
    product: str
    version: str
    summary: str
    signature: str
    environment: dict[str, Any]
    diagnostics: dict[str, Any]
    files: list[ReportFileOut]
    timeline_entry_id: int | None
    created_at: datetime


class ReportList(BaseModel):
    number: str
    reports: list[ReportOut]
