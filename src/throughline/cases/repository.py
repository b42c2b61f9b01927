"""Every query about cases: lookups, timelines, steps, the list and the work list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import bindparam, delete, func, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.assignment.rules import PastCase
from throughline.cases.rules import Reason, Status
from throughline.kit.errors import NotFound
from throughline.kit.queries import one_or_404
from throughline.models import (
    Case,
    CaseAttention,
    Escalation,
    FollowUp,
    Rep,
    Step,
    StepJudgement,
    TimelineEntry,
)


def parse_number(number: str) -> int:
    text = number.strip().upper()
    if text.startswith("TL-"):
        text = text[3:]
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not text.isdecimal() or len(text) > 18:
        raise NotFound(f"no case {number!r}: case numbers look like TL-1042")
    return int(text)


async def get_case(session: AsyncSession, number: str | int, *, for_update: bool = False) -> Case:
    case_id = number if isinstance(number, int) else parse_number(number)
    return await one_or_404(
        session,
        select(Case).where(Case.id == case_id),
        missing=f"no case TL-{case_id}",
        for_update=for_update,
    )


async def by_token_hash(
    session: AsyncSession, token_hash: str, *, for_update: bool = False
) -> Case:
    return await one_or_404(
        session,
        select(Case).where(Case.status_token_hash == token_hash),
        missing="no case behind this link; check that it was copied whole",
        for_update=for_update,
    )


# Built once (statements are immutable): every arrival asks it.
_PAST_CASES = (
    select(Case.owner_id, Case.created_at)
    .where(Case.customer_id == bindparam("customer_id"), Case.created_at >= bindparam("since"))
    .order_by(Case.created_at.desc())
    .limit(20)
)
_PAST_CASES_BUT_ONE = _PAST_CASES.where(Case.id != bindparam("exclude"))


async def past_cases(
    session: AsyncSession, customer_id: int, *, since: datetime, exclude: int | None = None
) -> list[PastCase]:
    parameters: dict[str, object] = {"customer_id": customer_id, "since": since}
    query = _PAST_CASES
    if exclude is not None:
        query = _PAST_CASES_BUT_ONE
        parameters["exclude"] = exclude
    rows = await session.execute(query, parameters)
    return [PastCase(owner_id=row.owner_id, created_at=row.created_at) for row in rows]


class ShownEntry(Protocol):
    """A timeline entry as its readers see it (a row; a TimelineEntry has the same names)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def actor_kind(self) -> str: ...
    @property
    def actor_rep_id(self) -> int | None: ...
    @property
    def body(self) -> str | None: ...
    @property
    def internal(self) -> bool: ...
    @property
    def channel(self) -> str | None: ...
    @property
    def data(self) -> dict[str, Any] | None: ...


# What the readers of a timeline show. Plain rows, not ORM objects: a case page reads
# hundreds of entries and changes none, and tracking each in the session cost a third of it.
_SHOWN = (
    TimelineEntry.id,
    TimelineEntry.kind,
    TimelineEntry.created_at,
    TimelineEntry.actor_kind,
    TimelineEntry.actor_rep_id,
    TimelineEntry.body,
    TimelineEntry.internal,
    TimelineEntry.channel,
    TimelineEntry.data,
)


async def timeline(
    session: AsyncSession, case_id: int, *, public_only: bool = False
) -> Sequence[ShownEntry]:
    """A case's timeline, oldest first, as read-only rows with the attributes of an entry."""
    query = select(*_SHOWN).where(TimelineEntry.case_id == case_id)
    if public_only:
        query = query.where(TimelineEntry.internal.is_(False))
    rows = (await session.execute(query.order_by(TimelineEntry.id))).all()
    return cast(Sequence[ShownEntry], rows)


async def first_customer_message(session: AsyncSession, case_id: int) -> str | None:
    return await session.scalar(
        select(TimelineEntry.body)
        .where(TimelineEntry.case_id == case_id, TimelineEntry.kind == "message_in")
        .order_by(TimelineEntry.id)
        .limit(1)
    )


async def steps(session: AsyncSession, case_id: int) -> list[Step]:
    return list(
        await session.scalars(select(Step).where(Step.case_id == case_id).order_by(Step.id))
    )


async def rep_names(session: AsyncSession, rep_ids: set[int]) -> dict[int, Rep]:
    if not rep_ids:
        return {}
    return {rep.id: rep for rep in await session.scalars(select(Rep).where(Rep.id.in_(rep_ids)))}


async def attention_of(session: AsyncSession, case_id: int) -> list[CaseAttention]:
    """Why the case stands on its owner's list, each reason's row (to move its due time)."""
    return list(
        await session.scalars(select(CaseAttention).where(CaseAttention.case_id == case_id))
    )


async def clear_attention(session: AsyncSession, case_id: int, reasons: frozenset[Reason]) -> None:
    await session.execute(
        delete(CaseAttention).where(
            CaseAttention.case_id == case_id, CaseAttention.reason.in_([r.value for r in reasons])
        )
    )


async def complete_due_follow_ups(session: AsyncSession, case_id: int, now: datetime) -> None:
    await session.execute(
        update(FollowUp)
        .where(FollowUp.case_id == case_id, FollowUp.done_at.is_(None), FollowUp.due_at <= now)
        .values(done_at=now)
        .execution_options(synchronize_session=False)
    )


async def open_escalation_count(session: AsyncSession, case_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Escalation)
            .where(Escalation.case_id == case_id, Escalation.answered_at.is_(None))
        )
        or 0
    )


async def pending_due_dates(session: AsyncSession, case_id: int) -> list[datetime]:
    """When we owe the customer something next: what needs the owner, follow-ups, escalations."""
    attention = select(CaseAttention.due_at.label("due")).where(CaseAttention.case_id == case_id)
    follow_ups = select(FollowUp.due_at.label("due")).where(
        FollowUp.case_id == case_id, FollowUp.done_at.is_(None)
    )
    escalations = select(Escalation.due_at.label("due")).where(
        Escalation.case_id == case_id, Escalation.answered_at.is_(None)
    )
    rows = await session.execute(union_all(attention, follow_ups, escalations))
    return [row.due for row in rows]


@dataclass(frozen=True)
class WorkItemRow:
    case_id: int
    reason: str
    due_at: datetime
    since: datetime


async def work_items(session: AsyncSession, rep_id: int, now: datetime) -> list[WorkItemRow]:
    """Everything that needs this rep now, in one round trip.

    Each part walks only the rep's unresolved cases (partial index on owner),
    so the cost follows the size of one work list, not of the whole desk.
    """
    raised = select(
        CaseAttention.case_id, CaseAttention.reason, CaseAttention.due_at, CaseAttention.since
    ).join(Case, Case.id == CaseAttention.case_id)
    overdue = (
        select(
            Escalation.case_id,
            literal(Reason.ESCALATION_OVERDUE.value),
            Escalation.due_at,
            Escalation.created_at,
        )
        .join(Case, Case.id == Escalation.case_id)
        .where(Escalation.answered_at.is_(None), Escalation.due_at <= now)
    )
    follow_ups = (
        select(
            FollowUp.case_id, literal(Reason.FOLLOW_UP_DUE.value), FollowUp.due_at, FollowUp.due_at
        )
        .join(Case, Case.id == FollowUp.case_id)
        .where(FollowUp.done_at.is_(None), FollowUp.due_at <= now)
    )
    mine = (Case.owner_id == rep_id, Case.status != Status.RESOLVED)
    rows = await session.execute(
        union_all(raised.where(*mine), overdue.where(*mine), follow_ups.where(*mine))
    )
    return [WorkItemRow(row[0], row[1], row[2], row[3]) for row in rows]


async def cases_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Case]:
    if not ids:
        return {}
    return {case.id: case for case in await session.scalars(select(Case).where(Case.id.in_(ids)))}


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    owner_id: int | None = None
    unowned: bool = False
    channel: str | None = None


async def list_cases(
    session: AsyncSession, filters: CaseFilter, *, before_id: int | None, limit: int
) -> list[Case]:
    """Newest first, by keyset on the case number, so new cases never shift a page."""
    query = select(Case)
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.owner_id is not None:
        query = query.where(Case.owner_id == filters.owner_id)
    if filters.unowned:
        query = query.where(Case.owner_id.is_(None))
    if filters.channel:
        query = query.where(Case.channel == filters.channel)
    if before_id is not None:
        query = query.where(Case.id < before_id)
    return list(await session.scalars(query.order_by(Case.id.desc()).limit(limit)))


async def resolution_proposals_due(
    session: AsyncSession, *, proposed_before: datetime, limit: int
) -> list[Case]:
    query = (
        select(Case)
        .where(
            Case.status == Status.RESOLUTION_PROPOSED,
            Case.resolution_proposed_at <= proposed_before,
        )
        .order_by(Case.resolution_proposed_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(query))


async def follow_ups_due_unnoted(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[FollowUp]:
    return list(
        await session.scalars(
            select(FollowUp)
            .where(FollowUp.done_at.is_(None), FollowUp.noted_at.is_(None), FollowUp.due_at <= now)
            .order_by(FollowUp.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


async def step_texts(
    session: AsyncSession, case_id: int, *, before: int | None = None
) -> list[Any]:
    """(id, description) of the case's steps in order: what the repeat check reads."""
    query = select(Step.id, Step.description).where(Step.case_id == case_id)
    if before is not None:
        query = query.where(Step.id < before)
    return list(await session.execute(query.order_by(Step.id)))


async def step_judgements(session: AsyncSession, phrase: str) -> dict[tuple[str, str], bool]:
    """Every judgement a rep made on a pair that includes this phrasing of a step."""
    rows = await session.execute(
        select(StepJudgement.phrase_a, StepJudgement.phrase_b, StepJudgement.same).where(
            (StepJudgement.phrase_a == phrase) | (StepJudgement.phrase_b == phrase)
        )
    )
    return {(row.phrase_a, row.phrase_b): row.same for row in rows}


async def step_judgement(session: AsyncSession, pair: tuple[str, str]) -> StepJudgement | None:
    return await session.scalar(
        select(StepJudgement).where(
            StepJudgement.phrase_a == pair[0], StepJudgement.phrase_b == pair[1]
        )
    )
