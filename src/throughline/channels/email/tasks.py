"""The worker's part of inbound mail: retrying stored mail, and polling the IMAP mailbox."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.channels.email import imap
from throughline.channels.email.ingest import process_pending
from throughline.config import Settings
from throughline.db import Database

log = logging.getLogger("throughline.email")


class InboundMailJob:
    """A worker job. Each message is processed in a transaction of its own, so the
    session the worker passes is left unused (on SQLite, using it would hold the one
    write connection that the processing needs)."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.next_poll: datetime | None = None

    async def __call__(self, _session: AsyncSession, *, now: datetime) -> int:
        done = 0
        if self.settings.imap_url and (self.next_poll is None or now >= self.next_poll):
            self.next_poll = now + timedelta(seconds=self.settings.imap_interval_seconds)
            try:
                done += (await imap.poll(self.database, self.settings)).stored
            except Exception:  # noqa: BLE001 - a provider outage must not stop the worker
                log.warning("polling the IMAP mailbox failed; trying again later", exc_info=True)
        done += await process_pending(self.database, self.settings)
        return done
