"""How frustrated a customer seems, and why in plain words: pure rules, no I/O.

Three signals, each cheap: the sentiment of the message (VADER's compound score, -1 … 1),
how many times the customer got in touch about the case lately, and phrases that say
"not the first time". Sarcasm ("great, thanks for nothing") reads positive to a sentiment
library, so when such a phrase is there a positive score counts for nothing. The cue only
informs the owner; nothing is ever sent because of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

CONTACT_WINDOW = timedelta(days=7)

# Phrase (matched on word edges, any case) → what it tells the owner.
PHRASES: dict[str, str] = {
    "third time": "not the first time",
    "fourth time": "not the first time",
    "again and again": "not the first time",
    "how many times": "not the first time",
    "once again": "not the first time",
    "again": "not the first time",
    "still not": "still not fixed",
    "still doesn't": "still not fixed",
    "still does not": "still not fixed",
    "still isn't": "still not fixed",
    "still broken": "still not fixed",
    "still waiting": "still waiting",
    "nobody called me back": "nobody called back",
    "no one called me back": "nobody called back",
    "never called back": "nobody called back",
    "never heard back": "nobody called back",
    "no reply": "nobody answered",
    "no response": "nobody answered",
    "already did that": "already tried that",
    "already tried that": "already tried that",
    "already tried": "already tried that",
    "already done that": "already tried that",
    "i already": "already tried that",
    "thanks for nothing": "sarcastic",
    "useless": "calls the help useless",
    "ridiculous": "calls it ridiculous",
    "unacceptable": "calls it unacceptable",
    "fed up": "fed up",
    "sick of": "fed up",
    "cancel my": "thinking of leaving",
    "waste of time": "calls it a waste of time",
}
_PATTERN = re.compile(
    r"(?<![\w])(?:"
    + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(PHRASES, key=len, reverse=True))
    + r")(?![\w])",
    re.IGNORECASE,
)
_IRONIC = frozenset({"sarcastic"})


@dataclass(frozen=True)
class Frustration:
    score: float  # 0 calm … 1 very frustrated
    level: str  # calm, upset, frustrated
    reason: str  # plain words for the badge; empty when calm


def cues_in(text: str) -> list[str]:
    """What the message's phrases tell, each once, in the order they appear."""
    seen: list[str] = []
    for match in _PATTERN.finditer(text):
        told = PHRASES[" ".join(match.group(0).lower().split())]
        if told not in seen:
            seen.append(told)
    return seen


def recent_contacts(earlier: list[datetime], now: datetime) -> list[datetime]:
    """The contacts inside the window, this one included, oldest first."""
    return [at for at in earlier if now - at <= CONTACT_WINDOW] + [now]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def sentiment_words(compound: float) -> str | None:
    if compound <= -0.6:
        return "strongly negative"
    if compound <= -0.25:
        return "negative"
    return None


def frustration(compound: float, contacts: list[datetime], told: list[str]) -> Frustration:
    """Score and reason from the sentiment, the recent contacts and the phrases told.

    Negative words weigh most; each contact beyond the first in the window adds, up to a
    cap, so a polite customer writing for the fourth time still shows; so does each phrase.
    """
    ironic = any(t in _IRONIC for t in told)
    negative = max(0.0, -compound) if not ironic else max(0.5, -compound)
    repeats = max(0, len(contacts) - 1)
    score = min(1.0, 0.6 * negative + min(0.45, 0.15 * repeats) + min(0.4, 0.2 * len(told)))
    level = "frustrated" if score >= 0.6 else "upset" if score >= 0.3 else "calm"
    if level == "calm":
        return Frustration(score=round(score, 3), level=level, reason="")
    parts = []
    if repeats:
        days = max(1, -(-(contacts[-1] - contacts[0]) // timedelta(days=1)))
        parts.append(f"{ordinal(len(contacts))} contact in {days} day{'s' if days > 1 else ''}")
    feeling = sentiment_words(-negative if ironic else compound)
    if feeling:
        parts.append(feeling)
    parts.extend(told)
    return Frustration(score=round(score, 3), level=level, reason=", ".join(parts))
