"""The progress method (plans.progress), case by case, against numbers worked out by hand from the method's text.

Every expected figure is computed here from the formulas of the method, independently of the module:
s = (t − y0) / (yT − y0); p = (M_t − M_0) / (L − M_0); q = p / s; CAGR = (end / start)^(1 / years) − 1;
R = CAGR_observed / CAGR_required; projection M_t (1 + CAGR_observed)^(yT − t) (cumulative: linear);
required annual growth (L / M_t)^(1 / (yT − t)) − 1. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from plans import progress as pr
from plans import vocabulary as v
from plans.progress import Note, Progress, TargetSpec, Thresholds, evaluate


def approx(value: float) -> Any:
    return pytest.approx(value, abs=1e-6)


def codes(result: Progress) -> list[str]:
    return [note.code for note in result.notes]


def note(result: Progress, code: str) -> Note:
    found = [n for n in result.notes if n.code == code]
    assert len(found) == 1, result.notes
    return found[0]


def check(result: Progress, **expected: Any) -> None:
    """Compare the named fields: floats to 1e-6, everything else exactly."""
    for name, want in expected.items():
        got = getattr(result, name)
        if isinstance(want, float) and not isinstance(want, bool):
            assert got == approx(want), f"{name}: {got} != {want}"
        else:
            assert got == want, f"{name}: {got!r} != {want!r}"


def cagr(start: float, end: float, years: float) -> float:
    return float((end / start) ** (1 / years) - 1)


# ---------------------------------------------------------------------------------------------------- level

ZHENGZHOU_RD = TargetSpec(
    kind=v.LEVEL,
    comparator=">=",
    target_year=2025,
    target_value=3.0,
    baseline_year=2020,
    baseline_value=2.31,
    period_start=2021,
)


def test_it_evaluates_zhengzhou_rd_intensity_on_schedule() -> None:
    """郑州 全社会研发经费支出占GDP的比重 2.31 % (2020) → 3.0 % (2025), 2.7 % in 2023."""
    result = evaluate(ZHENGZHOU_RD, {2020: 2.31, 2021: 2.45, 2023: 2.7})
    s = (2023 - 2020) / (2025 - 2020)  # 0.6
    p = (2.7 - 2.31) / (3.0 - 2.31)  # 0.565217…
    q = p / s  # 0.942029… → on schedule (0.90 ≤ q < 1.05)
    observed = (2.7 / 2.31) ** (1 / 3) - 1  # 0.053397…
    required = (3.0 / 2.31) ** (1 / 5) - 1  # 0.053672…
    r = observed / required  # 0.99487… → on track (≥ 0.95)
    assert 0.90 <= q < 1.05
    assert r >= 0.95
    check(
        result,
        year=2023,
        actual=2.7,
        measured=2.7,
        baseline_used=2.31,
        baseline_year_used=2020,
        target_level=3.0,
        expected=2.31 + s * (3.0 - 2.31),  # 2.724
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_ON_SCHEDULE,
        observed_growth=observed,
        required_growth=required,
        trend_ratio=r,
        trend_status=pr.TREND_ON_TRACK,
        projected_value=2.7 * (1 + observed) ** (2025 - 2023),
        required_annual_growth=(3.0 / 2.7) ** (1 / 2) - 1,  # 0.054093…
        required_per_year=None,
        achieved=False,
        early=False,
    )
    assert result.notes == ()  # the stated baseline is used: nothing to report


def test_it_marks_a_level_reached_before_the_target_year_as_achieved_early() -> None:
    result = evaluate(ZHENGZHOU_RD, {2020: 2.31, 2024: 3.05})
    s = 4 / 5
    p = (3.05 - 2.31) / (3.0 - 2.31)  # 1.072…
    observed = (3.05 / 2.31) ** (1 / 4) - 1
    required = (3.0 / 2.31) ** (1 / 5) - 1
    check(
        result,
        year=2024,
        time_share=s,
        progress_share=p,
        pace_ratio=p / s,
        pace_status=pr.PACE_ACHIEVED,
        observed_growth=observed,
        required_growth=required,
        trend_ratio=observed / required,
        trend_status=pr.TREND_ACHIEVED,
        projected_value=3.05 * (1 + observed),
        required_annual_growth=(3.0 / 3.05) - 1,  # one year left: a fall of 1.6 % would still do
        achieved=True,
        early=True,
    )


def test_it_marks_a_level_reached_in_the_target_year_as_achieved_not_early() -> None:
    result = evaluate(ZHENGZHOU_RD, {2020: 2.31, 2025: 3.0})
    check(
        result,
        year=2025,
        time_share=1.0,
        progress_share=1.0,
        pace_ratio=1.0,
        pace_status=pr.PACE_ACHIEVED,
        trend_status=pr.TREND_ACHIEVED,
        trend_ratio=1.0,
        projected_value=3.0,  # at the target year the projection is the actual
        required_annual_growth=None,  # no year left
        achieved=True,
        early=False,
    )


def test_it_evaluates_luohe_rd_expenditure_level_from_actuals_lagging() -> None:
    """漯河 全社会研发投入 16.15亿元 (2020) → 25亿元 (2025), 19.0亿元 in 2022."""
    spec = TargetSpec(v.LEVEL, ">=", 2025, 25, baseline_year=2020, baseline_value=16.15)
    result = evaluate(spec, {2019: 13.45, 2020: 16.15, 2022: 19.0})
    s = 2 / 5
    p = (19.0 - 16.15) / (25 - 16.15)  # 0.322033…
    q = p / s  # 0.805084… → lagging
    observed = (19.0 / 16.15) ** (1 / 2) - 1  # 0.084653…
    required = (25 / 16.15) ** (1 / 5) - 1  # 0.091305…
    r = observed / required  # 0.927… → acceleration needed
    assert 0.50 <= q < 0.90
    assert 0.60 <= r < 0.95
    check(
        result,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_LAGGING,
        trend_ratio=r,
        trend_status=pr.TREND_ACCELERATION_NEEDED,
        expected=16.15 + s * (25 - 16.15),
        projected_value=19.0 * (1 + observed) ** 3,
        required_annual_growth=(25 / 19.0) ** (1 / 3) - 1,
    )


def test_it_reports_far_behind_and_limited_progress() -> None:
    result = evaluate(ZHENGZHOU_RD, {2020: 2.31, 2023: 2.4})
    p = (2.4 - 2.31) / (3.0 - 2.31)  # 0.130…
    q = p / 0.6  # 0.217… → far behind
    r = ((2.4 / 2.31) ** (1 / 3) - 1) / ((3.0 / 2.31) ** (1 / 5) - 1)  # 0.238… → limited progress
    assert q < 0.50
    assert 0 <= r < 0.60
    check(
        result,
        pace_ratio=q,
        pace_status=pr.PACE_FAR_BEHIND,
        trend_ratio=r,
        trend_status=pr.TREND_LIMITED_PROGRESS,
    )


def test_it_reports_regressing_and_deterioration_when_the_level_falls() -> None:
    result = evaluate(ZHENGZHOU_RD, {2020: 2.31, 2023: 2.2})
    p = (2.2 - 2.31) / (3.0 - 2.31)  # −0.159…
    observed = (2.2 / 2.31) ** (1 / 3) - 1  # −0.0161…
    r = observed / ((3.0 / 2.31) ** (1 / 5) - 1)
    assert p < 0
    assert r < 0
    check(
        result,
        progress_share=p,
        pace_ratio=p / 0.6,
        pace_status=pr.PACE_REGRESSING,
        observed_growth=observed,
        trend_ratio=r,
        trend_status=pr.TREND_DETERIORATION,
        achieved=False,
    )


# ---------------------------------------------------------------------------------------------------- multiple

KAIFENG_HIGHTECH_DOUBLE = TargetSpec(
    v.MULTIPLE_OF_BASELINE, ">=", 2025, 2, baseline_year=2020, baseline_value=126, period_start=2021
)


def test_it_doubles_the_stated_baseline_for_multiple_of_baseline() -> None:
    """开封 高新技术企业 126家 (2020) 倍增 → 252家."""
    result = evaluate(KAIFENG_HIGHTECH_DOUBLE, {2020: 126, 2022: 180})
    level = 2 * 126  # 252
    s = 2 / 5
    p = (180 - 126) / (level - 126)  # 0.428571…
    q = p / s  # 1.071… → ahead
    observed = (180 / 126) ** (1 / 2) - 1  # 0.195229…
    required = 2 ** (1 / 5) - 1  # 0.148698…
    assert q >= 1.05
    check(
        result,
        year=2022,
        actual=180.0,
        measured=180.0,
        baseline_used=126.0,
        baseline_year_used=2020,
        target_level=float(level),
        expected=126 + s * (level - 126),
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_AHEAD,
        observed_growth=observed,
        required_growth=required,
        trend_ratio=observed / required,  # 1.3129… → on track
        trend_status=pr.TREND_ON_TRACK,
        projected_value=180 * (1 + observed) ** 3,
        required_annual_growth=(252 / 180) ** (1 / 3) - 1,
        achieved=False,
        early=False,
    )


def test_it_takes_the_multiple_of_an_actual_baseline_when_none_is_stated() -> None:
    """开封 省级及以上创新平台数量 倍增, baseline not printed: B is the 2020 actual."""
    spec = TargetSpec(v.MULTIPLE_OF_BASELINE, ">=", 2025, 2, baseline_year=2020)
    result = evaluate(spec, {2020: 60, 2024: 125})
    check(
        result,
        baseline_used=60.0,
        target_level=120.0,
        progress_share=(125 - 60) / (120 - 60),
        achieved=True,
        early=True,
        pace_status=pr.PACE_ACHIEVED,
        trend_status=pr.TREND_ACHIEVED,
    )
    assert note(result, pr.NOTE_BASELINE_FROM_ACTUALS).params == {"year": 2020}


def test_it_cannot_evaluate_a_multiple_without_any_baseline() -> None:
    spec = TargetSpec(v.MULTIPLE_OF_BASELINE, ">=", 2025, 2, baseline_year=2020)
    result = evaluate(spec, {2018: 50}, as_of=2019)  # the only actual lies before y0
    check(
        result,
        year=2018,
        actual=50.0,
        baseline_used=None,
        target_level=None,
        achieved=None,
        pace_status=pr.PACE_NO_DATA,
        trend_status=pr.TREND_INSUFFICIENT_DATA,
    )
    assert codes(result) == [pr.NOTE_NO_BASELINE]


# ---------------------------------------------------------------------------------------------------- growth

LUOHE_RD_GROWTH = TargetSpec(v.ANNUAL_GROWTH_RATE, ">=", 2025, 12, period_start=2021)


def test_it_evaluates_luohe_rd_growth_of_twelve_percent_lagging() -> None:
    """漯河 全社会研发投入年均增长12%, from 16.15亿元 in 2020; 19.5亿元 in 2022."""
    result = evaluate(LUOHE_RD_GROWTH, {2020: 16.15, 2021: 17.6, 2022: 19.5})
    g = (19.5 / 16.15) ** (1 / 2) - 1  # 0.098823…
    q = g / 0.12  # 0.823… → lagging; R = q → acceleration needed
    level = 16.15 * 1.12**5  # 28.4617… (the implied level in 2025)
    assert 0.50 <= q < 0.90
    assert 0.60 <= q < 0.95
    check(
        result,
        year=2022,
        actual=19.5,
        measured=19.5,
        baseline_used=16.15,
        baseline_year_used=2020,  # period_start − 1
        target_level=level,
        expected=16.15 * 1.12**2,
        time_share=2 / 5,
        progress_share=(19.5 - 16.15) / (level - 16.15),
        pace_ratio=q,
        pace_status=pr.PACE_LAGGING,
        observed_growth=g,
        required_growth=0.12,
        trend_ratio=q,
        trend_status=pr.TREND_ACCELERATION_NEEDED,
        projected_value=19.5 * (1 + g) ** 3,
        required_annual_growth=(level / 19.5) ** (1 / 3) - 1,
        achieved=False,
        early=False,
    )
    assert note(result, pr.NOTE_BASELINE_FROM_ACTUALS).params == {"year": 2020}


def test_it_ignores_a_stated_growth_rate_baseline_and_uses_the_level_series() -> None:
    """新乡 研发经费投入年均增长20%: the printed baseline 10 is the 十三五 growth rate, not a level."""
    spec = TargetSpec(v.ANNUAL_GROWTH_RATE, ">=", 2025, 20, baseline_year=2020, baseline_value=10)
    result = evaluate(spec, {2020: 20.0, 2023: 36.0})
    g = (36.0 / 20.0) ** (1 / 3) - 1  # 0.21644… ≥ 0.20
    check(
        result,
        baseline_used=20.0,
        observed_growth=g,
        pace_ratio=g / 0.20,
        trend_ratio=g / 0.20,
        target_level=20.0 * 1.2**5,
        achieved=True,
        early=True,
        pace_status=pr.PACE_ACHIEVED,
        trend_status=pr.TREND_ACHIEVED,
        projected_value=36.0 * (1 + g) ** 2,
    )


def test_it_reports_a_falling_level_against_a_growth_target_as_regressing() -> None:
    result = evaluate(LUOHE_RD_GROWTH, {2020: 16.15, 2022: 15.0})
    g = (15.0 / 16.15) ** (1 / 2) - 1  # −0.0362…
    check(
        result,
        observed_growth=g,
        pace_ratio=g / 0.12,
        pace_status=pr.PACE_REGRESSING,
        trend_ratio=g / 0.12,
        trend_status=pr.TREND_DETERIORATION,
        achieved=False,
    )


def test_it_reads_growth_pace_and_trend_on_the_ratio_of_rates() -> None:
    """q = R = g / rate: 11 % in the first year against 12 % is on schedule (q = 0.9167 ≥ 0.90) but needs
    acceleration by the trend (R = 0.9167 < 0.95)."""
    result = evaluate(LUOHE_RD_GROWTH, {2020: 100.0, 2021: 111.0})
    g = 111.0 / 100.0 - 1  # 0.11 over one year
    q = g / 0.12  # 0.91666…
    check(
        result,
        observed_growth=g,
        pace_ratio=q,
        pace_status=pr.PACE_ON_SCHEDULE,
        trend_ratio=q,
        trend_status=pr.TREND_ACCELERATION_NEEDED,
        achieved=False,
    )


def test_it_evaluates_a_growth_target_for_a_falling_indicator() -> None:
    """Lower is better, a decline of 3 % a year (rate −3): a 1 % yearly fall is progress, not regress."""
    spec = TargetSpec(v.ANNUAL_GROWTH_RATE, "<=", 2025, -3, baseline_year=2020, direction=v.LOWER)
    result = evaluate(spec, {2020: 100.0, 2022: 98.01})
    g = (98.01 / 100.0) ** (1 / 2) - 1  # −0.01
    q = g / -0.03  # 0.3333 → far behind
    check(
        result,
        observed_growth=g,
        pace_ratio=q,
        pace_status=pr.PACE_FAR_BEHIND,
        trend_ratio=q,
        trend_status=pr.TREND_LIMITED_PROGRESS,
        achieved=False,
    )
    rising = evaluate(spec, {2020: 100.0, 2022: 102.01})  # +1 % a year: the wrong way
    check(rising, pace_status=pr.PACE_REGRESSING, trend_status=pr.TREND_DETERIORATION, achieved=False)
    falling_fast = evaluate(spec, {2020: 100.0, 2022: 94.0})  # −3.05 % a year
    check(falling_fast, achieved=True, pace_status=pr.PACE_ACHIEVED, trend_status=pr.TREND_ACHIEVED)


def test_it_reads_a_growth_range_at_its_lower_bound() -> None:
    spec = TargetSpec(v.ANNUAL_GROWTH_RATE, "range", 2025, 10, target_value_max=15, baseline_year=2020)
    result = evaluate(spec, {2020: 100.0, 2021: 110.5})
    check(result, required_growth=0.10, achieved=True, target_level=100.0 * 1.1**5)
    lower = TargetSpec(
        v.ANNUAL_GROWTH_RATE, "range", 2025, -4, target_value_max=-2, baseline_year=2020, direction=v.LOWER
    )
    # lower is better: the range is met at its upper bound (a fall of at least 2 % a year)
    check(evaluate(lower, {2020: 100.0, 2021: 97.5}), required_growth=-0.02, achieved=True)
    check(evaluate(lower, {2020: 100.0, 2021: 99.0}), required_growth=-0.02, achieved=False)


def test_it_handles_a_zero_growth_rate() -> None:
    spec = TargetSpec(v.ANNUAL_GROWTH_RATE, ">=", 2025, 0, baseline_year=2020)
    falling = evaluate(spec, {2020: 100.0, 2022: 90.0})
    check(
        falling,
        pace_ratio=None,
        trend_ratio=None,
        pace_status=pr.PACE_REGRESSING,
        trend_status=pr.TREND_DETERIORATION,
        achieved=False,
    )
    assert pr.NOTE_RATE_ZERO in codes(falling)
    check(evaluate(spec, {2020: 100.0, 2022: 100.0}), achieved=True, pace_status=pr.PACE_ACHIEVED)


# ---------------------------------------------------------------------------------------------------- cumulative

XINXIANG_NEW_HIGHTECH = TargetSpec(
    v.CUMULATIVE_NEW, ">=", 2025, 400, baseline_year=2020, baseline_value=402, period_start=2021
)


def test_it_counts_the_amount_added_to_a_stock_xinxiang_hightech_firms() -> None:
    """新乡 高新技术企业 402家 (十三五末), 新增400家: 650 firms in 2022 means 248 added."""
    result = evaluate(XINXIANG_NEW_HIGHTECH, {2020: 410, 2022: 650})  # the stated 402 wins over the 410 actual
    added = 650 - 402  # 248
    s = 2 / 5
    p = added / 400  # 0.62
    q = p / s  # 1.55 → ahead
    check(
        result,
        year=2022,
        actual=650.0,
        measured=float(added),
        baseline_used=0.0,
        baseline_year_used=2020,
        target_level=400.0,
        expected=s * 400,  # 160
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_AHEAD,
        observed_growth=None,
        required_growth=None,
        trend_ratio=None,
        trend_status=pr.TREND_NOT_APPLICABLE,
        projected_value=added * 5 / 2,  # linear: 620
        required_annual_growth=((402 + 400) / 650) ** (1 / 3) - 1,  # 802 firms by 2025
        required_per_year=(400 - added) / 3,  # 50.67 a year
        achieved=False,
        early=False,
    )
    assert result.notes == ()


def test_it_marks_a_stock_addition_reached_early() -> None:
    result = evaluate(XINXIANG_NEW_HIGHTECH, {2023: 810})
    check(
        result,
        measured=408.0,
        progress_share=408 / 400,
        pace_ratio=(408 / 400) / (3 / 5),
        pace_status=pr.PACE_ACHIEVED,
        achieved=True,
        early=True,
        projected_value=408 * 5 / 3,
        required_per_year=(400 - 408) / 2,
    )


def test_it_sums_the_yearly_amounts_of_a_flow_luohe_major_projects_about_thirty() -> None:
    """漯河 市级重大科技创新专项 力争实施30项左右 (flow): 6 + 5 + 7 in 2021, 2022 and 2024, 2023 missing."""
    spec = TargetSpec(v.CUMULATIVE_NEW, "about", 2025, 30, baseline_year=2020, baseline_value=10, measure=v.FLOW)
    result = evaluate(spec, {2019: 2, 2020: 3, 2021: 6, 2022: 5, 2024: 7})
    added = 6 + 5 + 7  # 18: the 2020 amount is before the period
    s = 4 / 5
    p = added / 30  # 0.6
    q = p / s  # 0.75 → lagging
    check(
        result,
        year=2024,
        actual=7.0,
        measured=float(added),
        baseline_used=0.0,
        baseline_year_used=2020,
        target_level=30.0,
        expected=s * 30,
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_LAGGING,
        trend_status=pr.TREND_NOT_APPLICABLE,
        projected_value=added * 5 / 4,  # 22.5
        required_annual_growth=None,
        required_per_year=(30 - added) / 1,
        achieved=False,  # 18 < 0.95 × 30 = 28.5
    )
    assert note(result, pr.NOTE_YEARS_MISSING).params == {"years": [2023]}
    done = evaluate(spec, {2020: 3, 2021: 6, 2022: 5, 2023: 0, 2024: 7, 2025: 10.5})
    check(done, measured=28.5, achieved=True, early=False, pace_status=pr.PACE_ACHIEVED)  # 28.5 ≥ 28.5


def test_it_needs_a_year_after_the_baseline_for_a_flow() -> None:
    spec = TargetSpec(v.CUMULATIVE_NEW, ">=", 2025, 10, baseline_year=2020, measure=v.FLOW)
    result = evaluate(spec, {2020: 3})
    check(
        result,
        year=2020,
        actual=3.0,
        measured=None,
        achieved=None,
        pace_status=pr.PACE_NO_DATA,
        trend_status=pr.TREND_NOT_APPLICABLE,
    )
    assert pr.NOTE_NO_ACTUAL in codes(result)


def test_it_moves_a_stock_baseline_to_the_first_actual() -> None:
    """开封 院士工作站等 新增10家, no baseline printed and no 2020 actual: counted from 2021."""
    spec = TargetSpec(v.CUMULATIVE_NEW, ">=", 2025, 10, period_start=2021)
    result = evaluate(spec, {2021: 12, 2023: 17})
    s = (2023 - 2021) / (2025 - 2021)  # 0.5
    check(result, baseline_year_used=2021, measured=5.0, time_share=s, pace_ratio=(5 / 10) / s)
    assert result.pace_status == pr.PACE_ON_SCHEDULE  # q = 1.0
    assert note(result, pr.NOTE_BASELINE_MOVED).params == {"from_year": 2020, "year": 2021}


# ---------------------------------------------------------------------------------------------------- per year

KAIFENG_MAJOR_PROJECTS = TargetSpec(v.PER_YEAR, ">=", 2025, 20, period_start=2021, measure=v.FLOW)


def test_it_counts_the_years_met_for_kaifeng_twenty_major_projects_a_year() -> None:
    """开封 每年实施重大（重点）科技专项20项以上: 22, 18, 25 in 2021–2023."""
    result = evaluate(KAIFENG_MAJOR_PROJECTS, {2020: 15, 2021: 22, 2022: 18, 2023: 25})
    check(
        result,
        year=2023,
        actual=25.0,
        measured=25.0,
        baseline_year_used=2020,
        target_level=20.0,
        expected=20.0,
        time_share=3 / 5,
        progress_share=2 / 5,  # 2 of the 5 years met
        pace_ratio=2 / 3,  # 2 of the 3 years counted: lagging
        pace_status=pr.PACE_LAGGING,
        trend_status=pr.TREND_NOT_APPLICABLE,
        years_met=2,
        years_counted=3,
        achieved=False,
        early=False,
    )
    assert result.notes == ()


def test_it_achieves_a_per_year_target_only_when_every_year_met() -> None:
    every = {2021: 22, 2022: 21, 2023: 25, 2024: 20, 2025: 30}
    result = evaluate(KAIFENG_MAJOR_PROJECTS, every)
    check(result, years_met=5, years_counted=5, pace_ratio=1.0, achieved=True, pace_status=pr.PACE_ACHIEVED)
    gap = evaluate(KAIFENG_MAJOR_PROJECTS, {y: v for y, v in every.items() if y != 2023})
    check(gap, years_met=4, years_counted=4, pace_ratio=1.0, achieved=False, pace_status=pr.PACE_ON_SCHEDULE)
    assert note(gap, pr.NOTE_YEARS_MISSING).params == {"years": [2023]}
    so_far = evaluate(KAIFENG_MAJOR_PROJECTS, every, as_of=2024)
    check(so_far, years_met=4, pace_ratio=1.0, achieved=False, pace_status=pr.PACE_ON_SCHEDULE)


def test_it_reads_a_per_year_range_at_its_lower_bound_and_about_within_five_percent() -> None:
    """漯河 每年启动5-8个 (range) and 每年高层次创新型科技团队6个左右 (about)."""
    ranged = TargetSpec(v.PER_YEAR, "range", 2025, 5, target_value_max=8, period_start=2021, measure=v.FLOW)
    check(evaluate(ranged, {2021: 5, 2022: 9, 2023: 4}), years_met=2, target_level=5.0, pace_ratio=2 / 3)
    about = TargetSpec(v.PER_YEAR, "about", 2025, 6, period_start=2021, measure=v.FLOW)
    check(evaluate(about, {2021: 5.7, 2022: 5.6}), years_met=1, pace_ratio=1 / 2, pace_status=pr.PACE_LAGGING)


def test_it_counts_a_per_year_target_on_a_stock_by_the_yearly_increase() -> None:
    """漯河 每年新培育省级工程技术中心5家, on the number of centres: 55 → 57 → 62 adds 2 then 5."""
    centres = TargetSpec(v.PER_YEAR, ">=", 2025, 5, period_start=2021, measure="stock")
    result = evaluate(centres, {2020: 55, 2021: 57, 2022: 62})
    check(result, year=2022, actual=62.0, measured=5.0, years_met=1, years_counted=2, pace_ratio=0.5)
    # 2023 without 2022: no increase can be told for 2023 (nor for 2024 from 2023 alone).
    gap = evaluate(centres, {2020: 55, 2021: 61, 2023: 70})
    check(gap, year=2021, measured=6.0, years_met=1, years_counted=1)


def test_it_reports_far_behind_when_few_years_met() -> None:
    result = evaluate(KAIFENG_MAJOR_PROJECTS, {2021: 10, 2022: 12, 2023: 25})
    check(result, pace_ratio=1 / 3, pace_status=pr.PACE_FAR_BEHIND)


def test_it_has_no_per_year_data_before_the_period() -> None:
    result = evaluate(KAIFENG_MAJOR_PROJECTS, {2020: 25})
    check(result, year=None, achieved=None, pace_status=pr.PACE_NO_DATA, trend_status=pr.TREND_NOT_APPLICABLE)


# ---------------------------------------------------------------------------------------------------- relative

KAIFENG_RD_ABOVE_AVERAGE = TargetSpec(
    v.RELATIVE_TO_AVERAGE, ">", 2025, None, baseline_year=2020, baseline_value=1.05, period_start=2021
)
HENAN_RD = {2020: 1.64, 2021: 1.73, 2022: 1.86}


def test_it_compares_kaifeng_rd_intensity_with_the_provincial_average() -> None:
    """开封 研发投入强度 超过全省平均水平: 1.05 % against the province's 1.64 % in 2020."""
    result = evaluate(KAIFENG_RD_ABOVE_AVERAGE, {2020: 1.05, 2022: 1.40}, parent=HENAN_RD)
    s = 2 / 5
    p = (1.40 - 1.05) / (1.86 - 1.05)  # 0.432098…
    q = p / s  # 1.0802… → ahead
    assert q >= 1.05
    check(
        result,
        year=2022,
        actual=1.40,
        measured=1.40,
        baseline_used=1.05,
        baseline_year_used=2020,
        target_level=1.86,  # the province in the same year
        expected=1.05 + s * (1.86 - 1.05),
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_AHEAD,
        observed_growth=None,
        trend_ratio=None,
        trend_status=pr.TREND_NOT_APPLICABLE,
        projected_value=None,
        achieved=False,
        early=False,
    )


def test_it_needs_strictly_above_the_average_for_more_than() -> None:
    equal = evaluate(KAIFENG_RD_ABOVE_AVERAGE, {2022: 1.86}, parent=HENAN_RD)
    p = (1.86 - 1.05) / (1.86 - 1.05)  # 1.0: the whole gap closed, yet not above the average
    check(equal, achieved=False, early=False, progress_share=p, pace_ratio=p / 0.4, pace_status=pr.PACE_AHEAD)
    above = evaluate(KAIFENG_RD_ABOVE_AVERAGE, {2022: 1.87}, parent=HENAN_RD)
    check(above, achieved=True, early=True, pace_status=pr.PACE_ACHIEVED)


def test_it_meets_at_least_the_average_on_equality() -> None:
    """漯河 研发投入强度 不低于全省平均 (>=): equal is enough."""
    spec = TargetSpec(v.RELATIVE_TO_AVERAGE, ">=", 2025, None, baseline_year=2020, baseline_value=1.0)
    result = evaluate(spec, {2022: 1.86}, parent=HENAN_RD)
    check(result, achieved=True, early=True, pace_status=pr.PACE_ACHIEVED)


def test_it_uses_the_latest_year_both_regions_have() -> None:
    result = evaluate(KAIFENG_RD_ABOVE_AVERAGE, {2020: 1.05, 2021: 1.2, 2023: 1.5}, parent=HENAN_RD)
    check(result, year=2021, actual=1.2, target_level=1.73)
    assert note(result, pr.NOTE_NO_PARENT_VALUE).params == {"year": 2023}
    alone = evaluate(KAIFENG_RD_ABOVE_AVERAGE, {2023: 1.5}, parent={})
    check(alone, year=2023, actual=1.5, achieved=None, pace_status=pr.PACE_NO_DATA)
    assert codes(alone) == [pr.NOTE_NO_PARENT_VALUE, pr.NOTE_NO_ACTUAL]


def test_it_compares_growth_rates_with_the_provincial_average() -> None:
    """漯河 高新技术企业数量年均增长速度 高于全省平均: CAGR of each since 2020."""
    spec = TargetSpec(v.RELATIVE_TO_AVERAGE, ">", 2025, None, period_start=2021, compares=v.COMPARES_GROWTH)
    own = {2020: 100.0, 2023: 150.0}
    province = {2020: 6300.0, 2023: 10000.0}
    result = evaluate(spec, own, parent=province)
    mine = (150 / 100) ** (1 / 3) - 1  # 0.144714…
    average = (10000 / 6300) ** (1 / 3) - 1  # 0.166554…
    q = mine / average  # 0.8689… → lagging
    assert 0.50 <= q < 0.90
    check(
        result,
        year=2023,
        actual=150.0,
        measured=mine,
        baseline_used=None,
        baseline_year_used=2020,
        target_level=average,
        expected=average,
        time_share=3 / 5,
        progress_share=None,
        pace_ratio=q,
        pace_status=pr.PACE_LAGGING,
        observed_growth=mine,
        required_growth=average,
        trend_status=pr.TREND_NOT_APPLICABLE,
        achieved=False,
        early=False,
    )
    faster = evaluate(spec, {2020: 100.0, 2023: 170.0}, parent=province)
    check(faster, achieved=True, early=True, pace_status=pr.PACE_ACHIEVED)
    shrinking = evaluate(spec, {2020: 100.0, 2023: 95.0}, parent=province)
    check(shrinking, measured=(95 / 100) ** (1 / 3) - 1, pace_status=pr.PACE_REGRESSING, achieved=False)


def test_it_moves_the_growth_baseline_to_the_first_year_both_regions_have() -> None:
    spec = TargetSpec(v.RELATIVE_TO_AVERAGE, ">", 2025, None, baseline_year=2020, compares=v.COMPARES_GROWTH)
    result = evaluate(spec, {2020: 90.0, 2021: 100.0, 2023: 121.0}, parent={2021: 50.0, 2023: 55.0})
    mine = (121 / 100) ** (1 / 2) - 1  # 0.10 from 2021
    average = (55 / 50) ** (1 / 2) - 1  # 0.0488…
    check(result, baseline_year_used=2021, measured=mine, target_level=average, achieved=True)
    assert note(result, pr.NOTE_BASELINE_MOVED).params == {"from_year": 2020, "year": 2021}


# ---------------------------------------------------------------------------------------------------- qualitative

KAIFENG_RD_COVERAGE = TargetSpec(v.QUALITATIVE, ">=", 2025, 100, period_start=2021)


def test_it_measures_a_quantified_qualitative_target_as_a_coverage() -> None:
    """开封 规模以上工业企业研发活动全覆盖 (100 %): 60 % in 2020, 85 % in 2023."""
    result = evaluate(KAIFENG_RD_COVERAGE, {2020: 60, 2023: 85})
    s = 3 / 5
    p = (85 - 60) / (100 - 60)  # 0.625
    q = p / s  # 1.041666… → on schedule
    check(
        result,
        year=2023,
        measured=85.0,
        baseline_used=60.0,
        baseline_year_used=2020,
        target_level=100.0,
        expected=60 + s * 40,
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_ON_SCHEDULE,
        observed_growth=None,
        trend_ratio=None,
        trend_status=pr.TREND_NOT_APPLICABLE,
        projected_value=85 * (85 / 60) ** (2 / 3),  # at the observed CAGR (85/60)^(1/3) − 1 for two more years
        required_annual_growth=(100 / 85) ** (1 / 2) - 1,
        achieved=False,
    )
    assert note(result, pr.NOTE_BASELINE_FROM_ACTUALS).params == {"year": 2020}


def test_it_marks_a_done_qualitative_target() -> None:
    done = TargetSpec(v.QUALITATIVE, "=", 2025, 1, baseline_year=2020)
    result = evaluate(done, {2020: 0, 2024: 1})
    check(result, achieved=True, early=True, pace_status=pr.PACE_ACHIEVED, trend_status=pr.TREND_NOT_APPLICABLE)


def test_it_does_not_evaluate_an_unquantified_qualitative_target() -> None:
    """开封 河南省量子实验室 (no number): reported, never judged."""
    spec = TargetSpec(v.QUALITATIVE, "=", 2025, None, period_start=2021)
    result = evaluate(spec, {2022: 1, 2023: 1})
    check(
        result,
        year=2023,
        actual=1.0,
        measured=None,
        achieved=None,
        early=False,
        pace_status=pr.PACE_NO_DATA,
        trend_status=pr.TREND_NOT_APPLICABLE,
    )
    assert codes(result) == [pr.NOTE_NOT_QUANTIFIED]
    assert codes(evaluate(spec, {})) == [pr.NOTE_NOT_QUANTIFIED]


# ---------------------------------------------------------------------------------------------------- comparators


@pytest.mark.parametrize(
    ("comparator", "value", "value_max", "actual", "met"),
    [
        (">=", 3.0, None, 3.0, True),
        (">=", 3.0, None, 2.99, False),
        (">", 3.0, None, 3.0, False),  # strictly more than
        (">", 3.0, None, 3.01, True),
        ("=", 3.0, None, 3.0, True),
        ("=", 3.0, None, 3.2, True),  # "达到" reads as at least
        ("=", 3.0, None, 2.9, False),
        ("about", 10.0, None, 9.5, True),  # 0.95 × 10 = 9.5
        ("about", 10.0, None, 9.49, False),
        ("range", 2.5, 3.0, 2.5, True),  # the lower bound
        ("range", 2.5, 3.0, 3.5, True),  # above the range still counts for a higher-is-better indicator
        ("range", 2.5, 3.0, 2.4, False),
        ("<=", 3.0, None, 3.0, True),  # taken literally
        ("<=", 3.0, None, 3.1, False),
    ],
)
def test_it_applies_each_comparator_to_a_higher_is_better_level(
    comparator: str, value: float, value_max: float | None, actual: float, met: bool
) -> None:
    spec = TargetSpec(v.LEVEL, comparator, 2025, value, target_value_max=value_max, baseline_year=2020)
    result = evaluate(spec, {2020: 1.0, 2023: actual})
    check(result, target_level=value, achieved=met, early=met)
    assert (result.pace_status == pr.PACE_ACHIEVED) is met
    assert (result.trend_status == pr.TREND_ACHIEVED) is met


@pytest.mark.parametrize(
    ("comparator", "value", "value_max", "actual", "met"),
    [
        ("<=", 10.0, None, 10.0, True),
        ("<=", 10.0, None, 11.0, False),
        ("=", 10.0, None, 8.0, True),  # at most, for a rank
        ("=", 10.0, None, 11.0, False),
        ("about", 10.0, None, 10.5, True),  # within 5 % on the good side: ≤ 1.05 × 10
        ("about", 10.0, None, 10.6, False),
        ("range", 5.0, 10.0, 10.0, True),  # the upper bound when lower is better
        ("range", 5.0, 10.0, 11.0, False),
        (">", 10.0, None, 11.0, True),  # literal
        (">", 10.0, None, 10.0, False),
        (">=", 10.0, None, 10.0, True),  # literal
        (">=", 10.0, None, 9.0, False),
    ],
)
def test_it_applies_each_comparator_to_a_lower_is_better_level(
    comparator: str, value: float, value_max: float | None, actual: float, met: bool
) -> None:
    spec = TargetSpec(
        v.LEVEL, comparator, 2025, value, target_value_max=value_max, baseline_year=2020, direction=v.LOWER
    )
    result = evaluate(spec, {2020: 15.0, 2023: actual})
    check(result, target_level=value_max if comparator == "range" else value, achieved=met)
    assert (result.pace_status == pr.PACE_ACHIEVED) is met


def test_it_applies_the_comparators_to_the_other_kinds() -> None:
    multiple_about = TargetSpec(v.MULTIPLE_OF_BASELINE, "about", 2025, 2, baseline_year=2020, baseline_value=100)
    check(evaluate(multiple_about, {2024: 190}), target_level=200.0, achieved=True)  # 190 ≥ 0.95 × 200
    check(evaluate(multiple_about, {2024: 189}), achieved=False)
    multiple_range = TargetSpec(
        v.MULTIPLE_OF_BASELINE, "range", 2025, 2, target_value_max=3, baseline_year=2020, baseline_value=100
    )
    check(evaluate(multiple_range, {2024: 200}), target_level=200.0, achieved=True)
    growth_more = TargetSpec(v.ANNUAL_GROWTH_RATE, ">", 2025, 10, baseline_year=2020)
    check(evaluate(growth_more, {2020: 100.0, 2022: 120.9}), achieved=False)  # 9.95 %
    check(evaluate(growth_more, {2020: 100.0, 2022: 121.1}), achieved=True)  # 10.05 %
    growth_eq = TargetSpec(v.ANNUAL_GROWTH_RATE, "=", 2025, 10, baseline_year=2020)
    check(evaluate(growth_eq, {2020: 100.0, 2022: 125.0}), achieved=True)  # 11.8 %: "=" reads as at least
    growth_about = TargetSpec(v.ANNUAL_GROWTH_RATE, "about", 2025, 10, baseline_year=2020)
    check(evaluate(growth_about, {2020: 100.0, 2021: 109.6}), achieved=True)  # 0.096 ≥ 0.095
    check(evaluate(growth_about, {2020: 100.0, 2021: 109.4}), achieved=False)
    cumulative_more = TargetSpec(v.CUMULATIVE_NEW, ">", 2025, 10, baseline_year=2020, baseline_value=50)
    check(evaluate(cumulative_more, {2025: 60}), measured=10.0, achieved=False)
    check(evaluate(cumulative_more, {2025: 61}), achieved=True)
    cumulative_eq = TargetSpec(v.CUMULATIVE_NEW, "=", 2025, 10, baseline_year=2020, baseline_value=50)
    check(evaluate(cumulative_eq, {2025: 65}), achieved=True)
    cumulative_range = TargetSpec(v.CUMULATIVE_NEW, "range", 2025, 2, target_value_max=3, baseline_year=2020)
    check(evaluate(cumulative_range, {2020: 4, 2024: 6}), target_level=2.0, achieved=True)  # 漯河 火炬基地 2-3个
    per_year_more = TargetSpec(v.PER_YEAR, ">", 2022, 5, baseline_year=2020, measure=v.FLOW)
    check(evaluate(per_year_more, {2021: 5, 2022: 6}), years_met=1, achieved=False)
    per_year_eq = TargetSpec(v.PER_YEAR, "=", 2022, 5, baseline_year=2020, measure=v.FLOW)
    check(evaluate(per_year_eq, {2021: 5, 2022: 6}), years_met=2, achieved=True)
    per_year_rank = TargetSpec(v.PER_YEAR, "<=", 2022, 10, baseline_year=2020, direction=v.LOWER, measure=v.FLOW)
    check(evaluate(per_year_rank, {2021: 9, 2022: 11}), years_met=1, achieved=False)
    relative_about = TargetSpec(v.RELATIVE_TO_AVERAGE, "about", 2025, None, baseline_year=2020)
    check(evaluate(relative_about, {2020: 1.0, 2022: 1.8}, parent=HENAN_RD), achieved=True)  # 1.8 ≥ 0.95 × 1.86
    relative_rank = TargetSpec(v.RELATIVE_TO_AVERAGE, "<=", 2025, None, baseline_year=2020, direction=v.LOWER)
    check(evaluate(relative_rank, {2020: 5.0, 2022: 4.0}, parent={2020: 4.5, 2022: 4.2}), achieved=True)
    qualitative_about = TargetSpec(v.QUALITATIVE, "about", 2025, 100, baseline_year=2020)
    check(evaluate(qualitative_about, {2020: 50, 2023: 95}), achieved=True)


# ---------------------------------------------------------------------------------------------------- lower is better


KAIFENG_RANK = TargetSpec(v.LEVEL, "<=", 2025, 10, period_start=2021, direction=v.LOWER)


def test_it_evaluates_kaifeng_provincial_rank_within_ten() -> None:
    """开封 科技创新考核指标全省排名 保十 (≤ 10): 14th in 2020, 12th in 2023."""
    result = evaluate(KAIFENG_RANK, {2020: 14, 2023: 12})
    s = 3 / 5
    p = (12 - 14) / (10 - 14)  # 0.5: half the way from 14th to 10th
    q = p / s  # 0.8333 → lagging
    observed = (12 / 14) ** (1 / 3) - 1  # −0.0501…
    required = (10 / 14) ** (1 / 5) - 1  # −0.0651…
    r = observed / required  # 0.7699… → acceleration needed
    assert 0.60 <= r < 0.95
    check(
        result,
        baseline_used=14.0,
        baseline_year_used=2020,
        target_level=10.0,
        expected=14 + s * (10 - 14),  # 11.6
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_LAGGING,
        observed_growth=observed,
        required_growth=required,
        trend_ratio=r,
        trend_status=pr.TREND_ACCELERATION_NEEDED,
        projected_value=12 * (1 + observed) ** 2,
        required_annual_growth=(10 / 12) ** (1 / 2) - 1,
        achieved=False,
    )
    assert note(result, pr.NOTE_BASELINE_FROM_ACTUALS).params == {"year": 2020}


def test_it_marks_a_rank_reached_early_and_a_worse_rank_as_regressing() -> None:
    reached = evaluate(KAIFENG_RANK, {2020: 14, 2024: 9})
    check(reached, achieved=True, early=True, pace_status=pr.PACE_ACHIEVED, trend_status=pr.TREND_ACHIEVED)
    worse = evaluate(KAIFENG_RANK, {2020: 14, 2023: 16})
    p = (16 - 14) / (10 - 14)  # −0.5
    r = ((16 / 14) ** (1 / 3) - 1) / ((10 / 14) ** (1 / 5) - 1)  # negative
    assert r < 0
    check(
        worse,
        progress_share=p,
        pace_ratio=p / 0.6,
        pace_status=pr.PACE_REGRESSING,
        trend_ratio=r,
        trend_status=pr.TREND_DETERIORATION,
        achieved=False,
    )


# ---------------------------------------------------------------------------------------------------- edge cases


def test_it_replaces_a_zero_baseline_in_the_trend() -> None:
    """新乡 全国重点实验室 零的突破: from 0 to 2, one by 2023."""
    spec = TargetSpec(v.LEVEL, ">=", 2025, 2, baseline_year=2020, baseline_value=0)
    result = evaluate(spec, {2020: 0, 2023: 1})
    p = (1 - 0) / (2 - 0)  # 0.5
    q = p / 0.6  # 0.8333 → lagging
    observed = (1 / 0.001) ** (1 / 3) - 1  # 9.0
    required = (2 / 0.001) ** (1 / 5) - 1  # 3.5736…
    check(
        result,
        baseline_used=0.0,
        progress_share=p,
        pace_ratio=q,
        pace_status=pr.PACE_LAGGING,
        observed_growth=observed,
        required_growth=required,
        trend_ratio=observed / required,  # 2.518… → on track
        trend_status=pr.TREND_ON_TRACK,
        projected_value=None,  # no compound growth from zero
        required_annual_growth=(2 / 1) ** (1 / 2) - 1,
    )
    assert note(result, pr.NOTE_ZERO_REPLACED).params == {"zero": 0.001}


def test_it_reads_a_level_still_at_zero_as_no_growth() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 2, baseline_year=2020, baseline_value=0)
    result = evaluate(spec, {2023: 0})
    # observed (max(0, 0.001) / 0.001)^(1/3) − 1 = 0: R = 0 exactly → limited progress (R < 0 would be deterioration)
    check(
        result,
        progress_share=0.0,
        pace_ratio=0.0,
        pace_status=pr.PACE_FAR_BEHIND,
        observed_growth=0.0,
        trend_ratio=0.0,
        trend_status=pr.TREND_LIMITED_PROGRESS,
    )


def test_it_replaces_a_zero_target_in_the_trend() -> None:
    spec = TargetSpec(v.LEVEL, "<=", 2025, 0, baseline_year=2020, baseline_value=8, direction=v.LOWER)
    result = evaluate(spec, {2022: 4})
    observed = (4 / 8) ** (1 / 2) - 1  # −0.2929
    required = (0.001 / 8) ** (1 / 5) - 1  # −0.8342
    check(result, observed_growth=observed, required_growth=required, trend_ratio=observed / required)
    assert result.trend_status == pr.TREND_LIMITED_PROGRESS  # R = 0.351
    assert pr.NOTE_ZERO_REPLACED in codes(result)


def test_it_moves_a_missing_baseline_to_the_earliest_later_actual() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 3.0, baseline_year=2020)
    result = evaluate(spec, {2021: 2.5, 2023: 2.7})
    s = (2023 - 2021) / (2025 - 2021)  # 0.5
    p = (2.7 - 2.5) / (3.0 - 2.5)  # 0.4
    observed = (2.7 / 2.5) ** (1 / 2) - 1
    required = (3.0 / 2.5) ** (1 / 4) - 1
    check(
        result,
        baseline_used=2.5,
        baseline_year_used=2021,
        time_share=s,
        expected=2.5 + s * 0.5,
        progress_share=p,
        pace_ratio=p / s,  # 0.8 → lagging
        pace_status=pr.PACE_LAGGING,
        observed_growth=observed,
        required_growth=required,
        trend_ratio=observed / required,
        projected_value=2.7 * (1 + observed) ** 2,
    )
    assert note(result, pr.NOTE_BASELINE_MOVED).params == {"from_year": 2020, "year": 2021}


def test_it_has_no_pace_or_trend_with_only_the_baseline_year() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 3.0, baseline_year=2020)
    result = evaluate(spec, {2020: 2.31})
    check(
        result,
        year=2020,
        actual=2.31,
        baseline_used=2.31,
        baseline_year_used=2020,
        time_share=0.0,
        expected=2.31,
        progress_share=0.0,
        pace_ratio=None,
        pace_status=pr.PACE_NO_DATA,
        observed_growth=None,
        trend_ratio=None,
        trend_status=pr.TREND_INSUFFICIENT_DATA,
        projected_value=None,
        required_annual_growth=(3.0 / 2.31) ** (1 / 5) - 1,
        achieved=False,
    )
    assert codes(result) == [pr.NOTE_BASELINE_FROM_ACTUALS, pr.NOTE_ONLY_BASELINE_YEAR]
    growth = evaluate(LUOHE_RD_GROWTH, {2020: 16.15})
    check(
        growth,
        baseline_used=16.15,
        achieved=None,
        pace_status=pr.PACE_NO_DATA,
        trend_status=pr.TREND_INSUFFICIENT_DATA,
    )
    assert pr.NOTE_ONLY_BASELINE_YEAR in codes(growth)


def test_it_evaluates_a_single_later_actual_against_a_stated_baseline() -> None:
    result = evaluate(ZHENGZHOU_RD, {2022: 2.5})
    p = (2.5 - 2.31) / (3.0 - 2.31)  # 0.2754
    r = ((2.5 / 2.31) ** (1 / 2) - 1) / ((3.0 / 2.31) ** (1 / 5) - 1)  # 0.0403 / 0.0537 = 0.7512
    check(
        result,
        year=2022,
        baseline_used=2.31,
        baseline_year_used=2020,
        progress_share=p,
        pace_ratio=p / 0.4,  # 0.6884 → lagging
        pace_status=pr.PACE_LAGGING,
        trend_ratio=r,
        trend_status=pr.TREND_ACCELERATION_NEEDED,
    )
    assert result.notes == ()


def test_it_has_no_pace_when_a_single_later_actual_becomes_the_baseline() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 3.0, baseline_year=2020)
    result = evaluate(spec, {2022: 2.5})
    check(
        result,
        baseline_year_used=2022,
        time_share=0.0,
        pace_status=pr.PACE_NO_DATA,
        trend_status=pr.TREND_INSUFFICIENT_DATA,
        achieved=False,
    )
    assert codes(result) == [pr.NOTE_BASELINE_MOVED, pr.NOTE_ONLY_BASELINE_YEAR]
    growth = evaluate(LUOHE_RD_GROWTH, {2022: 19.0})
    check(growth, baseline_year_used=2022, pace_status=pr.PACE_NO_DATA, trend_status=pr.TREND_INSUFFICIENT_DATA)


def test_it_does_not_divide_by_zero_when_the_baseline_moves_to_the_target_year() -> None:
    level = TargetSpec(v.LEVEL, ">=", 2025, 3.0, baseline_year=2020)
    check(evaluate(level, {2025: 2.5}), baseline_year_used=2025, pace_status=pr.PACE_NO_DATA, achieved=False)
    check(evaluate(level, {2025: 3.5}), baseline_year_used=2025, pace_status=pr.PACE_ACHIEVED, achieved=True)
    stock = TargetSpec(v.CUMULATIVE_NEW, ">=", 2025, 10, baseline_year=2020)
    check(evaluate(stock, {2025: 40}), measured=0.0, pace_status=pr.PACE_NO_DATA, achieved=False)
    relative = TargetSpec(v.RELATIVE_TO_AVERAGE, ">", 2025, None, baseline_year=2020)
    check(evaluate(relative, {2025: 2.0}, parent={2025: 1.9}), achieved=True, pace_status=pr.PACE_ACHIEVED)


def test_it_reports_a_target_met_at_baseline_and_still_met_as_achieved() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 3.0, baseline_year=2020, baseline_value=3.2)
    result = evaluate(spec, {2023: 3.3})
    check(
        result,
        achieved=True,
        early=True,
        pace_status=pr.PACE_ACHIEVED,
        trend_status=pr.TREND_ACHIEVED,
        progress_share=None,  # no share of a distance the baseline had already covered
        pace_ratio=None,
    )
    assert result.notes == ()


def test_it_reports_a_target_met_at_baseline_then_lost_as_regressing() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 3.0, baseline_year=2020, baseline_value=3.2)
    result = evaluate(spec, {2023: 2.9})
    observed = (2.9 / 3.2) ** (1 / 3) - 1  # −0.0323
    required = (3.0 / 3.2) ** (1 / 5) - 1  # −0.0128: the target lies behind the baseline
    check(
        result,
        achieved=False,
        progress_share=None,
        pace_ratio=None,
        pace_status=pr.PACE_REGRESSING,
        observed_growth=observed,
        required_growth=required,
        trend_ratio=None,  # observed / required would be positive (two falls): misleading, so none
        trend_status=pr.TREND_DETERIORATION,
    )
    assert observed / required > 0
    assert codes(result) == [pr.NOTE_MET_AT_BASELINE]
    rank = evaluate(KAIFENG_RANK, {2020: 8, 2023: 11})  # 8th at baseline, 11th now
    check(rank, achieved=False, pace_status=pr.PACE_REGRESSING, trend_status=pr.TREND_DETERIORATION)
    assert pr.NOTE_MET_AT_BASELINE in codes(rank)


def test_it_judges_no_pace_in_the_baseline_year_itself() -> None:
    """t == y0: nothing has moved yet, so no pace, even where the stated baseline met the target and the actual of
    that year does not (conflicting figures), or where the baseline sits exactly on a strict target."""
    stated = TargetSpec(v.LEVEL, ">=", 2025, 3.0, baseline_year=2020, baseline_value=3.2)
    conflicting = evaluate(stated, {2020: 2.9})
    check(conflicting, achieved=False, pace_status=pr.PACE_NO_DATA, trend_status=pr.TREND_INSUFFICIENT_DATA)
    assert codes(conflicting) == [pr.NOTE_ONLY_BASELINE_YEAR]
    strict = TargetSpec(v.LEVEL, ">", 2025, 1.0, baseline_year=2020)
    on_the_line = evaluate(strict, {2020: 1.0})
    check(on_the_line, achieved=False, progress_share=None, pace_status=pr.PACE_NO_DATA)
    assert codes(on_the_line) == [pr.NOTE_BASELINE_FROM_ACTUALS, pr.NOTE_ONLY_BASELINE_YEAR]
    check(evaluate(strict, {2020: 1.0, 2022: 0.9}), achieved=False, pace_status=pr.PACE_REGRESSING)


def test_it_judges_a_strict_target_the_baseline_sat_on_by_the_direction_moved() -> None:
    """ "More than 1.0" from a baseline of exactly 1.0: no share of a zero distance; standing still is far behind,
    falling is moving away, rising is achieved. The baseline never met the strict target, so no met_at_baseline."""
    strict = TargetSpec(v.LEVEL, ">", 2025, 1.0, baseline_year=2020, baseline_value=1.0)
    still = evaluate(strict, {2023: 1.0})
    check(still, achieved=False, progress_share=None, pace_ratio=None, pace_status=pr.PACE_FAR_BEHIND)
    assert pr.NOTE_MET_AT_BASELINE not in codes(still)
    check(evaluate(strict, {2023: 0.9}), achieved=False, pace_status=pr.PACE_REGRESSING)
    check(evaluate(strict, {2023: 1.1}), achieved=True, pace_status=pr.PACE_ACHIEVED)


def test_it_never_gives_a_qualitative_target_a_trend() -> None:
    spec = TargetSpec(v.QUALITATIVE, ">=", 2025, 100, period_start=2021)
    result = evaluate(spec, {2019: 100}, as_of=2020)  # an actual before y0 = 2020: no baseline
    check(result, baseline_used=None, achieved=True, pace_status=pr.PACE_ACHIEVED)
    assert result.trend_status == pr.TREND_NOT_APPLICABLE


def test_it_judges_a_target_in_its_year_when_as_of_is_later() -> None:
    actuals = {2020: 2.31, 2025: 2.9, 2026: 3.1}
    result = evaluate(ZHENGZHOU_RD, actuals, as_of=2027)
    p = (2.9 - 2.31) / (3.0 - 2.31)  # 0.855 at s = 1 → lagging
    observed = (2.9 / 2.31) ** (1 / 5) - 1
    required = (3.0 / 2.31) ** (1 / 5) - 1
    check(
        result,
        year=2025,
        actual=2.9,
        time_share=1.0,
        progress_share=p,
        pace_ratio=p,
        pace_status=pr.PACE_LAGGING,
        trend_ratio=observed / required,
        projected_value=2.9,
        required_annual_growth=None,
        required_per_year=None,
        achieved=False,  # 3.1 in 2026 comes too late
        early=False,
    )
    assert note(result, pr.NOTE_JUDGED_AT_TARGET_YEAR).params == {"year": 2025}
    latest = evaluate(ZHENGZHOU_RD, actuals)  # the latest data: 2026 is still ignored, and said so
    check(latest, year=2025, achieved=False)
    assert note(latest, pr.NOTE_JUDGED_AT_TARGET_YEAR).params == {"year": 2025}
    assert pr.NOTE_JUDGED_AT_TARGET_YEAR not in codes(evaluate(ZHENGZHOU_RD, {2020: 2.31, 2025: 2.9}))


def test_it_uses_the_latest_actual_up_to_the_as_of_year() -> None:
    result = evaluate(ZHENGZHOU_RD, {2020: 2.31, 2022: 2.5, 2024: 3.1}, as_of=2023)
    check(result, year=2022, actual=2.5, achieved=False)


@pytest.mark.parametrize(
    "spec",
    [
        ZHENGZHOU_RD,
        KAIFENG_HIGHTECH_DOUBLE,
        LUOHE_RD_GROWTH,
        XINXIANG_NEW_HIGHTECH,
        KAIFENG_MAJOR_PROJECTS,
        KAIFENG_RD_ABOVE_AVERAGE,
        KAIFENG_RD_COVERAGE,
    ],
    ids=lambda spec: spec.kind,
)
def test_it_reports_no_data_when_as_of_precedes_every_actual(spec: TargetSpec) -> None:
    parent: Mapping[int, float] = HENAN_RD | {2023: 1.9}
    result = evaluate(spec, {2023: 5.0}, as_of=2022, parent=parent)
    check(result, year=None, actual=None, achieved=None, early=False, pace_status=pr.PACE_NO_DATA)
    trend = pr.TREND_INSUFFICIENT_DATA if spec.kind in v.TREND_KINDS else pr.TREND_NOT_APPLICABLE
    assert result.trend_status == trend
    assert note(result, pr.NOTE_NO_ACTUAL).params == {"year": 2022}


def test_it_reports_no_data_without_any_actual() -> None:
    result = evaluate(ZHENGZHOU_RD, {})
    check(result, year=None, achieved=None, pace_status=pr.PACE_NO_DATA, trend_status=pr.TREND_INSUFFICIENT_DATA)


# ---------------------------------------------------------------------------------------------------- boundaries

# y0 2020, yT 2024, t 2022: s = 0.5 exactly; B 100, L 1100: p = (M − 100) / 1000, q = 2p.
BOUNDARY = TargetSpec(v.LEVEL, ">=", 2024, 1100, baseline_year=2020, baseline_value=100)


@pytest.mark.parametrize(
    ("actual", "q", "status"),
    [
        (625, 1.05, pr.PACE_AHEAD),  # q = 2 × 525/1000 = 1.05 exactly
        (624.99, 2 * 524.99 / 1000, pr.PACE_ON_SCHEDULE),
        (550, 0.90, pr.PACE_ON_SCHEDULE),  # q = 2 × 450/1000 = 0.90 exactly
        (549.99, 2 * 449.99 / 1000, pr.PACE_LAGGING),
        (350, 0.50, pr.PACE_LAGGING),  # q = 2 × 250/1000 = 0.50 exactly
        (349.99, 2 * 249.99 / 1000, pr.PACE_FAR_BEHIND),
        (100, 0.0, pr.PACE_FAR_BEHIND),  # no change: p = 0 is not regress
        (99.99, 2 * -0.01 / 1000, pr.PACE_REGRESSING),
    ],
)
def test_it_puts_each_pace_boundary_in_the_better_class(actual: float, q: float, status: str) -> None:
    result = evaluate(BOUNDARY, {2022: actual})
    assert result.time_share == 0.5
    assert result.pace_ratio == approx(q)
    assert result.pace_status == status


def test_the_pace_boundary_cases_land_exactly_on_the_boundaries() -> None:
    assert (625 - 100) / (1100 - 100) / 0.5 == 1.05
    assert (550 - 100) / (1100 - 100) / 0.5 == 0.90
    assert (350 - 100) / (1100 - 100) / 0.5 == 0.50
    assert evaluate(BOUNDARY, {2022: 625}).pace_ratio == 1.05
    assert evaluate(BOUNDARY, {2022: 550}).pace_ratio == 0.90
    assert evaluate(BOUNDARY, {2022: 350}).pace_ratio == 0.50


@pytest.mark.parametrize(
    ("target", "actual", "r", "status"),
    [
        # y0 2020, t 2021, yT 2022; B 100. L 400: required (4)^(1/2) − 1 = 1; 195: observed 0.95 → R = 0.95.
        (400, 195, 0.95, pr.TREND_ON_TRACK),
        (400, 194.99, 0.9499 / 1, pr.TREND_ACCELERATION_NEEDED),
        # L 625: required 6.25^(1/2) − 1 = 1.5; 190: observed 0.9 → R = 0.60.
        (625, 190, 0.60, pr.TREND_ACCELERATION_NEEDED),
        (625, 189.99, 0.8999 / 1.5, pr.TREND_LIMITED_PROGRESS),
        # no change: R = 0 → limited progress; any fall → deterioration.
        (400, 100, 0.0, pr.TREND_LIMITED_PROGRESS),
        (400, 99.99, -0.0001 / 1, pr.TREND_DETERIORATION),
    ],
)
def test_it_puts_each_trend_boundary_in_the_better_class(target: float, actual: float, r: float, status: str) -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2022, target, baseline_year=2020, baseline_value=100)
    result = evaluate(spec, {2021: actual})
    expected_r = ((actual / 100) ** (1 / 1) - 1) / ((target / 100) ** (1 / 2) - 1)
    assert expected_r == approx(r)
    assert result.trend_ratio == approx(expected_r)
    assert result.trend_status == status


def test_the_trend_boundary_cases_land_exactly_on_the_boundaries() -> None:
    assert ((195 / 100) - 1) / ((400 / 100) ** (1 / 2) - 1) == 0.95
    assert ((190 / 100) - 1) / ((625 / 100) ** (1 / 2) - 1) == 0.60
    on_track = TargetSpec(v.LEVEL, ">=", 2022, 400, baseline_year=2020, baseline_value=100)
    assert evaluate(on_track, {2021: 195}).trend_ratio == 0.95
    needed = TargetSpec(v.LEVEL, ">=", 2022, 625, baseline_year=2020, baseline_value=100)
    assert evaluate(needed, {2021: 190}).trend_ratio == 0.60


# ---------------------------------------------------------------------------------------------------- thresholds


def test_it_applies_threshold_overrides() -> None:
    actuals = {2020: 2.31, 2023: 2.7}  # q = 0.9420, R = 0.9949 with the defaults (see above)
    default = evaluate(ZHENGZHOU_RD, actuals)
    assert (default.pace_status, default.trend_status) == (pr.PACE_ON_SCHEDULE, pr.TREND_ON_TRACK)
    strict = evaluate(ZHENGZHOU_RD, actuals, thresholds=Thresholds(on_schedule=0.95, on_track=0.999))
    assert (strict.pace_status, strict.trend_status) == (pr.PACE_LAGGING, pr.TREND_ACCELERATION_NEEDED)
    lenient = evaluate(ZHENGZHOU_RD, actuals, thresholds=Thresholds(ahead=0.94))
    assert lenient.pace_status == pr.PACE_AHEAD
    harsh = evaluate(ZHENGZHOU_RD, actuals, thresholds=Thresholds(lagging=0.95, on_schedule=0.97))
    assert harsh.pace_status == pr.PACE_FAR_BEHIND
    slow = evaluate(ZHENGZHOU_RD, actuals, thresholds=Thresholds(on_track=1.2, acceleration_needed=1.0))
    assert slow.trend_status == pr.TREND_LIMITED_PROGRESS


def test_it_applies_the_about_share_override() -> None:
    spec = TargetSpec(v.LEVEL, "about", 2025, 10, baseline_year=2020, baseline_value=5)
    assert evaluate(spec, {2024: 9.2}).achieved is False  # < 9.5
    assert evaluate(spec, {2024: 9.2}, thresholds=Thresholds(about=0.9)).achieved is True  # ≥ 9.0
    rank = TargetSpec(v.LEVEL, "about", 2025, 10, baseline_year=2020, baseline_value=15, direction=v.LOWER)
    assert evaluate(rank, {2024: 10.8}, thresholds=Thresholds(about=0.9)).achieved is True  # ≤ 11.0


def test_it_applies_the_zero_substitute_override() -> None:
    spec = TargetSpec(v.LEVEL, ">=", 2025, 2, baseline_year=2020, baseline_value=0)
    result = evaluate(spec, {2023: 1}, thresholds=Thresholds(zero_substitute=0.5))
    observed = (1 / 0.5) ** (1 / 3) - 1  # 0.2599
    required = (2 / 0.5) ** (1 / 5) - 1  # 0.3195
    check(result, observed_growth=observed, required_growth=required, trend_ratio=observed / required)
    assert result.trend_status == pr.TREND_ACCELERATION_NEEDED  # R = 0.8135
    assert note(result, pr.NOTE_ZERO_REPLACED).params == {"zero": 0.5}


# ---------------------------------------------------------------------------------------------------- summary


def test_it_counts_statuses_and_early_achievements() -> None:
    results = [
        evaluate(ZHENGZHOU_RD, {2020: 2.31, 2024: 3.05}),  # achieved early
        evaluate(ZHENGZHOU_RD, {2020: 2.31, 2025: 3.0}),  # achieved in the year
        evaluate(ZHENGZHOU_RD, {2020: 2.31, 2023: 2.7}),  # on schedule
        evaluate(ZHENGZHOU_RD, {}),  # no data
    ]
    counts = pr.summary(results)
    # Each target counted once, under its one status: achieved early is not also counted as achieved.
    assert counts[v.ACHIEVED_EARLY] == 1
    assert counts[v.ACHIEVED] == 1
    assert counts[v.ON_SCHEDULE] == 1
    assert counts[v.NO_DATA] == 1
    assert sum(counts.values()) == len(results)
    assert list(counts) == list(v.STATUSES)


def test_one_status_per_result_tells_early_missed_and_unquantified_apart() -> None:
    assert pr.status(evaluate(ZHENGZHOU_RD, {2020: 2.31, 2024: 3.05})) == v.ACHIEVED_EARLY
    assert pr.status(evaluate(ZHENGZHOU_RD, {2020: 2.31, 2025: 3.0})) == v.ACHIEVED
    # The target year has come and the actual falls short: 未实现, whatever the pace band says.
    missed = evaluate(ZHENGZHOU_RD, {2020: 2.31, 2025: 2.9})
    assert missed.pace_status != pr.PACE_NO_DATA
    assert pr.status(missed) == v.NOT_ACHIEVED
    unquantified = evaluate(TargetSpec(v.QUALITATIVE, ">=", 2025, None, period_start=2021), {2021: 1.0})
    assert pr.status(unquantified) == v.NOT_QUANTIFIED
    assert pr.status(evaluate(ZHENGZHOU_RD, {})) == v.NO_DATA


@pytest.mark.parametrize(
    ("field", "spec"),
    [
        ("kind", TargetSpec("levle", ">=", 2025, 3.0, period_start=2021)),
        ("comparator", TargetSpec(v.LEVEL, "≥", 2025, 3.0, period_start=2021)),
        ("direction", TargetSpec(v.LEVEL, ">=", 2025, 3.0, period_start=2021, direction="up")),
        ("measure", TargetSpec(v.LEVEL, ">=", 2025, 3.0, period_start=2021, measure="level")),
    ],
)
def test_an_unknown_word_is_refused_not_guessed(field: str, spec: TargetSpec) -> None:
    with pytest.raises(v.UnknownWord, match=f"unknown {field}"):
        evaluate(spec, {2020: 2.0, 2023: 2.5})


# ---------------------------------------------------------------------------------------------- dated actuals

XINXIANG_CONTRACTS = TargetSpec(
    kind=v.LEVEL,
    comparator=">=",
    target_year=2025,
    target_value=60,
    baseline_year=2020,
    baseline_value=27.8,
    period_start=2021,
    measure="flow",
)  # 新乡 “技术合同成交额 27.8 → 60 亿元”; the only public actual is 36 (2021)


def test_an_old_actual_is_named_in_a_mid_term_evaluation() -> None:
    recent = evaluate(XINXIANG_CONTRACTS, {2020: 27.8, 2021: 36.0}, as_of=2022)
    assert pr.NOTE_STALE_ACTUAL not in codes(recent)  # one year old: the usual lag of statistics
    old = evaluate(XINXIANG_CONTRACTS, {2020: 27.8, 2021: 36.0}, as_of=2023)
    assert note(old, pr.NOTE_STALE_ACTUAL).params == {"year": 2021, "as_of": 2023}
    # s = (2021 − 2020) / 5 = 0.2; p = (36 − 27.8) / (60 − 27.8) = 0.2547; q = 1.273: still judged at t = 2021
    check(old, year=2021, time_share=0.2, progress_share=8.2 / 32.2, pace_status=pr.PACE_AHEAD)
    assert pr.status(old) == v.AHEAD


def test_a_final_evaluation_without_the_target_year_gives_no_verdict() -> None:
    final = evaluate(XINXIANG_CONTRACTS, {2020: 27.8, 2021: 36.0}, as_of=2025)
    assert note(final, pr.NOTE_NO_TARGET_YEAR_ACTUAL).params == {"year": 2021, "target_year": 2025}
    assert pr.NOTE_STALE_ACTUAL not in codes(final)
    assert pr.status(final) == v.NO_DATA  # 快于预期 on a 2021 figure would be no statement about 2025
    later = evaluate(XINXIANG_CONTRACTS, {2020: 27.8, 2021: 36.0}, as_of=2026)
    assert pr.status(later) == v.NO_DATA
    met_early = evaluate(XINXIANG_CONTRACTS, {2020: 27.8, 2023: 61.0}, as_of=2025)
    assert pr.status(met_early) == v.ACHIEVED_EARLY  # met in 2023: a fact the later years do not undo
    assert pr.NOTE_NO_TARGET_YEAR_ACTUAL not in codes(met_early)
    judged = evaluate(XINXIANG_CONTRACTS, {2020: 27.8, 2025: 50.0}, as_of=2025)
    assert pr.status(judged) == v.NOT_ACHIEVED
    assert pr.status(evaluate(XINXIANG_CONTRACTS, {2020: 27.8, 2021: 36.0})) == v.AHEAD  # no as-of: latest data
