"""Processing a stored message in its request: a failure loses nothing (both engines)."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.channels.test_webhooks import add_channel, message
from throughline.channels.http import process_in_request
from throughline.channels.webhooks import service as webhooks
from throughline.channels.webhooks.schemas import InboundResult, WebhookMessageIn
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, InboundMessage, utcnow
from throughline.worker.runner import Worker

log = logging.getLogger("tests.channels.http")


async def stored_message(database: Database, settings: Settings) -> int:
    """A bridge's message, stored and committed as its request does before processing it."""
    await add_channel(database, settings)
    raw = json.dumps(message()).encode()
    async with database.unit_of_work() as session:
        channel = await webhooks.active_channel(session, "chat")
        stored = await webhooks.store(
            session, channel, WebhookMessageIn.model_validate_json(raw), raw, now=utcnow()
        )
    return stored.inbound_id


async def test_a_failure_after_processing_rolls_it_back_and_the_worker_does_it_again(
    database: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    inbound_id = await stored_message(database, settings)

    async def process_then_lose_the_connection(session: AsyncSession) -> str:
        await webhooks.process(session, inbound_id, settings=settings, now=utcnow())
        raise ConnectionResetError("the database connection dropped before the commit")

    with caplog.at_level(logging.ERROR, logger=log.name):
        result = await process_in_request(
            database, process_then_lose_the_connection, log=log, stored="message 1"
        )
    assert result is None
    assert "message 1 stored; processing it is left to the worker" in caplog.text
    async with database.unit_of_work(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0
        row = await session.get(InboundMessage, inbound_id)
        assert row is not None
        assert row.state == "received"

    await Worker(database, settings, name="test-worker").run_outbox(utcnow())
    async with database.unit_of_work(write=False) as session:
        row = await session.get(InboundMessage, inbound_id, populate_existing=True)
        assert row is not None
        assert (row.state, row.outcome) == ("processed", "new_case")
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_processing_that_succeeds_is_committed_and_its_result_returned(
    database: Database, settings: Settings
) -> None:
    inbound_id = await stored_message(database, settings)

    async def process(session: AsyncSession) -> InboundResult:
        return await webhooks.process(session, inbound_id, settings=settings, now=utcnow())

    result = await process_in_request(database, process, log=log, stored="message 1")
    assert result is not None
    assert result.outcome == "new_case"
    async with database.unit_of_work(write=False) as session:
        case = await session.scalar(select(Case))
    assert case is not None
    assert result.case_number == f"TL-{case.id}"
