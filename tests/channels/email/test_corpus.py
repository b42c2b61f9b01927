"""CPython's own email test corpus: mail written by others, much of it broken on purpose.

Every message must parse without raising; for a selection, the facts below were
checked by reading the files (``Lib/test/test_email/data/msg_*.txt``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import test.test_email  # type: ignore[import-not-found]  # CPython ships no stubs for it

from throughline.channels.email import ParsedEmail, parse_message

CORPUS = Path(test.test_email.__file__).parent / "data"
MESSAGES = sorted(CORPUS.glob("msg_*.txt"))


def corpus(name: str) -> ParsedEmail:
    return parse_message((CORPUS / f"{name}.txt").read_bytes(), max_attachment_bytes=1_000_000)


def test_the_corpus_is_there() -> None:
    assert len(MESSAGES) >= 45  # 48 in CPython 3.11


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.name)
def test_every_corpus_message_parses_without_raising(path: Path) -> None:
    mail = parse_message(path.read_bytes(), max_attachment_bytes=1_000)

    assert mail.message_id
    assert mail.readable or mail.problem
    for attachment in mail.attachments:
        assert attachment.filename
        assert "/" not in attachment.filename
        assert attachment.too_large is (attachment.data is None)


def test_msg_01_plain_message_with_comment_style_sender() -> None:
    mail = corpus("msg_01")

    assert mail.subject == "This is a test message"
    assert mail.message_id == "15090.61304.110929.45684@aaa.zzz.org"
    assert mail.from_address == "bbb@ddd.com"
    assert mail.from_name == "John X. Doe"  # from "bbb@ddd.com (John X. Doe)"
    assert mail.to_addresses == ("bbb@zzz.org",)
    assert mail.date == datetime(2001, 5, 4, 18, 5, 44, tzinfo=UTC)
    assert mail.text == "Hi,\n\nDo you like this message?\n\n-Me"


def test_msg_20_three_cc_headers_spelled_three_ways() -> None:
    assert corpus("msg_20").cc_addresses == ("ccc@zzz.org", "ddd@zzz.org", "eee@zzz.org")


def test_msg_07_gif_attachment() -> None:
    mail = corpus("msg_07")

    assert mail.subject == "Here is your dingus fish"
    assert mail.from_name == "Barry"
    assert mail.text == "Hi there,\n\nThis is the dingus fish."
    (gif,) = mail.attachments
    assert gif.filename == "dingusfish.gif"
    assert gif.content_type == "image/gif"
    assert gif.data is not None
    assert gif.data.startswith(b"GIF87a")


def test_msg_07_gif_over_a_small_limit_is_listed_without_data() -> None:
    mail = parse_message((CORPUS / "msg_07.txt").read_bytes(), max_attachment_bytes=100)

    (gif,) = mail.attachments
    assert gif.too_large is True
    assert gif.data is None
    assert gif.size > 100


def test_msg_10_every_transfer_encoding_and_latin1_html() -> None:
    mail = corpus("msg_10")

    # 7bit, quoted-printable (ISO-8859-1 "=A1" is "¡"), base64 twice, and none.
    assert mail.text == (
        "This is a 7bit encoded message.\n\n"
        "\u00a1This is a Quoted Printable encoded message!\n\n"
        "This is a Base64 encoded message.\n\n"
        "This is a Base64 encoded message.\n\n"
        "This has no Content-Transfer-Encoding: header."
    )
    assert mail.html_sanitised == "\u00a1This is a Quoted Printable encoded message!"


def test_msg_15_outlook_express_reusing_its_boundary() -> None:
    mail = corpus("msg_15")

    assert mail.message_id == "xxxx"
    # The inner multipart/alternative reuses the outer boundary, so the parser sees
    # its text/plain and text/html as siblings in the mixed part: both are shown.
    assert mail.text == "Some removed test.\n\nSome removed text."
    assert mail.html_sanitised == "Some removed text."  # <title> dropped
    assert "StartBoundaryNotFoundDefect" in mail.defects


def test_msg_16_bounce_relayed_through_a_mailing_list() -> None:
    mail = corpus("msg_16")

    # multipart/report without report-type, but with a message/delivery-status part.
    assert mail.bounce is not None
    assert mail.bounce.original_message_id == "002001c144a6$8752e060$56104586@oxy.edu"
    assert mail.bounce.recipient == "jangel1@cougar.noc.ucla.edu"
    assert mail.bounce.action == "failed"
    assert mail.bounce.status == "5.0.0"
    assert mail.bounce.diagnostic == "recipient reached disk quota"
    assert mail.auto_reply_reason == "Precedence: bulk"
    assert [a.content_type for a in mail.attachments] == [
        "message/delivery-status",
        "message/rfc822",
    ]


def test_msg_25_bounce_with_a_truncated_boundary_parameter() -> None:
    mail = corpus("msg_25")

    assert "BoundaryRepaired" in mail.defects
    assert mail.from_address == "mailer-daemon@zinfandel.lacita.com"
    assert mail.to_addresses == (
        "linuxuser-admin@www.linux.org.uk",
        "postmaster@zinfandel.lacita.com",
    )
    assert mail.auto_reply_reason == "Auto-Submitted: auto-generated"
    assert mail.bounce is not None
    assert mail.bounce.recipient == "scoffman@wellpartner.com"
    assert mail.bounce.status == "5.4.6"
    assert mail.bounce.original_message_id == "01040616033903.00962@server"
    assert mail.bounce.diagnostic is not None
    assert mail.bounce.diagnostic.startswith("554 Too many hops 19 (17 max)")
    assert mail.text.startswith("The original message was received at Fri, 6 Apr 2001")


def test_msg_43_spam_firewall_bounce_with_many_recipients() -> None:
    mail = corpus("msg_43")

    assert mail.from_address is None  # "MAILER DAEMON <>"
    assert mail.bounce is not None
    assert mail.bounce.recipient == "xxxxxxx@dot.ca.gov"  # the first that failed
    assert mail.bounce.status == "5.7.1"
    assert mail.bounce.diagnostic == (
        "550 5.7.1 Message content rejected, id=01956-02-2 - BANNED: auto__mail.python.bat"
    )
    assert mail.bounce.original_message_id == "edab.7804f5cb8070@python.org"  # rfc822-headers


def test_msg_22_two_jpegs_between_two_text_parts() -> None:
    mail = corpus("msg_22")

    assert mail.message_id == "a05001902b7f1c33773e9@[134.84.183.138]"
    assert mail.text == "Text text text.\n\nText text text."
    assert [(a.filename, a.content_type, a.content_id) for a in mail.attachments] == [
        ("wibble.JPG", "image/jpeg", "a05001902b7f1c33773e9@[134.84.183.138].0.0"),
        ("wibble2.JPG", "image/jpeg", "a05001902b7f1c33773e9@[134.84.183.138].0.1"),
    ]
    assert all(a.data is not None and a.data.startswith(b"\xff\xd8") for a in mail.attachments)
    assert not any(a.is_inline for a in mail.attachments)  # disposition: attachment


def test_msg_26_crlf_mail_with_a_risc_os_attachment() -> None:
    mail = corpus("msg_26")

    assert mail.subject == "IMAP file test"
    assert mail.from_name == "Father Time"
    assert mail.text == "Simple email with attachment."
    (bmp,) = mail.attachments
    # Content-Disposition's filename wins over Content-Type's name="clock.bmp,69c".
    assert bmp.filename == "clock.bmp"
    assert bmp.content_type == "application/riscos"
    assert bmp.data is not None
    assert bmp.data.startswith(b"BM")


def test_msg_31_declared_boundary_differs_from_the_one_used() -> None:
    mail = corpus("msg_31")

    assert "BoundaryRepaired" in mail.defects
    assert mail.text == "message 1\n\nmessage 2"


def test_msg_32_rfc2231_charset_and_precedence_bulk() -> None:
    mail = corpus("msg_32")

    assert mail.subject == "Re: Limiting Perl CPU Utilization..."
    assert mail.text == "Some message."
    assert mail.is_auto_reply is True
    assert mail.auto_reply_reason == "Precedence: bulk"


def test_msg_35_no_blank_line_between_headers_and_body() -> None:
    mail = corpus("msg_35")

    assert mail.subject == "here's something interesting"
    assert mail.text == "counter to RFC 2822, there's no separating newline here"


def test_msg_45_pgp_signed_message() -> None:
    mail = corpus("msg_45")

    assert mail.text == "This is the signed contents."
    (signature,) = mail.attachments
    assert signature.filename == "signature.asc"
    assert signature.content_type == "application/pgp-signature"


def test_msg_46_groupwise_forward_as_a_whole_attached_message() -> None:
    mail = corpus("msg_46")

    assert mail.subject == "GroupwiseForwardingTest"
    assert mail.text == "Testing email forwarding with Groupwise 1.2.2010"
    (forwarded,) = mail.attachments
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.filename == "attachment-1.eml"
    assert forwarded.data is not None
    assert b"Message-ID: <4B66B890.4070408@teconcept.de>" in forwarded.data


def test_msg_47_text_and_html_parts_side_by_side() -> None:
    mail = corpus("msg_47")

    assert mail.text == "bar\n\nbaz"
    assert mail.html_sanitised == "<p>baz</p>"
    assert mail.date == datetime(2001, 1, 1, 0, 1, tzinfo=UTC)


def test_msg_04_inline_text_files_are_attachments_and_shown_when_nothing_else() -> None:
    mail = corpus("msg_04")

    assert [a.filename for a in mail.attachments] == ["msg.txt", "msg.txt"]
    assert mail.text == "a simple kind of mirror\nto reflect upon our own"


def test_msg_19_a_digest_fragment_without_headers_is_unreadable() -> None:
    mail = corpus("msg_19")

    assert mail.readable is False
    assert mail.problem == "no mail headers found: this is not an email message"
