"""The report's arithmetic, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from throughline.kit.errors import InvalidInput
from throughline.reports.rules import (
    MEDIAN_TENTHS,
    P90_TENTHS,
    HardSolve,
    RepFigures,
    Viewer,
    interpolated,
    is_hard_solve,
    may_see_team,
    mean,
    median,
    percentile,
    rank_bounds,
    rank_reps,
    refused_scope,
    report_window,
    share,
    week_count,
    week_start,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_median_of_nothing_is_unknown_not_zero() -> None:
    assert median([]) is None
    assert percentile([], 0.9) is None


def test_median_of_an_odd_count_is_the_middle_value() -> None:
    assert median([7.0, 1.0, 3.0]) == 3.0
    assert median([5.0]) == 5.0


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([10.0, 1.0, 4.0, 2.0]) == 3.0
    assert median([1.0, 2.0]) == 1.5


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [float(v) for v in range(10, 0, -1)]  # 10 … 1, unsorted on purpose
    assert percentile(values, 0.9) == pytest.approx(9.1)
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 10.0
    assert percentile([2.0, 4.0], 0.9) == pytest.approx(3.8)
    assert percentile([3.0], 0.9) == 3.0


def test_percentile_refuses_a_fraction_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1.0], 90)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 10, 11, 101])
def test_two_ranks_give_the_same_percentiles_as_all_values(count: int) -> None:
    values = [float(v * v % 17) for v in range(count)]
    ordered = sorted(values)
    for tenths in (MEDIAN_TENTHS, P90_TENTHS):
        low, high = rank_bounds(count, tenths)
        picked = {low: ordered[low], high: ordered[high]}
        assert interpolated(picked, count, tenths) == pytest.approx(percentile(values, tenths / 10))
    assert interpolated({}, 0, P90_TENTHS) is None


def test_a_lead_sees_everyone_a_rep_themselves_a_specialist_their_team() -> None:
    lead = Viewer(rep_id=1, is_lead=True, team_ids=frozenset())
    rep = Viewer(rep_id=2, is_lead=False, team_ids=frozenset())
    specialist = Viewer(rep_id=3, is_lead=False, team_ids=frozenset({7}))
    assert refused_scope(lead, team_id=7, rep_id=2) is None
    assert refused_scope(rep, team_id=None, rep_id=None) is None
    assert refused_scope(rep, team_id=None, rep_id=2) is None
    assert (refused_scope(rep, team_id=None, rep_id=3) or "").startswith("rep:")
    assert refused_scope(specialist, team_id=7, rep_id=None) is None
    assert (refused_scope(specialist, team_id=8, rep_id=None) or "").startswith("team:")
    assert may_see_team(specialist, 7)
    assert not may_see_team(rep, 7)


def test_weeks_count_from_the_window_start() -> None:
    window = report_window(NOW - timedelta(days=15), NOW, now=NOW)
    assert week_count(window) == 3  # 7 + 7 + the last day
    assert week_start(window, 2) == NOW - timedelta(days=1)


def test_a_hard_solve_was_escalated_took_three_steps_and_was_confirmed() -> None:
    assert is_hard_solve(HardSolve(escalations=1, steps=3, confirmed=True))
    assert not is_hard_solve(HardSolve(escalations=0, steps=5, confirmed=True))
    assert not is_hard_solve(HardSolve(escalations=2, steps=2, confirmed=True))
    assert not is_hard_solve(HardSolve(escalations=1, steps=3, confirmed=False))


def test_a_share_of_nothing_is_unknown_not_zero() -> None:
    assert share(0, 0) is None
    assert share(0, 4) == 0.0
    assert share(1, 3) == 0.3333
    assert mean(0, 0) is None
    assert mean(7, 5) == 1.4
    assert mean(10, 3) == 3.33


def test_window_defaults_to_the_last_thirty_days() -> None:
    window = report_window(None, None, now=NOW)
    assert (window.since, window.until) == (NOW - timedelta(days=30), NOW)


def test_window_with_one_end_given() -> None:
    since = NOW - timedelta(days=3)
    assert report_window(since, None, now=NOW).until == NOW
    until = NOW - timedelta(days=100)
    assert report_window(None, until, now=NOW).since == until - timedelta(days=30)


def test_window_reads_times_without_offset_as_utc() -> None:
    window = report_window(
        datetime(2026, 11, 1),
        datetime(2026, 11, 2, 1, tzinfo=timezone(timedelta(hours=1))),
        now=NOW,
    )
    assert window.since == datetime(2026, 11, 1, tzinfo=UTC)
    assert window.until == datetime(2026, 11, 2, 0, tzinfo=UTC)
    assert window.until.tzinfo == UTC


@pytest.mark.parametrize("gap", [timedelta(0), timedelta(hours=-1)])
def test_window_must_end_after_it_starts(gap: timedelta) -> None:
    with pytest.raises(InvalidInput, match=r"^until: must be after since"):
        report_window(NOW, NOW + gap, now=NOW)


def test_window_covers_at_most_366_days() -> None:
    assert report_window(NOW - timedelta(days=366), NOW, now=NOW).since == NOW - timedelta(days=366)
    with pytest.raises(InvalidInput, match=r"^since: .*at most 366"):
        report_window(NOW - timedelta(days=366, seconds=1), NOW, now=NOW)


def _figures(rep_id: int, confirmed: int, answered: int = 0, reopened: int = 0) -> RepFigures:
    return RepFigures(
        rep_id=rep_id,
        confirmed_resolutions=confirmed,
        reopened=reopened,
        median_time_to_confirmed_resolution_hours=None,
        escalations_answered=answered,
    )


def test_reps_rank_by_confirmed_resolutions_then_escalations_answered() -> None:
    ranked = rank_reps(
        [_figures(1, 1), _figures(2, 4), _figures(3, 1, answered=2), _figures(4, 0, answered=1)]
    )
    assert [f.rep_id for f in ranked] == [2, 3, 1, 4]


def test_reps_with_nothing_in_the_window_are_left_out() -> None:
    ranked = rank_reps([_figures(1, 0), _figures(2, 0, reopened=1), _figures(3, 2)])
    assert [f.rep_id for f in ranked] == [3, 2]
