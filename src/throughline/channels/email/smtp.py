"""The inbound SMTP server: mail from the internet (MX) or a provider's forward, into the ingest.

``250`` means "we have it": the handler answers only after ``store_raw`` has
committed the raw bytes. Processing (threading, opening cases) runs after
the answer, in the server's own event loop, so a slow or failing step never
keeps a sending server waiting; the worker retries whatever it left behind.
One background task processes what was stored, in batches (``process_batch``:
one transaction, a savepoint per message), so a burst costs one commit per
batch rather than one per message.

It refuses to relay: recipients must be at one of our domains (the support
address's domain, or ``THROUGHLINE_SMTP_ACCEPT_DOMAINS``). It runs in a
thread of the ``throughline serve`` process (one server however many web
processes serve HTTP), with its own event loop and database engines.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from throughline.channels.email.ingest import (
    BATCH,
    MessageTooLarge,
    process_batch,
    stop_parsers,
    store_raw,
)
from throughline.config import Settings
from throughline.db import Database
from throughline.policy.service import Refresher

log = logging.getLogger("throughline.smtp")

# RFC 5321 limits lines to 1000 bytes, but real senders exceed it; accept long
# lines rather than refuse a customer's mail ("500 Line too long").
_LINE_LIMIT = 1 << 20
# Stored mail waiting for the processor keeps its bytes in memory up to this many
# messages; beyond it only the id is queued and the bytes are read back (bounded memory).
QUEUE_WITH_BYTES = 200


class _LenientSMTP(SMTP):
    line_length_limit = _LINE_LIMIT


def accepted_domains(settings: Settings) -> frozenset[str] | None:
    """The recipient domains we accept mail for; None means every domain."""
    configured = [d.strip().lower() for d in settings.smtp_accept_domains.split(",") if d.strip()]
    if "*" in configured:
        return None
    if not configured:
        configured = [settings.support_address.rpartition("@")[2].strip().lower() or "localhost"]
    return frozenset(configured)


class InboundHandler:
    """aiosmtpd handler: check recipients, store, answer, then process."""

    def __init__(self, settings: Settings, database: Database | None = None) -> None:
        self.settings = settings
        self._database = database
        self.domains = accepted_domains(settings)
        # Stored, not yet processed: (id, bytes or None), and the one task processing them.
        self._queue: list[tuple[int, bytes | None]] = []
        self._processor: asyncio.Task[None] | None = None
        self._policy: Refresher | None = None

    @property
    def database(self) -> Database:
        # Engines belong to the event loop that first uses them: the server's own.
        if self._database is None:
            self._database = Database.from_settings(self.settings)
        return self._database

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd calls
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        domain = address.rpartition("@")[2].strip().strip(">").lower()
        if self.domains is not None and domain not in self.domains:
            return "550 5.7.1 Relaying denied: we only accept mail for our own addresses"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        peer = session.peer
        try:
            stored = await store_raw(
                self.database,
                raw,
                source="smtp",
                envelope={
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "peer": str(peer[0]) if isinstance(peer, tuple) else str(peer),
                    "helo": session.host_name,
                },
                settings=self.settings,
            )
        except MessageTooLarge as exc:
            return f"552 5.3.4 {exc.message}"
        except Exception:  # noqa: BLE001 - not stored: the sender must keep it and retry
            log.exception("could not store inbound mail")
            return "451 4.3.0 Temporary failure storing the message; please try again later"
        if stored.created:
            keep = raw if len(self._queue) < QUEUE_WITH_BYTES else None
            self._queue.append((stored.id, keep))
            if self._processor is None or self._processor.done():
                self._processor = asyncio.get_running_loop().create_task(self._process())
        return f"250 2.0.0 OK: stored as {stored.id}"

    async def _process(self) -> None:
        """Process the queue in batches until it is empty. What this misses (a crash,
        an error) stays "received" in the database and the worker processes it."""
        while self._queue:
            batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
            try:
                # Cases opened from mail get the targets an admin set, as everywhere else.
                if self._policy is None:
                    self._policy = Refresher(self.settings, self.database)
                await self._policy.maybe_refresh()
                await process_batch(self.database, self.settings, batch)
            except Exception:  # noqa: BLE001 - the rows stay "received"; the worker retries
                log.exception("processing inbound mail %s failed", [i for i, _ in batch])

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for processing started by this server (tests; a clean stop)."""
        if self._processor is not None and not self._processor.done():
            await asyncio.wait({self._processor}, timeout=timeout)


class InboundController(Controller):
    def factory(self) -> SMTP:
        return _LenientSMTP(self.handler, **self.SMTP_kwargs)


class InboundSMTPServer:
    """The server in a thread of its own: ``start()`` returns once it listens."""

    def __init__(
        self, settings: Settings, *, host: str | None = None, port: int | None = None
    ) -> None:
        self.settings = settings
        self.handler = InboundHandler(settings)
        self.host = host if host is not None else settings.smtp_host
        self.port = settings.smtp_port if port is None else port
        self.controller = InboundController(
            self.handler,
            hostname=self.host,
            port=self.port,
            data_size_limit=settings.max_email_bytes,
            server_hostname=settings.support_address.rpartition("@")[2] or "localhost",
            ident="Throughline ESMTP",
            timeout=120,
        )

    def start(self) -> InboundSMTPServer:
        self.controller.start()
        return self

    def run_in_loop(self, coro: Any, timeout: float = 30.0) -> Any:
        """Run ``coro`` in the server's event loop from another thread and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.controller.loop).result(timeout)

    def drain(self, timeout: float = 10.0) -> None:
        self.run_in_loop(self.handler.drain(timeout), timeout + 5)

    def stop(self) -> None:
        try:
            self.drain(5.0)
            if self.handler._database is not None:
                self.run_in_loop(self.handler._database.dispose(), 10)
        except Exception:  # noqa: BLE001 - stopping must not fail on a busy database
            log.warning("inbound SMTP server did not stop cleanly", exc_info=True)
        self.controller.stop()
        stop_parsers()
