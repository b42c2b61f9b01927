"""Mail that no person wrote: auto-replies and bounces. Pure rules, no I/O.

Answering an auto-reply starts a mail loop; opening a case for a bounce buries
the rep in noise. The ingest uses these rules so that such mail never reopens a
case nor triggers a reply, and a bounce is recorded against the message it reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from email.policy import default as default_policy

from throughline.channels.email.headers import (
    clean_line,
    decode_bytes,
    normalize_message_id,
    raw_header,
)

_AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply")
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_AUTO_REPLY_SUBJECT = re.compile(
    r"""^\s*(?:
        out\sof\s(?:the\s)?office | automatic\sreply | auto(?:matic)?[\s-]?(?:reply|response)
      | autosvar | automatisk\ssvar | automatische\s(?:antwort|rückantwort)
      | abwesenheit(?:snotiz)? | réponse\sautomatique | absence | respuesta\sautomática
      | fuera\sde\s(?:la\s)?oficina | risposta\sautomatica | resposta\sautomática
      | afwezig | vacation | away\sfrom\s(?:the\s)?office
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_NOREPLY_SENDER = re.compile(r"^(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster)", re.I)


def auto_reply_reason(msg: Message, subject: str, from_address: str | None) -> str | None:
    """Why this mail counts as automatic (never reopens a case, never answered), or None.

    The rule (RFC 3834 plus what real autoresponders and list servers send):

    - ``Auto-Submitted`` with any value but ``no``;
    - ``X-Autoreply`` / ``X-Autorespond`` (and ``-From``, ``X-Mail-Autoreply``), unless "no";
    - ``Precedence: bulk``, ``junk``, ``list`` or ``auto_reply``;
    - ``List-Id`` or ``List-Unsubscribe``: list traffic, answering it mails the list;
    - a ``multipart/report`` that is not a delivery report (read receipts, feedback);
    - an auto-reply subject ("Out of Office", "Automatic reply", "Autosvar",
      "Abwesenheitsnotiz", "Réponse automatique"…) only together with a weak
      header hint: a null ``Return-Path: <>``, an ``X-Auto-Response-Suppress``
      header (Exchange marks its own replies so), or a no-reply sender. The
      subject alone never counts: customers write "Out of office replies loop
      forever" too. An empty or missing Reply-To is not a hint: most people's
      mail has none.
    """
    auto_submitted = _token(raw_header(msg, "auto-submitted"))
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in _AUTO_REPLY_HEADERS:
        value = raw_header(msg, name)
        if value is not None and _token(value) not in ("no", "false", "0"):
            return f"{_title(name)}: {clean_line(value)}".rstrip(": ")
    precedence = _token(raw_header(msg, "precedence"))
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("list-id", "list-unsubscribe"):
        if raw_header(msg, name) is not None:
            return f"{_title(name)} present"
    if msg.get_content_type() == "multipart/report" and not is_delivery_report(msg):
        return f"multipart/report; report-type={_report_type(msg) or 'unknown'}"
    if _AUTO_REPLY_SUBJECT.match(subject):
        if _token(raw_header(msg, "return-path")) == "<>":
            return "auto-reply subject from a null Return-Path"
        if raw_header(msg, "x-auto-response-suppress") is not None:
            return "auto-reply subject with X-Auto-Response-Suppress"
        if from_address and _NOREPLY_SENDER.match(from_address):
            return "auto-reply subject from a no-reply sender"
    return None


def _token(value: str | None) -> str:
    """The first word of a header, lower-cased: "auto-replied (vacation)" → "auto-replied"."""
    if not value:
        return ""
    return re.split(r"[\s;(]", value.strip(), maxsplit=1)[0].lower()


def _title(name: str) -> str:
    return "-".join(piece.capitalize() for piece in name.split("-"))


def _report_type(msg: Message) -> str:
    value = msg.get_param("report-type")
    return value.lower() if isinstance(value, str) else ""


# --- bounces ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery-status notification about a message we sent."""

    original_message_id: str | None  # normalised, as in ParsedEmail.message_id
    recipient: str | None  # the address that failed, lower-cased
    action: str | None  # "failed", "delayed", "delivered", "relayed", "expanded"
    status: str | None  # RFC 3463 code such as "5.1.1"
    diagnostic: str | None  # the remote server's words, e.g. "550 5.1.1 User unknown"

    @property
    def permanent(self) -> bool:
        """Whether the address is dead (a 5.x.x failure), not merely delayed."""
        if self.action is not None:
            return self.action == "failed"
        return (self.status or "").startswith("5")


_EMBEDDED_TYPES = frozenset({"message/rfc822", "message/global"})
_HEADERS_TYPES = frozenset({"text/rfc822-headers", "message/global-headers"})
_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mdaemon"})
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|returned\smail|return\sreceipt\sfailure|delivery\s(?:status|failure"
    r"|failed|has\sfailed|problem|notification|delayed|incomplete)|mail\sdelivery\s(?:failed"
    r"|failure|subsystem)|failure\snotice|could\snot\sbe\sdelivered|non-?delivery"
    r"|nondeliverable|unzustellbar|nicht\szustellbar|non\sremis|no\sentregado"
    r"|warning:\scould\snot\ssend",
    re.IGNORECASE,
)
_STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_SMTP_REPLY = re.compile(r"^(?:.*?said:\s*)?([45]\d\d[ -].+)$")
_ADDRESS_LINE = re.compile(r"^\s*<?([^\s<>@:]+@[^\s<>:]+?)>?:?\s*$")
_MAX_DEPTH = 20


def is_delivery_report(msg: Message) -> bool:
    """A standard DSN: multipart/report with report-type delivery-status, or with its part."""
    if msg.get_content_type() != "multipart/report":
        return False
    if _report_type(msg) == "delivery-status":
        return True
    return any(p.get_content_type() == "message/delivery-status" for p in _parts(msg))


def find_bounce(
    msg: Message, *, from_address: str | None, subject: str, body_text: str
) -> Bounce | None:
    """The bounce this mail is, or None.

    Standard delivery-status notifications (RFC 3464) are read field by field.
    Non-standard ones are recognised, as a best effort, when they come from a
    mailer daemon (MAILER-DAEMON, postmaster, or a From naming one) and either
    have a bounce subject ("Undelivered Mail", "failure notice", "Returned mail"…),
    carry the returned message, or have ``X-Failed-Recipients``; their fields
    are then picked out of the text.
    """
    failed = raw_header(msg, "x-failed-recipients")
    if is_delivery_report(msg):
        # A report whose status part is missing or broken is still a report.
        standard = _standard_bounce(msg, body_text)
        return standard or _best_effort_bounce(msg, subject, body_text, failed)
    if not _from_daemon(msg, from_address):
        return None
    returned = any(p.get_content_type() in _EMBEDDED_TYPES | _HEADERS_TYPES for p in _parts(msg))
    if not (_BOUNCE_SUBJECT.search(subject) or returned or failed):
        return None
    return _best_effort_bounce(msg, subject, body_text, failed)


def _from_daemon(msg: Message, from_address: str | None) -> bool:
    if from_address and from_address.split("@", 1)[0] in _DAEMONS:
        return True
    raw_from = (raw_header(msg, "from") or "").lower()
    return "mailer-daemon" in raw_from or "mailer daemon" in raw_from


def _parts(msg: Message, depth: int = 0) -> Iterator[Message]:
    """Every part, without descending into attached messages (the returned mail is theirs)."""
    yield msg
    if depth >= _MAX_DEPTH or msg.get_content_maintype() == "message":
        return
    payload = msg.get_payload()
    if msg.is_multipart() and isinstance(payload, list):
        for part in payload:
            if isinstance(part, Message):
                yield from _parts(part, depth + 1)


def _standard_bounce(msg: Message, body_text: str) -> Bounce | None:
    blocks: list[dict[str, str]] = []
    for part in _parts(msg):
        if part.get_content_type() == "message/delivery-status":
            blocks.extend(_status_blocks(part))
    per_recipient = [b for b in blocks if "final-recipient" in b or "original-recipient" in b]
    per_recipient = per_recipient or [b for b in blocks if "action" in b]
    if not per_recipient:
        return None
    # Several recipients may be reported: the first that failed is the news.
    failed = [b for b in per_recipient if b.get("action", "").lower() == "failed"]
    chosen = (failed or per_recipient)[0]
    recipient = _recipient(chosen.get("final-recipient") or chosen.get("original-recipient"))
    status = chosen.get("status", "")
    status_match = _STATUS_CODE.search(status)
    # "5.0.0 (recipient reached disk quota)": the comment explains when nothing else does.
    comment = re.search(r"\((.+)\)", status)
    return Bounce(
        original_message_id=_returned_message_id(msg, body_text),
        recipient=recipient,
        action=chosen["action"].split()[0].lower() if chosen.get("action") else None,
        status=status_match.group(1) if status_match else status or None,
        diagnostic=_diagnostic(chosen.get("diagnostic-code"))
        or (clean_line(comment.group(1)) if comment else None)
        or _smtp_reply_in(body_text),
    )


def _status_blocks(part: Message) -> list[dict[str, str]]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [
            {name.lower(): clean_line(value) for name, value in block.raw_items()}
            for block in payload
            if isinstance(block, Message)
        ]
    # Not parsed into blocks (a broken part): read "Name: value" paragraphs ourselves.
    raw = part.get_payload(decode=True)
    text = decode_bytes(raw, None) if isinstance(raw, bytes) else str(payload)
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        headers = HeaderParser(policy=default_policy).parsestr(chunk.strip() + "\n")
        blocks.append({name.lower(): clean_line(value) for name, value in headers.raw_items()})
    return blocks


def _recipient(value: str | None) -> str | None:
    if not value:
        return None
    address = value.rsplit(";", 1)[-1].strip().strip("<>").strip().lower()
    return address if "@" in address else None


def _diagnostic(value: str | None) -> str | None:
    if not value:
        return None
    # "smtp; 550 5.1.1 …": the type before the first ";" is not for people.
    kind, sep, rest = value.partition(";")
    text = rest if sep and re.fullmatch(r"[\w-]+", kind.strip()) else value
    return clean_line(text)[:500] or None


def _returned_message_id(msg: Message, body_text: str) -> str | None:
    for part in _parts(msg):
        content_type = part.get_content_type()
        if content_type in _EMBEDDED_TYPES:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found = normalize_message_id(raw_header(inner[0], "message-id"))
                if found:
                    return found
        elif content_type in _HEADERS_TYPES:
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                found = _message_id_in_text(decode_bytes(raw, part.get_content_charset()))
                if found:
                    return found
    return _message_id_in_text(body_text)


_MESSAGE_ID_LINE = re.compile(r"^[ \t>]*message-id:[ \t]*(.*(?:\n[ \t]+.*)*)", re.I | re.M)


def _message_id_in_text(text: str) -> str | None:
    match = _MESSAGE_ID_LINE.search(text.replace("\r\n", "\n"))
    return normalize_message_id(match.group(1)) if match else None


def _field_in_text(name: str, text: str) -> str | None:
    match = re.search(rf"^[ \t]*{name}:[ \t]*(.+)$", text, re.I | re.M)
    return match.group(1).strip() if match else None


def _smtp_reply_in(text: str) -> str | None:
    """The first line that reads like a remote server's SMTP reply ("550 5.1.1 …")."""
    for line in text.split("\n"):
        match = _SMTP_REPLY.match(line.strip())
        if match:
            return clean_line(match.group(1))[:500]
    return None


def _best_effort_bounce(
    msg: Message, subject: str, body_text: str, failed_header: str | None
) -> Bounce:
    text = body_text.replace("\r\n", "\n")
    recipient = None
    if failed_header:
        recipient = _recipient(failed_header.split(",")[0])
    recipient = recipient or _recipient(
        _field_in_text("final-recipient", text) or _field_in_text("original-recipient", text)
    )
    reason = None
    if recipient is None:
        # qmail and friends: "<user@example.com>:" on a line, the reason on the next.
        lines = text.split("\n")
        for index, line in enumerate(lines):
            match = _ADDRESS_LINE.match(line)
            if match:
                recipient = match.group(1).lower()
                reason = next((n.strip() for n in lines[index + 1 :] if n.strip()), None)
                break
    status_field = _field_in_text("status", text)
    status_match = _STATUS_CODE.search(status_field or "") or _STATUS_CODE.search(text)
    status = status_match.group(1) if status_match else None
    action = (_field_in_text("action", text) or "").split(" ")[0].lower() or None
    if action is None:
        delayed = re.search(r"delay|warning", subject, re.I) or (status or "").startswith("4")
        action = "delayed" if delayed else "failed"
    diagnostic = _diagnostic(_field_in_text("diagnostic-code", text)) or _smtp_reply_in(text)
    if diagnostic is None and reason is not None:
        diagnostic = clean_line(reason)[:500]
    return Bounce(
        original_message_id=_returned_message_id(msg, text),
        recipient=recipient,
        action=action,
        status=status,
        diagnostic=diagnostic,
    )
