"""The rules of a case's life, from PRODUCT.md, as plain functions without I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from throughline.schedules.rules import Calendar, add_working_time, working_time_between


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    WAITING_ON_TEAM = "waiting_on_team"
    RESOLUTION_PROPOSED = "resolution_proposed"
    RESOLVED = "resolved"


class Reason(StrEnum):
    """Why a case stands on its owner's work list."""

    NEW = "new"
    CUSTOMER_REPLIED = "customer_replied"
    ESCALATION_ANSWERED = "escalation_answered"
    ESCALATION_OVERDUE = "escalation_overdue"
    FOLLOW_UP_DUE = "follow_up_due"
    RESOLUTION_REJECTED = "resolution_rejected"


class OwnerAct(StrEnum):
    """What the owner (or a lead) did on a case; each clears some reasons."""

    REPLY = "reply"
    NOTE = "note"
    STEP = "step"
    ESCALATE = "escalate"
    FOLLOW_UP = "follow_up"
    PROPOSE = "propose"
    ACTION = "action"


# A case counts against its owner's capacity while it still needs work from them.
ACTIVE_STATUSES = frozenset(
    {Status.NEW, Status.OPEN, Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_TEAM}
)

PLAIN_STATUS = {
    Status.NEW: "We have your request and a person is being assigned to it.",
    Status.OPEN: "Your case is being worked on.",
    Status.WAITING_ON_CUSTOMER: "We are waiting for your reply.",
    Status.WAITING_ON_TEAM: (
        "We have asked a specialist team for help; your contact stays with you."
    ),
    Status.RESOLUTION_PROPOSED: "We believe it is fixed. Please tell us whether it is.",
    Status.RESOLVED: "Fixed, as you confirmed.",
}


def plain_status(status: str, owner_name: str | None) -> str:
    """The status in the customer's words; a new case with an owner names them."""
    if status == Status.NEW and owner_name:
        return f"{owner_name} has your request and will start on it soon."
    return PLAIN_STATUS[Status(status)]


def is_active(status: str) -> bool:
    return status in ACTIVE_STATUSES


def due_at(
    severity: int,
    since: datetime,
    targets: Sequence[timedelta],
    calendar: Calendar | None = None,
) -> datetime:
    """When a case (or escalation) of this severity that needed us at ``since`` must be
    answered: the target counts working hours of ``calendar`` when the desk counts business
    hours, else every hour (also when the calendar holds no working time to count)."""
    target = targets[severity - 1]
    if calendar is not None:
        counted = add_working_time(calendar, since, target)
        if counted is not None:
            return counted
    return since + target


def due_after_waiting(
    due: datetime, waited_from: datetime, waited_to: datetime, calendar: Calendar | None = None
) -> datetime:
    """Time waiting on the customer does not count against the desk: a due time moves on by
    the time spent waiting (its working time, when the desk counts business hours)."""
    if waited_to <= waited_from:
        return due
    if calendar is None:
        return due + (waited_to - waited_from)
    waited = working_time_between(calendar, waited_from, waited_to)
    return add_working_time(calendar, due, waited) or due + waited


def status_after_owner_act(current: str, act: OwnerAct) -> str:
    """The owner working a case moves it on; a pending proposal is left to the customer."""
    if current in (Status.RESOLVED, Status.RESOLUTION_PROPOSED) and act is not OwnerAct.PROPOSE:
        return current
    if act is OwnerAct.PROPOSE:
        return Status.RESOLUTION_PROPOSED
    if act is OwnerAct.REPLY:
        return Status.WAITING_ON_CUSTOMER
    if act is OwnerAct.ESCALATE:
        return Status.WAITING_ON_TEAM
    if current == Status.NEW:
        return Status.OPEN
    return current


def status_after_customer_message(current: str) -> str:
    """Any customer message reopens a proposed or resolved case (principle 9)."""
    if current == Status.NEW:
        return Status.NEW
    return Status.OPEN


def reasons_cleared_by(act: OwnerAct) -> frozenset[Reason]:
    """What the owner's act answers: a note answers nobody but shows the case was seen."""
    seen = {Reason.NEW, Reason.ESCALATION_ANSWERED}
    if act in (OwnerAct.REPLY, OwnerAct.PROPOSE):
        return frozenset(seen | {Reason.CUSTOMER_REPLIED, Reason.RESOLUTION_REJECTED})
    if act in (OwnerAct.STEP, OwnerAct.ESCALATE, OwnerAct.ACTION):
        return frozenset(seen | {Reason.RESOLUTION_REJECTED})
    return frozenset(seen)


_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalize_step(description: str) -> str:
    """The form in which two descriptions of the same step compare equal.

    Case, accents' composition, punctuation and runs of white space do not
    make a step new: "Restart the router." and "restart  the ROUTER" match.
    """
    text = unicodedata.normalize("NFKC", description).casefold()
    text = _PUNCTUATION.sub(" ", text)
    return _SPACE.sub(" ", text).strip()[:500]


def case_summary(subject: str, first_message: str | None, limit: int = 1000) -> str:
    """What a specialist reads first: the subject and the customer's own words."""
    body = (first_message or "").strip()
    if len(body) > limit:
        body = body[: limit - 1].rstrip() + "…"
    return f"{subject}\n\n{body}" if body else subject
