from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from throughline.kit.deps import AppSettings, CurrentRep, WriteSession
from throughline.kit.schemas import In
from throughline.models import Rep, utcnow
from throughline.reps import service

router = APIRouter(tags=["reps"])


class ShiftIn(In):
    on: bool


class ShiftOut(BaseModel):
    on_shift: bool
    capacity: int
    active_cases: int
    pulled: int


@router.post("/api/v1/reps/me/shift", response_model=ShiftOut)
async def set_shift(
    body: ShiftIn, session: WriteSession, actor: CurrentRep, settings: AppSettings
) -> ShiftOut:
    """Come on shift (waiting cases are pulled into your list) or go off (you keep your cases)."""
    rep = await session.get(Rep, actor.rep_id, with_for_update=True, populate_existing=True)
    assert rep is not None
    before = rep.active_cases
    await service.set_shift(
        session,
        rep,
        on=body.on,
        actor=actor,
        now=utcnow(),
        returning_window=settings.returning_window,
    )
    await session.refresh(rep)
    return ShiftOut(
        on_shift=rep.on_shift,
        capacity=rep.capacity,
        active_cases=rep.active_cases,
        pulled=rep.active_cases - before,
    )
