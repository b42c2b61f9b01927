"""Appending to a case's timeline: the one place every entry is written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.actors import Actor
from throughline.models import Case, TimelineEntry


class Kind:
    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    NOTE = "note"
    STEP = "step"
    ESCALATION = "escalation"
    ESCALATION_ANSWER = "escalation_answer"
    ESCALATION_OVERDUE = "escalation_overdue"
    FOLLOW_UP = "follow_up"
    FOLLOW_UP_DUE = "follow_up_due"
    ACTION = "action"
    ACTION_DECISION = "action_decision"
    STATUS = "status_change"
    OWNER = "owner_change"
    RESOLUTION_PROPOSED = "resolution_proposed"
    RESOLUTION_CONFIRMED = "resolution_confirmed"
    RESOLUTION_REJECTED = "resolution_rejected"
    AUTO_RESOLVED = "auto_resolved"


# Entries the customer sees on their status page (internal notes never are).
PUBLIC_KINDS = frozenset(
    {
        Kind.MESSAGE_IN,
        Kind.MESSAGE_OUT,
        Kind.STEP,
        Kind.OWNER,
        Kind.RESOLUTION_PROPOSED,
        Kind.RESOLUTION_CONFIRMED,
        Kind.RESOLUTION_REJECTED,
        Kind.AUTO_RESOLVED,
    }
)


def record(
    session: AsyncSession,
    case: Case,
    kind: str,
    actor: Actor,
    *,
    now: datetime,
    body: str | None = None,
    internal: bool | None = None,
    channel: str | None = None,
    **data: Any,
) -> TimelineEntry:
    entry = TimelineEntry(
        case_id=case.id,
        kind=kind,
        actor_kind=actor.kind,
        actor_rep_id=actor.rep_id,
        actor_customer_id=actor.customer_id,
        body=body,
        data=data,
        internal=(kind not in PUBLIC_KINDS) if internal is None else internal,
        channel=channel,
        created_at=now,
    )
    session.add(entry)
    return entry
