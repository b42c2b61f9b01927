"""Real clients' mail, as the rep sees it on the timeline and as the ingest threads it.

The messages under ``messages/`` are written to match what each client really
sends (headers, MIME structure, encodings, quoting habits).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest

from tests.channels.email.support import MESSAGES, load, raw
from throughline.channels.email import parse_message

# --- replies from the big clients: the new words only, threaded to the right case


def test_gmail_reply_shows_only_the_new_words() -> None:
    mail = load("gmail_reply.eml")

    assert mail.text == (
        "Hi Ana,\n\n"
        "I tried the static IP you suggested. The printer stayed online all night, "
        "but this morning it was gone again after the laptop woke up.\n\n"
        'The router log says "DHCP lease expired" at 06:58.\n\n'
        "Maria"
    )
    # Quoted history and signature are kept for "show the whole message".
    assert "Please give the printer a static IP address" in mail.full_text
    assert "Office Manager, Keller & Söhne" in mail.full_text
    assert "Office Manager" not in mail.text


def test_gmail_reply_threads_by_its_headers_and_its_subject_tag() -> None:
    mail = load("gmail_reply.eml")

    assert mail.message_id == "CAJx4r+Wq3N5pB1vZk0f9yT7sHq2cRm8uLd6e_Qw1oVz=Kp2Q@mail.gmail.com"
    assert mail.message_id_generated is False
    assert mail.in_reply_to == "case-1042.2.b44e91d0@support.acme.example"
    assert mail.references == (
        "case-1042.1.8d1f0c2a@support.acme.example",
        "case-1042.2.b44e91d0@support.acme.example",
    )
    # The message answered first, then older ones: the ingest tries them in order.
    assert mail.thread_ids == (
        "case-1042.2.b44e91d0@support.acme.example",
        "case-1042.1.8d1f0c2a@support.acme.example",
    )
    assert mail.case_number == 1042
    assert mail.subject == "Re: [TL-1042] Printer drops off the network every morning"


def test_gmail_reply_sender_and_date() -> None:
    mail = load("gmail_reply.eml")

    assert mail.from_address == "maria.keller@gmail.com"  # lower-cased: one customer
    assert mail.from_name == "Maria Keller"
    assert mail.to_addresses == ("support@acme.example",)
    assert mail.date == datetime(2026, 3, 3, 9, 22, 41, tzinfo=UTC)
    assert mail.is_auto_reply is False
    assert mail.bounce is None
    assert mail.is_automatic is False


def test_gmail_reply_keeps_a_safe_html_version() -> None:
    mail = load("gmail_reply.eml")

    assert mail.html_sanitised is not None
    assert "The router log says" in mail.html_sanitised
    assert 'href="https://support.acme.example/s/9f3k2"' in mail.html_sanitised
    assert 'rel="noopener noreferrer"' in mail.html_sanitised
    assert "style=" not in mail.html_sanitised


def test_outlook_html_only_reply_is_converted_to_readable_text() -> None:
    mail = load("outlook_html_only.eml")

    assert mail.text == (
        "Hi Ana,\n\n"
        "The update (KB5034441) is installed, but the VPN client still shows this error "
        "when I connect from home:\n\n"
        "\u201cThe network connection between your computer and the VPN server could not "
        "be established (error 809).\u201d\n\n"
        "From the office network it works. Our firewall rules are on the wiki page "
        "(https://wiki.contoso-logistics.example/it/vpn).\n\n"
        "Kind regards,\nKen"
    )
    # The Outlook "From: / Sent: / To: / Subject:" block starts the history.
    assert "Sent: Tuesday, March 3, 2026 4:40 PM" in mail.full_text
    assert "Has the January Windows update" in mail.full_text
    assert "Has the January Windows update" not in mail.text
    # No CSS from the <style> block leaks into the text.
    assert "font-family" not in mail.full_text
    assert "MsoNormal" not in mail.full_text


def test_outlook_inline_image_is_an_inline_attachment_the_html_points_at() -> None:
    mail = load("outlook_html_only.eml")

    (image,) = mail.attachments
    assert image.filename == "image001.png"
    assert image.content_type == "image/png"
    assert image.content_id == "image001.png@01DCABE6.3F1C2D40"
    assert image.is_inline is True
    assert image.data is not None
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.size == len(image.data)
    assert image.sha256 == hashlib.sha256(image.data).hexdigest()
    assert mail.html_sanitised is not None
    assert f'src="cid:{image.content_id}"' in mail.html_sanitised


def test_outlook_reply_threads_and_keeps_the_display_name_with_a_comma() -> None:
    mail = load("outlook_html_only.eml")

    assert mail.case_number == 1043
    assert mail.in_reply_to == "case-1043.1.5a0e7731@support.acme.example"
    # A folded Message-ID header ("Message-ID:\n <…>") is read whole.
    assert (
        mail.message_id
        == "AM9PR02MB71234A8E0C1D6F2B3E9A45C1B8D22@AM9PR02MB7123.eurprd02.prod.outlook.com"
    )
    assert mail.from_name == "Tanaka, Ken"
    assert mail.from_address == "ken.tanaka@contoso-logistics.example"


def test_apple_mail_reply_drops_the_signature_and_quote() -> None:
    mail = load("apple_mail_reply.eml")

    assert mail.text == (
        "Hi Ana,\n\n"
        "Full Disk Access was indeed switched off for the backup agent. I turned it on "
        "and the backup ran tonight \u2014 3.2 GB, no errors.\n\n"
        "Thanks for the quick help!\n\n"
        "Erik"
    )
    assert "Lindqvist Design AB" in mail.full_text
    assert mail.cc_addresses == ("it@lindqvist-design.example",)
    assert mail.case_number == 1044
    # References folded over two lines.
    assert mail.references == (
        "case-1044.1.aa01bb02@support.acme.example",
        "case-1044.2.0c9d8e7f@support.acme.example",
    )


def test_iphone_reply_drops_the_mobile_footer() -> None:
    mail = load("iphone_reply.eml")

    assert mail.text == "Yes, it has stayed online for two days now. Thank you!"
    assert "Sent from my iPhone" in mail.full_text
    assert mail.thread_ids == ("case-1042.4.0f1e2d3c@support.acme.example",)


def test_interleaved_reply_keeps_the_questions_it_answers() -> None:
    mail = load("interleaved_reply.eml")

    assert mail.text == (
        "On 12/03/2026 17:02, Ana at Acme Support wrote:\n"
        "> Which firmware version does the modem show on its status page?\n\n"
        "It says 4.2.1 (built 2025-11-03). I have not updated it myself.\n\n"
        "> Is the modem connected by cable or over Wi-Fi?\n\n"
        "By cable, port 2 on the switch."
    )
    assert mail.full_text.endswith("-- \nTom Berg\nFjord IT")


# --- charsets and encoded words


def test_iso_8859_1_thunderbird_mail_with_flowed_text_and_french_quote() -> None:
    mail = load("thunderbird_latin1.eml")

    assert mail.subject == "Problème d'impression : écran noir après la mise à jour"
    assert mail.from_name == "François Léger"
    # format=flowed soft line break joined; the "Le … a écrit :" history removed.
    assert mail.text == (
        "Bonjour,\n\n"
        "Depuis la mise à jour d'hier, l'imprimante affiche un écran noir et ne répond "
        "plus. J'ai déjà redémarré l'appareil deux fois, sans succès.\n\n"
        "Cordialement,\nFrançois Léger"
    )
    assert "Pouvez-vous nous indiquer" in mail.full_text
    assert mail.in_reply_to == "case-1045.1.c3d4e5f6@support.acme.example"


def test_iso_2022_jp_mail() -> None:
    mail = load("iso2022jp.eml")

    assert mail.subject == "プリンターが印刷できません"
    assert mail.from_name == "山田 太郎"
    assert mail.from_address == "yamada@example.co.jp"
    assert "エラーコードは E-203 です。" in mail.text
    assert mail.date == datetime(2026, 3, 4, 0, 30, 12, tzinfo=UTC)  # +0900 to UTC


def test_shift_jis_mail_with_a_character_split_across_encoded_words() -> None:
    mail = load("shift_jis.eml")

    # The sender split a two-byte character over two encoded words, and used the
    # Microsoft extension (①) that strict Shift_JIS lacks.
    assert mail.subject == "【至急】サーバー①が停止しています"
    assert "本日 08:15 からサーバー①が応答しません。" in mail.text
    assert "\ufffd" not in mail.text + mail.subject


# --- attachments


def test_mixed_message_with_a_pdf() -> None:
    mail = load("mixed_pdf.eml")

    assert mail.text.startswith("Hello,\n\nattached is the invoice you asked for.")
    assert "we ordered 3 toner cartridges, not 30." in mail.text
    (pdf,) = mail.attachments
    assert pdf.filename == "Rechnung März 2026.pdf"  # RFC 2231 encoded name
    assert pdf.content_type == "application/pdf"
    assert pdf.is_inline is False
    assert pdf.content_id is None
    assert pdf.too_large is False
    assert pdf.data is not None
    assert pdf.data.startswith(b"%PDF-1.4")
    assert pdf.size == len(pdf.data) == 303
    assert pdf.sha256 == hashlib.sha256(pdf.data).hexdigest()


def _thunderbird_with(
    attachment: bytes, *, name: str, content_type: str, name_param: str | None = None
) -> bytes:
    encoded = base64.encodebytes(attachment).decode("ascii")
    name_param = name_param or f'filename="{name}"'
    return (
        "Message-ID: <big-1@keller-soehne.example>\n"
        "Date: Fri, 6 Mar 2026 09:03:44 +0100\n"
        "MIME-Version: 1.0\n"
        "User-Agent: Mozilla Thunderbird\n"
        "To: support@acme.example\n"
        "From: Jonas Keller <jonas@keller-soehne.example>\n"
        "Subject: Re: [TL-1048] Database export\n"
        'Content-Type: multipart/mixed; boundary="------------b1g"\n'
        "\n"
        "--------------b1g\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n"
        "Here is the full export and the log.\n"
        "\n"
        "--------------b1g\n"
        f'Content-Type: {content_type}; name="{name}"\n'
        f"Content-Disposition: attachment; {name_param}\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        f"{encoded}\n"
        "--------------b1g\n"
        'Content-Type: text/plain; charset=UTF-8; name="export.log"\n'
        'Content-Disposition: attachment; filename="export.log"\n'
        "\n"
        "export finished in 42 s\n"
        "--------------b1g--\n"
    ).encode("ascii")


def test_attachment_over_the_limit_is_listed_without_its_data() -> None:
    big = bytes(range(256)) * (12 * 1024)  # 3 MiB
    message = _thunderbird_with(big, name="export.zip", content_type="application/zip")

    mail = parse_message(message, max_attachment_bytes=1024 * 1024)

    assert mail.readable is True
    assert mail.text == "Here is the full export and the log."
    export, log = mail.attachments
    assert export.filename == "export.zip"
    assert export.too_large is True
    assert export.data is None
    assert export.size == len(big)  # the rep still sees how big it was
    assert export.sha256 == hashlib.sha256(big).hexdigest()
    # The small attachment next to it is kept.
    assert log.filename == "export.log"
    assert log.too_large is False
    assert log.data == b"export finished in 42 s"  # the newline before a boundary is its own


def test_attachment_exactly_at_the_limit_is_kept() -> None:
    data = b"x" * 1000
    message = _thunderbird_with(data, name="a.bin", content_type="application/octet-stream")

    (attachment, _) = parse_message(message, max_attachment_bytes=1000).attachments
    assert attachment.too_large is False
    assert attachment.data == data


def test_attachment_names_are_made_safe() -> None:
    # "..\..\Windows\Startup\run<RIGHT-TO-LEFT OVERRIDE>txt.bat", RFC 2231 encoded:
    # shown as "runtab.txt" by a naive viewer, and a path escape when saved.
    message = _thunderbird_with(
        b"@echo off",
        name="run.bat",
        content_type="text/x-bat",
        name_param="filename*=UTF-8''..%5C..%5CWindows%5CStartup%5Crun%E2%80%AEtxt.bat",
    )

    (attachment, _) = parse_message(message, max_attachment_bytes=10_000).attachments
    assert attachment.filename == "runtxt.bat"


def test_attachment_without_a_name_is_numbered_by_its_type() -> None:
    mail = load("hostile_html.eml")

    (logo,) = mail.attachments
    assert logo.filename == "attachment-1.png"
    assert logo.content_id == "logo@pay.example"
    assert logo.is_inline is True  # a cid image without disposition


# --- loops: auto-replies, lists and bounces never open or reopen a case


def test_out_of_office_is_an_auto_reply_on_the_case_it_answers() -> None:
    mail = load("out_of_office.eml")

    assert mail.is_auto_reply is True
    assert mail.auto_reply_reason == "Auto-Submitted: auto-replied"
    assert mail.is_automatic is True
    # Still threaded, so the ingest can note it on the case without reopening it.
    assert mail.case_number == 1043
    assert mail.in_reply_to == "case-1043.5.9a8b7c6d@support.acme.example"
    assert mail.bounce is None
    assert mail.text.startswith("I am out of the office until Monday 16 March")


def test_mailing_list_post_is_never_answered() -> None:
    mail = load("mailing_list.eml")

    assert mail.is_auto_reply is True
    assert mail.auto_reply_reason == "List-Id present"
    assert mail.cc_addresses == ("support@acme.example",)
    assert mail.case_number is None  # "[acme-users]" is the list's tag, not ours


def test_postfix_bounce_is_recorded_against_the_message_we_sent() -> None:
    mail = load("postfix_bounce.eml")

    assert mail.bounce is not None
    assert mail.bounce.original_message_id == "case-1042.3.e5f6a7b8@support.acme.example"
    assert mail.bounce.recipient == "m.keller@keller-soehne.example"
    assert mail.bounce.action == "failed"
    assert mail.bounce.status == "5.1.1"
    assert mail.bounce.diagnostic == (
        "550 5.1.1 <m.keller@keller-soehne.example>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )
    assert mail.bounce.permanent is True
    assert mail.is_automatic is True
    assert mail.case_number is None  # the subject is the daemon's, not the case's
    assert mail.from_address == "mailer-daemon@mail.acme.example"
    assert mail.from_name == "Mail Delivery System"
    returned = [a for a in mail.attachments if a.content_type == "message/rfc822"]
    assert returned[0].filename == "attachment-2.eml"
    assert returned[0].data is not None
    assert b"Message-ID: <case-1042.3.e5f6a7b8@support.acme.example>" in returned[0].data


def test_exchange_ndr_is_a_bounce_even_though_its_subject_names_the_case() -> None:
    mail = load("exchange_ndr.eml")

    assert mail.case_number == 1043  # "Undeliverable: [TL-1043] …"
    assert mail.bounce is not None  # … but the ingest must not treat it as a reply
    assert mail.is_automatic is True
    assert mail.bounce.original_message_id == "case-1043.4.77c1d2e3@support.acme.example"
    assert mail.bounce.recipient == "k.tanaka@contoso-logistics.example"
    assert mail.bounce.status == "5.1.10"
    assert mail.bounce.diagnostic == (
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"
    )
    assert mail.text.startswith(
        "Your message to k.tanaka@contoso-logistics.example couldn't be delivered."
    )


def test_qmail_bounce_without_a_report_is_recognised_as_best_effort() -> None:
    mail = load("qmail_bounce.eml")

    assert mail.bounce is not None
    assert mail.bounce.original_message_id == "case-1046.2.1a2b3c4d@support.acme.example"
    assert mail.bounce.recipient == "ole@oldhost.example"
    assert mail.bounce.status == "5.1.1"
    assert mail.bounce.action == "failed"
    assert mail.bounce.diagnostic == "Sorry, no mailbox here by that name. (#5.1.1)"
    assert mail.is_automatic is True


# --- mail that is broken in the usual ways


def test_message_without_message_id_gets_a_stable_generated_one() -> None:
    mail = load("no_message_id.eml")
    again = load("no_message_id.eml")
    other = parse_message(raw("no_message_id.eml") + b"\n", max_attachment_bytes=10_000)

    assert mail.message_id_generated is True
    assert mail.message_id.endswith("@generated.throughline.invalid")
    assert again.message_id == mail.message_id  # re-delivery is recognised
    assert other.message_id != mail.message_id
    assert mail.case_number == 1042  # "Scan for [TL-1042]"
    (pdf,) = mail.attachments
    assert pdf.filename == "SKM_C30826030608120.pdf"


def test_malformed_headers_and_wrong_boundary_still_show_the_customer_words() -> None:
    mail = load("malformed.eml")

    assert mail.readable is True
    # The declared boundary is not the one used; the real one is found.
    assert "BoundaryRepaired" in mail.defects
    assert mail.text == ("Hei,\n\nthe modem reboots every ten minutes since Tuesday. Bj\u00f8rn")
    (log,) = mail.attachments
    assert log.filename == "modem-log.txt"
    assert log.data == b"22:01:13 WAN link down\n22:01:44 WAN link up\n"
    # An unbalanced quote in From: still yields the address.
    assert mail.from_address == "bjorn.olsen@fjord-it.example"
    # A Message-ID without its closing bracket is still the id.
    assert mail.message_id == "20260312.missing-bracket@fjord-it.example"
    assert mail.date is None  # "32 Foo 2026 25:61:00 +9999"
    # An unknown charset label and a raw 8-bit byte are decoded as well as can be.
    assert mail.subject == "Fehler beim StartCafé ø modem"


def test_hostile_html_is_neutralised_in_html_and_text() -> None:
    mail = load("hostile_html.eml")

    html = mail.html_sanitised
    assert html is not None
    lowered = html.lower()
    for forbidden in (
        "<script",
        "document.cookie",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "tracker.example",
        "evil.example",
        "<iframe",
        "<form",
        "<input",
        "<style",
        "<svg",
    ):
        assert forbidden not in lowered, forbidden
    assert '<a href="https://pay.example/inv/1042" rel="noopener noreferrer">' in html
    assert 'src="cid:logo@pay.example"' in html
    assert mail.text == (
        "Dear customer,\n\n"
        "Your invoice INV-1042 is overdue.\n\n"
        "Open invoice (https://pay.example/inv/1042)\n\n"
        "Pay now or here or there\n\n"
        "[image: Pay logo]\n"
        "Questions? Reply to this mail.\n\n"
        "- Amount: 120.00 EUR\n"
        "- Due: 1 March 2026"
    )


@pytest.mark.parametrize("name", sorted(p.name for p in MESSAGES.glob("*.eml")))
def test_crlf_line_endings_as_smtp_delivers_them_read_the_same(name: str) -> None:
    unix = load(name)
    wire = parse_message(raw(name).replace(b"\n", b"\r\n"), max_attachment_bytes=10_000_000)

    assert wire.readable is unix.readable is True
    assert wire.subject == unix.subject
    assert wire.text == unix.text
    assert wire.message_id == unix.message_id or unix.message_id_generated
    # Text attachments keep the line endings they arrived with; their content is the same.
    assert [(a.data or b"").replace(b"\r\n", b"\n") for a in wire.attachments] == [
        (a.data or b"").replace(b"\r\n", b"\n") for a in unix.attachments
    ]
    assert wire.bounce == unix.bounce
    assert wire.is_auto_reply is unix.is_auto_reply


def test_a_forward_keeps_the_forwarded_mail_as_its_text() -> None:
    message = (
        b"From: Jonas Keller <jonas@keller-soehne.example>\n"
        b"To: support@acme.example\n"
        b"Subject: Fwd: Licence server warning\n"
        b"Message-ID: <fwd-1@keller-soehne.example>\n"
        b"Content-Type: text/plain; charset=utf-8\n"
        b"\n"
        b"See below, this arrived this morning.\n"
        b"\n"
        b"________________________________\n"
        b"From: Licence Server <licences@vendor.example>\n"
        b"Sent: Friday, March 6, 2026 06:00\n"
        b"To: it@keller-soehne.example\n"
        b"Subject: Licence server warning\n"
        b"\n"
        b"Your licence for 25 seats expires in 3 days.\n"
    )

    mail = parse_message(message, max_attachment_bytes=10_000)

    assert "Your licence for 25 seats expires in 3 days." in mail.text
    assert mail.text == mail.full_text


# --- never raises


def test_empty_and_non_mail_input_is_unreadable_not_an_error() -> None:
    for data in (b"", b"\x00\xff\xfe\x89PNG binary", b"just some words\nwithout headers\n"):
        mail = parse_message(data, max_attachment_bytes=10_000)
        assert mail.readable is False
        assert mail.problem is not None
        assert mail.message_id_generated is True
        assert mail.text == ""


def test_deeply_nested_multipart_does_not_break_the_parser() -> None:
    depth = 400
    head = "".join(
        f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth)
    )
    tail = "".join(f"--b{i}--\n" for i in reversed(range(depth + 1)))
    message = (
        'From: a@example.com\nSubject: nested\nContent-Type: multipart/mixed; boundary="b0"\n\n'
        f"{head}--b{depth}\nContent-Type: text/plain\n\ndeep text\n{tail}"
    ).encode()

    mail = parse_message(message, max_attachment_bytes=10_000)

    assert mail.subject == "nested"
    assert mail.from_address == "a@example.com"


@pytest.mark.parametrize("name", sorted(p.name for p in MESSAGES.glob("*.eml")))
def test_truncated_and_corrupted_copies_never_raise(name: str) -> None:
    data = raw(name)
    variants = [data[:cut] for cut in range(0, len(data), max(len(data) // 40, 1))]
    # Flip every 97th byte to a high byte: mojibake, broken base64, broken boundaries.
    flipped = bytearray(data)
    for index in range(0, len(flipped), 97):
        flipped[index] = 0xFF
    variants += [bytes(flipped), data.replace(b"\n", b"\r"), data.replace(b":", b"")]

    for variant in variants:
        mail = parse_message(variant, max_attachment_bytes=10_000)
        assert mail.message_id  # always something to store and de-duplicate on
        assert mail.readable or mail.problem
