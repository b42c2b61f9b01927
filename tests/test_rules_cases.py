"""The pure rules of a case's life (cases/rules.py), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from throughline.cases.rules import (
    OwnerAct,
    Reason,
    Status,
    case_summary,
    due_at,
    is_active,
    normalize_step,
    reasons_cleared_by,
    status_after_customer_message,
    status_after_owner_act,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TARGETS = [timedelta(hours=h) for h in (1, 4, 24, 72)]


# --- normalize_step: the same step written differently is still the same step


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Restart the router.", "restart  the ROUTER"),
        ("Restart the router!!!", "  restart, the router?  "),
        ("Clear the cache", "clear\tthe\ncache"),
        ("Clear the cache", "Clear\u00a0the cache"),  # no-break space
        ("Réinstaller le pilote", "Re\u0301installer le pilote"),  # composed vs combining
        ("Reset", "\uff32\uff45\uff53\uff45\uff54"),  # full-width letters
        ("Check the STRASSE setting", "check the straße setting"),  # casefold, not lower
        ("Update to v2.1", "update to v2 1"),
    ],
)
def test_normalize_step_treats_rewordings_of_case_punctuation_space_as_equal(
    first: str, second: str
) -> None:
    assert normalize_step(first) == normalize_step(second)


def test_normalize_step_gives_a_plain_lowercase_single_spaced_form() -> None:
    assert normalize_step("  Restart   the ROUTER, then wait. ") == "restart the router then wait"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Restart the router", "Restart the modem"),
        ("Réinstaller le pilote", "Reinstaller le pilote"),  # an accent is a different word
        ("Update to v2", "Update to v3"),
    ],
)
def test_normalize_step_keeps_different_steps_apart(first: str, second: str) -> None:
    assert normalize_step(first) != normalize_step(second)


def test_normalize_step_of_only_punctuation_is_empty() -> None:
    assert normalize_step(" ...!?  -- ") == ""


def test_normalize_step_fits_the_stored_column() -> None:
    assert len(normalize_step("word " * 400)) == 500


# --- status transitions


@pytest.mark.parametrize(
    ("current", "act", "expected"),
    [
        (Status.NEW, OwnerAct.REPLY, Status.WAITING_ON_CUSTOMER),
        (Status.OPEN, OwnerAct.REPLY, Status.WAITING_ON_CUSTOMER),
        (Status.WAITING_ON_TEAM, OwnerAct.REPLY, Status.WAITING_ON_CUSTOMER),
        (Status.NEW, OwnerAct.NOTE, Status.OPEN),
        (Status.NEW, OwnerAct.STEP, Status.OPEN),
        (Status.NEW, OwnerAct.FOLLOW_UP, Status.OPEN),
        (Status.NEW, OwnerAct.ACTION, Status.OPEN),
        (Status.WAITING_ON_CUSTOMER, OwnerAct.NOTE, Status.WAITING_ON_CUSTOMER),
        (Status.WAITING_ON_TEAM, OwnerAct.STEP, Status.WAITING_ON_TEAM),
        (Status.OPEN, OwnerAct.ESCALATE, Status.WAITING_ON_TEAM),
        (Status.NEW, OwnerAct.ESCALATE, Status.WAITING_ON_TEAM),
        (Status.OPEN, OwnerAct.PROPOSE, Status.RESOLUTION_PROPOSED),
        (Status.WAITING_ON_CUSTOMER, OwnerAct.PROPOSE, Status.RESOLUTION_PROPOSED),
        # A pending proposal is the customer's to answer; the owner working on does not undo it.
        (Status.RESOLUTION_PROPOSED, OwnerAct.REPLY, Status.RESOLUTION_PROPOSED),
        (Status.RESOLUTION_PROPOSED, OwnerAct.ESCALATE, Status.RESOLUTION_PROPOSED),
        (Status.RESOLVED, OwnerAct.NOTE, Status.RESOLVED),
        (Status.RESOLVED, OwnerAct.REPLY, Status.RESOLVED),
    ],
)
def test_status_after_owner_act(current: Status, act: OwnerAct, expected: Status) -> None:
    assert status_after_owner_act(current, act) == expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (Status.NEW, Status.NEW),  # nobody picked it up yet: it stays in the queue
        (Status.OPEN, Status.OPEN),
        (Status.WAITING_ON_CUSTOMER, Status.OPEN),
        (Status.WAITING_ON_TEAM, Status.OPEN),
        (Status.RESOLUTION_PROPOSED, Status.OPEN),
        (Status.RESOLVED, Status.OPEN),
    ],
)
def test_any_customer_message_reopens(current: Status, expected: Status) -> None:
    assert status_after_customer_message(current) == expected


def test_only_cases_that_need_work_count_as_active() -> None:
    assert {s for s in Status if is_active(s)} == {
        Status.NEW,
        Status.OPEN,
        Status.WAITING_ON_CUSTOMER,
        Status.WAITING_ON_TEAM,
    }


# --- what an owner's act answers on the work list


def test_a_reply_answers_the_customer_and_a_rejected_resolution() -> None:
    assert reasons_cleared_by(OwnerAct.REPLY) == {
        Reason.NEW,
        Reason.ESCALATION_ANSWERED,
        Reason.CUSTOMER_REPLIED,
        Reason.RESOLUTION_REJECTED,
    }
    assert reasons_cleared_by(OwnerAct.PROPOSE) == reasons_cleared_by(OwnerAct.REPLY)


def test_a_note_shows_the_case_was_seen_but_answers_nobody() -> None:
    cleared = reasons_cleared_by(OwnerAct.NOTE)
    assert cleared == {Reason.NEW, Reason.ESCALATION_ANSWERED}
    assert Reason.CUSTOMER_REPLIED not in cleared


@pytest.mark.parametrize("act", [OwnerAct.STEP, OwnerAct.ESCALATE, OwnerAct.ACTION])
def test_working_on_the_problem_answers_a_rejection_but_not_the_customer(act: OwnerAct) -> None:
    cleared = reasons_cleared_by(act)
    assert Reason.RESOLUTION_REJECTED in cleared
    assert Reason.NEW in cleared
    assert Reason.CUSTOMER_REPLIED not in cleared


@pytest.mark.parametrize("act", list(OwnerAct))
def test_time_driven_reasons_are_never_cleared_by_an_act(act: OwnerAct) -> None:
    cleared = reasons_cleared_by(act)
    assert Reason.ESCALATION_OVERDUE not in cleared
    assert Reason.FOLLOW_UP_DUE not in cleared


# --- due times


@pytest.mark.parametrize(("severity", "hours"), [(1, 1), (2, 4), (3, 24), (4, 72)])
def test_due_at_follows_the_target_of_the_severity(severity: int, hours: int) -> None:
    assert due_at(severity, T0, TARGETS) == T0 + timedelta(hours=hours)


def test_a_more_severe_case_is_due_sooner() -> None:
    assert due_at(1, T0, TARGETS) < due_at(2, T0, TARGETS) < due_at(4, T0, TARGETS)


def test_due_at_counts_from_when_the_case_needed_us() -> None:
    later = T0 + timedelta(hours=5)
    assert due_at(3, later, TARGETS) - due_at(3, T0, TARGETS) == timedelta(hours=5)


# --- what a specialist reads first


def test_case_summary_holds_subject_and_the_customers_words() -> None:
    assert case_summary("No sound", "  Since the update.  ") == "No sound\n\nSince the update."
    assert case_summary("No sound", None) == "No sound"


def test_case_summary_cuts_a_long_message_visibly() -> None:
    summary = case_summary("No sound", "x" * 5000, limit=100)
    assert summary.endswith("…")
    assert len(summary.split("\n\n", 1)[1]) == 100
