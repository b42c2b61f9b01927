"""Which mail is treated as automatic (never reopens a case, never answered)."""

from __future__ import annotations

import pytest

from throughline.channels.email import ParsedEmail, parse_message


def mail(
    headers: str, body: str = "Hello.\n", *, subject: str = "Re: [TL-1042] Printer"
) -> ParsedEmail:
    raw = (
        "From: Maria Keller <maria@keller-soehne.example>\n"
        "To: support@acme.example\n"
        f"Subject: {subject}\n"
        "Message-ID: <m1@keller-soehne.example>\n"
        f"{headers}"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        f"{body}"
    )
    return parse_message(raw.encode(), max_attachment_bytes=10_000)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated (vacation)\n", "Auto-Submitted: auto-generated"),
        ("Auto-Submitted: Auto-Notified\n", "Auto-Submitted: auto-notified"),
        ("X-Autoreply: yes\n", "X-Autoreply: yes"),
        ("X-Autorespond: Out of office\n", "X-Autorespond: Out of office"),
        ("Precedence: bulk\n", "Precedence: bulk"),
        ("Precedence: junk\n", "Precedence: junk"),
        ("Precedence: list\n", "Precedence: list"),
        ("List-Id: <users.lists.example>\n", "List-Id present"),
        ("List-Unsubscribe: <mailto:leave@lists.example>\n", "List-Unsubscribe present"),
    ],
)
def test_header_signals_make_mail_automatic(headers: str, reason: str) -> None:
    parsed = mail(headers)

    assert parsed.is_auto_reply is True
    assert parsed.auto_reply_reason == reason
    assert parsed.is_automatic is True


@pytest.mark.parametrize(
    "headers",
    [
        "",
        "Auto-Submitted: no\n",
        "X-Autoreply: no\n",
        "Precedence: first-class\n",
        "Reply-To: \n",  # an empty Reply-To is not a signal
        "Return-Path: <>\n",  # a null sender alone is not either
    ],
)
def test_a_person_writing_is_not_automatic(headers: str) -> None:
    parsed = mail(headers)

    assert parsed.is_auto_reply is False
    assert parsed.auto_reply_reason is None
    assert parsed.is_automatic is False


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: [TL-1042] Printer",
        "Automatic reply: [TL-1042] Printer",
        "Autosvar: [TL-1042] Printer",
        "Automatische Antwort: [TL-1042] Drucker",
        "Abwesenheitsnotiz: [TL-1042] Drucker",
        "Réponse automatique : [TL-1045] Imprimante",
        "Respuesta automática: [TL-1049] Impresora",
    ],
)
def test_auto_reply_subject_counts_only_with_a_header_hint(subject: str) -> None:
    assert mail("", subject=subject).is_auto_reply is False
    assert mail("Return-Path: <>\n", subject=subject).auto_reply_reason == (
        "auto-reply subject from a null Return-Path"
    )
    assert mail("X-Auto-Response-Suppress: All\n", subject=subject).auto_reply_reason == (
        "auto-reply subject with X-Auto-Response-Suppress"
    )


def test_customer_writing_about_out_of_office_replies_is_a_person() -> None:
    parsed = mail("", subject="Out of office replies loop forever between our servers")

    assert parsed.is_auto_reply is False


def test_read_receipt_is_automatic() -> None:
    raw = (
        "From: Maria Keller <maria@keller-soehne.example>\n"
        "To: support@acme.example\n"
        "Subject: Read: [TL-1042] Printer\n"
        "Message-ID: <mdn-1@keller-soehne.example>\n"
        "Content-Type: multipart/report; report-type=disposition-notification;\n"
        '\tboundary="mdn"\n'
        "\n"
        "--mdn\nContent-Type: text/plain\n\nYour message was read.\n"
        "--mdn\nContent-Type: message/disposition-notification\n\n"
        "Final-Recipient: rfc822; maria@keller-soehne.example\n"
        "Original-Message-ID: <case-1042.3.e5f6a7b8@support.acme.example>\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n"
        "--mdn--\n"
    )
    parsed = parse_message(raw.encode(), max_attachment_bytes=10_000)

    assert parsed.is_auto_reply is True
    assert parsed.auto_reply_reason == "multipart/report; report-type=disposition-notification"
    assert parsed.bounce is None


def test_exim_bounce_with_x_failed_recipients() -> None:
    raw = (
        "Return-path: <>\n"
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
        "To: support@acme.example\n"
        "Subject: Mail delivery failed: returning message to sender\n"
        "Message-Id: <E1tXyZ-000Abc-Qr@mx.example.org>\n"
        "X-Failed-Recipients: lars@example.org\n"
        "Auto-Submitted: auto-replied\n"
        "\n"
        "This message was created automatically by mail delivery software.\n"
        "\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n"
        "\n"
        "  lars@example.org\n"
        "    host mx.example.org [198.51.100.9]\n"
        "    SMTP error from remote mail server after RCPT TO:<lars@example.org>:\n"
        "    550 5.1.1 <lars@example.org>: Recipient address rejected: User unknown\n"
        "\n"
        "------ This is a copy of the message, including all the headers. ------\n"
        "\n"
        "Message-ID: <case-1050.1.0a0b0c0d@support.acme.example>\n"
        "Subject: [TL-1050] Your licence key\n"
    )
    parsed = parse_message(raw.encode(), max_attachment_bytes=10_000)

    assert parsed.bounce is not None
    assert parsed.bounce.recipient == "lars@example.org"
    assert parsed.bounce.original_message_id == "case-1050.1.0a0b0c0d@support.acme.example"
    assert parsed.bounce.status == "5.1.1"
    assert parsed.bounce.action == "failed"
    assert parsed.bounce.diagnostic == (
        "550 5.1.1 <lars@example.org>: Recipient address rejected: User unknown"
    )


def test_delay_warning_is_a_bounce_that_is_not_permanent() -> None:
    raw = (
        "From: MAILER-DAEMON@mail.acme.example (Mail Delivery System)\n"
        "To: support@acme.example\n"
        "Subject: Delayed Mail (still being retried)\n"
        "Message-Id: <delay-1@mail.acme.example>\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n"
        "\n"
        "--b\nContent-Type: text/plain\n\nStill trying.\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mail.acme.example\n\n"
        "Final-Recipient: rfc822; slow@example.net\n"
        "Action: delayed\n"
        "Status: 4.4.1\n"
        "Diagnostic-Code: X-Postfix; connect to mx.example.net: Connection timed out\n"
        "--b\nContent-Type: text/rfc822-headers\n\n"
        "Message-ID: <case-1051.1.1b2c3d4e@support.acme.example>\n"
        "--b--\n"
    )
    parsed = parse_message(raw.encode(), max_attachment_bytes=10_000)

    assert parsed.bounce is not None
    assert parsed.bounce.action == "delayed"
    assert parsed.bounce.status == "4.4.1"
    assert parsed.bounce.permanent is False
    assert parsed.bounce.diagnostic == "connect to mx.example.net: Connection timed out"
    assert parsed.bounce.original_message_id == "case-1051.1.1b2c3d4e@support.acme.example"


def test_postmaster_writing_as_a_person_is_not_a_bounce() -> None:
    parsed = mail("", subject="Your newsletter is blocked by our filter", body="Hi,\n")
    assert parsed.bounce is None

    raw = (
        "From: Postmaster <postmaster@keller-soehne.example>\n"
        "To: support@acme.example\n"
        "Subject: Question about your SPF record\n"
        "Message-ID: <pm-1@keller-soehne.example>\n"
        "\n"
        "Hello, could you check your SPF record? Message-ID: <abc@def> was flagged.\n"
    )
    person = parse_message(raw.encode(), max_attachment_bytes=10_000)

    assert person.bounce is None
    assert person.is_automatic is False
