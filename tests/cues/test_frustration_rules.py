"""How frustrated a customer seems: scores and the reason shown on the badge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from throughline.cues.rules import cues_in, frustration, ordinal, recent_contacts
from throughline.cues.service import score_text

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def contacts(*days_ago: float) -> list[datetime]:
    return recent_contacts([NOW - timedelta(days=d) for d in days_ago], NOW)


def test_an_angry_message_is_frustrated_and_says_why() -> None:
    found = score_text(
        "This is useless. I am furious, the internet is still not working and I hate this!",
        contacts(),
    )
    assert found.level == "frustrated"
    assert found.reason.startswith("strongly negative")
    assert "still not fixed" in found.reason


def test_a_neutral_first_message_is_calm_without_a_badge() -> None:
    found = score_text("My printer shows error 0x61011bed when I print a PDF.", contacts())
    assert (found.level, found.reason) == ("calm", "")


def test_polite_but_repeated_still_shows_the_contacts() -> None:
    found = score_text(
        "Hello again, sorry to bother you, thanks so much for your help so far!",
        contacts(2.5, 1, 0.2),
    )
    assert found.level in ("upset", "frustrated")
    assert found.reason == "4th contact in 3 days, not the first time"


def test_sarcasm_does_not_read_as_praise() -> None:
    found = score_text("Great, thanks for nothing.", contacts())
    assert found.level != "calm"
    assert "sarcastic" in found.reason


def test_contacts_outside_the_window_do_not_count() -> None:
    assert len(contacts(30, 20, 1)) == 2


def test_phrases_are_found_once_whatever_the_spacing_and_case() -> None:
    assert cues_in("Third  time I write. I ALREADY did that. Again!") == [
        "not the first time",
        "already tried that",
    ]
    assert cues_in("The gain is fine") == []


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd",
    ]  # fmt: skip


def test_the_score_grows_with_each_signal() -> None:
    calm = frustration(0.0, contacts(), [])
    repeated = frustration(0.0, contacts(1, 0.5), [])
    angry = frustration(-0.8, contacts(1, 0.5), ["still not fixed"])
    assert calm.score < repeated.score < angry.score <= 1.0
