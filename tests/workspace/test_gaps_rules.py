"""The customer card's words, without a database: identities, where a reply goes, and
how a rep names another customer."""

from __future__ import annotations

import pytest

from throughline.kit.errors import InvalidInput
from throughline.workspace.customer_card import (
    CustomerRef,
    customer_ref,
    identity_words,
    reply_channel,
    reply_route,
)


@pytest.mark.parametrize(
    ("kind", "value", "how", "shown"),
    [
        ("email", "maria@example.org", "Email", "maria@example.org"),
        ("phone", "+4930123456", "Phone", "+4930123456"),
        ("call", "CA123", "Phone call", "number withheld (call CA123)"),
        ("webhook", "telegram:4711", "telegram (webhook channel)", "user 4711"),
        ("webhook", "slack:U1:thread", "slack (webhook channel)", "user U1:thread"),
        ("portal_user", "x", "Portal user", "x"),
    ],
)
def test_identities_read_as_people_say_them(kind: str, value: str, how: str, shown: str) -> None:
    words = identity_words(kind, value)
    assert (words.how, words.value) == (how, shown)


def test_the_reply_names_the_route_delivery_takes() -> None:
    hook = [("webhook", "telegram:4711"), ("email", "m@example.org")]
    assert reply_route("webhook:telegram", email="m@example.org", identities=hook) == (
        "on the telegram webhook channel to user 4711"
    )
    assert reply_channel("webhook:telegram", email=None) == "webhook channel telegram"
    assert reply_route("chat", email="m@example.org", identities=[]) == (
        "in the chat while the customer has it open; otherwise by email to m@example.org"
    )
    assert reply_channel("chat", email=None) == "chat"
    for channel in ("email", "phone", "in_app", "portal"):
        assert reply_route(channel, email="m@example.org", identities=[]) == (
            "by email to m@example.org"
        )
        assert reply_channel(channel, email="m@example.org") == "email"
    assert reply_route("phone", email=None, identities=[]).startswith("nowhere yet")
    assert reply_channel("phone", email=None) == "nobody: no email address"


def test_another_customer_is_named_by_number_or_address() -> None:
    assert customer_ref("42") == CustomerRef(customer_id=42)
    assert customer_ref(" #42 ") == CustomerRef(customer_id=42)
    assert customer_ref("Customer 42") == CustomerRef(customer_id=42)
    assert customer_ref(" Maria@Example.ORG ") == CustomerRef(email="maria@example.org")
    for wrong in ("", "maria", "12345678901234567890", "a@" + "b" * 400):
        with pytest.raises(InvalidInput, match="^other: "):
            customer_ref(wrong)
