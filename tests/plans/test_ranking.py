"""The comparison page's arithmetic (plans.ranking): competition ranks, changes of rank, growth, tiers."""

from __future__ import annotations

import pytest

from plans import ranking
from plans.ranking import Tier


def test_equal_figures_share_a_rank_and_the_next_rank_skips() -> None:
    values = {"a": 5.0, "b": 9.0, "c": 5.0, "d": 1.0}
    assert ranking.ranks(values, higher_is_better=True) == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_where_lower_is_better_the_lowest_ranks_first() -> None:
    values = {"a": 5.0, "b": 9.0, "c": 1.0}
    assert ranking.ranks(values, higher_is_better=False) == {"c": 1, "a": 2, "b": 3}


def test_no_figure_no_rank() -> None:
    assert ranking.ranks({}, higher_is_better=True) == {}


@pytest.mark.parametrize(
    ("now", "before", "change"), [(1, 3, 2), (4, 2, -2), (2, 2, 0), (2, None, None), (None, 1, None)]
)
def test_the_change_of_rank_counts_places_gained(now: int | None, before: int | None, change: int | None) -> None:
    assert ranking.rank_change(now, before) == change


def test_growth_is_a_rate_for_amounts_and_a_difference_for_ratios() -> None:
    assert ranking.growth(200.0, 250.0, "stock") == pytest.approx(25.0)
    assert ranking.growth(200.0, 150.0, "flow") == pytest.approx(-25.0)
    assert ranking.growth(2.1, 2.45, "ratio") == pytest.approx(0.35)  # percentage points, not 16.7 %
    assert ranking.growth(0.0, 5.0, "stock") is None  # a rate from zero means nothing
    assert ranking.growth(None, 5.0, "stock") is None


def test_a_city_is_in_the_best_tier_whose_threshold_it_reaches() -> None:
    tiers = [Tier("追赶", None), Tier("中等", 80.0), Tier("领先", 100.0)]  # in any order
    assert [t.name for t in ranking.ordered_tiers(tiers, higher_is_better=True)] == ["领先", "中等", "追赶"]
    assert ranking.tier_of(100.0, tiers, higher_is_better=True) == "领先"
    assert ranking.tier_of(99.9, tiers, higher_is_better=True) == "中等"
    assert ranking.tier_of(80.0, tiers, higher_is_better=True) == "中等"
    assert ranking.tier_of(-5.0, tiers, higher_is_better=True) == "追赶"
    assert ranking.tier_of(None, tiers, higher_is_better=True) is None


def test_tiers_where_lower_is_better_and_without_a_tier_for_the_rest() -> None:
    tiers = [Tier("good", 10.0), Tier("fair", 20.0)]
    assert ranking.tier_of(8.0, tiers, higher_is_better=False) == "good"
    assert ranking.tier_of(15.0, tiers, higher_is_better=False) == "fair"
    assert ranking.tier_of(25.0, tiers, higher_is_better=False) is None
