"""Polling a mailbox at a mail provider (``THROUGHLINE_IMAP_URL``) into the same ingest as SMTP.

For teams whose support address lives at a provider: every unseen message is
fetched (with ``BODY.PEEK``, which does not mark it), stored with
``store_raw``, and only then flagged ``\\Seen``. A crash in between fetches it
again next time, and the ingest's Message-ID idempotence makes that harmless;
so do several workers polling the same mailbox at once.

The standard library's ``imaplib`` is blocking: each poll runs in a thread.
"""

from __future__ import annotations

import asyncio
import imaplib
import logging
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from throughline.channels.email import ingest
from throughline.channels.email.ingest import MessageTooLarge, process_batch, store_raw
from throughline.config import Settings
from throughline.db import Database

log = logging.getLogger("throughline.imap")

# One poll fetches at most this many messages; the next poll takes the rest.
BATCH = 200
_TIMEOUT = 60.0


@dataclass(frozen=True)
class MailboxUrl:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    mailbox: str

    @classmethod
    def parse(cls, url: str) -> MailboxUrl:
        """``imap://user:pass@host[:port]/MAILBOX`` or ``imaps://…`` (TLS, port 993)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError("THROUGHLINE_IMAP_URL: must start with imap:// or imaps://")
        if not parts.hostname or parts.username is None:
            raise ValueError("THROUGHLINE_IMAP_URL: needs user:password@host")
        secure = parts.scheme == "imaps"
        return cls(
            secure=secure,
            host=parts.hostname,
            port=parts.port or (993 if secure else 143),
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        )


def _connect(url: MailboxUrl) -> imaplib.IMAP4:
    if url.secure:
        return imaplib.IMAP4_SSL(
            url.host, url.port, ssl_context=ssl.create_default_context(), timeout=_TIMEOUT
        )
    return imaplib.IMAP4(url.host, url.port, timeout=_TIMEOUT)


def _check(result: tuple[str, Any], what: str) -> list[Any]:
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what} failed: {data!r}")
    return data


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Mailbox:
    """One IMAP session, used from one thread."""

    def __init__(self, url: MailboxUrl) -> None:
        self.client = _connect(url)
        try:
            _check(self.client.login(url.user, url.password), "LOGIN")
            _check(self.client.select(_quoted(url.mailbox)), f"SELECT {url.mailbox}")
        except Exception:
            self.close()
            raise

    def unseen(self) -> list[str]:
        data = _check(self.client.uid("SEARCH", "UNSEEN"), "SEARCH UNSEEN")
        first = data[0] if data else b""
        uids = (first if isinstance(first, bytes) else b"").split()[:BATCH]
        return [uid.decode("ascii") for uid in uids]

    def fetch(self, uid: str) -> bytes | None:
        data = _check(self.client.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
                return item[1]
        return None  # expunged by someone else meanwhile

    def mark_seen(self, uid: str) -> None:
        _check(self.client.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)"), "STORE \\Seen")

    def close(self) -> None:
        try:
            self.client.logout()
        except Exception:  # noqa: BLE001 - a connection that is already gone is closed
            pass


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0  # new rows (the rest were re-deliveries)
    refused: int = 0  # over the size limit: left unseen in the mailbox for a person


async def poll(database: Database, settings: Settings, *, process_now: bool = True) -> PollResult:
    """Fetch unseen mail, store each message, then mark it seen; then process what is new."""
    url = MailboxUrl.parse(settings.imap_url)
    mailbox = await asyncio.to_thread(_Mailbox, url)
    result = PollResult()
    new: list[tuple[int, bytes]] = []
    try:
        for uid in await asyncio.to_thread(mailbox.unseen):
            raw = await asyncio.to_thread(mailbox.fetch, uid)
            if raw is None:
                continue
            result.fetched += 1
            try:
                stored = await store_raw(
                    database,
                    raw,
                    source="imap",
                    envelope={"mailbox": url.mailbox, "uid": uid, "host": url.host},
                    settings=settings,
                )
            except MessageTooLarge:
                # Not ours to keep; leaving it unseen keeps it visible in the mailbox.
                log.warning("mailbox message %s is over the size limit; left unread", uid)
                result.refused += 1
                continue
            # Only now, with the bytes committed, may the mailbox forget it is new.
            await asyncio.to_thread(mailbox.mark_seen, uid)
            if stored.created:
                result.stored += 1
                new.append((stored.id, raw))
    finally:
        await asyncio.to_thread(mailbox.close)
    if process_now:
        for start in range(0, len(new), ingest.BATCH):
            chunk: list[tuple[int, bytes | None]] = list(new[start : start + ingest.BATCH])
            await process_batch(database, settings, chunk)
    return result
