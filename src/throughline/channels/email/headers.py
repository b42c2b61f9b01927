"""Reading mail headers and bytes of unknown charset: pure functions, no I/O.

Real mail lies about its charset, splits multi-byte characters over two
encoded words and puts raw 8-bit bytes in headers. Everything here returns
best-effort text and never raises on bad input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from email.message import Message

# Labels seen in real mail mapped to the codec that decodes what senders really
# meant (the WHATWG encoding standard makes the same choices for the web).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}
# Labels that say "we do not know": decode by guessing instead.
_UNKNOWN_CHARSETS = frozenset(
    {"unknown-8bit", "x-unknown", "unknown", "8bit", "default", "x-user-defined", "us-ascii"}
)


def codec_for(charset: str | None) -> str | None:
    """The Python text codec for a MIME charset label, or None when unknown or meaningless."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    if not label or label in _UNKNOWN_CHARSETS:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    # Only real text encodings: "rot13", "base64" and friends are codecs too.
    if not getattr(info, "_is_text_encoding", True) or info.name == "ascii":
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text of ``data`` in its declared charset, guessing sensibly when that is absent or wrong."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    codec = codec_for(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError, ValueError):
            pass
        if codec != "utf-8":
            try:  # mislabelled UTF-8 is the most common lie
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(codec, "replace")
        except (UnicodeError, LookupError, ValueError):
            pass
    for guess in ("utf-8", "cp1252"):
        try:
            return data.decode(guess)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # never fails


def fix_8bit(value: str, charset: str | None = None) -> str:
    """Recover raw 8-bit header bytes (kept by the parser as surrogate escapes) as text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:  # raw UTF-8 is legal in headers (RFC 6532) and by far the most common
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(data, charset)


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SPACE = re.compile(r"\s+")


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        payload = payload.rstrip("=")
        try:
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    raw = payload.replace("_", " ").encode("ascii", "replace")
    return binascii.a2b_qp(raw)


def decode_header_text(value: str, charset: str | None = None) -> str:
    """An unstructured header (Subject, a filename) as one line of text.

    RFC 2047 encoded words are decoded with charset fallbacks; adjacent words in
    one charset are joined before decoding, since senders split multi-byte
    characters across them; raw 8-bit bytes are decoded with ``charset`` as a hint;
    folding and runs of white space become one space.
    """
    value = fix_8bit(value, charset)
    out: list[str] = []
    pending = b""
    pending_charset: str | None = None
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        word_charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        joinable = pending_charset is not None and not between.strip()
        if joinable and word_charset.lower() == pending_charset:
            pending += _word_bytes(match.group(2), match.group(3))
        else:
            if pending_charset is not None:
                out.append(decode_bytes(pending, pending_charset))
                if between.strip():
                    out.append(between)
            else:
                out.append(between)
            pending = _word_bytes(match.group(2), match.group(3))
            pending_charset = word_charset.lower()
        pos = match.end()
    if pending_charset is not None:
        out.append(decode_bytes(pending, pending_charset))
    out.append(value[pos:])
    return clean_line("".join(out))


def clean_line(text: str) -> str:
    """One line of text: no control or format characters (bidi overrides included),
    line breaks and tabs as spaces, white space folded."""
    text = "".join(
        " " if ch in "\t\r\n" or unicodedata.category(ch) in ("Zl", "Zp") else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\t\r\n"
    )
    return _SPACE.sub(" ", text).strip()


_ANGLE_ID = re.compile(r"<([^<>]*)>")


def normalize_message_id(value: str | None) -> str | None:
    """A Message-ID as stored and compared: the first ``<…>`` token, without brackets or spaces.

    Clients add comments around ids ("<id> (Message from …)") and some omit the
    angle brackets; both give the same normalised id.
    """
    if not value:
        return None
    ids = message_ids(value)
    return ids[0] if ids else None


def message_key(message_id: str) -> str:
    """What ``MessageLink.message_key`` holds: sha256 of the id without angle brackets.

    Inbound threading and outbound mail both key Message-IDs with this one formula.
    """
    return hashlib.sha256(message_id.strip().strip("<>").encode()).hexdigest()


def message_ids(value: str | None) -> list[str]:
    """Every Message-ID in a References / In-Reply-To header, in order, without duplicates."""
    if not value:
        return []
    value = fix_8bit(value)
    found = [_SPACE.sub("", m.group(1)) for m in _ANGLE_ID.finditer(value)]
    if not any(found):
        # No brackets: take bare tokens that look like ids (local@domain).
        found = [tok.strip("<>,;\"'") for tok in re.split(r"[\s,;]+", value) if "@" in tok]
    return _unique(i for i in found if i and len(i) <= 998)


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


_CASE_TAG = re.compile(r"\[\s*TL-(\d{1,9})\s*\]|\(\s*TL-(\d{1,9})\s*\)", re.IGNORECASE)


def case_number_from_subject(subject: str) -> int | None:
    """The case a subject names with a ``[TL-1042]`` or ``(TL-1042)`` tag, else None.

    Only bracketed or parenthesised tags count: a bare "TL-1042" in running text
    ("like TL-1042 last year") is a mention, not a threading instruction. With
    several tags, the first (the most recent prefix) wins.
    """
    match = _CASE_TAG.search(subject)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def raw_headers(msg: Message, name: str) -> list[str]:
    """Every value of a header as sent (unfolded, not decoded), in order.

    Reading raw values keeps one malformed header from breaking the rest: the
    typed header objects of ``email.policy.default`` are built lazily and some
    inputs make them raise.
    """
    name = name.lower()
    return [
        "".join(str(value).splitlines()).strip()
        for key, value in msg.raw_items()
        if key.lower() == name
    ]


def raw_header(msg: Message, name: str) -> str | None:
    """The first value of a header as sent, or None when the header is absent."""
    values = raw_headers(msg, name)
    return values[0] if values else None
