"""Judgements explained: the number each kind of target is judged on, the completion written out term by term, and
both readings where the pace (序时进度) and the trend disagree — read off plans.progress, worded by plans.wording.
The expected numbers are worked out here by hand."""

from __future__ import annotations

import pytest
from django.utils import translation

from plans import progress as pr
from plans import vocabulary as v
from plans import wording
from plans.progress import TargetSpec, evaluate

# Xinxiang 新培育400家高新技术企业 (goals-new-hightech-firms): 402 in 2020, 690 in 2024.
NEW_HIGHTECH = TargetSpec(
    kind=v.CUMULATIVE_NEW, comparator=">=", target_year=2025, target_value=400.0, baseline_year=2020,
    baseline_value=402.0, period_start=2021,
)  # fmt: skip
HIGHTECH = {2020: 402.0, 2022: 521.0, 2024: 690.0}


def figures(spec: TargetSpec, result: pr.Progress, unit: str) -> dict[str, str]:
    with translation.override("zh-hans"):
        return dict(wording.judgement_figures(spec, result, unit))


def test_new_since_the_baseline_is_shown_with_the_baseline_and_the_latest() -> None:
    result = evaluate(NEW_HIGHTECH, HIGHTECH)
    assert (result.baseline_level, result.actual, result.measured) == (402.0, 690.0, 288.0)
    assert result.baseline_used == 0.0  # the amount added starts at zero: the stock it counts from is apart
    terms = pr.completion_terms(NEW_HIGHTECH, result)
    assert terms is not None and terms.share == pytest.approx(0.72)
    assert (terms.reached, terms.start, terms.goal, terms.goal_start) == (690.0, 402.0, 400.0, None)
    assert wording.completion_formula(NEW_HIGHTECH, result) == "(690 − 402) ÷ 400 = 72 %"
    shown = figures(NEW_HIGHTECH, result, "家")
    assert shown["基期值（2020年）"] == "402 家"
    assert shown["最新值（2024年）"] == "690 家"
    assert shown["基期以来新增"] == "288 家"
    assert shown["完成程度"] == "(690 − 402) ÷ 400 = 72 %"


def test_a_flow_added_up_is_divided_by_the_amount_to_add() -> None:
    spec = TargetSpec(v.CUMULATIVE_NEW, ">=", 2025, 100.0, baseline_year=2020, period_start=2021, measure=v.FLOW)
    result = evaluate(spec, {2021: 10.0, 2022: 20.0, 2023: 15.5})
    assert result.baseline_level is None and result.measured == 45.5
    assert wording.completion_formula(spec, result) == "45.5 ÷ 100 = 45.5 %"


def test_a_doubling_shows_the_multiple_reached() -> None:
    spec = TargetSpec(v.MULTIPLE_OF_BASELINE, ">=", 2025, 2.0, baseline_year=2020, period_start=2021)
    result = evaluate(spec, HIGHTECH)
    assert result.multiple_reached == pytest.approx(690 / 402)
    assert result.target_level == 804.0
    shown = figures(spec, result, "家")
    assert shown["已达基期的倍数"] == "1.716 倍"
    assert shown["完成程度"] == "(690 − 402) ÷ (804 − 402) = 71.6 %"


def test_above_the_provincial_average_shows_the_province_s_value() -> None:
    spec = TargetSpec(v.RELATIVE_TO_AVERAGE, ">", 2025, None, baseline_year=2020, baseline_value=1.0, period_start=2021)
    result = evaluate(spec, {2020: 1.0, 2023: 1.55}, parent={2020: 1.64, 2023: 1.83})
    assert result.parent_value == 1.83
    shown = figures(spec, result, "%")
    assert shown["最新值（2023年）"] == "1.55 %" and shown["全省值（2023年）"] == "1.83 %"
    assert shown["完成程度"] == "(1.55 − 1) ÷ (1.83 − 1) = 66.3 %"


def test_comparing_growth_shows_both_growth_rates() -> None:
    spec = TargetSpec(v.RELATIVE_TO_AVERAGE, ">", 2025, None, baseline_year=2020, period_start=2021,
                      compares=v.COMPARES_GROWTH)  # fmt: skip
    result = evaluate(spec, {2020: 100.0, 2022: 121.0}, parent={2020: 100.0, 2022: 110.25})
    shown = figures(spec, result, "亿元")
    assert shown["2020年以来年均增长"] == "10 %" and shown["全省2020年以来年均增长"] == "5 %"
    assert result.parent_value == 110.25


def test_every_year_targets_show_the_years_met_of_the_years_elapsed() -> None:
    spec = TargetSpec(v.PER_YEAR, ">=", 2025, 5.0, baseline_year=2020, period_start=2021, measure=v.FLOW)
    result = evaluate(spec, {2021: 6.0, 2022: 4.0, 2024: 7.0})  # 2023 missing: elapsed 4, counted 3, met 2
    assert (result.years_met, result.years_counted, result.years_elapsed) == (2, 3, 4)
    shown = figures(spec, result, "项")
    assert shown["达标年数"] == "已过 4 年中 2 年达标"
    assert shown["完成程度"] == "2 ÷ 5 = 40 %"


def test_lagging_on_pace_but_on_track_by_trend_says_both() -> None:
    # Zhengzhou 技术合同成交额-like: 212.8 → 1000 亿元; 600 in 2023 is behind the straight path (q ≈ 0.82) but,
    # growing 41 % a year, reaches about 1197 in 2025.
    spec = TargetSpec(v.LEVEL, ">=", 2025, 1000.0, baseline_year=2020, baseline_value=212.8, period_start=2021)
    result = evaluate(spec, {2020: 212.8, 2023: 600.0})
    q = ((600 - 212.8) / (1000 - 212.8)) / 0.6
    growth = (600 / 212.8) ** (1 / 3) - 1
    assert result.pace_status == pr.PACE_LAGGING and result.pace_ratio == pytest.approx(q)
    assert result.projected_value is not None and result.projected_value > 1000
    assert result.projected_value == pytest.approx(600 * (1 + growth) ** 2)
    assert pr.projection_meets(spec, result) is True
    assert pr.disagreement(spec, result) == pr.LAGGING_BUT_ON_TRACK
    assert wording.disagreement_text(spec, result, "zh-hans") == "按序时进度滞后，按当前趋势可实现"
    assert wording.disagreement_text(spec, result, "en") == "Lagging on pace (序时进度), on track by the current trend"


def test_on_pace_but_off_track_by_trend_says_both() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 800.0, baseline_year=2020, baseline_value=402.0, period_start=2021)
    result = evaluate(spec, HIGHTECH)  # 72.4 % of the way at 80 % of the time: on schedule; projected 789.8 < 800
    assert result.pace_status == pr.PACE_ON_SCHEDULE
    assert result.projected_value is not None and result.projected_value < 800
    assert pr.disagreement(spec, result) == pr.ON_PACE_BUT_OFF_TRACK
    assert wording.disagreement_text(spec, result, "zh-hans") == "按序时进度基本符合预期，按当前趋势难以实现"


def test_agreeing_or_achieved_targets_say_nothing_more() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 3.0, baseline_year=2020, baseline_value=2.31, period_start=2021)
    on_track = evaluate(spec, {2020: 2.31, 2022: 2.6, 2023: 2.75})  # ahead and projected above 3
    assert on_track.pace_status in (pr.PACE_AHEAD, pr.PACE_ON_SCHEDULE) and pr.disagreement(spec, on_track) is None
    achieved = evaluate(spec, {2020: 2.31, 2023: 3.1})
    assert achieved.achieved and pr.disagreement(spec, achieved) is None
    assert wording.disagreement_text(spec, achieved) == ""


def test_without_a_completion_there_is_no_formula() -> None:
    assert pr.completion_terms(NEW_HIGHTECH, evaluate(NEW_HIGHTECH, {})) is None
    assert wording.completion_formula(NEW_HIGHTECH, evaluate(NEW_HIGHTECH, {})) == ""
