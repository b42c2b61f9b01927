"""The portal's rules in plain words, without I/O: severity and proficiency as a customer
says them, who counts as "online", and what an honest chat says when nobody is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from throughline.schedules.rules import known_zone

# Severity as a customer would put it (1 down … 4 question), in the order the form shows.
SEVERITY_WORDS: dict[int, str] = {
    1: "I can't work at all",
    2: "Something important is badly broken",
    3: "Something is wrong, but I can work around it",
    4: "A question",
}

# Customer.proficiency values (customers.rules.PROFICIENCIES) as the profile asks them.
PROFICIENCY_WORDS: dict[str, str] = {
    "novice": "I'm new to this: please keep it simple",
    "intermediate": "I'm comfortable with technology",
    "expert": "I'm an expert: technical details are welcome",
}

# A rep is online while on shift and their workspace reported in within this time.
ONLINE_WINDOW = timedelta(seconds=60)
# A customer's chat counts as open while it reported in within this time.
CHAT_PRESENT_WINDOW = timedelta(seconds=45)

# The environment fields of a new case (key, label); "managed_by_it" is a tick box.
ENVIRONMENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("device", "Device (for example: laptop, phone, router model)"),
    ("os", "Operating system and version"),
    ("app_version", "App version, if you know it"),
    ("time_zone", "Your time zone, e.g. Europe/Madrid (we then give times in your time)"),
)


def environment_problem(key: str, value: str) -> str | None:
    """What is wrong with one environment field a customer typed, in their words."""
    label = dict(ENVIRONMENT_FIELDS)[key].split(",")[0]
    if len(value) > 200 or "\x00" in value:
        return f"{label}: please keep it under 200 characters."
    if key == "time_zone" and value and known_zone(value) is None:
        return f"{label}: we do not know {value[:64]!r}; use a name like Europe/Madrid or UTC."
    return None


@dataclass(frozen=True)
class RepPresence:
    on_shift: bool
    last_seen_at: datetime | None
    active_cases: int = 0
    capacity: int = 0


def is_online(rep: RepPresence, now: datetime) -> bool:
    """Online: on shift and seen by the workspace within the last minute."""
    return rep.on_shift and rep.last_seen_at is not None and now - rep.last_seen_at <= ONLINE_WINDOW


def someone_can_take_new(reps: Iterable[RepPresence], now: datetime) -> bool:
    """A new chat is answered live only if an online rep has room for one more case."""
    return any(is_online(rep, now) and rep.active_cases < rep.capacity for rep in reps)


def chat_is_open(seen_at: datetime | None, now: datetime) -> bool:
    return seen_at is not None and now - seen_at <= CHAT_PRESENT_WINDOW


def offline_words(
    *, owner_name: str | None, due: datetime | None, email: str | None, back: str | None = None
) -> str:
    """What the chat tells a customer when nobody can answer live (principle 9); ``back``
    says when the owner is next expected, from their schedule (None: nothing promised)."""
    who = owner_name or "A member of our team"
    when = f" by {due:%Y-%m-%d %H:%M} UTC" if due is not None else " as soon as they are back"
    by_mail = (
        f" We will continue by email at {email}: you can close this window."
        if email
        else " The conversation continues by email."
    )
    expected = f" {back}" if back else ""
    return f"Nobody is at their desk right now.{expected} {who} will answer{when}.{by_mail}"


def online_words(owner_name: str | None) -> str:
    if owner_name:
        return f"{owner_name} is online and will see your messages right away."
    return "Someone from our team is online and will answer here."


def chat_subject(body: str, limit: int = 80) -> str:
    """A new chat case is named after the first line of its first message."""
    line = next((part.strip() for part in body.splitlines() if part.strip()), "Chat")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
