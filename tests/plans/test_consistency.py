"""Where a plan contradicts itself: plans.consistency.check on hand-made statements, and the plan page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from plans.consistency import (
    BASELINE_RESTATED,
    FLAGGED,
    GROWTH_VS_LEVEL,
    LEVEL_RESTATED,
    MULTIPLE_VS_LEVEL,
    NEW_VS_STOCK,
    Inconsistency,
    Statement,
    check,
)
from plans.models import Plan
from plans.selectors import plan_inconsistencies


def level(id: int, value: float, *, indicator: str = "x", year: int = 2025, baseline: float | None = None) -> Statement:
    return Statement(id, indicator, "level", ">=", year, value, 2020, baseline)


def growth(id: int, rate: float, *, indicator: str = "x", baseline: float | None = None) -> Statement:
    return Statement(id, indicator, "annual_growth_rate", ">=", 2025, rate, 2020, baseline)


def multiple(id: int, k: float, baseline: float | None, *, indicator: str = "x") -> Statement:
    return Statement(id, indicator, "multiple_of_baseline", ">=", 2025, k, 2020, baseline)


def new(
    id: int, amount: float, baseline: float | None, *, measure: str = "stock", kind: str = "cumulative_new"
) -> Statement:
    return Statement(id, "x", kind, ">=", 2025, amount, 2020, baseline, measure)


def codes(found: list[Inconsistency]) -> list[tuple[str, int, int]]:
    return [(f.code, f.first, f.second) for f in found]


# ------------------------------------------------------------------------------------------------ each rule


def test_a_growth_rate_is_checked_against_a_level() -> None:
    """Luohe: 16.15 亿元 growing 12 % a year for five years is 28.46, not the 25 stated."""
    [found] = check([level(1, 25, baseline=16.15), growth(2, 12)])  # the rate's base comes from the level's
    implied = 16.15 * 1.12**5
    assert (found.code, found.first, found.second) == (GROWTH_VS_LEVEL, 2, 1)
    assert found.implied == pytest.approx(implied) and found.stated == 25 and found.base == 16.15
    assert found.difference == pytest.approx((implied - 25) / 25)
    # 28 is within 5 % of 28.46: no finding.
    assert check([level(1, 28, baseline=16.15), growth(2, 12)]) == []
    # No base anywhere: nothing to compare.
    assert check([level(1, 25), growth(2, 12)]) == []


def test_a_multiple_is_checked_against_a_level() -> None:
    """Kaifeng: 2 × 126 = 252, not 350."""
    [found] = check([multiple(1, 2, 126), level(2, 350)])
    assert (found.code, found.first, found.second) == (MULTIPLE_VS_LEVEL, 1, 2)
    assert (found.implied, found.stated, found.base) == (252, 350, 126)
    assert found.difference == pytest.approx(-98 / 350)
    assert check([multiple(1, 2, 126), level(2, 260)]) == []  # 3.1 % apart


def test_an_amount_added_is_checked_against_a_stock() -> None:
    """Nanyang: 764 + 500 = 1264 platforms, not 1000; Xinxiang: 402 + 400 = 802 is close enough to 800."""
    [found] = check([level(1, 1000), new(2, 500, 764)])
    assert (found.code, found.first, found.second, found.implied, found.stated) == (NEW_VS_STOCK, 2, 1, 1264, 1000)
    assert found.difference == pytest.approx(0.264)
    assert check([level(1, 800), new(2, 400, 402)]) == []
    # On a flow indicator an amount added is a sum of yearly amounts, not a change of the stock: not compared.
    assert check([level(1, 1000), new(2, 500, 764, measure="flow")]) == []


def test_an_amount_every_year_on_a_stock_is_checked_against_the_stock() -> None:
    """Luohe: 5 provincial engineering centres a year for five years from 55 is 80, not 70."""
    [found] = check([new(1, 5, 55, kind="per_year"), level(2, 70)])
    assert (found.code, found.implied, found.stated, found.base) == (NEW_VS_STOCK, 80, 70, 55)
    assert check([new(1, 5, 55, kind="per_year"), level(2, 78)]) == []
    assert check([new(1, 5, 55, kind="per_year", measure="flow"), level(2, 70)]) == []


def test_a_level_stated_twice_with_different_numbers_is_reported_once() -> None:
    [found] = check([level(1, 10), level(2, 5)])
    assert (found.code, found.first, found.second, found.implied, found.stated) == (LEVEL_RESTATED, 1, 2, 10, 5)
    assert check([level(1, 100), level(2, 103)]) == []
    # Other indicators or other years are other aims.
    assert check([level(1, 10), level(2, 5, indicator="y")]) == []
    assert check([level(1, 10), level(2, 5, year=2035)]) == []


def test_a_baseline_stated_twice_with_different_numbers_is_reported() -> None:
    """Nanyang: technology contracts 13 亿元 in the table, 27.9 亿元 in the text, both for 2020."""
    [found] = check([level(1, 75, baseline=13), level(2, 75, baseline=27.9)])
    assert (found.code, found.first, found.second, found.implied, found.stated) == (BASELINE_RESTATED, 2, 1, 27.9, 13)
    assert found.difference == pytest.approx((27.9 - 13) / 13)
    assert check([level(1, 75, baseline=13), level(2, 75, baseline=13.5)]) == []


@pytest.mark.parametrize(
    "statements",
    [
        [multiple(1, 2, 52.5), level(2, 100)],  # 105 vs 100: exactly 5 %
        [level(1, 300, baseline=100), level(2, 300, baseline=105)],  # 105 vs 100 again
    ],
)
def test_a_difference_at_the_tolerance_is_not_reported(statements: list[Statement]) -> None:
    assert check(statements, tolerance=0.05) == []
    assert len(check(statements, tolerance=0.04)) == 1


def test_the_tolerance_is_a_parameter() -> None:
    statements = [multiple(1, 2, 126), level(2, 350)]  # 28 % apart
    assert len(check(statements, tolerance=0.27)) == 1
    assert check(statements, tolerance=0.29) == []


def test_statements_without_a_number_are_skipped() -> None:
    unquantified = Statement(1, "x", "qualitative", "=", 2025, None, 2020, None)
    assert check([unquantified, level(2, 5), Statement(3, "x", "level", "=", 2025, None, 2020, None)]) == []


# ------------------------------------------------------------------------------------------------ each pair once


def test_each_pair_is_reported_once_by_the_first_rule_that_finds_it() -> None:
    # The growth statement implies 28.46 from its own 16.15 and restates the baseline as 20: two rules, one pair.
    found = check([level(1, 25, baseline=20), growth(2, 12, baseline=16.15)])
    assert codes(found) == [(GROWTH_VS_LEVEL, 2, 1)]


def test_a_level_printed_in_the_table_and_again_in_the_text_is_one_statement() -> None:
    table, text = level(1, 350, baseline=126), level(2, 350, baseline=126)
    assert check([table, text]) == []
    found = check([table, text, multiple(3, 2, 126)])
    assert codes(found) == [(MULTIPLE_VS_LEVEL, 3, 1)]


def test_an_implying_statement_printed_twice_is_reported_once() -> None:
    found = check([multiple(1, 2, 126), multiple(2, 2, 126), level(3, 350)])
    assert codes(found) == [(MULTIPLE_VS_LEVEL, 1, 3)]


def test_a_flagged_conflict_is_listed_when_no_rule_reports_it() -> None:
    """Xinxiang: 402 + 400 = 802 vs 800 is within the tolerance, yet the transcribers flagged the pair."""
    stock = Statement(1, "x", "level", ">=", 2025, 800, 2020, 402, conflicts_with=(2,))
    added = Statement(2, "x", "cumulative_new", ">=", 2025, 400, 2020, 402, conflicts_with=(1,))
    [found] = check([stock, added])  # listed by both sides, reported once
    assert (found.code, {found.first, found.second}) == (FLAGGED, {1, 2})
    assert (found.implied, found.stated, found.difference) == (None, None, None)


def test_a_flagged_conflict_already_reported_by_a_rule_is_not_repeated() -> None:
    stated = Statement(1, "x", "level", ">=", 2025, 25, 2020, 16.15, conflicts_with=(2,))
    rate = Statement(2, "x", "annual_growth_rate", ">=", 2025, 12, 2020, None, conflicts_with=(1,))
    assert codes(check([stated, rate])) == [(GROWTH_VS_LEVEL, 2, 1)]


def test_a_flagged_conflict_with_a_duplicate_of_a_reported_pair_is_not_repeated() -> None:
    """Nanyang: 'double 264' is flagged against the table's 500 and the text's 500; the rule reports it once."""
    double = Statement(1, "x", "multiple_of_baseline", ">=", 2025, 2, 2020, 264, conflicts_with=(2, 3))
    table = Statement(2, "x", "level", ">=", 2025, 500, 2020, 264, conflicts_with=(1,))
    text = Statement(3, "x", "level", ">=", 2025, 500, 2020, 264, conflicts_with=(1,))
    assert codes(check([double, table, text])) == [(MULTIPLE_VS_LEVEL, 1, 2)]
    # A flagged statement that differs from the reported one is still listed.
    other = Statement(3, "x", "level", ">=", 2025, 510, 2020, 264, conflicts_with=(1,))
    assert codes(check([double, table, other])) == [(MULTIPLE_VS_LEVEL, 1, 2), (FLAGGED, 1, 3)]


# ------------------------------------------------------------------------------------------------ the plan page


def test_the_plan_page_shows_each_finding_with_both_quotes(charlie_client: Client) -> None:
    plan = Plan.objects.get(slug="nanyang")
    html = charlie_client.get(f"/plans/{plan.pk}/").content.decode()
    assert '<section class="consistency"' in html and "一致性检查" in html
    findings = plan_inconsistencies(plan)
    assert len(findings) >= 2
    section = html.split('<section class="consistency"')[1].split("</section>")[0]
    assert section.count('<li class="inconsistency') == len(findings)
    [platforms] = [f for f in findings if f.first.key == "body-innovation-platforms-new"]
    assert (platforms.finding.code, platforms.second.key) == (NEW_VS_STOCK, "table-02-innovation-platforms")
    item = section.split('<li class="inconsistency new_vs_stock">')[1].split("</li>")[0]
    assert f"<q>{escape(platforms.first.quote)}</q>" in item
    assert f"<q>{escape(platforms.second.quote)}</q>" in item
    assert f'href="#target-{platforms.first.pk}"' in item and f'href="#target-{platforms.second.pk}"' in item
    assert "基期值764加上新增量应为1264，但规划写明的存量为1000（相差26.4%）" in item
    assert "未发现规划数字之间的矛盾" not in html


def test_the_plan_page_says_so_when_nothing_disagrees(charlie_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    assert plan_inconsistencies(plan) == []
    html = charlie_client.get(f"/plans/{plan.pk}/").content.decode()
    assert "未发现规划数字之间的矛盾。" in html
    assert '<li class="inconsistency' not in html


def test_the_plan_page_speaks_english_when_chosen(charlie_client: Client) -> None:
    charlie_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = charlie_client.get(f"/plans/{Plan.objects.get(slug='luohe').pk}/").content.decode()
    assert "Consistency check" in html
    assert "Growing at the stated rate from 16.15, the level would be 28.46, but the plan also states 25" in html
    zhengzhou = charlie_client.get(f"/plans/{Plan.objects.get(slug='zhengzhou').pk}/").content.decode()
    assert "<p>No disagreement found between the plan's numbers.</p>" in zhengzhou
