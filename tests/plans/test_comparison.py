"""The cities compared on one indicator (plans.comparison): the ranks, changes of rank, growth and completion of
each city, from values the test stores, checked against figures worked out here; the default year; the tiers set
in the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cities.models import Region
from indicators.models import ComparisonTier, Indicator
from plans import comparison
from plans.evaluation import completion
from plans.selectors import evaluate_targets
from tests.spreadsheets import store

pytestmark = pytest.mark.django_db

ZHENGZHOU, XINXIANG, NANYANG, LUOYANG, LUOHE = "410100", "410700", "411300", "410300", "411100"
# 高新技术企业 (count, higher is better): 2023 → 2024. Luoyang has no plan in the app; Luohe reports 2024 only.
VALUES = {
    ZHENGZHOU: {2023: "6000", 2024: "8000"},
    XINXIANG: {2023: "700", 2024: "650"},
    NANYANG: {2023: "300", 2024: "650"},
    LUOYANG: {2023: "1000", 2024: "1200"},
    LUOHE: {2024: "100"},
}


@pytest.fixture
def stored() -> Indicator:
    for adcode, years in VALUES.items():
        for year, value in years.items():
            store(adcode, "hightech_firms", year, value, origin="import")
    return Indicator.objects.get(code="hightech_firms")


def henan() -> Region:
    return Region.objects.get(adcode="410000")


def by_city(found: comparison.Comparison) -> dict[str, comparison.CityRow]:
    return {row.region.adcode: row for row in found.rows}


def test_cities_rank_on_their_value_with_ties_and_the_change_since_the_year_before(stored: Indicator) -> None:
    found = comparison.compare(stored, henan(), 2024)
    rows = by_city(found)
    assert found.year == 2024
    # 8000, 1200, 650, 650, 100: Xinxiang and Nanyang share 3rd, Luohe is 5th.
    assert {a: rows[a].level.rank for a in VALUES} == {ZHENGZHOU: 1, LUOYANG: 2, XINXIANG: 3, NANYANG: 3, LUOHE: 5}
    # 2023: 6000, 1000, 700, 300 → Nanyang was 4th and gained one place; Luohe had no value, so no change.
    assert {a: rows[a].level.change for a in VALUES} == {ZHENGZHOU: 0, LUOYANG: 0, XINXIANG: 0, NANYANG: 1, LUOHE: None}
    assert [row.region.adcode for row in found.rows[:5]] == [ZHENGZHOU, LUOYANG, XINXIANG, NANYANG, LUOHE]
    # Every other city of the province is listed, without a value, after them.
    assert len(found.rows) == Region.objects.filter(parent=henan(), level=Region.Level.CITY).count()
    assert all(row.level.rank is None and row.level.value is None for row in found.rows[5:])


def test_growth_on_the_year_before_is_ranked_too(stored: Indicator) -> None:
    rows = by_city(comparison.compare(stored, henan(), 2024))
    expected = {ZHENGZHOU: 8000 / 6000 - 1, XINXIANG: 650 / 700 - 1, NANYANG: 650 / 300 - 1, LUOYANG: 1200 / 1000 - 1}
    for adcode, rate in expected.items():
        assert rows[adcode].growth.value == pytest.approx(rate * 100)
    assert rows[LUOHE].growth.value is None
    ordered = sorted(expected, key=expected.__getitem__, reverse=True)
    assert [rows[a].growth.rank for a in ordered] == [1, 2, 3, 4]
    assert all(rows[a].growth.change is None for a in expected)  # no 2022 values: no rank by growth in 2023


def test_completion_is_each_citys_own_target_judged_on_that_years_value(stored: Indicator) -> None:
    rows = by_city(comparison.compare(stored, henan(), 2024))
    assert rows[LUOYANG].item is None and rows[LUOYANG].completion.value is None  # no plan, no target
    shares = {}
    for adcode in (ZHENGZHOU, XINXIANG, NANYANG, LUOHE):
        item = rows[adcode].item
        assert item is not None
        assert item.target.plan.region.adcode == adcode and item.target.indicator == stored
        (judged,) = evaluate_targets([item.target], as_of=2024)
        assert judged.progress.year == 2024
        share = completion(judged.progress)
        assert rows[adcode].status == judged.status
        if share is None:
            assert rows[adcode].completion.value is None
        else:
            shares[adcode] = share * 100
            assert rows[adcode].completion.value == pytest.approx(share * 100)
    ordered = sorted(shares, key=shares.__getitem__, reverse=True)
    ranks = [rows[a].completion.rank or 0 for a in ordered]
    assert ranks == sorted(ranks) and 0 not in ranks
    assert rows[ordered[0]].completion.rank == 1


def test_a_city_whose_latest_value_is_older_is_not_ranked_on_completion(stored: Indicator) -> None:
    store(NANYANG, "hightech_firms", 2025, "700", origin="import")
    rows = by_city(comparison.compare(stored, henan(), 2025))
    assert rows[NANYANG].completion.value is not None and rows[NANYANG].completion.rank == 1
    assert rows[ZHENGZHOU].level.value is None and rows[ZHENGZHOU].completion.value is None  # its value is 2024's


def test_the_default_year_is_the_latest_most_cities_report(stored: Indicator) -> None:
    store(ZHENGZHOU, "hightech_firms", 2025, "9000", origin="import")  # the first city to report 2025
    assert comparison.compare(stored, henan()).year == 2024
    for adcode in (XINXIANG, NANYANG):
        store(adcode, "hightech_firms", 2025, "700", origin="import")
    assert comparison.compare(stored, henan()).year == 2025  # 3 of the best-covered year's 5
    assert comparison.compare(stored, henan()).years == [2023, 2024, 2025]


def test_no_value_no_year_and_every_city_unranked() -> None:
    found = comparison.compare(Indicator.objects.get(code="rd_intensity"), henan())
    assert found.year is None and found.years == []
    assert all(row.level.rank is None for row in found.rows)


def test_tiers_set_in_the_admin_place_each_city(stored: Indicator) -> None:
    ComparisonTier.objects.create(indicator=stored, metric="level", name_zh="第一梯队", name_en="First", threshold=1000)
    ComparisonTier.objects.create(indicator=stored, metric="level", name_zh="其他", name_en="Others", threshold=None)
    rows = by_city(comparison.compare(stored, henan(), 2024))
    assert {a: rows[a].level.tier for a in VALUES} == {
        ZHENGZHOU: "第一梯队", LUOYANG: "第一梯队", XINXIANG: "其他", NANYANG: "其他", LUOHE: "其他",
    }  # fmt: skip
    assert rows["411200"].level.tier is None  # no value: no tier


def test_an_indicators_own_tiers_replace_the_defaults_for_that_measure(stored: Indicator) -> None:
    defaults = comparison.tiers_for(stored)["completion"]
    assert [t.name for t in defaults] == ["领先", "中等", "追赶"]  # the migration's defaults, best first
    ComparisonTier.objects.create(indicator=stored, metric="completion", name_zh="达标", name_en="Met", threshold=100)
    assert [t.name for t in comparison.tiers_for(stored)["completion"]] == ["达标"]
    other = Indicator.objects.get(code="rd_intensity")
    assert [t.name for t in comparison.tiers_for(other)["completion"]] == ["领先", "中等", "追赶"]


def test_a_second_tier_for_the_rest_is_refused_with_its_field() -> None:
    tier = ComparisonTier(indicator=None, metric="completion", name_zh="其余", name_en="Rest", threshold=None)
    with pytest.raises(ValidationError) as caught:
        tier.full_clean()
    assert "threshold" in caught.value.message_dict
    assert "没有门槛" in caught.value.message_dict["threshold"][0]
