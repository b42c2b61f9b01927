"""Email routes for reps: messages that could not be read, raw mail, attachments."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select

from throughline.channels.files import read_content
from throughline.config import Settings
from throughline.kit.deps import AppSettings, CurrentRep, ReadSession
from throughline.kit.errors import Forbidden, NotFound
from throughline.models import Case, InboundMessage, StoredFile

router = APIRouter(prefix="/api/v1", tags=["email"])

State = Literal["received", "processed", "unreadable", "ignored"]


class InboundOut(BaseModel):
    id: int
    state: str
    outcome: str | None
    problem: str | None
    source: str
    size: int
    received_at: datetime
    attempts: int
    sender: str | None  # the From address when it could be read, else the SMTP envelope's
    subject: str | None
    case_number: str | None
    raw_url: str


class InboundList(BaseModel):
    items: list[InboundOut]
    next_before_id: int | None


@router.get("/inbound", response_model=InboundList)
async def list_inbound(
    session: ReadSession,
    actor: CurrentRep,
    state: State = "unreadable",
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboundList:
    """Inbound mail by state, newest first: ``unreadable`` is the "could not be read" list."""
    if not actor.is_lead:
        raise Forbidden("only leads may list inbound mail")
    query = select(
        InboundMessage.id,
        InboundMessage.state,
        InboundMessage.outcome,
        InboundMessage.problem,
        InboundMessage.source,
        InboundMessage.size,
        InboundMessage.created_at,
        InboundMessage.attempts,
        InboundMessage.envelope,
        InboundMessage.case_id,
    ).where(InboundMessage.state == state, InboundMessage.channel == "email")
    if before_id is not None:
        query = query.where(InboundMessage.id < before_id)
    rows = (await session.execute(query.order_by(InboundMessage.id.desc()).limit(limit + 1))).all()
    page = rows[:limit]
    return InboundList(
        items=[
            InboundOut(
                id=row.id,
                state=row.state,
                outcome=row.outcome,
                problem=row.problem,
                source=row.source,
                size=row.size,
                received_at=row.created_at,
                attempts=row.attempts,
                sender=(row.envelope or {}).get("from") or (row.envelope or {}).get("mail_from"),
                subject=(row.envelope or {}).get("subject"),
                case_number=f"TL-{row.case_id}" if row.case_id else None,
                raw_url=f"/api/v1/inbound/{row.id}/raw",
            )
            for row in page
        ],
        next_before_id=page[-1].id if len(rows) > limit else None,
    )


_NOSNIFF = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}


@router.get("/inbound/{inbound_id}/raw", response_class=Response)
async def raw_message(inbound_id: int, session: ReadSession, actor: CurrentRep) -> Response:
    """The mail exactly as it arrived. Leads, or the owner of the case it went to."""
    inbound = await session.get(InboundMessage, inbound_id)
    if inbound is None:
        raise NotFound(f"no inbound message {inbound_id}")
    if not actor.is_lead:
        case = await session.get(Case, inbound.case_id) if inbound.case_id else None
        if case is None or case.owner_id != actor.rep_id:
            raise Forbidden("only a lead or the owner of its case may read a raw message")
    return Response(
        content=inbound.raw,
        media_type="message/rfc822",
        headers={
            **_NOSNIFF,
            "Content-Disposition": f'attachment; filename="message-{inbound.id}.eml"',
        },
    )


# Types a browser may show as themselves; everything else downloads as bytes.
_SAFE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]")


def _disposition(filename: str) -> str:
    """An ASCII fallback name plus the UTF-8 name (RFC 6266), neither able to break out."""
    ascii_name = _UNSAFE_FILENAME.sub("_", filename).strip(" .") or "attachment"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/files/{file_id}", response_class=Response)
async def download_file(
    file_id: int, session: ReadSession, actor: CurrentRep, settings: AppSettings
) -> Response:
    """An attachment of a case. Every rep may read every case (GET /api/v1/cases/{number}),
    so every rep may download its files."""
    del actor  # authentication is the check: see the docstring
    stored = await session.get(StoredFile, file_id)
    if stored is None:
        raise NotFound(f"no file {file_id}")
    content = _content(settings, stored)
    media_type = (
        stored.content_type.lower()
        if stored.content_type.lower() in _SAFE_TYPES
        else ("application/octet-stream")
    )
    return Response(
        content=content,
        media_type=media_type,
        headers={**_NOSNIFF, "Content-Disposition": _disposition(stored.filename)},
    )


def _content(settings: Settings, stored: StoredFile) -> bytes:
    try:
        content = read_content(settings, stored)
    except (FileNotFoundError, ValueError):
        content = None
        missing = "its content is missing from var/attachments"
    else:
        missing = f"it was over the size limit ({stored.size} bytes) and was not kept"
    if content is None:
        raise NotFound(f"file {stored.id} ({stored.filename}) cannot be downloaded: {missing}")
    return content
