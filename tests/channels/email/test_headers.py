"""Header reading: encoded words, charsets, Message-IDs, case tags and file names."""

from __future__ import annotations

import base64

import pytest

from throughline.channels.email import (
    case_number_from_subject,
    normalize_message_id,
    sanitize_filename,
)
from throughline.channels.email.headers import (
    decode_bytes,
    decode_header_text,
    message_ids,
)

# --- case tags: the subject threads a mail to a case only through a tag


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("[TL-1042] Printer", 1042),
        ("Re: Re: [TL-1042] Printer", 1042),
        ("AW: WG: [TL-1042] Drucker", 1042),
        ("Re: printer still broken (TL-77)", 77),
        ("Re: [ TL-1042 ] spaced by a client", 1042),
        ("re: [tl-5] lower case", 5),
        ("Re: [TL-12] Fwd: [TL-15] two tags", 12),
        ("TL-1042 printer", None),
        ("like TL-1042 last year", None),
        ("[TL-] no number", None),
        ("[TL-12a] not a number", None),
        ("[XTL-12] another prefix", None),
        ("[TL-1234567890] too long", None),
        ("", None),
    ],
)
def test_case_number_from_subject(subject: str, number: int | None) -> None:
    assert case_number_from_subject(subject) == number


# --- Message-IDs as stored and compared


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc@example.com>", "abc@example.com"),
        ("  <abc@example.com>  ", "abc@example.com"),
        ("<abc@example.com> (Message from Maria of Tue)", "abc@example.com"),
        ("abc@example.com", "abc@example.com"),
        ("<abc@\n example.com>", "abc@example.com"),
        ("<abc@example.com", "abc@example.com"),
        ("<>", None),
        ("", None),
        (None, None),
        ("garbage without an id", None),
    ],
)
def test_normalize_message_id(value: str | None, expected: str | None) -> None:
    assert normalize_message_id(value) == expected


def test_references_keep_order_and_drop_duplicates() -> None:
    value = "<a@x> <b@x>\n <a@x>,<c@x>"
    assert message_ids(value) == ["a@x", "b@x", "c@x"]


# --- encoded words and charsets


def test_encoded_words_with_adjacent_whitespace_dropped_and_text_kept() -> None:
    value = "=?utf-8?q?Caf=C3=A9?= =?utf-8?q?_au_lait?= and =?iso-8859-1?q?cr=E8me?="
    assert decode_header_text(value) == "Café au lait and crème"


def test_multibyte_character_split_over_two_words() -> None:
    data = "日本語".encode()
    first = base64.b64encode(data[:4]).decode()
    second = base64.b64encode(data[4:]).decode()
    assert decode_header_text(f"=?UTF-8?B?{first}?=\n =?UTF-8?B?{second}?=") == "日本語"


def test_raw_8bit_header_uses_the_charset_hint() -> None:
    raw_latin1 = b"Probl\xe8me".decode("ascii", "surrogateescape")
    raw_utf8 = "Problème".encode().decode("ascii", "surrogateescape")
    assert decode_header_text(raw_latin1, "iso-8859-1") == "Problème"
    assert decode_header_text(raw_utf8, "iso-8859-1") == "Problème"  # UTF-8 is tried first


def test_control_characters_and_folding_are_removed() -> None:
    assert decode_header_text("Hello\r\n\tworld\x07 \u202eevil") == "Hello world evil"


def test_broken_base64_in_an_encoded_word_does_not_raise() -> None:
    assert isinstance(decode_header_text("=?utf-8?B?@@@notbase64?="), str)


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("①②".encode("cp932"), "Shift_JIS", "①②"),  # Microsoft's superset
        ("漢字".encode("gb18030"), "gb2312", "漢字"),  # the usual mislabel
        ("Größe".encode(), "us-ascii", "Größe"),  # declared ASCII, really UTF-8
        ("Größe".encode("cp1252"), None, "Größe"),  # no label, not UTF-8
        ("“quoted”".encode("cp1252"), "iso-8859-1", "“quoted”"),  # Windows quotes
        (b"plain", "rot13", "plain"),  # not a text encoding: ignored
        (b"plain", "no-such-charset", "plain"),
        (b"bad \xff utf-8", "utf-8", "bad \ufffd utf-8"),
        (b"\xef\xbb\xbfwith BOM", "utf-8", "with BOM"),
    ],
)
def test_decode_bytes(data: bytes, charset: str | None, text: str) -> None:
    assert decode_bytes(data, charset) == text


# --- attachment names safe to show and to save


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\maria\\Desktop\\log.txt", "log.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("a\x00b\x1fc.txt", "abc.txt"),
        (".htaccess", "htaccess"),
        ("..", ""),
        ("  spaced .txt  ", "spaced .txt"),
        ("trailing dots...", "trailing dots"),
        ("=?utf-8?B?UmVjaG51bmcgTcOkcnoucGRm?=", "Rechnung März.pdf"),
    ],
)
def test_sanitize_filename(name: str, safe: str) -> None:
    assert sanitize_filename(name) == safe


def test_long_filename_is_shortened_but_keeps_its_extension() -> None:
    safe = sanitize_filename("ä" * 300 + ".pdf")
    assert safe.endswith(".pdf")
    assert len(safe.encode("utf-8")) <= 200
