"""Outbound email without a database: the relay URL, Message-IDs, threading and the HTML part."""

from __future__ import annotations

from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from pydantic import ValidationError

from throughline.channels.email.compose_mail import (
    MAX_REFERENCES,
    Envelope,
    build_mail,
    html_version,
    linkify,
    mailable_address,
    needs_smtputf8,
    outbound_message_id,
    thread_references,
)
from throughline.channels.email.relay import eml_path, parse_smtp_url
from throughline.channels.notices import Composed
from throughline.config import Settings


def test_a_plain_smtp_url_upgrades_with_starttls_when_offered() -> None:
    relay = parse_smtp_url("smtp://relay.example.com")
    assert (relay.hostname, relay.port, relay.use_tls, relay.start_tls) == (
        "relay.example.com",
        25,
        False,
        None,
    )
    assert relay.username is None
    assert relay.validate_certs


def test_credentials_are_decoded_and_never_sent_in_the_clear_to_another_host() -> None:
    relay = parse_smtp_url("smtp://apikey:s%40cr%2Ft@smtp.provider.example:587")
    assert (relay.username, relay.password, relay.port) == ("apikey", "s@cr/t", 587)
    assert relay.start_tls is True  # required, not merely when offered
    assert "s@cr/t" not in relay.describe()
    # On this machine (a local relay such as Postfix) STARTTLS stays optional.
    assert parse_smtp_url("smtp://u:p@127.0.0.1:2525").start_tls is None


def test_smtps_is_tls_from_the_first_byte() -> None:
    relay = parse_smtp_url("smtps://u:p@smtp.provider.example")
    assert (relay.port, relay.use_tls, relay.start_tls) == (465, True, False)
    assert parse_smtp_url("smtp://relay.lan?starttls=off&verify=false").start_tls is False
    assert not parse_smtp_url("smtp://relay.lan?verify=false").validate_certs


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://relay.example.com", "must start with smtp:// or smtps://"),
        ("relay.example.com:25", "must start with smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://relay.example.com:99999", "port"),
        ("smtp://relay.example.com:abc", "port"),
        ("smtp://user@relay.example.com", "no password"),
        ("smtp://relay.example.com/inbox", "path"),
        ("smtp://relay.example.com?tls=yes", "unknown options"),
        ("smtp://relay.example.com?starttls=maybe", "starttls must be"),
        ("smtps://relay.example.com?starttls=required", "smtps://"),
    ],
)
def test_a_bad_relay_url_stops_the_start_naming_the_setting(url: str, complaint: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(smtp_url=url)
    assert "smtp_url" in str(raised.value)
    assert complaint in str(raised.value)


def test_message_ids_are_stable_per_entry_and_differ_between_cases_and_installations() -> None:
    def make(secret: str = "k", nonce: str = "n1", entry: int = 7) -> str:
        return outbound_message_id(
            secret_key=secret, case_id=1001, case_nonce=nonce, entry_id=entry, domain="acme.example"
        )

    assert make() == make()
    assert make().startswith("tl-1001-7.")
    assert make().endswith("@acme.example")
    assert len({make(), make(entry=8), make(nonce="n2"), make(secret="other")}) == 4


def test_references_keep_the_first_and_latest_messages_of_a_long_thread() -> None:
    ids = [f"m{n}@example.org" for n in range(50)]
    kept = thread_references(ids)
    assert len(kept) == MAX_REFERENCES
    assert kept[0] == "m0@example.org"
    assert kept[-1] == "m49@example.org"
    assert thread_references(["a@x", "b@x", "a@x"]) == ["a@x", "b@x"]


def test_addresses_that_cannot_be_mailed_are_recognised() -> None:
    assert mailable_address(" maria@example.org ") == "maria@example.org"
    assert mailable_address("maria") is None
    assert mailable_address("maria@localhost") is None
    assert mailable_address("a b@example.org") is None
    assert mailable_address("maria@example.org\r\nBcc: everyone@example.org") is None
    assert mailable_address("jo\u00a0sé@example.org") is None


def test_international_addresses_are_mailed_in_the_form_relays_accept() -> None:
    # The domain in punycode works with every relay; a non-ASCII local part needs SMTPUTF8.
    assert mailable_address("maria@Bücher.example") == "maria@xn--bcher-kva.example"
    assert mailable_address("josé@example.org") == "josé@example.org"
    assert needs_smtputf8("josé@example.org")
    assert not needs_smtputf8("maria@xn--bcher-kva.example")


def composed(body: str = "Restart it.") -> Composed:
    return Composed(
        subject="[TL-1001] Router\r\nBcc: victim@example.org",
        greeting="Hello Maria,",
        paragraphs=(body,),
        owner_name="Olivia Owner",
        contact_lines=("Email: olivia@desk.example", "Extension: 2201"),
        status_url="https://support.acme.example/status/abc_DEF-123",
        sender_name="Olivia Owner at Acme Support",
    )


def test_the_html_part_escapes_what_the_rep_wrote_and_makes_links_real() -> None:
    page = html_version(
        composed('<script>alert("x")</script> see https://acme.example/kb?a=1&b=2.')
    )
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert '<a href="https://acme.example/kb?a=1&amp;b=2">' in page  # the full stop stays text
    assert '<a href="https://support.acme.example/status/abc_DEF-123">' in page
    assert '<a href="mailto:olivia@desk.example">olivia@desk.example</a>' in page
    assert linkify('"><img src=x onerror=alert(1)>') == (
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    )


def envelope() -> Envelope:
    return Envelope(
        message_id="tl-1001-7.abc@acme.example",
        support_address="help@acme.example",
        to_name="Maria\nGonzalez",
        to_address="maria@example.org",
        date=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        in_reply_to=None,
        references=(),
        automatic=False,
        case_number="TL-1001",
        notice="reply",
    )


def test_a_newline_in_a_subject_never_becomes_a_header() -> None:
    mail = build_mail(composed(), envelope())
    parsed = BytesParser(policy=default_policy).parsebytes(mail.as_bytes())
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "[TL-1001] Router Bcc: victim@example.org"
    assert parsed["To"].addresses[0].display_name == "Maria Gonzalez"
    assert parsed["Date"].datetime == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert parsed["In-Reply-To"] is None
    assert parsed["Auto-Submitted"] is None


def test_the_same_entry_gives_the_same_bytes_every_time() -> None:
    assert build_mail(composed(), envelope()).as_bytes() == (
        build_mail(composed(), envelope()).as_bytes()
    )


def test_eml_files_are_named_safely_by_message_id(tmp_path: Path) -> None:
    assert eml_path(tmp_path, "<tl-1001-7.abc@acme.example>").name == (
        "tl-1001-7.abc@acme.example.eml"
    )
    hostile = eml_path(tmp_path, "../../etc/passwd@x")
    assert hostile.parent == tmp_path
    assert "/" not in hostile.name
    assert not hostile.name.startswith(".")
