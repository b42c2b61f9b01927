"""The report's arithmetic, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from throughline.kit.errors import InvalidInput
from throughline.reports.rules import (
    RepFigures,
    mean,
    median,
    median_hours,
    percentile,
    rank_reps,
    report_window,
    round_trips,
    share,
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


def test_median_hours_measures_from_opened_to_resolved() -> None:
    pairs = [
        (NOW, NOW + timedelta(hours=2)),
        (NOW, NOW + timedelta(hours=10)),
        (NOW, NOW + timedelta(hours=4, minutes=30)),
    ]
    assert median_hours(pairs) == 4.5
    assert median_hours([]) is None
    assert median_hours([(NOW, NOW + timedelta(minutes=20))]) == 0.33


def test_round_trips_give_median_p90_and_count() -> None:
    trips = round_trips([(NOW, NOW + timedelta(hours=1)), (NOW, NOW + timedelta(hours=5))])
    assert (trips.median, trips.p90, trips.answered) == (3.0, 4.6, 2)
    empty = round_trips([])
    assert (empty.median, empty.p90, empty.answered) == (None, None, 0)


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
