"""The admin view's working hours and days off: of reps, of teams, of the whole desk."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.actors import Actor
from throughline.kit.deps import WriteSession
from throughline.kit.errors import InvalidInput, NotFound
from throughline.models import Rep, Team, utcnow
from throughline.schedules import service
from throughline.workspace import forms
from throughline.workspace.auth import AdminRep
from throughline.workspace.desk_pages import admin_act

router = APIRouter()


async def _whose(session: AsyncSession, form: Any, *, desk: bool) -> tuple[Rep | None, Team | None]:
    """``rep:<id>``, ``team:<id>`` or (for days off) ``desk``, as the form's select sends it."""
    who = forms.text(form, "who", label="whose hours", max_length=40)
    if desk and who == "desk":
        return None, None
    kind, _, ref = who.partition(":")
    if kind not in ("rep", "team") or not ref.isdecimal() or len(ref) > 18:
        raise InvalidInput("who: choose a rep or a team from the list")
    if kind == "rep":
        rep = await session.get(Rep, int(ref))
        if rep is None:
            raise NotFound("who: no such rep")
        return rep, None
    team = await session.get(Team, int(ref))
    if team is None:
        raise NotFound("who: no such team")
    return None, team


def _day(form: Any) -> date:
    text = forms.text(form, "day", label="the date", max_length=10)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"day: {text!r} is not a date like 2026-12-24") from None


@router.post("/admin/schedules")
async def save_schedule(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> str:
        rep, team = await _whose(session, form, desk=False)
        request.state.typed = {
            "hours": str(form.get("hours", ""))[:500],
            "time_zone": str(form.get("time_zone", ""))[:64],
        }
        hours = forms.text(form, "hours", label="the hours", required=False, max_length=500)
        await service.set_hours(
            session,
            rep=rep,
            team=team,
            time_zone=forms.text(form, "time_zone", label="a time zone", max_length=64),
            hours=hours or "",
            actor=Actor.of_rep(me),
            now=utcnow(),
        )
        return "schedule"

    return await admin_act(request, session, me, work)


@router.post("/admin/days-off")
async def add_day_off(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> str:
        rep, team = await _whose(session, form, desk=True)
        await service.add_day_off(
            session,
            _day(form),
            rep=rep,
            team=team,
            name=forms.text(form, "name", label="a name", required=False, max_length=200) or "",
            actor=Actor.of_rep(me),
            now=utcnow(),
        )
        return "day_off"

    return await admin_act(request, session, me, work)


@router.post("/admin/days-off/remove")
async def remove_day_off(request: Request, session: WriteSession, me: AdminRep) -> Response:
    async def work(form: Any) -> str:
        rep, team = await _whose(session, form, desk=True)
        await service.remove_day_off(
            session, _day(form), rep=rep, team=team, actor=Actor.of_rep(me)
        )
        return "day_off_removed"

    return await admin_act(request, session, me, work)
