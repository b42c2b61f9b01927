"""POST /api/v1/channels/{name}/inbound: signed messages from social and IM bridges.

The signature is checked on the raw body before anything is read into the
database; a message is stored (once per message id) and committed before it
is processed, so nothing a customer sent is lost if processing fails: the
outbox processes it later.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.channels.http import parse_json, process_in_request
from throughline.channels.webhooks import service
from throughline.channels.webhooks.schemas import InboundResult, WebhookMessageIn
from throughline.channels.webhooks.signing import verify
from throughline.db import Database
from throughline.kit.deps import AppSettings
from throughline.kit.errors import Unauthorized
from throughline.models import utcnow

router = APIRouter(prefix="/api/v1", tags=["channels"])
log = logging.getLogger("throughline.webhooks")


@router.post(
    "/channels/{name}/inbound",
    status_code=201,
    response_model=InboundResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": WebhookMessageIn.model_json_schema()},
            },
        }
    },
    responses={
        200: {"description": "This message_id arrived before: nothing changed"},
        202: {"description": "Stored; it will be processed shortly"},
        401: {"description": "Unsigned or badly signed: nothing changed"},
        404: {"description": "No such channel"},
    },
)
async def inbound(
    name: str,
    request: Request,
    response: Response,
    settings: AppSettings,
    x_throughline_signature: Annotated[
        str | None, Header(description="sha256=<hex HMAC-SHA256 of the raw body>")
    ] = None,
) -> InboundResult:
    """A customer's message from a bridge: threads to their open case on the channel, or opens
    one. A replayed message_id answers 200 with the first result and changes nothing."""
    database: Database = request.app.state.database
    async with database.unit_of_work(write=False) as session:
        channel = await service.active_channel(session, name)
        session.expunge(channel)
    raw = await request.body()
    if not verify(service.secret_of(channel, settings), raw, x_throughline_signature):
        raise Unauthorized(
            "X-Throughline-Signature: missing or wrong; send 'sha256=' and the hex "
            "HMAC-SHA256 of the raw body, keyed with the channel's signing secret"
        )
    message = parse_json(WebhookMessageIn, raw, "body")
    now = utcnow()
    async with database.unit_of_work() as session:
        stored = await service.store(session, channel, message, raw, now=now)
    if stored.duplicate:
        response.status_code = 200

    async def process(session: AsyncSession) -> InboundResult:
        return await service.process(session, stored.inbound_id, settings=settings, now=now)

    result = await process_in_request(
        database, process, log=log, stored=f"webhook message {stored.inbound_id}"
    )
    if result is None:
        response.status_code = 200 if stored.duplicate else 202
        return InboundResult(case_number=None, outcome="queued", duplicate=stored.duplicate)
    if stored.duplicate:
        result = result.model_copy(update={"duplicate": True})
    return result
