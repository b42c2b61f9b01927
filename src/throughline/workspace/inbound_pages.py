"""Mail that could not be read (/app/inbound), for leads: nothing a customer sent is dropped.

Ingest (channels/email/ingest.py) keeps every message's bytes; one it cannot
parse, or that failed ``MAX_ATTEMPTS`` times, becomes "unreadable". Here a lead
sees each with its problem, downloads it as it arrived, and can put it back
for processing: the row returns to "received" with no attempts, and the
worker's inbound-mail job (channels/email/tasks.py) picks it up within a tick.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, Response

from throughline.channels.email.ingest import CHANNEL, MAX_ATTEMPTS
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.deps import ReadSession, WriteSession
from throughline.kit.errors import Conflict, NotFound
from throughline.kit.queries import valid_id
from throughline.models import InboundMessage
from throughline.workspace.auth import LeadRep
from throughline.workspace.layout import page

router = APIRouter()
PAGE_SIZE = 50
_COLUMNS = (
    InboundMessage.id,
    InboundMessage.state,
    InboundMessage.outcome,
    InboundMessage.problem,
    InboundMessage.source,
    InboundMessage.size,
    InboundMessage.created_at,
    InboundMessage.attempts,
    InboundMessage.envelope,
)


def _row(row: Any) -> dict[str, Any]:
    envelope = row.envelope if isinstance(row.envelope, dict) else {}
    return {
        "id": row.id,
        "received_at": row.created_at,
        "sender": envelope.get("from") or envelope.get("mail_from"),
        "subject": envelope.get("subject"),
        "size": row.size,
        "source": row.source,
        "problem": row.problem or "it could not be read",
        "attempts": row.attempts,
    }


async def unreadable_count(session: AsyncSession) -> int:
    """How many messages wait for a lead on /app/inbound (for the lead page)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(InboundMessage)
            .where(InboundMessage.state == "unreadable", InboundMessage.channel == CHANNEL)
        )
        or 0
    )


@router.get("/inbound", response_class=HTMLResponse)
async def inbound_page(request: Request, session: ReadSession, me: LeadRep) -> HTMLResponse:
    """Newest first; ``before`` pages on. Failing mail still being retried is listed too."""
    before = request.query_params.get("before", "")
    query = select(*_COLUMNS).where(
        InboundMessage.state == "unreadable", InboundMessage.channel == CHANNEL
    )
    if before.isdecimal() and valid_id(int(before)):
        query = query.where(InboundMessage.id < int(before))
    rows = (
        await session.execute(query.order_by(InboundMessage.id.desc()).limit(PAGE_SIZE + 1))
    ).all()
    retrying = (
        await session.execute(
            select(*_COLUMNS)
            .where(
                InboundMessage.state == "received",
                InboundMessage.channel == CHANNEL,
                InboundMessage.attempts > 0,
            )
            .order_by(InboundMessage.id)
            .limit(PAGE_SIZE)
        )
    ).all()
    retried = request.query_params.get("retried", "")
    return page(
        request,
        "app/inbound.html",
        me,
        {
            "unreadable": [_row(row) for row in rows[:PAGE_SIZE]],
            "total": await unreadable_count(session),
            "next_before": rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None,
            "retrying": [_row(row) for row in retrying],
            "max_attempts": MAX_ATTEMPTS,
            "flash": (
                f"Message {retried} is back in the queue: it is read again within a minute."
                if retried.isdecimal()
                else None
            ),
        },
    )


async def _message(session: AsyncSession, inbound_id: int) -> InboundMessage:
    message = (
        await session.scalar(
            select(InboundMessage).where(
                InboundMessage.id == inbound_id, InboundMessage.channel == CHANNEL
            )
        )
        if valid_id(inbound_id)
        else None
    )
    if message is None:
        raise NotFound(f"no stored mail {inbound_id}")
    return message


@router.get("/inbound/{inbound_id}/raw")
async def inbound_raw(inbound_id: int, session: ReadSession, _me: LeadRep) -> Response:
    """The mail exactly as it arrived, as a download: it never renders in our pages."""
    message = await _message(session, inbound_id)
    return Response(
        message.raw,
        media_type="message/rfc822",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Content-Disposition": f'attachment; filename="message-{message.id}.eml"',
        },
    )


@router.post("/inbound/{inbound_id}/retry")
async def inbound_retry(inbound_id: int, session: WriteSession, me: LeadRep) -> Response:
    """Put an unreadable message back for processing (after a fix, or a passing failure)."""
    message = await _message(session, inbound_id)
    # Conditional, so two leads pressing at once (or a message already back) change it once.
    changed = await session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message.id, InboundMessage.state == "unreadable")
        .values(state="received", attempts=0, outcome=None, problem=None, processed_at=None)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"message {inbound_id} is not waiting as unreadable: nothing to try again")
    audit(
        session,
        Actor.of_rep(me),
        "inbound.retry",
        "inbound_message",
        message.id,
        problem=message.problem,
    )
    return RedirectResponse(f"/app/inbound?retried={message.id}", status_code=303)
