"""Telling the customer: every message and notice to a customer leaves through here.

What the customer must hear is written to the outbox in the same transaction
as the change that needs it, so a crash or a relay outage loses nothing, and
the outbox's dedupe key (one delivery per timeline entry) means a retry never
sends twice. The case's channel decides the route: a case that arrived on a
webhook channel is answered on that channel; every other case by email to the
customer's address.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings
from throughline.models import Case, TimelineEntry
from throughline.outbox import service as outbox

TOPIC = "customer.deliver"


class Notice(StrEnum):
    REPLY = "reply"  # the owner's message to the customer
    RECEIVED = "received"  # a new case: its number and who owns it
    RESOLUTION_PROPOSED = "resolution_proposed"  # "is it fixed?", with how to answer
    AUTO_RESOLVED = "auto_resolved"  # closed after silence; a reply reopens it
    RESOLVED = "resolved"  # the customer confirmed the fix: thanks, and one-click rating links


@dataclass(frozen=True)
class Delivery:
    """One thing to tell one customer about one case, tied to the timeline entry it tells."""

    case: Case
    notice: Notice
    entry: TimelineEntry


Route = Callable[[AsyncSession, Delivery, Settings], Awaitable[None]]
# Filled by the channels: "email" (channels.email.outbound), "webhook" (channels.webhooks.outbound).
ROUTES: dict[str, Route] = {}


def route(name: str) -> Callable[[Route], Route]:
    def register(function: Route) -> Route:
        ROUTES[name] = function
        return function

    return register


def route_for(case: Case) -> str:
    """Webhook channels answer on their channel; a channel with its own route (chat) uses it;
    everything else is answered by email."""
    if case.channel.startswith("webhook:"):
        return "webhook"
    return case.channel if case.channel in ROUTES else "email"


async def tell_customer(
    session: AsyncSession, case: Case, notice: Notice, *, entry: TimelineEntry, now: datetime
) -> None:
    """Queue ``notice`` about ``entry`` for the customer of ``case``; once per entry."""
    if entry.id is None:
        await session.flush()
    await outbox.enqueue(
        session,
        TOPIC,
        {"case_id": case.id, "notice": notice.value, "entry_id": entry.id},
        now=now,
        dedupe_key=f"deliver:{entry.id}",
    )


@outbox.handler(TOPIC)
async def deliver(session: AsyncSession, payload: dict[str, Any], settings: Settings) -> None:
    case = await session.get(Case, payload["case_id"])
    entry = await session.get(TimelineEntry, payload["entry_id"])
    if case is None or entry is None:
        return  # the case was deleted; there is nobody left to tell
    name = route_for(case)
    send = ROUTES.get(name)
    if send is None:
        raise LookupError(f"no delivery route {name!r} for {case.number}")
    await send(
        session, Delivery(case=case, notice=Notice(payload["notice"]), entry=entry), settings
    )


def load_routes() -> None:
    """Import the channels so that their routes and outbox handlers are registered."""
    import throughline.channels.email.outbound  # noqa: F401
    import throughline.channels.reports.service  # noqa: F401  (the "reports.file" job)
    import throughline.channels.webhooks.outbound  # noqa: F401
    import throughline.portal.chat  # noqa: F401  (the "chat" route)
    import throughline.portal.mail  # noqa: F401  (the "portal.magic_link" job)
