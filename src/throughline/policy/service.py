"""Saving the desk's targets and applying them to this process's settings.

Every caller reads ``settings.severity_targets_hours`` and ``settings.escalation_targets_hours``
(through ``severity_target`` and ``escalation_target``). ``refresh`` sets both on this
process's Settings object from the ``desk_policy`` row, so an admin's change reaches every
web process (within about ten seconds, see ``PolicyRefresh``) and every worker (each round)
without their code knowing. Until an admin saves, the environment's values stay in force.
Services change the session and never commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import InvalidInput
from throughline.kit.queries import insert_unless_present
from throughline.models import DeskPolicy, Rep, Team, utcnow
from throughline.models.policy import POLICY_ID
from throughline.policy.rules import check_hours
from throughline.schedules import service as schedules
from throughline.schedules.rules import Calendar

log = logging.getLogger("throughline.policy")

# How often a web process reads the row again; a save in this process applies at once.
REFRESH_SECONDS = 10.0


@dataclass(frozen=True)
class Targets:
    severity_hours: list[float]
    escalation_hours: list[float]
    updated_at: datetime | None = None
    updated_by_id: int | None = None
    # Count only the working hours of the hours team (see DeskPolicy.business_hours).
    business_hours: bool = False
    hours_team_id: int | None = None


def desk_calendar(settings: Settings) -> Calendar | None:
    """The working hours this process's targets count; None: every hour counts."""
    calendar: Calendar | None = settings._desk_calendar
    return calendar


async def escalation_calendar(
    session: AsyncSession, settings: Settings, team_id: int, *, now: datetime
) -> Calendar | None:
    """An escalation counts its team's own hours when it has them, else the desk's."""
    desk = desk_calendar(settings)
    if desk is None:
        return None
    return await schedules.team_calendar(session, team_id, now=now) or desk


async def _load_calendar(
    session: AsyncSession, settings: Settings, row: DeskPolicy | None, now: datetime
) -> None:
    calendar = None
    if row is not None and row.business_hours and row.hours_team_id is not None:
        calendar = await schedules.team_calendar(session, row.hours_team_id, now=now)
    settings._desk_calendar = calendar


def apply(settings: Settings, severity_hours: list[float], escalation_hours: list[float]) -> None:
    """Put the targets on this process's settings (new lists: readers never see half)."""
    settings.severity_targets_hours = list(severity_hours)
    settings.escalation_targets_hours = list(escalation_hours)


async def current(session: AsyncSession) -> DeskPolicy | None:
    return await session.get(DeskPolicy, POLICY_ID, populate_existing=True)


async def refresh(session: AsyncSession, settings: Settings) -> Targets:
    """Apply the saved targets, when an admin saved some; returns what is now in force."""
    row = await current(session)
    await _load_calendar(session, settings, row, utcnow())
    if row is not None:
        apply(settings, row.severity_targets_hours, row.escalation_targets_hours)
        return Targets(
            list(row.severity_targets_hours),
            list(row.escalation_targets_hours),
            row.updated_at,
            row.updated_by_id,
            row.business_hours,
            row.hours_team_id,
        )
    return Targets(list(settings.severity_targets_hours), list(settings.escalation_targets_hours))


async def save(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    severity_hours: Sequence[object],
    escalation_hours: Sequence[object],
    *,
    now: datetime | None = None,
    business_hours: bool = False,
    hours_team_id: int | None = None,
) -> Targets:
    """Check, store (one row), audit, and apply the targets to this process at once.

    With ``business_hours``, targets count only the working hours of the team
    ``hours_team_id`` (its schedule, its and the desk's holidays).

    New cases and escalations use them; existing ones keep the due times they were given.
    """
    severity = check_hours("severity", severity_hours)
    escalation = check_hours("escalation", escalation_hours)
    now = now or utcnow()
    if business_hours:
        await _check_hours_team(session, hours_team_id, now=now)
    row = await session.get(DeskPolicy, POLICY_ID, with_for_update=True, populate_existing=True)
    before = (
        (row.severity_targets_hours, row.escalation_targets_hours)
        if row is not None
        else (list(settings.severity_targets_hours), list(settings.escalation_targets_hours))
    )
    if row is None:
        # Two admins saving the first time at once: one inserts, the other updates after it.
        await session.execute(
            insert_unless_present(session, DeskPolicy, key=["id"]).values(
                id=POLICY_ID,
                severity_targets_hours=severity,
                escalation_targets_hours=escalation,
                updated_at=now,
                updated_by_id=actor.rep_id,
            )
        )
        row = await session.get(DeskPolicy, POLICY_ID, with_for_update=True, populate_existing=True)
        assert row is not None
    row.severity_targets_hours = severity
    row.escalation_targets_hours = escalation
    row.updated_at = now
    row.updated_by_id = actor.rep_id
    row.business_hours = business_hours
    row.hours_team_id = hours_team_id if business_hours else None
    audit(
        session,
        actor,
        "policy.targets",
        "desk_policy",
        POLICY_ID,
        severity_targets_hours=severity,
        escalation_targets_hours=escalation,
        severity_before=list(before[0]),
        escalation_before=list(before[1]),
        business_hours=business_hours,
        hours_team_id=row.hours_team_id,
    )
    await session.flush()
    apply(settings, severity, escalation)
    await _load_calendar(session, settings, row, now)
    return Targets(severity, escalation, now, actor.rep_id, row.business_hours, row.hours_team_id)


async def _check_hours_team(session: AsyncSession, team_id: int | None, *, now: datetime) -> None:
    if team_id is None:
        raise InvalidInput("hours_team: choose the team whose working hours the targets count")
    if await session.get(Team, team_id) is None:
        raise InvalidInput("hours_team: no such team")
    if await schedules.team_calendar(session, team_id, now=now) is None:
        raise InvalidInput(
            "hours_team: that team has no working hours yet; set them first "
            "(throughline rep schedule set TEAM --team …)"
        )


async def updated_by_name(session: AsyncSession, rep_id: int | None) -> str | None:
    if rep_id is None:
        return None
    name: str | None = await session.scalar(select(Rep.name).where(Rep.id == rep_id))
    return name


class Refresher:
    """Re-reads the targets for one process's settings, at most every ``every`` seconds.

    One primary-key read in its own read-only session. If the database cannot answer, the
    process keeps the targets it had (and tries again after ``every`` seconds).
    """

    def __init__(
        self, settings: Settings, database: Database, *, every: float = REFRESH_SECONDS
    ) -> None:
        self.settings = settings
        self.database = database
        self.every = every
        self.last = float("-inf")

    async def maybe_refresh(self) -> None:
        clock = time.monotonic()
        if clock - self.last < self.every:
            return
        # Claimed before the read: concurrent requests do not all read at once.
        self.last = clock
        try:
            async with self.database.unit_of_work(write=False) as session:
                await refresh(session, self.settings)
        except Exception:  # noqa: BLE001 - keep working with the targets we have
            log.warning("could not read the desk policy", exc_info=True)


class PolicyRefresh(Refresher):
    """Pure ASGI middleware: before a request, at most every ten seconds, re-read the targets."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        database: Database,
        every: float = REFRESH_SECONDS,
    ) -> None:
        super().__init__(settings, database, every=every)
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            await self.maybe_refresh()
        await self.app(scope, receive, send)
