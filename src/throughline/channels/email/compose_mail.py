"""A notice as an email: MIME parts and headers. Pure functions, no I/O.

The same timeline entry always gives the same Message-ID, Date and body, so a
retry after a crash sends the very same message again and receivers (and our
own ``var/outgoing-mail/`` file) see one mail, not two different ones.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTPUTF8
from email.utils import format_datetime

from throughline.channels.notices import Composed

# References keeps the thread's first message and the latest ones (RFC 5322 §3.6.4
# allows trimming); a long case must not grow a header without bound.
MAX_REFERENCES = 20

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""


def one_line(value: str) -> str:
    """A header value on one line: a newline in a subject or a name is never a new header."""
    return " ".join(value.split())


def mail_domain(address: str) -> str:
    domain = address.rpartition("@")[2].strip().strip(">").lower()
    return domain or "localhost"


def outbound_message_id(
    *, secret_key: str, case_id: int, case_nonce: str, entry_id: int, domain: str
) -> str:
    """The Message-ID (without brackets) of the mail telling timeline entry ``entry_id``.

    Stable for the entry, so every retry carries the same id; the keyed hash
    over the case's random nonce keeps ids unique across installations and
    databases rebuilt from scratch, where the same numbers come back.
    """
    digest = hmac.new(
        secret_key.encode(), f"mail:{case_nonce}:{entry_id}".encode(), hashlib.sha256
    ).hexdigest()[:12]
    return f"tl-{case_id}-{entry_id}.{digest}@{domain}"


def mailable_address(address: str) -> str | None:
    """``address`` as we send to it, or None when it cannot be mailed.

    An international domain goes in its ASCII (punycode) form, which every relay
    accepts; non-ASCII letters in the local part are kept (RFC 6531) and need a
    relay that speaks SMTPUTF8.
    """
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        return None
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if any(not ch.isascii() and unicodedata.category(ch)[0] not in "LMNS" for ch in local):
        return None  # a control character or space smuggled in as non-ASCII
    probe = "".join(ch if ch.isascii() else "a" for ch in local)
    try:
        parsed = Address(addr_spec=f"{probe}@{domain}")
    except (HeaderParseError, ValueError, IndexError):
        return None
    if parsed.domain != domain or "." not in domain.strip("."):
        return None
    return f"{local}@{domain}"


def needs_smtputf8(address: str) -> bool:
    return not address.rpartition("@")[0].isascii()


def thread_references(message_ids: Sequence[str]) -> list[str]:
    """The References of a reply: the thread oldest first, its start and latest ids kept."""
    ids = list(dict.fromkeys(message_ids))
    if len(ids) <= MAX_REFERENCES:
        return ids
    return [ids[0], *ids[-(MAX_REFERENCES - 1) :]]


def _link(url: str) -> str:
    trimmed = url.rstrip(_TRAILING_PUNCTUATION)
    rest = url[len(trimmed) :]
    href = html.escape(trimmed, quote=True)
    return f'<a href="{href}">{html.escape(trimmed)}</a>{html.escape(rest)}'


def linkify(text: str) -> str:
    """``text`` as escaped HTML, with web links and email addresses made into real links."""
    out: list[str] = []
    position = 0
    pattern = re.compile(f"{_URL.pattern}|{_EMAIL.pattern}", re.IGNORECASE)
    for match in pattern.finditer(text):
        out.append(html.escape(text[position : match.start()]))
        found = match.group(0)
        if found.lower().startswith(("http://", "https://")):
            out.append(_link(found))
        else:
            escaped = html.escape(found, quote=True)
            out.append(f'<a href="mailto:{escaped}">{escaped}</a>')
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def _paragraph(text: str) -> str:
    return "<p>" + "<br>\n".join(linkify(line) for line in text.split("\n")) + "</p>"


def html_version(composed: Composed) -> str:
    """A simple HTML alternative of the plain text: same words, escaped, links clickable."""
    body = [_paragraph(composed.greeting)]
    for paragraph in composed.paragraphs:
        body.extend(_paragraph(block) for block in re.split(r"\n\s*\n", paragraph) if block)
    body.append('<hr style="border:none;border-top:1px solid #d0d7de;margin:24px 0">')
    if composed.owner_name:
        lines = [f"{composed.owner_name} looks after your case.", *composed.contact_lines]
        body.append(_paragraph("\n".join(lines)))
    url = html.escape(composed.status_url, quote=True)
    body.append(
        f'<p>See your case at any time: <a href="{url}">{html.escape(composed.status_url)}</a></p>'
    )
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{html.escape(composed.subject)}</title>\n"
        "</head>\n"
        '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;'
        'font-size:15px;line-height:1.5;color:#1f2328">\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


@dataclass(frozen=True)
class Envelope:
    """Who a mail is from and to, and where it sits in the case's thread."""

    message_id: str  # without brackets
    support_address: str
    to_name: str
    to_address: str
    date: datetime
    in_reply_to: str | None
    references: Sequence[str]
    automatic: bool  # a notice the system sent by itself, not a person's reply
    case_number: str
    notice: str


def build_mail(composed: Composed, envelope: Envelope) -> EmailMessage:
    """The MIME message: multipart/alternative, plain text first, then the HTML version."""
    local, _, domain = envelope.to_address.rpartition("@")
    # Raw UTF-8 headers only when the address itself needs them (RFC 6532).
    message = (
        EmailMessage(policy=SMTPUTF8) if needs_smtputf8(envelope.to_address) else EmailMessage()
    )
    sender = Address(
        display_name=one_line(composed.sender_name), addr_spec=envelope.support_address
    )
    message["From"] = sender
    message["Reply-To"] = sender
    message["To"] = Address(display_name=one_line(envelope.to_name), username=local, domain=domain)
    message["Subject"] = one_line(composed.subject)
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = f"<{envelope.message_id}>"
    if envelope.in_reply_to:
        message["In-Reply-To"] = f"<{envelope.in_reply_to}>"
    if envelope.references:
        message["References"] = " ".join(f"<{ref}>" for ref in envelope.references)
    if envelope.automatic:
        # RFC 3834: no auto-replies to this, please; Exchange reads its own header.
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
    message["X-Throughline-Case"] = envelope.case_number
    message["X-Throughline-Notice"] = envelope.notice
    # Quoted-printable keeps the mail 7-bit: any relay passes it, and it stays readable.
    message.set_content(composed.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(
        html_version(composed), subtype="html", charset="utf-8", cte="quoted-printable"
    )
    # A boundary of our own rather than a random one: a retry sends identical bytes.
    boundary = hashlib.sha256(envelope.message_id.encode()).hexdigest()[:24]
    message.set_boundary(f"==tl-{boundary}==")
    return message
