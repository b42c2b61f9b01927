"""How the workspace writes times, reasons and kinds of entries: plain words at a glance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from throughline.models import utcnow
from throughline.web.templating import templates

REASON_WORDS = {
    "new": "New to you",
    "customer_replied": "Customer replied",
    "escalation_answered": "Specialist answered",
    "escalation_overdue": "Escalation overdue",
    "follow_up_due": "Follow-up due",
    "resolution_rejected": "Customer says it is not fixed",
}
KIND_WORDS = {
    "message_in": "Customer wrote",
    "message_out": "Reply to customer",
    "note": "Internal note",
    "step": "Step tried",
    "escalation": "Escalated",
    "escalation_answer": "Specialist answered",
    "escalation_overdue": "Escalation overdue",
    "follow_up": "Follow-up scheduled",
    "follow_up_due": "Follow-up due",
    "action": "Remedy",
    "action_decision": "Remedy decision",
    "status_change": "Status",
    "owner_change": "Owner",
    "resolution_proposed": "Resolution proposed",
    "resolution_confirmed": "Customer confirmed the fix",
    "resolution_rejected": "Customer says it is not fixed",
    "auto_resolved": "Closed after silence",
}
OUTCOME_WORDS = {"worked": "worked", "did_not_work": "did not work", "unknown": "outcome unknown"}
SEVERITY_WORDS = {1: "1 · down", 2: "2 · badly broken", 3: "3 · wrong", 4: "4 · question"}


def span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return "1 min" if seconds >= 30 else "under a minute"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} days"


def when(value: datetime | str | None, now: datetime | None = None) -> str:
    """``2026-11-23 14:05 UTC (in 2 h)``: absolute for the record, relative for urgency."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    now = now or utcnow()
    delta = (value - now).total_seconds()
    relative = f"in {span(delta)}" if delta > 0 else f"{span(delta)} ago"
    return f"{value:%Y-%m-%d %H:%M} UTC ({relative})"


def due(value: datetime, now: datetime | None = None) -> str:
    now = now or utcnow()
    delta = (value - now).total_seconds()
    return f"due in {span(delta)}" if delta > 0 else f"overdue by {span(delta)}"


def size(value: int) -> str:
    if value < 1024:
        return f"{value} bytes"
    if value < 1024 * 1024:
        return f"{value / 1024:.0f} KB"
    return f"{value / 1024 / 1024:.1f} MB"


def words(value: Any, table: dict[Any, str]) -> str:
    return table.get(value, str(value).replace("_", " "))


def register() -> None:
    env = templates.env
    env.filters["ws_when"] = when
    env.filters["ws_due"] = due
    env.filters["ws_size"] = size
    env.filters["ws_reason"] = lambda v: words(v, REASON_WORDS)
    env.filters["ws_kind"] = lambda v: words(v, KIND_WORDS)
    env.filters["ws_outcome"] = lambda v: words(v, OUTCOME_WORDS)
    env.filters["ws_severity"] = lambda v: words(v, SEVERITY_WORDS)
    env.filters["ws_words"] = lambda v: str(v).replace("_", " ")
