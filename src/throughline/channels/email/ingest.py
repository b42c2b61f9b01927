"""One ingest path for inbound mail, whether it came over SMTP or from an IMAP mailbox.

Two steps, two transactions, so that nothing a customer sent is ever lost:

1. ``store_raw`` commits the raw bytes as an ``InboundMessage`` and nothing
   else. The SMTP server answers 250 (and the IMAP poller marks the message
   seen) only after that commit. It is idempotent on the Message-ID.
2. ``process`` reads the stored bytes and does everything else: parse, thread,
   open or add to a case, keep attachments. A failure leaves the row
   "received" and the worker retries it; a message that cannot be read at
   all is kept as "unreadable" and listed for leads.

Threading and who may write into a case (the security rule):
- ``In-Reply-To``/``References`` naming a Message-ID we sent or received
  threads into that case. Ids are long random tokens that only people in the
  conversation have, but a conversation can include others (a colleague on
  Cc, the customer's other address). So a header-threaded message from the
  case's customer is a customer message (it reopens the case); from anybody
  else it is kept on the case as an internal note that puts the case on its
  owner's list, and never speaks for the customer nor reaches them.
- A ``[TL-n]`` tag in the subject is guessable, so it threads only when the
  sender is that case's customer; anybody else gets a case of their own.
- Auto-replies never reopen or open a case and never trigger a notice;
  delivery reports are recorded against the outbound message they return.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from throughline.assignment import service as assignment
from throughline.cases import repository as cases_repository
from throughline.cases import service as cases
from throughline.cases.rules import Reason
from throughline.cases.timeline import Kind, record
from throughline.channels.email.headers import message_key, normalize_message_id, raw_header
from throughline.channels.email.parse import ParsedEmail, generated_message_id, parse_message
from throughline.channels.files import store_file
from throughline.config import Settings
from throughline.customers import repository as customers_repository
from throughline.customers.rules import normalize_identity
from throughline.db import Database
from throughline.kit.actors import SYSTEM
from throughline.kit.errors import DomainError
from throughline.kit.queries import insert_unless_present, table_of
from throughline.models import (
    Case,
    FollowUp,
    InboundMessage,
    MessageLink,
    TimelineEntry,
    utcnow,
)

log = logging.getLogger("throughline.email")

CHANNEL = "email"
# After this many failed attempts a message is shown to leads as "could not be read"
# (with the error) instead of being retried for ever; its bytes stay stored.
MAX_ATTEMPTS = 5
# Text kept on the timeline entry for "show the whole message"; the raw mail has the rest.
_MAX_KEPT_TEXT = 1_000_000
_MAX_ADDRESS = 320  # identities and customers hold addresses up to this length
_HEADERS = BytesParser(policy=policy.default)


class MessageTooLarge(DomainError):
    status_code = 413


@dataclass(frozen=True)
class StoredResult:
    id: int
    created: bool  # False: a re-delivery of a message that is already stored
    message_id: str


def _header_block(raw: bytes) -> bytes:
    """The header block only (through the first empty line): parsing a 200 KB attachment
    to read one header cost half of storing a mail."""
    cut = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return raw[: min(cut) + 2] if cut else raw


def _header_message_id(raw: bytes) -> str | None:
    try:
        found = normalize_message_id(
            raw_header(_HEADERS.parsebytes(_header_block(raw), headersonly=True), "message-id")
        )
    except Exception:  # noqa: BLE001 - any header we cannot read means "no id"
        return None
    if found is None or "\x00" in found or len(found) > 900:
        return None
    return found


def _body_digest(raw: bytes) -> str:
    """The digest of everything after the header block: a relay adds headers, not body."""
    cut = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return hashlib.sha256(raw[min(cut) :] if cut else raw).hexdigest()


async def store_raw(
    database: Database,
    raw: bytes,
    *,
    source: str,
    envelope: dict[str, Any] | None = None,
    settings: Settings,
    now: datetime | None = None,
) -> StoredResult:
    """Commit the raw mail, once per Message-ID. Raises ``MessageTooLarge`` before storing.

    The same Message-ID with the same body is a re-delivery: the stored row is
    returned and nothing is added. The same id with a different body (broken
    senders reuse ids) is a different mail and is stored too, keyed by both.
    """
    raw = bytes(raw)
    if len(raw) > settings.max_email_bytes:
        raise MessageTooLarge(
            f"message: {len(raw)} bytes is over the limit of {settings.max_email_bytes} bytes"
        )
    message_id = _header_message_id(raw) or generated_message_id(raw)
    digest = _body_digest(raw)
    keys = (message_key(message_id), message_key(f"{message_id}#{digest}"))
    values: dict[str, Any] = dict(
        channel=CHANNEL,
        source=source,
        external_id=message_id,
        external_key=keys[0],
        raw=raw,
        size=len(raw),
        state="received",
        envelope=_clean_json(envelope or {}),
        attempts=0,
        created_at=now or utcnow(),
    )
    # New mail is the common case: insert first, and look only when the key is taken.
    stored_id = await _insert(database, values)
    if stored_id is not None:
        return StoredResult(id=stored_id, created=True, message_id=message_id)
    for _ in range(3):
        async with database.unit_of_work(write=False) as session:
            found = (
                await session.execute(
                    select(
                        InboundMessage.id, InboundMessage.external_key, InboundMessage.raw
                    ).where(
                        InboundMessage.channel == CHANNEL, InboundMessage.external_key.in_(keys)
                    )
                )
            ).all()
        taken = {found_row.external_key: found_row for found_row in found}
        same = taken.get(keys[0])
        if same is not None and _body_digest(same.raw) == digest:
            return StoredResult(id=same.id, created=False, message_id=message_id)
        if keys[1] in taken:
            return StoredResult(id=taken[keys[1]].id, created=False, message_id=message_id)
        values["external_key"] = keys[1] if same is not None else keys[0]
        stored_id = await _insert(database, values)
        if stored_id is not None:
            return StoredResult(id=stored_id, created=True, message_id=message_id)
    raise RuntimeError(f"could not store message {message_id!r}: its key keeps conflicting")


_STORE = insert(table_of(InboundMessage)).returning(table_of(InboundMessage).c.id)


async def _insert(database: Database, values: dict[str, Any]) -> int | None:
    """Commit a new row; None when its key is already taken."""
    try:
        # durable: the 250 that follows promises the bytes survive even a power cut.
        async with database.unit_of_work(durable=True) as session:
            stored: int = await session.scalar(_STORE, values)
            return stored
    except IntegrityError:
        return None


async def process(
    database: Database,
    settings: Settings,
    inbound_id: int,
    *,
    now: datetime | None = None,
    raw: bytes | None = None,
    _depth: int = 0,
    _parsed: ParsedEmail | None = None,
) -> str | None:
    """Understand one stored mail. Returns its outcome, or None when there was nothing to do
    (already processed elsewhere) or processing failed (the row stays "received").

    ``raw``: the stored bytes, when the caller has them (it saves reading them back).
    """
    parsed = _parsed
    if parsed is None:
        if raw is None:
            async with database.unit_of_work(write=False) as session:
                inbound = await session.get(InboundMessage, inbound_id)
                if inbound is None or inbound.state != "received":
                    return None
                raw = inbound.raw
        parsed = await asyncio.to_thread(
            parse_message, raw, max_attachment_bytes=settings.max_attachment_bytes
        )
    # A reply can arrive while the mail it answers is still being processed (a customer
    # who writes twice in a minute, a burst): process that one first, so the reply
    # finds its case instead of opening another. Only earlier rows: no cycles.
    if _depth < 3:
        for earlier_id in await _unprocessed_earlier(database, parsed, inbound_id):
            await process(database, settings, earlier_id, _depth=_depth + 1)
    try:
        async with database.unit_of_work() as session:
            return await _claim_and_run(session, settings, inbound_id, parsed, now or utcnow())
    except Exception as exc:  # noqa: BLE001 - kept and retried; the bytes are safe
        log.warning("inbound mail %s could not be processed", inbound_id, exc_info=True)
        await _note_failure(database, inbound_id, exc, parsed)
        return None


# Messages processed in one transaction by ``process_batch``. Bigger batches save little
# more and, on SQLite, keep the one writer (and so the next 250) waiting longer.
BATCH = 25


async def process_batch(
    database: Database,
    settings: Settings,
    items: list[tuple[int, bytes | None]],
    *,
    now: datetime | None = None,
) -> dict[int, str | None]:
    """Understand many stored mails in ONE transaction, each in a savepoint of its own.

    The same result as ``process`` for each ``(id, raw or None)``, in id order, at a
    fraction of the cost: one commit, one claim of the database's writer, one
    look for unprocessed earlier mail. A message that fails is rolled back to its
    savepoint alone and noted for a retry; the others are kept. If the batch as a
    whole fails (the connection dropped), each message is processed on its own.
    """
    results: dict[int, str | None] = {}
    items = sorted(items, key=lambda item: item[0])
    missing = [inbound_id for inbound_id, raw in items if raw is None]
    if missing:
        async with database.unit_of_work(write=False) as session:
            rows = await session.execute(
                select(InboundMessage.id, InboundMessage.raw).where(
                    InboundMessage.id.in_(missing), InboundMessage.state == "received"
                )
            )
            stored: dict[int, bytes] = {row.id: row.raw for row in rows}
        items = [(i, raw if raw is not None else stored.get(i)) for i, raw in items]
    todo = [(i, raw) for i, raw in items if raw is not None]
    results.update({i: None for i, raw in items if raw is None})
    if not todo:
        return results
    parsed_all = await _parse_all(settings, [raw for _, raw in todo])
    batch = [(i, parsed) for (i, _), parsed in zip(todo, parsed_all, strict=True)]
    # Replies to mail stored earlier but not yet processed (outside this batch): that
    # mail first, so that the reply finds its case (as ``process`` does).
    ids = {i for i, _ in batch}
    for earlier_id in await _unprocessed_earlier_all(database, [p for _, p in batch], ids):
        await process(database, settings, earlier_id, _depth=1)
    failures: list[tuple[int, Exception, ParsedEmail]] = []
    try:
        async with database.unit_of_work() as session:
            for inbound_id, parsed in batch:
                try:
                    async with session.begin_nested():
                        results[inbound_id] = await _claim_and_run(
                            session, settings, inbound_id, parsed, now or utcnow()
                        )
                except Exception as exc:  # noqa: BLE001 - this message alone; noted below
                    log.warning("inbound mail %s could not be processed", inbound_id, exc_info=True)
                    results[inbound_id] = None
                    failures.append((inbound_id, exc, parsed))
                # The next message starts from the database, as in a transaction of its own
                # (and nothing a failed savepoint left expired is used again).
                session.expunge_all()
    except Exception:  # noqa: BLE001 - the batch is lost, not the mail: one at a time
        log.warning("a batch of inbound mail failed; processing it one by one", exc_info=True)
        for inbound_id, parsed in batch:
            results[inbound_id] = await process(database, settings, inbound_id, _parsed=parsed)
        return results
    for inbound_id, error, parsed in failures:
        await _note_failure(database, inbound_id, error, parsed)
    return results


def _parse_list(raws: list[bytes], limit: int) -> list[ParsedEmail]:
    return [parse_message(raw, max_attachment_bytes=limit) for raw in raws]


_pool: ProcessPoolExecutor | None = None


async def _parse_all(settings: Settings, raws: list[bytes]) -> list[ParsedEmail]:
    """Parse in a process of its own (``email_parse_processes``), else in a thread."""
    global _pool
    limit = settings.max_attachment_bytes
    if settings.email_parse_processes > 0:
        if _pool is None:
            # spawn: the server process has threads (SMTP, aiosqlite), fork would copy locks.
            _pool = ProcessPoolExecutor(
                settings.email_parse_processes, mp_context=multiprocessing.get_context("spawn")
            )
        try:
            return await asyncio.get_running_loop().run_in_executor(_pool, _parse_list, raws, limit)
        except (BrokenProcessPool, RuntimeError):  # it died, or is being stopped: a thread
            log.warning("the mail parsing process is gone; parsing in a thread", exc_info=True)
            _pool = None
    return await asyncio.to_thread(_parse_list, raws, limit)


def stop_parsers() -> None:
    """Stop the parsing processes, if any (a server stopping; they start again when needed)."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


async def _claim_and_run(
    session: AsyncSession, settings: Settings, inbound_id: int, parsed: ParsedEmail, now: datetime
) -> str | None:
    # The claim: one processor per row, however many run (the SMTP server's
    # background task and any number of workers). PostgreSQL makes a second
    # SELECT … FOR UPDATE wait for the first transaction, then re-checks the
    # state and finds nothing; SQLite has one writer (BEGIN IMMEDIATE) anyway.
    inbound = await session.scalar(
        select(InboundMessage)
        .where(InboundMessage.id == inbound_id, InboundMessage.state == "received")
        .options(defer(InboundMessage.raw))
        .with_for_update()
    )
    if inbound is None:
        return None
    processing = _Processing(session, settings, inbound, parsed, now)
    # The timeline entries the services add, so that the message's own entry need not be
    # read back (the session holds clean objects only weakly).
    event.listen(session.sync_session, "transient_to_pending", processing.added)
    try:
        return await processing.run()
    finally:
        event.remove(session.sync_session, "transient_to_pending", processing.added)


async def _unprocessed_earlier_all(
    database: Database, parsed: list[ParsedEmail], batch: set[int]
) -> list[int]:
    keys = {message_key(i) for mail in parsed for i in mail.thread_ids[:50] if "\x00" not in i}
    if not keys:
        return []
    async with database.unit_of_work(write=False) as session:
        rows = await session.scalars(
            select(InboundMessage.id)
            .where(
                InboundMessage.channel == CHANNEL,
                InboundMessage.external_key.in_(sorted(keys)),
                InboundMessage.state == "received",
                InboundMessage.id < max(batch),
            )
            .order_by(InboundMessage.id)
        )
        return [i for i in rows if i not in batch]


async def _unprocessed_earlier(
    database: Database, parsed: ParsedEmail, inbound_id: int
) -> list[int]:
    keys = [message_key(i) for i in parsed.thread_ids[:50] if "\x00" not in i]
    if not keys:
        return []
    async with database.unit_of_work(write=False) as session:
        rows = await session.scalars(
            select(InboundMessage.id)
            .where(
                InboundMessage.channel == CHANNEL,
                InboundMessage.external_key.in_(keys),
                InboundMessage.state == "received",
                InboundMessage.id < inbound_id,
            )
            .order_by(InboundMessage.id)
        )
        return list(rows)


async def _note_failure(
    database: Database, inbound_id: int, exc: Exception, parsed: ParsedEmail
) -> None:
    async with database.unit_of_work() as session:
        inbound = await session.get(InboundMessage, inbound_id, options=[defer(InboundMessage.raw)])
        if inbound is None or inbound.state != "received":
            return
        inbound.attempts += 1
        inbound.envelope = {
            **(inbound.envelope or {}),
            "from": _text(parsed.from_address, _MAX_ADDRESS) or None,
            "subject": _text(parsed.subject, 300),
        }
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if inbound.attempts >= MAX_ATTEMPTS:
            inbound.state = "unreadable"
            inbound.outcome = "failed"
            inbound.problem = f"processing failed {inbound.attempts} times; last error: {error}"
            inbound.processed_at = utcnow()
        else:
            inbound.problem = f"processing failed (attempt {inbound.attempts}): {error}"


def retry_due(arrived: datetime, attempts: int) -> datetime:
    """When a message that failed ``attempts`` times is tried again: 0, 1, 3, 7, 15 minutes
    after it arrived. Measured from arrival, so no extra column is needed."""
    return arrived + timedelta(minutes=2**attempts - 1)


async def pending_ids(database: Database, *, now: datetime, limit: int = 100) -> list[int]:
    """Stored mail still "received" whose next try is due, oldest first."""
    async with database.unit_of_work(write=False) as session:
        rows = await session.execute(
            select(InboundMessage.id, InboundMessage.created_at, InboundMessage.attempts)
            .where(InboundMessage.state == "received", InboundMessage.channel == CHANNEL)
            .order_by(InboundMessage.id)
            .limit(limit * 5)
        )
        due = [row.id for row in rows if retry_due(row.created_at, row.attempts) <= now]
        return due[:limit]


async def process_pending(
    database: Database, settings: Settings, *, now: datetime | None = None, limit: int = 100
) -> int:
    """Process stored mail still "received" (after a crash, or a failure to retry, with
    backoff); returns how many were handled. Batches of ``BATCH``, a savepoint each."""
    due = await pending_ids(database, now=now or utcnow(), limit=limit)
    done = 0
    for start in range(0, len(due), BATCH):
        chunk: list[tuple[int, bytes | None]] = [(i, None) for i in due[start : start + BATCH]]
        results = await process_batch(database, settings, chunk)
        done += sum(1 for outcome in results.values() if outcome is not None)
    return done


# --- processing one message --------------------------------------------------------------


def _text(value: str | None, limit: int | None = None) -> str:
    """Text a database keeps: PostgreSQL refuses NUL characters and lone surrogates."""
    if not value:
        return ""
    value = value.replace("\x00", "")
    value = value.encode("utf-8", "replace").decode("utf-8")
    return value[:limit] if limit is not None else value


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


class _Processing:
    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        inbound: InboundMessage,
        parsed: ParsedEmail,
        now: datetime,
    ) -> None:
        self.session = session
        self.settings = settings
        self.inbound = inbound
        self.mail = parsed
        self.now = now
        self._added: list[TimelineEntry] = []
        sender = parsed.from_address
        self.sender = (
            normalize_identity("email", _text(sender))
            if sender and len(sender) <= _MAX_ADDRESS
            else None
        )

    def added(self, _session: Any, instance: object) -> None:
        """Session event: an object was added (see ``_claim_and_run``)."""
        if isinstance(instance, TimelineEntry):
            self._added.append(instance)

    def _finish(
        self, state: str, outcome: str, *, case: Case | None = None, problem: str | None = None
    ) -> str:
        inbound = self.inbound
        inbound.attempts += 1  # here, with the rest: one UPDATE
        inbound.state = state
        inbound.outcome = outcome
        inbound.problem = problem
        inbound.case_id = case.id if case is not None else inbound.case_id
        inbound.processed_at = self.now
        inbound.envelope = {
            **(inbound.envelope or {}),
            "from": self.sender,
            "subject": _text(self.mail.subject, 300),
        }
        return outcome

    async def run(self) -> str:
        mail = self.mail
        if not mail.readable:
            return self._finish("unreadable", "unreadable", problem=mail.problem)
        # Before threading: a delivery report's subject often carries our [TL-n].
        if mail.bounce is not None:
            return await self._bounce()
        if self.sender is None:
            return self._finish(
                "unreadable",
                "no_sender",
                problem="no usable sender address (From): we cannot tell who wrote",
            )
        if self.sender == normalize_identity("email", self.settings.support_address):
            # Our own mail come back (a Cc to the support address, a forwarding loop).
            return self._finish("ignored", "own_mail", problem="sent from our support address")
        case, trusted = await self._thread()
        if mail.is_auto_reply:
            if case is None:
                return self._finish("ignored", "auto_reply")
            await self._note(
                case,
                f"Automatic reply from {self.sender} ({mail.auto_reply_reason}), "
                f"not shown to the customer and not answered:\n\n{_text(mail.text, 4000)}",
            )
            return self._finish("processed", "auto_reply", case=case)
        if case is None:
            return await self._new_case()
        if trusted:
            return await self._customer_message(case)
        return await self._third_party_message(case)

    # threading

    async def _thread(self) -> tuple[Case | None, bool]:
        """The case this mail belongs to, and whether its sender speaks for that case."""
        ids = [i for i in self.mail.thread_ids if "\x00" not in i][:50]
        if ids:
            keys = {message_key(i): n for n, i in enumerate(ids)}
            links = (
                await self.session.scalars(
                    select(MessageLink).where(MessageLink.message_key.in_(list(keys)))
                )
            ).all()
            if links:
                best = min(links, key=lambda link: keys[link.message_key])
                case = await cases_repository.get_case(self.session, best.case_id, for_update=True)
                return case, await self._is_customer_of(case)
        number = self.mail.case_number
        if number is not None:
            tagged = await self.session.get(Case, number, with_for_update=True)
            if tagged is not None and await self._is_customer_of(tagged):
                return tagged, True
        return None, False

    async def _is_customer_of(self, case: Case) -> bool:
        if self.sender is None:
            return False
        customer = await customers_repository.by_identity(self.session, "email", self.sender)
        return customer is not None and customer.id == case.customer_id

    # outcomes

    async def _new_case(self) -> str:
        mail = self.mail
        assert self.sender is not None
        subject = _text(mail.subject, 300).strip() or "(no subject)"
        case, _token = await cases.open_case(
            self.session,
            cases.NewCase(
                channel=CHANNEL,
                severity=3,
                subject=subject,
                body=self._body(),
                name=_text(mail.from_name or "", 200) or self.sender,
                email=self.sender,
                entry_data=self._described(),
            ),
            settings=self.settings,
            now=self.now,
        )
        await self._keep(case, await self._message_entry(case))
        self.inbound.customer_id = case.customer_id
        return self._finish("processed", "new_case", case=case)

    async def _customer_message(self, case: Case) -> str:
        await cases.customer_message(
            self.session,
            case,
            body=self._body(),
            settings=self.settings,
            now=self.now,
            channel=CHANNEL,
            entry_data=self._described(),
        )
        await self._keep(case, await self._message_entry(case))
        self.inbound.customer_id = case.customer_id
        return self._finish("processed", "threaded", case=case)

    async def _third_party_message(self, case: Case) -> str:
        entry = await self._note(
            case,
            f"Email from {self.sender}, who is not this case's customer, in reply to this "
            f"case's mail. Not shown to the customer:\n\n{self._body()}",
            **self._described(),
        )
        await self._keep(case, entry)
        if case.owner_id is not None:
            await assignment.raise_attention(
                self.session,
                case,
                Reason.CUSTOMER_REPLIED,
                since=self.now,
                due_at=cases.case_due(self.settings, case.severity, self.now),
            )
        return self._finish("processed", "third_party_note", case=case)

    async def _bounce(self) -> str:
        bounce = self.mail.bounce
        assert bounce is not None
        link = None
        if bounce.original_message_id:
            link = await self.session.scalar(
                select(MessageLink).where(
                    MessageLink.message_key == message_key(bounce.original_message_id),
                    MessageLink.direction == "out",
                )
            )
        case: Case | None = None
        if link is not None:
            case = await cases_repository.get_case(self.session, link.case_id, for_update=True)
        elif self.mail.case_number is not None and bounce.recipient:
            # No returned Message-ID: trust the [TL-n] tag only when the failed
            # recipient is that case's customer.
            candidate = await self.session.get(Case, self.mail.case_number)
            holder = await customers_repository.by_identity(
                self.session, "email", normalize_identity("email", bounce.recipient)
            )
            if candidate is not None and holder is not None and holder.id == candidate.customer_id:
                case = candidate
        if case is None:
            return self._finish(
                "ignored",
                "bounce",
                problem="a delivery report for a message we cannot find "
                f"(returned Message-ID: {bounce.original_message_id or 'none'})",
            )
        recipient = bounce.recipient or (link.recipient if link else None) or "the customer"
        reason = bounce.diagnostic or (f"status {bounce.status}" if bounce.status else None)
        reason = _text(reason or "the receiving server gave no reason", 500)
        delayed = bounce.action == "delayed"
        if link is not None and not delayed:
            link.delivery = "bounced"
            link.delivery_detail = reason
        if delayed:
            body = f"Our email to {recipient} is delayed; the mail system is still trying: {reason}"
        else:
            body = f"Our email to {recipient} could not be delivered: {reason}"
        await self._note(
            case,
            body,
            bounce={
                "recipient": bounce.recipient,
                "status": bounce.status,
                "action": bounce.action,
                "message_id": bounce.original_message_id,
            },
        )
        if not delayed and case.owner_id is not None:
            # The owner must reach the customer another way: a follow-up due now puts
            # the case on their list until they next work it. Already on the timeline.
            self.session.add(
                FollowUp(
                    case_id=case.id,
                    rep_id=case.owner_id,
                    due_at=self.now,
                    note=body,
                    noted_at=self.now,
                    created_at=self.now,
                )
            )
        return self._finish("processed", "bounce", case=case)

    # the pieces

    def _body(self) -> str:
        mail = self.mail
        text = _text(mail.text).strip() or _text(mail.full_text).strip()
        if text:
            return text
        count = len(mail.attachments)
        return f"(no text; {count} attachment{'s' if count != 1 else ''})" if count else "(empty)"

    async def _note(self, case: Case, body: str, **data: Any) -> TimelineEntry:
        entry = record(
            self.session,
            case,
            Kind.NOTE,
            SYSTEM,
            now=self.now,
            body=_text(body),
            channel=CHANNEL,
            **_clean_json(data),
        )
        await self.session.flush()
        return entry

    async def _message_entry(self, case: Case) -> TimelineEntry:
        """The customer-message entry the case service just wrote (it does not return it):
        the newest of the case at this moment; the case row is locked (or new) meanwhile."""
        await self.session.flush()
        # Just added in this session: no need to ask the database.
        written = [
            held
            for held in self._added
            if held.case_id == case.id
            and held.kind == Kind.MESSAGE_IN
            and held.created_at == self.now
            and held.id is not None
        ]
        if written:
            return max(written, key=lambda held: held.id)
        entry = await self.session.scalar(
            select(TimelineEntry)
            .where(
                TimelineEntry.case_id == case.id,
                TimelineEntry.kind == Kind.MESSAGE_IN,
                TimelineEntry.created_at == self.now,
            )
            .order_by(TimelineEntry.id.desc())
            .limit(1)
        )
        assert entry is not None, "the case service wrote no message entry"
        return entry

    def _described(self) -> dict[str, Any]:
        """What the message's entry says of the mail; its attachments once they are stored.

        Given to the service that writes the entry, so the entry is written once with it
        (not inserted, then rewritten with the whole text again)."""
        mail = self.mail
        full_text = _text(mail.full_text)
        html = _text(mail.html_sanitised) if mail.html_sanitised else None
        return {
            "email": _clean_json(
                {
                    "inbound_id": self.inbound.id,
                    "message_id": mail.message_id,
                    "from": self.sender,
                    "from_name": mail.from_name,
                    "to": list(mail.to_addresses),
                    "cc": list(mail.cc_addresses),
                    "subject": mail.subject,
                    "date": mail.date.isoformat() if mail.date else None,
                    "full_text": full_text[:_MAX_KEPT_TEXT],
                    "html": html[:_MAX_KEPT_TEXT] if html else None,
                    "truncated": len(full_text) > _MAX_KEPT_TEXT
                    or (html is not None and len(html) > _MAX_KEPT_TEXT),
                }
            ),
            "attachments": [],
        }

    async def _keep(self, case: Case, entry: TimelineEntry) -> None:
        """Attachments and the Message-ID, tied to ``entry`` (written with ``_described``)."""
        mail, settings = self.mail, self.settings
        files: list[dict[str, Any]] = []
        for n, attachment in enumerate(mail.attachments):
            over_count = n >= settings.max_attachments
            keep = attachment.data is not None and not over_count
            stored = store_file(
                self.session,
                settings,
                case_id=case.id,
                filename=_text(attachment.filename, 255) or f"attachment-{n + 1}",
                content_type=_text(attachment.content_type, 200),
                data=attachment.data if keep else None,
                size=attachment.size,
                sha256=attachment.sha256,
                now=self.now,
                timeline_entry_id=entry.id,
                inbound_message_id=self.inbound.id,
                is_inline=attachment.is_inline,
                content_id=_text(attachment.content_id, 255) or None,
            )
            files.append({"stored": stored, "over_count": over_count})
        if files:
            await self.session.flush()
            entry.data = {
                **(entry.data or {}),
                "attachments": [
                    {
                        "file_id": item["stored"].id,
                        "filename": item["stored"].filename,
                        "content_type": item["stored"].content_type,
                        "size": item["stored"].size,
                        "inline": item["stored"].is_inline,
                        "content_id": item["stored"].content_id,
                        "kept": not item["stored"].too_large,
                        "not_kept_because": (
                            None
                            if not item["stored"].too_large
                            else (
                                f"more than {settings.max_attachments} attachments"
                                if item["over_count"]
                                else f"larger than {settings.max_attachment_bytes} bytes"
                            )
                        ),
                    }
                    for item in files
                ],
            }
        await self._link(case, entry)

    async def _link(self, case: Case, entry: TimelineEntry) -> None:
        if self.mail.message_id_generated or "\x00" in self.mail.message_id:
            return
        # One statement: a Message-ID already linked (a re-delivery, our own id) stays as is.
        await self.session.execute(
            insert_unless_present(self.session, MessageLink, key=["message_key"], returning="id"),
            {
                "message_key": message_key(self.mail.message_id),
                "message_id": _text(self.mail.message_id),
                "case_id": case.id,
                "direction": "in",
                "timeline_entry_id": entry.id,
                "inbound_message_id": self.inbound.id,
                "created_at": self.now,
            },
        )
