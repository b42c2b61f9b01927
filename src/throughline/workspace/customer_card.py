"""The customer card in plain words: how a customer reaches us, and where a reply goes.

Pure functions: the case page passes them the rows it already loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from throughline.customers.rules import normalize_identity
from throughline.kit.errors import InvalidInput

WEBHOOK_PREFIX = "webhook:"


@dataclass(frozen=True)
class IdentityWords:
    how: str  # "Email", "Phone", "Telegram (webhook channel)"
    value: str  # what a rep would say or type: the address, the number, the user's id


def identity_words(kind: str, value: str) -> IdentityWords:
    """``webhook``/``telegram:4711`` reads "Telegram (webhook channel): user 4711"."""
    if kind == "email":
        return IdentityWords("Email", value)
    if kind == "phone":
        return IdentityWords("Phone", value or "number withheld")
    if kind == "call":
        return IdentityWords("Phone call", f"number withheld (call {value})")
    if kind == "webhook":
        channel, _, user = value.partition(":")
        if user:
            return IdentityWords(f"{channel} (webhook channel)", f"user {user}")
        return IdentityWords("Webhook channel", value)
    return IdentityWords(kind.replace("_", " ").capitalize(), value)


def reply_route(channel: str, *, email: str | None, identities: Sequence[tuple[str, str]]) -> str:
    """Where the owner's reply goes, in the words of channels/delivery.py's ``route_for``:
    a webhook case is answered on its channel, chat live while the chat is open, everything
    else by email to the customer's address."""
    by_email = (
        f"by email to {email}"
        if email
        else "nowhere yet: this customer has no email address, so the reply is kept on the "
        "case and their status page only"
    )
    if channel.startswith(WEBHOOK_PREFIX):
        name = channel.removeprefix(WEBHOOK_PREFIX)
        users = [
            value.partition(":")[2]
            for kind, value in identities
            if kind == "webhook" and value.startswith(f"{name}:")
        ]
        who = f" to user {users[0]}" if users else ""
        return f"on the {name} webhook channel{who}"
    if channel == "chat":
        return f"in the chat while the customer has it open; otherwise {by_email}"
    return by_email


def reply_channel(channel: str, *, email: str | None) -> str:
    """The reply box's label in a word or three: "email", "chat", "webhook channel telegram"."""
    if channel.startswith(WEBHOOK_PREFIX):
        return f"webhook channel {channel.removeprefix(WEBHOOK_PREFIX)}"
    if channel == "chat":
        return "chat"
    return "email" if email else "nobody: no email address"


def reply_email(email: str | None, identities: Sequence[tuple[str, str]]) -> str | None:
    """The address email replies go to: the customer's own, else their first email identity."""
    if email:
        return email
    return next((value for kind, value in identities if kind == "email"), None)


@dataclass(frozen=True)
class CustomerRef:
    """What a rep typed to name another customer: an id, or an email address."""

    customer_id: int | None = None
    email: str | None = None


def customer_ref(text: str) -> CustomerRef:
    """``42``, ``#42`` or ``customer 42`` is an id; anything with an ``@`` an email address."""
    cleaned = text.strip()
    number = cleaned.lower().removeprefix("customer").strip().lstrip("#").strip()
    if number.isdecimal() and len(number) < 19:
        return CustomerRef(customer_id=int(number))
    if "@" in cleaned and len(cleaned) <= 320:
        return CustomerRef(email=normalize_identity("email", cleaned))
    raise InvalidInput(
        "other: give the other customer's email address or their customer number (like 42)"
    )
