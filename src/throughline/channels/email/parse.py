"""One inbound mail, as raw bytes, read into what the ingest needs. Pure: no I/O.

``parse_message`` never raises. Mail is written by thousands of programs, many
of them wrong; a message that cannot be read at all comes back with
``readable=False`` and a ``problem``, so that the caller keeps it (the raw bytes
are stored before parsing) and shows it to a lead instead of losing it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, parseaddr, parsedate_to_datetime

from throughline.channels.email.headers import (
    case_number_from_subject,
    clean_line,
    decode_bytes,
    decode_header_text,
    fix_8bit,
    message_ids,
    normalize_message_id,
    raw_header,
    raw_headers,
)
from throughline.channels.email.loops import Bounce, auto_reply_reason, find_bounce
from throughline.channels.email.text import html_to_text, sanitise_html, strip_quoted, unflow

_PARSER = BytesParser(policy=policy.default)
_AS_SENT = policy.default.clone(refold_source="none")  # re-serialise parts without refolding
_MAX_DEPTH = 30  # MIME nesting deeper than this is an attack or a bug, not a mail
_GENERATED_DOMAIN = "generated.throughline.invalid"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file or inline image carried by a mail."""

    filename: str  # safe to show and to offer as a download name
    content_type: str
    content_id: str | None  # without <>; what an HTML body's ``cid:`` URL names
    is_inline: bool  # shown inside the body (inline disposition or a cid image)
    data: bytes | None = field(repr=False)  # None when too_large
    size: int
    sha256: str  # hex digest of the content, also when too large to keep
    too_large: bool = False


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    """What the ingest needs from one mail. Sequences are tuples: the value is immutable.

    ``readable=False`` means the body (or the whole mail) could not be read;
    ``problem`` says why, and the header fields hold whatever could be read, so
    that an unreadable mail is still de-duplicated on ``message_id``.
    """

    readable: bool
    problem: str | None
    message_id: str  # normalised: no <>, no white space
    message_id_generated: bool  # the mail had none; derived from its bytes
    in_reply_to: str | None
    references: tuple[str, ...]  # oldest first, as in the header
    subject: str
    from_address: str | None  # lower-cased; None when there is no usable address
    from_name: str | None
    to_addresses: tuple[str, ...]
    cc_addresses: tuple[str, ...]
    reply_to_addresses: tuple[str, ...]
    date: datetime | None  # aware, UTC
    text: str  # the new text for the timeline: no quoted history, no signature
    full_text: str  # the same before stripping ("show the whole message")
    html_sanitised: str | None  # safe HTML of the HTML part, if the mail had one
    attachments: tuple[Attachment, ...]
    case_number: int | None  # from a [TL-1042] / (TL-1042) tag in the subject
    is_auto_reply: bool
    auto_reply_reason: str | None
    bounce: Bounce | None
    defects: tuple[str, ...] = ()  # what the parser found wrong, for "could not be read"

    @property
    def is_automatic(self) -> bool:
        """Auto-replies and bounces: they never reopen a case and are never answered."""
        return self.is_auto_reply or self.bounce is not None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs to look up for threading, most specific first.

        In-Reply-To names the message answered; References runs oldest to
        newest, so it is read backwards.
        """
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [i for i in reversed(self.references) if i != self.in_reply_to]
        return tuple(ids)


def generated_message_id(raw: bytes) -> str:
    """A stable Message-ID for a mail without one: the same bytes give the same id."""
    return f"{hashlib.sha256(raw).hexdigest()[:40]}@{_GENERATED_DOMAIN}"


def parse_message(raw: bytes, *, max_attachment_bytes: int) -> ParsedEmail:
    """Read one mail. Never raises; see the module docstring."""
    raw = bytes(raw)
    try:
        msg = _PARSER.parsebytes(raw)
    except Exception as exc:  # whatever the bytes are, the caller must get an answer
        return _unreadable(raw, f"the message could not be parsed ({type(exc).__name__})")
    if not msg.keys():
        return _unreadable(raw, "no mail headers found: this is not an email message")
    defects = _defects(msg)
    repaired = _with_repaired_boundary(msg, raw)
    if repaired is not None:
        defects = tuple(sorted({*defects, *_defects(repaired), "BoundaryRepaired"}))
    try:
        return _parse(repaired or msg, raw, max_attachment_bytes, defects)
    except Exception as exc:  # a parser bug must not lose a customer's mail
        return _unreadable(raw, f"the message could not be read ({type(exc).__name__}: {exc})")


def _unreadable(raw: bytes, problem: str) -> ParsedEmail:
    return ParsedEmail(
        readable=False,
        problem=problem,
        message_id=generated_message_id(raw),
        message_id_generated=True,
        in_reply_to=None,
        references=(),
        subject="",
        from_address=None,
        from_name=None,
        to_addresses=(),
        cc_addresses=(),
        reply_to_addresses=(),
        date=None,
        text="",
        full_text="",
        html_sanitised=None,
        attachments=(),
        case_number=None,
        is_auto_reply=False,
        auto_reply_reason=None,
        bounce=None,
    )


def _parse(
    msg: Message, raw: bytes, max_attachment_bytes: int, defects: tuple[str, ...]
) -> ParsedEmail:
    charset = _charset(msg)  # a hint for raw 8-bit bytes in headers
    message_id = normalize_message_id(raw_header(msg, "message-id"))
    subject = decode_header_text(raw_header(msg, "subject") or "", charset)
    senders = _addresses(msg, "from", charset) or _addresses(msg, "sender", charset)
    from_name, from_address = senders[0] if senders else (None, None)

    problem = None
    body = _Body(max_attachment_bytes)
    try:
        body.visit(msg, 0)
        full_text = body.text()
        html = "\n".join(body.htmls)
        html_sanitised = sanitise_html(html) if html.strip() else None
    except Exception as exc:  # keep the headers: they still thread the mail
        problem = f"the body could not be read ({type(exc).__name__}: {exc})"
        full_text, html_sanitised = "", None
    # A forward's quoted part is the point of it ("see the error below").
    text = full_text if _FORWARD_SUBJECT.match(subject) else strip_quoted(full_text)

    try:
        reason = auto_reply_reason(msg, subject, from_address)
    except Exception:  # not knowing is "not automatic": a person will see it
        reason = None
    try:
        bounce = find_bounce(msg, from_address=from_address, subject=subject, body_text=full_text)
    except Exception:
        bounce = None

    return ParsedEmail(
        readable=problem is None,
        problem=problem,
        message_id=message_id or generated_message_id(raw),
        message_id_generated=message_id is None,
        in_reply_to=normalize_message_id(raw_header(msg, "in-reply-to")),
        references=tuple(message_ids(" ".join(raw_headers(msg, "references")))),
        subject=subject,
        from_address=from_address,
        from_name=from_name,
        to_addresses=_address_list(msg, "to", charset),
        cc_addresses=_address_list(msg, "cc", charset),
        reply_to_addresses=_address_list(msg, "reply-to", charset),
        date=_date(raw_header(msg, "date")),
        text=text,
        full_text=full_text,
        html_sanitised=html_sanitised,
        attachments=tuple(
            a if a.filename else replace(a, filename=f"attachment-{n}{_extension(a.content_type)}")
            for n, a in enumerate(body.attachments, 1)
        ),
        case_number=case_number_from_subject(subject),
        is_auto_reply=reason is not None,
        auto_reply_reason=reason,
        bounce=bounce,
        defects=defects,
    )


_FORWARD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)*(?:fwd?|fw|wg|tr|rv|enc)\s*:", re.I)


_BOUNDARY_LINE = re.compile(r"^--([^\s]{1,70}?)(?:--)?[ \t\r]*$", re.M)
_CONTENT_TYPE_HEADER = re.compile(rb"(?im)^content-type:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*")
_BOUNDARY_PARAM = re.compile(rb"""(?i);?\s*boundary\s*=\s*(?:"[^"]*"|[^;\s]*)""")


def _with_repaired_boundary(msg: Message, raw: bytes) -> Message | None:
    """The mail re-read with the boundary its body really uses, when the header's is wrong.

    Some senders declare one boundary and use another (or truncate the
    parameter); the body then reads as MIME source. A line ``--X`` followed by
    part headers is taken as the real boundary. None when there is nothing to repair.
    """
    try:
        if msg.get_content_maintype() != "multipart" or msg.is_multipart():
            return None
        body = str(msg.get_payload())
        boundary = None
        for match in _BOUNDARY_LINE.finditer(body):
            following = body[match.end() : match.end() + 200].lstrip("\r\n")
            if following[:8].lower() == "content-":
                boundary = match.group(1)
                break
        if boundary is None:
            return None
        split = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
        if split < 0:
            return None
        head, rest = raw[:split], raw[split:]
        header = _CONTENT_TYPE_HEADER.search(head)
        if header is None:
            return None
        value = _BOUNDARY_PARAM.sub(b"", header.group(0)).rstrip(b"; \t\r\n")
        fixed = value + b'; boundary="' + boundary.encode("utf-8", "surrogateescape") + b'"'
        reparsed = _PARSER.parsebytes(head[: header.start()] + fixed + head[header.end() :] + rest)
        return reparsed if reparsed.is_multipart() else None
    except Exception:  # a repair that fails leaves the mail as it was
        return None


# --- headers ---------------------------------------------------------------------------


def _charset(msg: Message) -> str | None:
    try:
        return msg.get_content_charset()
    except Exception:
        return None


def _addresses(msg: Message, name: str, charset: str | None) -> list[tuple[str | None, str]]:
    """(display name, lower-cased address) pairs of an address header; bad entries skipped."""
    found: list[tuple[str | None, str]] = []
    for value in raw_headers(msg, name):
        value = fix_8bit(value, charset)
        try:
            header = policy.default.header_factory(name, value)
            parsed = [(a.display_name, a.addr_spec) for a in header.addresses]
        except Exception:
            parsed = [parseaddr(value)]
        comment_name = parseaddr(value)[0] if len(parsed) == 1 else ""
        lowered = [(shown, address.strip().lower()) for shown, address in parsed]
        valid = [(shown, address) for shown, address in lowered if _ADDRESS.fullmatch(address)]
        if not valid:  # unbalanced quotes and the like: take what looks like an address
            valid = [("", address.lower()) for address in _ADDRESS.findall(value)]
        for display_name, address in valid:
            shown = clean_line(decode_header_text(display_name or comment_name, charset))
            found.append((shown or None, address))
    return found


_ADDRESS = re.compile(r"[^\s<>(),;:\"@\[\]]+@[^\s<>(),;:\"@\[\]]+")


def _address_list(msg: Message, name: str, charset: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(address for _, address in _addresses(msg, name, charset)))


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000": the sender does not know its zone; take UTC
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _defects(msg: Message) -> tuple[str, ...]:
    names: set[str] = set()
    try:
        for part in msg.walk():
            names.update(type(defect).__name__ for defect in part.defects)
    except Exception:
        names.add("UnwalkableStructure")
    return tuple(sorted(names))


# --- body and attachments --------------------------------------------------------------

_EMBEDDED_MESSAGES = frozenset({"message/rfc822", "message/global"})
_EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
    "text/calendar": ".ics",
    "application/pgp-signature": ".asc",
    "application/pgp-keys": ".asc",
}
_MIME_TYPES = mimetypes.MimeTypes()  # built-in table only: the same answer on every host
_MAX_FILENAME_BYTES = 200
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


class _Body:
    """Walks the MIME tree: body text and HTML in reading order, everything else attached."""

    def __init__(self, max_attachment_bytes: int) -> None:
        self.max_attachment_bytes = max_attachment_bytes
        self.texts: list[tuple[str, str]] = []  # ("plain", text) or ("html", markup)
        self.htmls: list[str] = []
        self.attachments: list[Attachment] = []
        self.fallbacks: list[tuple[Message, int]] = []  # inline text files, attached mails

    def text(self) -> str:
        """The readable text; a mail whose only content is attached falls back to that."""
        chunks = [html_to_text(c) if kind == "html" else c for kind, c in self.texts]
        text = "\n\n".join(c.strip("\n") for c in chunks if c.strip())
        if text:
            return text
        for part, depth in self.fallbacks:
            if part.get_content_type() == "text/plain":
                text = _part_text(part).strip("\n")
            else:
                inner = _Body(self.max_attachment_bytes)
                inner.visit(part, depth)
                text = inner.text()
            if text.strip():
                return text
        return ""

    def visit(self, part: Message, depth: int) -> None:
        content_type = part.get_content_type()
        if depth > _MAX_DEPTH:
            self._attach(part)
        elif content_type in _EMBEDDED_MESSAGES:
            self._attach(part)
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                self.fallbacks.append((payload[0], depth + 1))
        elif part.get_content_maintype() == "message" or content_type == "text/rfc822-headers":
            self._attach(part)
        elif part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if content_type == "multipart/alternative":
                self._alternative(children, depth)
            else:
                for child in children:
                    self.visit(child, depth + 1)
        elif part.get_content_maintype() == "multipart":
            # Declared multipart without a usable boundary: all we have is its text.
            self.texts.append(("plain", _part_text(part)))
        elif content_type in ("text/plain", "text/html") and not _is_attachment(part):
            kind = "html" if content_type == "text/html" else "plain"
            content = _part_text(part)
            self.texts.append((kind, content))
            if kind == "html":
                self.htmls.append(content)
        else:
            self._attach(part)
            if content_type == "text/plain" and part.get_content_disposition() != "attachment":
                self.fallbacks.append((part, depth))

    def _alternative(self, children: list[Message], depth: int) -> None:
        versions = []
        for child in children:
            version = _Body(self.max_attachment_bytes)
            version.visit(child, depth + 1)
            versions.append(version)
            self.attachments.extend(version.attachments)
            self.fallbacks.extend(version.fallbacks)
        # The last alternative is the sender's preferred one; plain text is ours
        # for the timeline, unless it is empty (some clients send an empty one).
        plain = [v for v in versions if any(k == "plain" and c.strip() for k, c in v.texts)]
        readable = [v for v in versions if any(c.strip() for _, c in v.texts)]
        if plain or readable:
            self.texts.extend((plain or readable)[-1].texts)
        with_html = [v for v in versions if v.htmls]
        if with_html:
            self.htmls.extend(with_html[-1].htmls)

    def _attach(self, part: Message) -> None:
        self.attachments.append(_attachment(part, self.max_attachment_bytes))


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or bool(_raw_filename(part))


def _param(part: Message, name: str) -> str:
    value = part.get_param(name)
    if value is None:
        return ""
    return str(collapse_rfc2231_value(value)).strip().lower()


def _part_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):  # message/* parts hold parsed messages
        chunks = []
        for inner in payload:
            if isinstance(inner, Message):
                try:
                    chunks.append(inner.as_bytes(policy=_AS_SENT))
                except Exception:
                    chunks.append(str(inner.get_payload()).encode("utf-8", "surrogateescape"))
        return b"".join(chunks)
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _part_text(part: Message) -> str:
    data = _part_bytes(part)
    charset = _charset(part)
    if charset is None and part.get_content_type() == "text/html":
        declared = _META_CHARSET.search(data[:4096])
        charset = declared.group(1).decode("ascii") if declared else None
    text = decode_bytes(data, charset).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x00", "")
    if part.get_content_type() == "text/plain" and _param(part, "format") == "flowed":
        text = unflow(text, delsp=_param(part, "delsp") == "yes")
    return text


def _raw_filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        return ""
    return str(name) if name else ""


def sanitize_filename(name: str) -> str:
    """A filename safe to show and save: no directories, control characters or leading dots."""
    name = unicodedata.normalize("NFC", decode_header_text(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = name.strip().lstrip(".").rstrip(". ").strip()
    if len(name.encode("utf-8")) > _MAX_FILENAME_BYTES:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) > 16:
            stem, extension = name, ""
        suffix = f".{extension}" if extension else ""
        budget = _MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
        name = stem + suffix
    return name


def _extension(content_type: str) -> str:
    return _EXTENSIONS.get(content_type) or _MIME_TYPES.guess_extension(content_type) or ".bin"


def _attachment(part: Message, max_bytes: int) -> Attachment:
    content_type = part.get_content_type()
    data = _part_bytes(part)
    content_id = normalize_message_id(raw_header(part, "content-id"))
    disposition = part.get_content_disposition()
    too_large = len(data) > max_bytes
    return Attachment(
        filename=sanitize_filename(_raw_filename(part)),  # numbered in _parse when empty
        content_type=content_type,
        content_id=content_id,
        is_inline=disposition == "inline" or (disposition is None and content_id is not None),
        data=None if too_large else data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        too_large=too_large,
    )
