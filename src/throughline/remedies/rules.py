"""The rules of remedies (principle 8: reps are empowered), as plain functions without I/O.

A rep takes an action from the catalogue. Within their limit it is done at
once; above it, exactly one named approver decides, in one step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from throughline.kit.errors import InvalidInput


class Unit(StrEnum):
    """What an action's amount counts."""

    MONEY = "money"
    DAYS = "days"
    ITEMS = "items"


class ActionStatus(StrEnum):
    DONE = "done"
    PENDING = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"


# Numeric(12, 2): ten digits before the point.
MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
ONE = Decimal("1")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def parse_unit(unit: str) -> Unit:
    try:
        return Unit(unit)
    except ValueError:
        raise InvalidInput(
            f"unit: {unit!r} is not one of {', '.join(u.value for u in Unit)}"
        ) from None


def check_key(key: str) -> str:
    """A remedy's key is what reps type as ``kind``: short, lower case, no spaces."""
    key = key.strip()
    if not KEY_PATTERN.match(key):
        raise InvalidInput(
            f"key: {key!r} must start with a letter and use only a-z, 0-9 and _ (at most 60)"
        )
    return key


def _whole(value: Decimal) -> bool:
    return value == value.to_integral_value()


def action_amount(unit: str, amount: Decimal | None) -> Decimal:
    """The amount an action grants, checked for its unit.

    Money needs an amount above zero with at most two decimals; days need a
    whole number above zero; items are whole and default to one.
    """
    kind = Unit(unit)
    if amount is None:
        if kind is Unit.ITEMS:
            return ONE
        what = "an amount of money" if kind is Unit.MONEY else "a number of days"
        raise InvalidInput(f"amount: required; this remedy needs {what}")
    if not amount.is_finite():
        raise InvalidInput("amount: must be a number")
    if amount <= 0:
        raise InvalidInput("amount: must be more than 0")
    return _in_unit(kind, amount, "amount")


def limit_amount(unit: str, limit: Decimal) -> Decimal:
    """A limit may be 0 (every action needs approval), never negative."""
    kind = Unit(unit)
    if not limit.is_finite() or limit < 0:
        raise InvalidInput("limit: must be 0 or more")
    return _in_unit(kind, limit, "limit")


def _in_unit(kind: Unit, value: Decimal, field: str) -> Decimal:
    """At most MAX_AMOUNT; money to the cent, days and items whole."""
    if value > MAX_AMOUNT:
        raise InvalidInput(f"{field}: must be at most {MAX_AMOUNT}")
    if kind is Unit.MONEY:
        if value != value.quantize(CENT):
            raise InvalidInput(f"{field}: at most 2 decimals")
        return value.quantize(CENT)
    if not _whole(value):
        raise InvalidInput(f"{field}: a whole number of {kind.value}")
    return value.quantize(ONE)


def parse_limit(unit: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"limit: {text!r} is not a number") from None
    return limit_amount(unit, value)


def within_limit(amount: Decimal, limit: Decimal) -> bool:
    """An action up to and including the limit needs nobody's approval."""
    return amount <= limit


def status_for(amount: Decimal, limit: Decimal) -> ActionStatus:
    return ActionStatus.DONE if within_limit(amount, limit) else ActionStatus.PENDING


def shown(amount: Decimal, unit: str) -> Decimal:
    """The amount as people read it: money in cents, days and items whole."""
    return amount.quantize(CENT if Unit(unit) is Unit.MONEY else ONE)


def amount_words(amount: Decimal, unit: str) -> str:
    kind = Unit(unit)
    value = shown(amount, kind)
    if kind is Unit.MONEY:
        return f"{value}"
    noun = "day" if kind is Unit.DAYS else "item"
    return f"{value} {noun}" if value == 1 else f"{value} {noun}s"


def remedy_words(label: str, amount: Decimal, unit: str) -> str:
    """'Refund of 30.00', 'Licence extension of 30 days', 'Replacement device'."""
    if Unit(unit) is Unit.ITEMS:
        return label if amount == 1 else f"{label} ({amount_words(amount, unit)})"
    return f"{label} of {amount_words(amount, unit)}"


def status_sentence(
    status: str, *, limit: Decimal, unit: str, approver: str | None, whose: str = "your"
) -> str:
    """The one plain sentence that says where an action stands and why."""
    limit_text = f"{whose} limit of {amount_words(limit, unit)}"
    who = approver or "the approver"
    if status == ActionStatus.DONE:
        return f"Done: within {limit_text}"
    if status == ActionStatus.PENDING:
        return f"Waiting for {who} to approve: above {limit_text}"
    if status == ActionStatus.APPROVED:
        return f"Approved by {who}: above {limit_text}"
    return f"Rejected by {who}: nothing was granted"


@dataclass(frozen=True)
class Approver:
    """What choosing an approver needs to know about a rep."""

    id: int
    is_lead: bool
    is_active: bool
    team_ids: frozenset[int] = frozenset()


def choose_approver(
    rep: Approver, named: Approver | None, leads: Sequence[Approver]
) -> Approver | None:
    """The one person who decides an action above the rep's limit; never the rep themself.

    The rep's own named approver when that is an active lead; else a lead who
    shares a team with the rep; else the active lead with the lowest id.
    ``None`` when nobody but the rep could decide.
    """
    if named is not None and named.is_active and named.is_lead and named.id != rep.id:
        return named
    others = sorted(
        (lead for lead in leads if lead.is_lead and lead.is_active and lead.id != rep.id),
        key=lambda lead: lead.id,
    )
    for lead in others:
        if lead.team_ids & rep.team_ids:
            return lead
    return others[0] if others else None


def may_decide(approver_id: int | None, actor_rep_id: int | None) -> bool:
    """Only the named approver decides; a lead who is not named does not."""
    return approver_id is not None and approver_id == actor_rep_id
