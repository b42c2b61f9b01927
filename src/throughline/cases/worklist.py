"""A rep's work list: the cases they own that need them now, most urgent first."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository
from throughline.cases.schemas import WorkItem
from throughline.models import Rep


async def work_list(session: AsyncSession, rep: Rep, *, now: datetime) -> list[WorkItem]:
    """One item per case; its reason is the one due first, and all reasons are listed."""
    rows = await repository.work_items(session, rep.id, now)
    by_case: dict[int, list[repository.WorkItemRow]] = defaultdict(list)
    for row in rows:
        by_case[row.case_id].append(row)
    cases = await repository.cases_by_id(session, set(by_case))
    items = []
    for case_id, reasons in by_case.items():
        reasons.sort(key=lambda row: (row.due_at, row.reason))
        first = reasons[0]
        case = cases[case_id]
        items.append(
            WorkItem(
                number=case.number,
                subject=case.subject,
                severity=case.severity,
                status=case.status,
                reason=first.reason,
                reasons=[row.reason for row in reasons],
                due_at=first.due_at,
                since=min(row.since for row in reasons),
                overdue=first.due_at <= now,
            )
        )
    items.sort(key=lambda item: (item.due_at, item.number))
    return items
