"""The portal's plain rules: who counts as online, and what the chat honestly says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from throughline.customers.rules import PROFICIENCIES
from throughline.portal.rules import (
    PROFICIENCY_WORDS,
    SEVERITY_WORDS,
    RepPresence,
    chat_is_open,
    chat_subject,
    is_online,
    offline_words,
    someone_can_take_new,
)

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_a_rep_is_online_only_on_shift_and_seen_within_a_minute() -> None:
    assert is_online(RepPresence(on_shift=True, last_seen_at=NOW - timedelta(seconds=30)), NOW)
    assert not is_online(RepPresence(on_shift=True, last_seen_at=NOW - timedelta(minutes=2)), NOW)
    assert not is_online(RepPresence(on_shift=False, last_seen_at=NOW), NOW)
    assert not is_online(RepPresence(on_shift=True, last_seen_at=None), NOW)


def test_a_new_chat_is_live_only_if_an_online_rep_has_room() -> None:
    full = RepPresence(on_shift=True, last_seen_at=NOW, active_cases=5, capacity=5)
    away = RepPresence(on_shift=True, last_seen_at=None, active_cases=0, capacity=5)
    free = RepPresence(on_shift=True, last_seen_at=NOW, active_cases=4, capacity=5)
    assert not someone_can_take_new([full, away], NOW)
    assert someone_can_take_new([full, away, free], NOW)


def test_the_offline_message_says_who_when_and_that_email_takes_over() -> None:
    due = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    text = offline_words(owner_name="Sam Okafor", due=due, email="kofi@example.org")
    assert text == (
        "Nobody is at their desk right now. Sam Okafor will answer by 2026-11-24 09:30 UTC. "
        "We will continue by email at kofi@example.org: you can close this window."
    )
    assert "A member of our team will answer as soon as they are back" in offline_words(
        owner_name=None, due=None, email=None
    )


def test_chat_presence_and_subjects() -> None:
    assert chat_is_open(NOW - timedelta(seconds=20), NOW)
    assert not chat_is_open(NOW - timedelta(minutes=5), NOW)
    assert not chat_is_open(None, NOW)
    assert chat_subject("\n  Printer jams\nmore detail") == "Printer jams"
    assert chat_subject("x" * 200).endswith("…")
    assert len(chat_subject("x" * 200)) == 80


def test_the_words_cover_every_severity_and_proficiency() -> None:
    assert sorted(SEVERITY_WORDS) == [1, 2, 3, 4]
    assert set(PROFICIENCY_WORDS) == set(PROFICIENCIES)
