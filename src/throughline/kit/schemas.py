"""Shared Pydantic pieces: strict input models and the shapes many responses share."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

MAX_TEXT = 100_000

# Text a person wrote: surrounding white space trimmed, never empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class In(BaseModel):
    """Request bodies: an unknown field is an error that names it, not silently dropped."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """PostgreSQL cannot store a NUL character: refuse it here, naming the field."""
        if contains_nul(value):
            raise ValueError("must not contain NUL (\\u0000) characters")
        return value


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


class RepOut(BaseModel):
    id: int
    name: str
    email: str
    extension: str | None = None
