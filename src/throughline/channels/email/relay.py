"""The outbound relay: where our mail leaves, read from ``THROUGHLINE_SMTP_URL``.

``smtp://[user:pass@]host[:port]`` speaks plain SMTP (port 25 unless given) and
upgrades with STARTTLS whenever the server offers it; with credentials on a
host other than this machine, STARTTLS is required, so a password never
crosses the network in the clear. ``smtps://host[:port]`` connects with TLS
from the first byte (port 465). Two query options exist for unusual relays:
``?starttls=required|auto|off`` and ``?verify=false`` (a relay with a
self-signed certificate inside your own network).

Without a relay (empty URL) nothing is sent and nothing is lost: each message
is written as an ``.eml`` file under ``var/outgoing-mail/``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import aiosmtplib

_STARTTLS = {"required": True, "auto": None, "off": False}
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class RelayRefused(Exception):
    """The relay refused the recipient for good (a 5xx reply): retrying cannot help."""

    def __init__(self, recipient: str, code: int, reply: str) -> None:
        super().__init__(f"{code} {reply}")
        self.recipient = recipient
        self.code = code
        self.reply = reply


@dataclass(frozen=True)
class Relay:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps://: TLS from the first byte
    start_tls: bool | None  # True required, None when the server offers it, False never
    validate_certs: bool

    def describe(self) -> str:
        """Where mail goes, without the password: for logs and error messages."""
        scheme = "smtps" if self.use_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.hostname}:{self.port}"


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def parse_smtp_url(url: str) -> Relay:
    """The relay an ``smtp://`` or ``smtps://`` URL names; ValueError saying what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        # Never echo the URL itself: it may hold the password.
        got = f"{scheme}://" if scheme else "no scheme"
        raise ValueError(f"must start with smtp:// or smtps:// (got {got})")
    if not parts.hostname:
        raise ValueError("names no host: write smtp://[user:password@]host[:port]")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has a port that is not a number between 1 and 65535") from None
    if parts.path not in ("", "/"):
        raise ValueError(f"has a path ({parts.path!r}); an SMTP relay has none")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(options) - {"starttls", "verify"}
    if unknown:
        raise ValueError(f"has unknown options {sorted(unknown)}; known: starttls, verify")
    use_tls = scheme == "smtps"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if username is not None and password is None:
        raise ValueError("has a user but no password: write smtp://user:password@host")
    starttls_option = options.get("starttls", "").lower()
    if starttls_option and starttls_option not in _STARTTLS:
        raise ValueError("option starttls must be required, auto or off")
    if use_tls and starttls_option:
        raise ValueError("option starttls applies to smtp://; smtps:// is TLS from the start")
    if use_tls:
        start_tls: bool | None = False
    elif starttls_option:
        start_tls = _STARTTLS[starttls_option]
    else:
        # A password is never offered in the clear to another machine.
        start_tls = True if username and not _is_loopback(parts.hostname) else None
    verify = options.get("verify", "true").lower()
    if verify not in _TRUE | _FALSE:
        raise ValueError("option verify must be true or false")
    return Relay(
        hostname=parts.hostname,
        port=port or (465 if use_tls else 25),
        username=username,
        password=password,
        use_tls=use_tls,
        start_tls=start_tls,
        validate_certs=verify in _TRUE,
    )


async def send(
    relay: Relay, message: EmailMessage, *, sender: str, recipient: str, timeout: float
) -> None:
    """Hand one message to the relay; a 5xx for the recipient raises ``RelayRefused``.

    Every other failure (relay down, timeout, 4xx, rejected login) raises as it
    is, so the outbox retries with backoff and nothing is lost.
    """
    try:
        await aiosmtplib.send(
            message,
            sender=sender,
            recipients=[recipient],
            hostname=relay.hostname,
            port=relay.port,
            username=relay.username,
            password=relay.password,
            use_tls=relay.use_tls,
            start_tls=relay.start_tls,
            validate_certs=relay.validate_certs,
            timeout=timeout,
        )
    except aiosmtplib.SMTPNotSupported as exc:
        if recipient.isascii():
            raise
        # RFC 6531's reply for this case: the address needs SMTPUTF8, the relay lacks it.
        raise RelayRefused(
            recipient, 553, "5.6.7 the relay cannot send to an address with non-ASCII letters"
        ) from exc
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients[0] if exc.recipients else None
        if refused is not None and 500 <= refused.code < 600:
            raise RelayRefused(recipient, refused.code, refused.message) from exc
        raise


_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")


def eml_path(directory: Path, message_id: str) -> Path:
    """The file of one message: named by its Message-ID, so a retry rewrites the same file."""
    name = _UNSAFE.sub("_", message_id.strip("<>"))[:200].lstrip(".") or "message"
    return directory / f"{name}.eml"


async def write_eml(directory: Path, message: EmailMessage, message_id: str) -> Path:
    """Keep a message that has no relay to go to; atomic, so a crash leaves no half file."""
    path = eml_path(directory, message_id)
    data = message.as_bytes(policy=message.policy.clone(linesep="\n"))

    def write() -> None:
        directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)

    await asyncio.to_thread(write)
    return path
