"""Checking targets an admin typed: four positive numbers of hours, each within reason."""

from __future__ import annotations

import math
from collections.abc import Sequence

from throughline.kit.errors import InvalidInput

SEVERITIES = (1, 2, 3, 4)
# Ninety days: a longer target is a typing mistake, not a promise to a customer.
MAX_HOURS = 2160.0
KINDS = {"severity": "first answer", "escalation": "escalation answer"}


def check_hours(kind: str, values: Sequence[object]) -> list[float]:
    """The four targets of one kind ('severity' or 'escalation'), refused by field name.

    Fields are named ``<kind>_<severity>``, as the admin form names its inputs.
    """
    if len(values) != len(SEVERITIES):
        raise InvalidInput(f"{kind}: needs four numbers of hours, for severities 1, 2, 3 and 4")
    hours = []
    for severity, value in zip(SEVERITIES, values, strict=True):
        field = f"{kind}_{severity}"
        what = f"hours until the {KINDS[kind]} for severity {severity}"
        number = _number(value)
        if number is None:
            raise InvalidInput(f"{field}: {what} must be a number, like 4 or 0.5")
        if not 0 < number <= MAX_HOURS:
            raise InvalidInput(
                f"{field}: {what} must be more than 0 and at most {MAX_HOURS:g} (90 days)"
            )
        hours.append(number)
    return hours


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip() and len(value) <= 20:
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None
