"""Shared Pydantic pieces: strict input models and the shapes many responses share."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

MAX_TEXT = 100_000

# Text a person wrote: surrounding white space trimmed, never empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class In(BaseModel):
    """Request bodies: an unknown field is an error that names it, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class RepOut(BaseModel):
    id: int
    name: str
    email: str
    extension: str | None = None
