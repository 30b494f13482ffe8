"""Plan periods on the dashboard: the period switch and its default, the pages filtered by period, the 15th
period's empty slots, both periods on one time axis, the 15th-period baseline linked to the 14th's final actual,
and the overview's early-warning list.

No 15th-period plan is loaded (their plans are being issued, and none is ever invented): the tests that need one
make it here, titled as a test plan, inside the test's transaction."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import pytest
from django.test import Client
from django.utils import timezone
from docx import Document

from cities.models import Region
from dashboard import pages
from indicators.models import Indicator, Observation
from indicators.services import observation_set
from plans import vocabulary as v
from plans.evaluation import plan_evaluation
from plans.models import Plan, PlanPeriod, Target
from plans.selectors import baseline_actuals, default_period

TEXT = "到2030年，全社会研发经费投入强度达到3.5%。\n"


def figures(html: str) -> dict[str, dict[str, Any]]:
    found = re.findall(r'<script id="(figure-[\w-]+)" type="application/json">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


def set_actuals(adcode: str, code: str, values: dict[int, str], origin: str = Observation.Origin.MANUAL) -> None:
    region, indicator = Region.objects.get(adcode=adcode), Indicator.objects.get(code=code)
    for year, value in values.items():
        observation_set(
            region=region, indicator=indicator, year=year, value=Decimal(value), origin=origin, source="测试来源"
        )


def fifteenth_plan(
    adcode: str = "410100",
    *,
    code: str = "rd_intensity",
    baseline: str = "3.0",
    unit: str = "%",
    target: str = "3.5",
    baseline_year: int = 2025,
) -> Target:
    """A 15th-period plan made by the test (never loaded, never shown as real), with one level target."""
    plan = Plan.objects.create(
        slug=f"test-15-{adcode}",
        region=Region.objects.get(adcode=adcode),
        period=PlanPeriod.objects.get(code="15"),
        title="测试用十五五规划（测试数据）",
        period_start=2026,
        period_end=2030,
        source_text=TEXT,
    )
    return Target.objects.create(
        plan=plan,
        key="t-1",
        position=1,
        indicator=Indicator.objects.get(code=code),
        label="研发投入强度（测试）",
        kind=v.LEVEL,
        comparator=v.AT_LEAST,
        baseline_year=baseline_year,
        baseline_value=Decimal(baseline),
        target_year=2030,
        target_value=Decimal(target),
        unit=unit,
        section=v.TABLE,
        quote=TEXT.strip(),
        quote_line=1,
    )


# ---------------------------------------------------------------------------------------------- the default


@pytest.mark.django_db
def test_the_default_period_is_the_latest_with_an_actual() -> None:
    assert not Observation.objects.exists()  # the five plans alone: no actual anywhere
    fifteenth_plan()
    # No actual anywhere: the period of last year (2025, the latest year whose figures can be out).
    assert timezone.localdate().year - 1 in range(2021, 2026)
    assert default_period().code == "14"  # type: ignore[union-attr]
    set_actuals("410100", "rd_intensity", {2023: "2.8"})
    assert default_period().code == "14"  # type: ignore[union-attr]  # a 15th plan but no actual in 2026–2030
    set_actuals("410700", "rd_intensity", {2026: "2.9"})
    assert default_period().code == "15"  # type: ignore[union-attr]


def test_the_pages_follow_the_default_period(bob_client: Client) -> None:
    set_actuals("410100", "rd_intensity", {2023: "2.8"})
    assert bob_client.get("/").context["page"].period.code == "14"
    set_actuals("410100", "rd_intensity", {2026: "3.1"})
    page = bob_client.get("/").context["page"]
    assert page.period.code == "15" and page.empty_period  # no 15th plan: the empty slots


@pytest.mark.parametrize(
    "path",
    ["/", "/cities/410100/", "/indicators/rd_intensity/", "/completeness/", "/cities/410100/data.csv"],
)
def test_an_unknown_period_is_a_bad_request_naming_the_periods(bob_client: Client, path: str) -> None:
    response = bob_client.get(path, {"period": "13"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "13" in html and "14 (十四五)" in html and "15 (十五五)" in html


def test_the_switch_links_every_period_keeping_the_other_parameters(bob_client: Client) -> None:
    html = bob_client.get("/", {"section": "table", "year": "2023", "include": "submitted"}).content.decode()
    switch = html[html.index('class="period-switch') : html.index("</nav>", html.index('class="period-switch'))]
    assert 'aria-current="page" data-period="14"' in switch
    link = re.search(r'<a href="\?([^"]+)" data-period="15"', switch)
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    # The other parameters kept; the year left out: each period has its own years.
    assert sorted(query.split("&")) == ["include=submitted", "period=15", "section=table"]


def test_the_years_offered_come_from_the_chosen_period(bob_client: Client) -> None:
    target = fifteenth_plan()
    page = bob_client.get("/", {"period": "15"}).context["page"]
    assert list(page.years) == list(range(2025, 2031))
    assert bob_client.get("/", {"period": "15", "year": "2023"}).status_code == 400  # a 14th-period year
    assert bob_client.get("/", {"period": "14", "year": "2028"}).status_code == 400
    assert bob_client.get(f"/cities/{target.plan.region.adcode}/", {"period": "15", "year": "2028"}).status_code == 200


def test_the_cache_keeps_the_periods_apart(bob_client: Client) -> None:
    fifteenth_plan()
    first = bob_client.get("/cities/410100/")
    fifteenth = bob_client.get("/cities/410100/", {"period": "15"})
    again = bob_client.get("/cities/410100/")
    assert "测试用十五五规划" not in first.content.decode() and "测试用十五五规划" in fifteenth.content.decode()
    assert "测试用十五五规划" not in again.content.decode()


# ------------------------------------------------------------------------------------- filtered by period


def test_a_fifteenth_plan_appears_only_under_its_period(bob_client: Client) -> None:
    target = fifteenth_plan()
    fourteenth = bob_client.get("/").context["page"]
    assert target.pk not in {item.target.pk for row in fourteenth.overview.rows for item in row.items}
    assert target.plan not in list(fourteenth.plans)
    fifteenth = bob_client.get("/", {"period": "15"}).context["page"]
    assert [item.target.pk for row in fifteenth.overview.rows for item in row.items] == [target.pk]
    assert list(fifteenth.plans) == [target.plan] and not fifteenth.empty_period
    city = bob_client.get("/cities/410100/").context["page"]
    assert target.pk not in {s.target.pk for s in city.statements} and target.plan not in city.plans
    city = bob_client.get("/cities/410100/", {"period": "15"}).context["page"]
    assert [s.target.pk for s in city.statements] == [target.pk] and city.plans == [target.plan]
    rows = bob_client.get("/indicators/rd_intensity/", {"period": "15"}).context["rows"]
    assert [row.item.target.pk for row in rows] == [target.pk]


def test_the_api_serves_one_period_too(bob_client: Client) -> None:
    """/api/v1/progress/ and /api/v1/overview/ follow ?period= as the pages do (default: the latest period with
    actuals), so a 15th-period plan never mixes into the 14th period's figures."""
    target = fifteenth_plan()
    progress = bob_client.get("/api/v1/progress/", {"region": "410000", "page_size": "1000"}).json()
    ids = {row["target"] for row in progress["results"]}
    assert ids and target.pk not in ids
    assert set(Target.objects.filter(pk__in=ids).values_list("plan__period__code", flat=True)) == {"14"}
    fifteenth = bob_client.get("/api/v1/progress/", {"region": "410000", "period": "15"}).json()
    assert [row["target"] for row in fifteenth["results"]] == [target.pk]
    cells = bob_client.get("/api/v1/overview/", {"region": "410000", "period": "15"}).json()["cells"]
    assert [cell["targets"] for cell in cells] == [[target.pk]]
    default = bob_client.get("/api/v1/overview/", {"region": "410000"}).json()["cells"]
    assert target.pk not in {pk for cell in default for pk in cell["targets"]}
    bad = bob_client.get("/api/v1/overview/", {"region": "410000", "period": "99"})
    assert bad.status_code == 400 and "period" in bad.json()


def test_the_province_report_covers_one_period(bob_client: Client) -> None:
    target = fifteenth_plan()
    fourteenth = "\n".join(p.text for p in Document(io.BytesIO(bob_client.get("/report.docx").content)).paragraphs)
    assert target.plan.title not in fourteenth and "郑州市“十四五”科技创新发展规划" in fourteenth
    response = bob_client.get("/report.docx", {"period": "15"})
    fifteenth = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert target.plan.title in fifteenth and "郑州市“十四五”科技创新发展规划" not in fifteenth


def test_the_fifteenth_period_shows_each_regions_empty_slot(bob_client: Client) -> None:
    response = bob_client.get("/", {"period": "15"})
    page = response.context["page"]
    assert page.empty_period
    henan = Region.objects.get(adcode="410000")
    assert [slot.region.adcode for slot in page.slots] == [
        henan.adcode,
        *henan.children.order_by("adcode").values_list("adcode", flat=True),
    ]
    assert not any(slot.plans for slot in page.slots)  # nothing invented
    html = response.content.decode()
    assert html.count("尚无十五五规划") == len(page.slots) + 1  # each region, and the empty plans table
    assert 'data-figure="figure-counts"' not in html  # no empty chart
    city = bob_client.get("/cities/410100/", {"period": "15"}).content.decode()
    assert 'data-no-plan="15"' in city and "尚无十五五规划" in city and 'class="card"' not in city


# ----------------------------------------------------------------------------------- one axis, two periods


def _period_marks(figure: dict[str, Any]) -> tuple[list[float], list[str], list[str]]:
    layout = figure["layout"]
    names = [shape["name"] for shape in layout["shapes"]]
    return layout["xaxis"]["range"], names, [a["text"] for a in layout["annotations"]]


def test_the_city_card_draws_both_periods_on_one_axis(bob_client: Client) -> None:
    set_actuals("410100", "rd_intensity", {2020: "2.31", 2023: "2.8", 2025: "3.01", 2026: "3.07"})
    fifteenth_plan(target="3.55")
    # 2026 holds an actual: 十五五 by default
    html = bob_client.get("/cities/410100/", {"period": "14"}).content.decode()
    figure = figures(html)["figure-rd_intensity"]
    go.Figure(figure)  # plotly's schema holds
    axis, shapes, names = _period_marks(figure)
    assert axis == [2019.5, 2030.5]
    assert "period-14" in shapes and "boundary-15" in shapes  # the page's period shaded, the boundary drawn
    boundary = next(s for s in figure["layout"]["shapes"] if s["name"] == "boundary-15")
    assert boundary["x0"] == boundary["x1"] == 2025.5
    assert names == ["十四五", "十五五"]
    actual = next(trace for trace in figure["data"] if trace["name"] == "实际值")
    assert dict(zip(actual["x"], actual["y"], strict=True)) == {2020: 2.31, 2023: 2.8, 2025: 3.01, 2026: 3.07}
    later = next(trace for trace in figure["data"] if trace["name"] == "目标（十五五）")
    assert (later["x"], later["y"]) == ([2030], [3.55])  # in its own part of the axis, as stated
    # Under 十五五 the same axis, the 15th shaded, and the 14th-period targets drawn in their part.
    html = bob_client.get("/cities/410100/", {"period": "15"}).content.decode()
    figure = figures(html)["figure-rd_intensity"]
    axis, shapes, _names = _period_marks(figure)
    assert axis == [2019.5, 2030.5] and "period-15" in shapes and "period-14" not in shapes
    earlier = next(trace for trace in figure["data"] if trace["name"] == "目标（十四五）")
    assert set(earlier["x"]) == {2025}


def test_the_indicator_page_draws_both_periods_on_one_axis(bob_client: Client) -> None:
    set_actuals("410100", "rd_intensity", {2020: "2.31", 2024: "2.9", 2026: "3.07"})
    fifteenth_plan(target="3.55")
    html = bob_client.get("/indicators/rd_intensity/", {"period": "14"}).content.decode()
    figure = figures(html)["figure-actuals"]
    go.Figure(figure)
    axis, shapes, names = _period_marks(figure)
    assert axis == [2019.5, 2030.5] and "boundary-15" in shapes and names == ["十四五", "十五五"]
    zhengzhou = next(trace for trace in figure["data"] if trace["name"] == "郑州市")
    assert dict(zip(zhengzhou["x"], zhengzhou["y"], strict=True)) == {2020: 2.31, 2024: 2.9, 2026: 3.07}
    later = next(trace for trace in figure["data"] if trace["name"] == "目标（十五五）")
    assert (later["x"], later["y"]) == ([2030], [3.55])
    stars = next(trace for trace in figure["data"] if trace["name"] == "目标")
    assert set(stars["x"]) == {2025}  # the 14th period's own targets where they belong


# ---------------------------------------------------------------------------- the baseline and its actual


def test_a_baseline_equal_to_the_final_actual_is_linked_without_warning(bob_client: Client) -> None:
    target = fifteenth_plan(baseline="3.0")
    set_actuals("410100", "rd_intensity", {2025: "3.004"})  # within the tolerance (1 %)
    found = baseline_actuals([target])[target.pk]
    assert found.value == Decimal("3.004") and found.year == 2025 and not found.mismatch
    html = bob_client.get(f"/plans/{target.plan.pk}/").content.decode()
    assert 'data-baseline-actual="3.004"' in html and "上期末实际值" in html and "测试来源" in html
    assert "data-baseline-mismatch" not in html
    data = bob_client.get(f"/api/v1/targets/{target.pk}/").json()
    assert data["period"] == "15" and data["baseline_mismatch"] is False
    assert data["baseline_actual"]["value"] == 3.004 and data["baseline_actual"]["year"] == 2025


def test_a_baseline_other_than_the_final_actual_is_warned_of(bob_client: Client) -> None:
    target = fifteenth_plan(baseline="3.0")
    set_actuals("410100", "rd_intensity", {2025: "3.2"})
    plan_html = bob_client.get(f"/plans/{target.plan.pk}/").content.decode()
    assert "data-baseline-mismatch" in plan_html and 'data-baseline-mismatches="1"' in plan_html
    city_html = bob_client.get("/cities/410100/", {"period": "15"}).content.decode()
    assert 'data-baseline-actual="3.2" data-baseline-mismatch' in city_html
    data = bob_client.get("/api/v1/targets/", {"plan": target.plan.pk}).json()["results"]
    assert [(row["id"], row["baseline_mismatch"]) for row in data] == [(target.pk, True)]
    assert data[0]["baseline_actual"]["difference"] == pytest.approx((3.0 - 3.2) / 3.2)


def test_the_baseline_is_compared_in_the_indicators_unit(bob_client: Client) -> None:
    target = fifteenth_plan(code="rd_expenditure", baseline="3000000", unit="万元", target="400")  # 300 亿元
    set_actuals("410100", "rd_expenditure", {2025: "300"})
    found = baseline_actuals([target])[target.pk]
    assert found.difference == 0 and not found.mismatch


def test_a_demo_value_is_shown_as_demo_and_never_called_a_mismatch(bob_client: Client) -> None:
    target = fifteenth_plan(baseline="3.0")
    set_actuals("410100", "rd_intensity", {2025: "2.5"}, origin=Observation.Origin.DEMO)
    found = baseline_actuals([target])[target.pk]
    assert found.is_demo and not found.mismatch
    html = bob_client.get(f"/plans/{target.plan.pk}/").content.decode()
    assert 'data-baseline-actual="2.5"' in html and "演示数据" in html and "data-baseline-mismatch" not in html


def test_no_actual_no_link_and_the_api_says_null(bob_client: Client) -> None:
    target = fifteenth_plan()
    data = bob_client.get(f"/api/v1/targets/{target.pk}/").json()
    assert data["baseline_actual"] is None and data["baseline_mismatch"] is None
    other = fifteenth_plan("410700", baseline_year=2024)  # not the period's baseline year: not linked
    set_actuals("410700", "rd_intensity", {2024: "9"})
    assert baseline_actuals([other]) == {}


def test_the_fourteenth_periods_baselines_link_to_the_2020_actuals(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    target = plan.targets.get(key="table-01-rd-intensity")
    set_actuals("410100", "rd_intensity", {2020: str(target.baseline_value)})
    found = baseline_actuals(list(plan.targets.select_related("plan__period")))
    assert found[target.pk].value == target.baseline_value and not found[target.pk].mismatch


# -------------------------------------------------------------------------------------- early warnings


def test_the_overviews_early_warnings_are_the_evaluations(bob_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    zhengzhou = Plan.objects.get(slug="zhengzhou")
    lagging = zhengzhou.targets.get(key="table-01-rd-intensity")
    Target.objects.filter(plan__period__code="14").update(attribute=v.BINDING)
    set_actuals("410100", "rd_intensity", {2020: "2.31", 2023: "2.0"})  # moving away from the target
    set_actuals("410100", "tech_contract_turnover", {2020: "212.8", 2023: "200"})
    set_actuals("411100", "rd_intensity", {2020: "1.0", 2023: "0.9"})
    set_actuals("410000", "rd_intensity", {2020: "1.64", 2023: "1.86"})
    page = bob_client.get("/", {"year": "2023"}).context["page"]
    warned = [item.target.pk for item in page.warnings]
    plans = Plan.objects.filter(period__code="14").order_by("region__adcode", "pk")
    expected = [row.target.pk for plan in plans for row in plan_evaluation(plan, 2023).early_warnings]
    assert warned == expected and lagging.pk in warned and len(warned) >= 2
    html = bob_client.get("/", {"year": "2023"}).content.decode()
    assert f'data-warning-target="{lagging.pk}"' in html
    assert f"/plans/{zhengzhou.pk}/evaluation/?year=2023#target-{lagging.pk}" in html
    # The first N, then a link to all of them.
    monkeypatch.setattr(pages, "WARNINGS_SHOWN", 1)
    html = bob_client.get("/", {"year": "2023", "period": "14"}).content.decode()
    assert html.count("data-warning-target=") == 1 and "data-all-warnings" in html
    html = bob_client.get("/", {"year": "2023", "period": "14", "warnings": "all"}).content.decode()
    assert html.count("data-warning-target=") == len(expected) and "data-all-warnings" not in html
    # Under 十五五 (no plan): none.
    assert bob_client.get("/", {"period": "15"}).context["page"].warnings == []


# ------------------------------------------------------------------------------ the index and a plan's pages


def test_the_city_index_lists_the_periods_plans(bob_client: Client) -> None:
    target = fifteenth_plan()
    fourteenth = bob_client.get("/cities/").context["index"]
    plans = [plan for group in fourteenth.groups for row in group.rows for plan in row.plans]
    assert target.plan not in plans and len(plans) == Plan.objects.filter(period__code="14").count()
    fifteenth = bob_client.get("/cities/", {"period": "15"})
    rows = [row for group in fifteenth.context["index"].groups for row in group.rows]
    assert [(row.region.adcode, row.plans, row.total) for row in rows] == [("410100", [target.plan], 1)]
    assert 'href="/cities/410100/?period=15"' in fifteenth.content.decode()


def test_a_plans_pages_switch_to_the_regions_plan_of_the_other_period(bob_client: Client) -> None:
    zhengzhou, xinxiang = Plan.objects.get(slug="zhengzhou"), Plan.objects.get(slug="xinxiang")
    target = fifteenth_plan()
    html = bob_client.get(f"/plans/{zhengzhou.pk}/evaluation/", {"year": "2024"}).content.decode()
    assert f'href="/plans/{target.plan.pk}/evaluation/" data-period="15"' in html
    assert 'aria-current="page" data-period="14"' in html
    html = bob_client.get(f"/plans/{xinxiang.pk}/").content.decode()
    assert 'href="/cities/410700/?period=15" data-period="15"' in html  # no 15th plan: its empty slot
