"""Reading page forms: each missing or wrong field is refused by name, in words."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from fastapi import Request
from starlette.datastructures import FormData

from throughline.kit.errors import InvalidInput
from throughline.kit.schemas import MAX_TEXT


async def read_form(request: Request) -> FormData:
    return await request.form()


def text(
    form: FormData, name: str, *, label: str, required: bool = True, max_length: int = MAX_TEXT
) -> str:
    value = form.get(name)
    result = value.strip() if isinstance(value, str) else ""
    if "\x00" in result:
        raise InvalidInput(f"{name}: {label} must not contain NUL characters")
    if required and not result:
        raise InvalidInput(f"{name}: please fill in {label}")
    if len(result) > max_length:
        raise InvalidInput(f"{name}: {label} must be at most {max_length} characters")
    return result


def choice(form: FormData, name: str, *, label: str, options: tuple[str, ...] | list[str]) -> str:
    value = text(form, name, label=label, max_length=300)
    if value not in options:
        raise InvalidInput(f"{name}: choose {label} from the list")
    return value


def integer(form: FormData, name: str, *, label: str, low: int = 0, high: int = 10_000) -> int:
    value = text(form, name, label=label, max_length=12)
    if not value.lstrip("-").isdecimal() or not low <= int(value) <= high:
        raise InvalidInput(f"{name}: {label} must be a whole number from {low} to {high}")
    return int(value)


def decimal(form: FormData, name: str, *, label: str, required: bool = True) -> Decimal | None:
    value = text(form, name, label=label, required=required, max_length=20)
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"{name}: {label} must be a number, like 25 or 12.50") from None
    if not amount.is_finite():
        raise InvalidInput(f"{name}: {label} must be a number, like 25 or 12.50")
    return amount


def moment(form: FormData, name: str, *, label: str) -> datetime:
    """A ``datetime-local`` field, read as UTC (the workspace shows every time in UTC)."""
    value = text(form, name, label=label, max_length=40)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name}: {label} must be a date and time, like 2026-12-01 09:00"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def flag(form: FormData, name: str) -> bool:
    return form.get(name) in ("1", "on", "true", "yes")
