"""The audit trail: one row for every privileged change, in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.actors import Actor
from throughline.models import AuditEntry, utcnow


def audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    target_kind: str,
    target_id: object,
    **data: Any,
) -> AuditEntry:
    entry = AuditEntry(
        actor_kind=actor.kind,
        actor_rep_id=actor.rep_id,
        action=action,
        target_kind=target_kind,
        target_id=str(target_id),
        data=data,
        created_at=utcnow(),
    )
    session.add(entry)
    return entry
