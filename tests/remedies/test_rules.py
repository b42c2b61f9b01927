"""The remedy rules of principle 8, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from throughline.kit.errors import InvalidInput
from throughline.remedies.rules import (
    ActionStatus,
    Approver,
    action_amount,
    amount_words,
    check_key,
    choose_approver,
    limit_amount,
    may_decide,
    parse_limit,
    parse_unit,
    remedy_words,
    status_for,
    status_sentence,
    within_limit,
)


@pytest.mark.parametrize(
    ("unit", "given", "expected"),
    [
        ("money", Decimal("30"), Decimal("30.00")),
        ("money", Decimal("12.5"), Decimal("12.50")),
        ("money", Decimal("0.01"), Decimal("0.01")),
        ("money", Decimal("3.100"), Decimal("3.10")),
        ("days", Decimal("30"), Decimal("30")),
        ("days", Decimal("1E+1"), Decimal("10")),
        ("items", Decimal("2"), Decimal("2")),
        ("items", None, Decimal("1")),
    ],
)
def test_amounts_accepted_per_unit(unit: str, given: Decimal | None, expected: Decimal) -> None:
    value = action_amount(unit, given)
    assert value == expected
    assert str(value) == str(expected)


@pytest.mark.parametrize(
    ("unit", "given", "message"),
    [
        ("money", None, "amount: required; this remedy needs an amount of money"),
        ("money", Decimal("0"), "amount: must be more than 0"),
        ("money", Decimal("-5"), "amount: must be more than 0"),
        ("money", Decimal("12.345"), "amount: at most 2 decimals"),
        ("money", Decimal("10000000000"), "amount: must be at most 9999999999.99"),
        ("money", Decimal("NaN"), "amount: must be a number"),
        ("days", None, "amount: required; this remedy needs a number of days"),
        ("days", Decimal("1.5"), "amount: a whole number of days"),
        ("days", Decimal("0"), "amount: must be more than 0"),
        ("items", Decimal("0.5"), "amount: a whole number of items"),
        ("items", Decimal("-1"), "amount: must be more than 0"),
    ],
)
def test_amounts_refused_name_the_field(unit: str, given: Decimal | None, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        action_amount(unit, given)
    assert caught.value.message == message
    assert caught.value.status_code == 422


def test_within_limit_includes_the_limit_itself() -> None:
    assert within_limit(Decimal("50.00"), Decimal("50.00"))
    assert within_limit(Decimal("49.99"), Decimal("50.00"))
    assert not within_limit(Decimal("50.01"), Decimal("50.00"))
    assert status_for(Decimal("50.00"), Decimal("50.00")) is ActionStatus.DONE
    assert status_for(Decimal("50.01"), Decimal("50.00")) is ActionStatus.PENDING


def test_a_zero_limit_sends_every_action_to_the_approver() -> None:
    assert limit_amount("money", Decimal("0")) == Decimal("0.00")
    assert status_for(Decimal("0.01"), Decimal("0.00")) is ActionStatus.PENDING


def test_limits_are_checked_for_their_unit() -> None:
    assert parse_limit("money", " 25 ") == Decimal("25.00")
    assert parse_limit("days", "30") == Decimal("30")
    with pytest.raises(InvalidInput, match="^limit: must be 0 or more$"):
        parse_limit("money", "-1")
    with pytest.raises(InvalidInput, match="^limit: a whole number of items$"):
        parse_limit("items", "1.5")
    with pytest.raises(InvalidInput, match="^limit: 'lots' is not a number$"):
        parse_limit("money", "lots")


def test_units_and_keys_name_what_is_allowed() -> None:
    assert parse_unit("days") == "days"
    with pytest.raises(InvalidInput, match="^unit: 'cash' is not one of money, days, items$"):
        parse_unit("cash")
    assert check_key(" licence_extension ") == "licence_extension"
    with pytest.raises(InvalidInput, match="^key: 'Free Month' must start with a letter"):
        check_key("Free Month")


def test_words_people_read() -> None:
    assert amount_words(Decimal("50"), "money") == "50.00"
    assert amount_words(Decimal("1"), "days") == "1 day"
    assert amount_words(Decimal("30.00"), "days") == "30 days"
    assert amount_words(Decimal("2"), "items") == "2 items"
    assert remedy_words("Refund", Decimal("30"), "money") == "Refund of 30.00"
    assert remedy_words("Licence extension", Decimal("30"), "days") == (
        "Licence extension of 30 days"
    )
    assert remedy_words("Replacement device", Decimal("1"), "items") == "Replacement device"
    assert remedy_words("Replacement device", Decimal("2"), "items") == (
        "Replacement device (2 items)"
    )


def test_status_sentences() -> None:
    limit = Decimal("50")
    assert (
        status_sentence("done", limit=limit, unit="money", approver=None)
        == "Done: within your limit of 50.00"
    )
    assert (
        status_sentence("pending_approval", limit=limit, unit="money", approver="Lena Lead")
        == "Waiting for Lena Lead to approve: above your limit of 50.00"
    )
    assert (
        status_sentence(
            "approved", limit=limit, unit="money", approver="Lena Lead", whose="Olivia Owner's"
        )
        == "Approved by Lena Lead: above Olivia Owner's limit of 50.00"
    )
    assert (
        status_sentence("rejected", limit=limit, unit="money", approver="Lena Lead")
        == "Rejected by Lena Lead: nothing was granted"
    )


REP = Approver(id=5, is_lead=False, is_active=True, team_ids=frozenset({2}))
LEAD_1 = Approver(id=1, is_lead=True, is_active=True, team_ids=frozenset({9}))
LEAD_3 = Approver(id=3, is_lead=True, is_active=True, team_ids=frozenset({2}))
LEAD_7 = Approver(id=7, is_lead=True, is_active=True)


def test_the_reps_own_approver_comes_first() -> None:
    assert choose_approver(REP, LEAD_7, [LEAD_1, LEAD_3, LEAD_7]) == LEAD_7


def test_a_named_approver_who_left_or_is_no_lead_is_passed_over() -> None:
    gone = Approver(id=7, is_lead=True, is_active=False)
    not_lead = Approver(id=8, is_lead=False, is_active=True)
    assert choose_approver(REP, gone, [LEAD_1, LEAD_3]) == LEAD_3
    assert choose_approver(REP, not_lead, [LEAD_1, LEAD_3]) == LEAD_3


def test_a_lead_of_the_reps_team_before_the_first_lead() -> None:
    assert choose_approver(REP, None, [LEAD_7, LEAD_3, LEAD_1]) == LEAD_3


def test_else_the_active_lead_with_the_lowest_id() -> None:
    loner = Approver(id=5, is_lead=False, is_active=True)
    inactive = Approver(id=0, is_lead=True, is_active=False)
    assert choose_approver(loner, None, [LEAD_7, inactive, LEAD_3, LEAD_1]) == LEAD_1


def test_never_the_rep_themself() -> None:
    lead = Approver(id=3, is_lead=True, is_active=True, team_ids=frozenset({2}))
    assert choose_approver(lead, lead, [lead, LEAD_7]) == LEAD_7
    assert choose_approver(lead, None, [lead]) is None
    assert choose_approver(REP, None, []) is None


def test_only_the_named_approver_decides() -> None:
    assert may_decide(3, 3)
    assert not may_decide(3, 1)
    assert not may_decide(None, 1)
    assert not may_decide(3, None)
