"""The dashboard pages: the province overview (/), the indicator page, the downloads of every chart's data, and
the figures themselves (valid plotly.js, the numbers of the evaluation)."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cities.models import Region
from dashboard import charts
from indicators.models import Indicator
from indicators.services import observation_set
from plans import progress as pr
from plans import vocabulary as v
from plans.models import Plan, Target
from plans.selectors import evaluate_targets, target_spec, targets_for

pytestmark = pytest.mark.django_db

CITIES = ["410100", "410200", "410700", "411100", "411300"]


def figures(html: str) -> dict[str, dict[str, Any]]:
    found = re.findall(r'<script id="(figure-[\w-]+)" type="application/json">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


def csv_rows(response: Any) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM: Chinese Excel reads UTF-8 right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def set_actuals(adcode: str, code: str, values: dict[int, str]) -> None:
    region, indicator = Region.objects.get(adcode=adcode), Indicator.objects.get(code=code)
    for year, value in values.items():
        observation_set(region=region, indicator=indicator, year=year, value=Decimal(value))


# ------------------------------------------------------------------------------------------------- overview


def test_the_overview_has_a_row_per_city_and_columns_by_theme_main_indicators_first(bob_client: Client) -> None:
    response = bob_client.get("/")
    view = response.context["overview"]
    assert view.region.adcode == "410000"  # bob works for the province
    assert [row.region.adcode for row in view.rows] == CITIES
    # By theme (投入, 主体, 平台, 成果, 人才, 环境), the indicators of the plans' tables first in each, then shared.
    assert view.main == set(Target.objects.filter(section="table").values_list("indicator_id", flat=True))
    rank = {theme: n for n, theme in enumerate((*v.THEMES, ""))}
    keys = [(rank[ind.theme], ind.pk not in view.main, -view.shared[ind.pk]) for ind in view.indicators]
    assert keys == sorted(keys)
    assert all(ind.theme for ind in view.indicators)  # every indicator of the catalogue has its theme
    # Every target is counted once, in its region's row.
    assert view.total == Target.objects.count() == sum(sum(row.counts.values()) for row in view.rows)
    for row in view.rows:
        in_cells = sum(len(cell.items) for cell in row.cells if cell is not None)
        assert in_cells == row.total == Target.objects.filter(plan__region=row.region).count()


def test_an_overview_cell_names_its_status_and_links_the_chart(bob_client: Client) -> None:
    # Zhengzhou's R&D intensity: 2.31 (2020) → 3.0 % (2025); 2.8 in 2023 is ahead of the plan's path.
    set_actuals("410100", "rd_intensity", {2020: "2.31", 2023: "2.8"})
    target = Plan.objects.get(slug="zhengzhou").targets.get(key="table-01-rd-intensity")
    html = bob_client.get("/?year=2023").content.decode()
    cell = re.search(rf'<td class="cell pace-(\w+)"[^>]*><a href="/cities/410100/#target-{target.pk}">([^<]+)<', html)
    assert cell is not None
    assert cell.group(1) == pr.PACE_AHEAD and cell.group(2).strip() == "快于预期"  # the word, not colour alone
    # The same cell as of 2021 (no actual since the baseline yet): no data.
    html = bob_client.get("/?year=2021").content.decode()
    assert re.search(rf'<td class="cell pace-no_data"[^>]*><a href="/cities/410100/#target-{target.pk}">', html)


def test_the_overview_reads_at_an_as_of_year_and_filters(bob_client: Client) -> None:
    response = bob_client.get("/?section=table&kind=level&year=2022")
    view = response.context["overview"]
    assert view.year == 2022
    expected = Target.objects.filter(section="table", kind="level").count()
    assert view.total == expected > 0
    assert all(item.target.section == "table" and item.target.kind == "level" for r in view.rows for item in r.items)
    assert all(item.progress.year is None or item.progress.year <= 2022 for r in view.rows for item in r.items)


def test_the_overview_defaults_to_the_latest_actual_within_the_plans_years(bob_client: Client) -> None:
    """plans.selectors.default_as_of, as the evaluation page: the plans' span is 2020–2025."""
    assert bob_client.get("/").context["overview"].year == 2025  # no actual at all: the last plan year
    set_actuals("410100", "rd_intensity", {2019: "2.1"})
    assert bob_client.get("/").context["overview"].year == 2025  # before the baseline year: not a plan year
    set_actuals("410200", "rd_intensity", {2023: "1.9"})
    response = bob_client.get("/")
    assert response.context["overview"].year == 2023
    assert response.context["years"] == range(2020, 2026)


def test_the_counts_chart_has_a_bar_per_region_and_a_trace_per_status(bob_client: Client) -> None:
    call_command("load_demo_actuals", verbosity=0, stdout=io.StringIO())
    response = bob_client.get("/")
    view = response.context["overview"]
    figure = figures(response.content.decode())["figure-counts"]
    go.Figure(figure)  # valid against plotly's schema
    present = [status for status, n in view.totals.items() if n]
    assert len(figure["data"]) == len(present)
    by_name = {trace["name"]: trace for trace in figure["data"]}
    early = by_name["提前实现"]  # as of 2024, a target met is met early: one status, one trace
    assert early["y"] == [row.region.name for row in view.rows]
    assert early["x"] == [row.counts[v.ACHIEVED_EARLY] for row in view.rows]
    assert "已实现" not in by_name
    # The legend above the matrix names every status a cell can show, in the legend's order.
    legend = re.findall(
        r'<li>(?:<a class="status-link"[^>]*>)?<span class="badge pace-([a-z_]+)">', response.content.decode()
    )
    assert legend == list(v.STATUSES)


@pytest.mark.parametrize(
    ("query", "status"),
    [("year=20x5", 400), ("year=3000", 400), ("section=preface", 400), ("kind=wish", 400), ("region=999999", 404)],
)
def test_the_overview_refuses_bad_parameters(bob_client: Client, query: str, status: int) -> None:
    assert bob_client.get(f"/?{query}").status_code == status


def test_a_bad_parameter_is_explained(bob_client: Client) -> None:
    response = bob_client.get("/indicators/rd_intensity/?year=20x5")
    assert response.status_code == 400
    assert "年份须为2020至2025之间的数字（规划的年份），而不是“20x5”。" in response.content.decode()
    english = bob_client.get("/?kind=wish", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and "wish" in english.content.decode()


def test_a_city_official_sees_their_province(charlie_client: Client, client: Client) -> None:
    assert charlie_client.get("/").context["overview"].region.adcode == "410000"
    assert client.get("/").status_code == 302
    assert client.get("/overview.csv").status_code == 302


def add_city(number: int, targets: int) -> None:
    """A made-up city under Henan with a plan of `targets` level targets and two years of actuals each."""
    province = Region.objects.get(adcode="410000")
    city = Region.objects.create(adcode=f"4199{number:02d}", name_zh=f"测试市{number}", name_en=f"Test {number}",
                                 level="city", parent=province)  # fmt: skip
    plan = Plan.objects.create(slug=f"test-{number}", region=city, title=f"测试规划{number}", period_start=2021,
                               period_end=2025, source_text="测试")  # fmt: skip
    for position, indicator in enumerate(Indicator.objects.order_by("code")[:targets]):
        Target.objects.create(plan=plan, key=f"t{position}", position=position, indicator=indicator, label="测试",
                              kind="level", comparator=">=", baseline_year=2020, baseline_value=1, target_year=2025,
                              target_value=2, section="table", quote="测试", quote_line=1)  # fmt: skip
        for year, value in ((2020, "1"), (2023, "1.5")):
            observation_set(region=city, indicator=indicator, year=year, value=Decimal(value))


def test_the_overview_makes_the_same_number_of_queries_whatever_the_size(bob_client: Client) -> None:
    bob_client.get("/")  # warm the session
    cache.clear()  # the page computed, not served from the cache (add_city's writes invalidate it)
    with CaptureQueriesContext(connection) as before:
        assert bob_client.get("/").status_code == 200
    add_city(1, 30)
    add_city(2, 45)
    with CaptureQueriesContext(connection) as after:
        response = bob_client.get("/")
    assert len(response.context["overview"].rows) == 7
    # 21: one of them the targets of the user's home region, for their to-do list (plans.completeness), one the
    # main indicators (the plans' indicator tables) that the matrix shows first, one the reviewers' verdicts, one
    # the targets' revisions (plans.TargetRevision); two the plan periods (the default period, the period switch's
    # links).
    assert len(after) == len(before) <= 21


# ------------------------------------------------------------------------------------------- indicator page


def test_the_indicator_page_sets_every_region_side_by_side(bob_client: Client) -> None:
    set_actuals("410100", "rd_intensity", {2020: "2.31", 2023: "2.8"})
    set_actuals("410200", "rd_intensity", {2020: "1.5", 2022: "1.6"})
    response = bob_client.get("/indicators/rd_intensity/")
    rows = response.context["rows"]
    targets = Target.objects.filter(indicator__code="rd_intensity")
    assert sorted(row.item.target.pk for row in rows) == sorted(targets.values_list("pk", flat=True))
    html = response.content.decode()
    found = figures(html)
    progress, lines = found["figure-progress"], found["figure-actuals"]
    go.Figure(progress)
    go.Figure(lines)
    # Bars: one per target with a completion, largest on top (the last category is drawn at the top).
    order = progress["layout"]["yaxis"]["categoryarray"]
    share = {row.label: row.completion for row in rows if row.completion is not None}
    assert set(order) == set(share)
    assert sum(label.startswith("郑州市") for label in order) == 2  # both of Zhengzhou's targets, told apart
    assert [share[label] for label in order] == sorted(share.values())
    zhengzhou = next(row for row in rows if row.item.target.key == "table-01-rd-intensity")
    assert zhengzhou.completion == pytest.approx((2.8 - 2.31) / (3.0 - 2.31))
    # Lines: one per region with actuals, plus the stars of the targets' levels.
    names = [trace["name"] for trace in lines["data"]]
    assert names[:2] == ["郑州市", "开封市"] and names[-1] == "目标"
    assert lines["data"][0]["x"] == [2020, 2023] and lines["data"][0]["y"] == [2.31, 2.8]


def test_the_indicator_page_limits_to_a_region_and_an_as_of_year(bob_client: Client) -> None:
    set_actuals("410100", "rd_intensity", {2020: "2.31", 2022: "2.5", 2023: "2.8"})
    rows = bob_client.get("/indicators/rd_intensity/?region=410100&year=2022").context["rows"]
    assert {row.item.target.plan.region.adcode for row in rows} == {"410100"}
    assert {row.item.progress.year for row in rows} == {2022}
    assert bob_client.get("/indicators/no_such_indicator/").status_code == 404
    assert bob_client.get("/indicators/rd_intensity/?region=999999").status_code == 404
    assert bob_client.get("/indicators/rd_intensity/?chart=pie").status_code == 400


def test_the_indicator_page_makes_the_same_number_of_queries_whatever_the_size(bob_client: Client) -> None:
    code = Indicator.objects.order_by("code").first().code  # type: ignore[union-attr]
    bob_client.get(f"/indicators/{code}/")
    cache.clear()  # the page computed, not served from the cache (add_city's writes invalidate it)
    with CaptureQueriesContext(connection) as before:
        bob_client.get(f"/indicators/{code}/")
    add_city(1, 3)
    add_city(2, 3)
    with CaptureQueriesContext(connection) as after:
        response = bob_client.get(f"/indicators/{code}/")
    assert len(response.context["rows"]) >= 2
    # … the default period (instead of the plans' span: ?year= must be in the period's years), the period
    # switch's periods and the periods drawn on the lines' axis, and the revisions
    assert len(after) == len(before) <= 15


# ------------------------------------------------------------------------------------------------ downloads


def test_every_download_holds_the_rows_the_page_shows(bob_client: Client) -> None:
    call_command("load_demo_actuals", verbosity=0, stdout=io.StringIO())
    page = bob_client.get("/indicators/hightech_firms/")
    rows = page.context["rows"]
    table = csv_rows(bob_client.get("/indicators/hightech_firms/data.csv"))
    assert len(table) == 1 + len(rows)
    assert [line[0] for line in table[1:]] == [row.item.target.plan.region.name for row in rows]
    assert "演示数据" in table[1][-1]  # the demo label
    workbook = xlsx_rows(bob_client.get("/indicators/hightech_firms/data.xlsx"))
    assert len(workbook) == len(table) and workbook[0] == table[0]
    assert workbook[1][8] == pytest.approx(rows[0].completion)  # numbers stay numbers

    actuals = csv_rows(bob_client.get("/indicators/hightech_firms/data.csv?chart=actuals"))
    lines = figures(page.content.decode())["figure-actuals"]["data"]
    assert len(actuals) - 1 == sum(len(trace["x"]) for trace in lines if trace["name"] != "目标")
    assert all("演示数据" in line[-1] for line in actuals[1:])
    # A real value replaces a demo one: its row loses the label, the others keep it.
    set_actuals("410100", "hightech_firms", {2022: "4200"})
    actuals = csv_rows(bob_client.get("/indicators/hightech_firms/data.csv?chart=actuals"))
    labels = {(line[1], line[4]): line[-1] for line in actuals[1:]}
    assert labels["410100", "2022"] == "" and "演示数据" in labels["410100", "2021"]

    overview = bob_client.get("/")
    assert len(csv_rows(bob_client.get("/overview.csv"))) == 1 + overview.context["overview"].total

    city = bob_client.get("/cities/411100/")
    statements = city.context["page"].statements
    statement = statements[0]
    target = statement.target
    one = csv_rows(bob_client.get(f"/cities/411100/data.csv?target={target.pk}"))
    assert len(one) == 1 + len(statement.frame) and {line[2] for line in one[1:]} == {target.label}
    every = csv_rows(bob_client.get("/cities/411100/data.csv"))
    assert len(every) == 1 + sum(len(s.frame) for s in statements)  # every statement of every card


def test_downloads_never_carry_a_formula(bob_client: Client) -> None:
    target = Plan.objects.get(slug="luohe").targets.order_by("position").first()
    assert target is not None
    Target.objects.filter(pk=target.pk).update(label='=HYPERLINK("http://evil.example","x")')
    code = target.indicator.code
    line = next(r for r in csv_rows(bob_client.get(f"/indicators/{code}/data.csv")) if "HYPERLINK" in r[2])
    assert line[2].startswith("'=")
    cells = [c for row in xlsx_rows(bob_client.get(f"/indicators/{code}/data.xlsx")) for c in row]
    assert "'" + '=HYPERLINK("http://evil.example","x")' in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)


def test_a_chart_download_of_another_region_s_target_is_not_found(bob_client: Client) -> None:
    other = Plan.objects.get(slug="kaifeng").targets.first()
    assert other is not None
    assert bob_client.get(f"/cities/411100/data.csv?target={other.pk}").status_code == 404
    assert bob_client.get("/cities/411100/data.csv?target=abc").status_code == 404


# --------------------------------------------------------------------------------------------- the figures


def test_every_figure_of_every_page_is_valid_plotly(bob_client: Client) -> None:
    """plotly.graph_objects checks every property against plotly.js's schema (the pages build plain dicts)."""
    call_command("load_demo_actuals", verbosity=0, stdout=io.StringIO())
    pages = ["/", *(f"/cities/{adcode}/" for adcode in CITIES)]
    pages += [f"/indicators/{code}/" for code in Target.objects.values_list("indicator__code", flat=True).distinct()]
    count = 0
    for url in pages:
        for figure in figures(bob_client.get(url).content.decode()).values():
            go.Figure(figure)
            assert figure["layout"]["title"]["text"]  # every chart has a title …
            axis = figure["layout"].get("xaxis", {}).get("title", {}).get("text")
            assert axis  # … and a titled axis
            count += 1
    assert count > Target.objects.count()


def test_the_progress_figure_sorts_and_colours_by_status() -> None:
    frame = pd.DataFrame(
        {
            "label": ["a", "b", "c", "d"],
            "status": [pr.PACE_LAGGING, pr.PACE_ACHIEVED, pr.PACE_LAGGING, pr.PACE_NO_DATA],
            "status_label": ["滞后", "已实现", "滞后", "暂无数据"],
            "completion": [0.4, 1.2, 0.1, float("nan")],
        }
    )
    figure = charts.progress_figure(frame, title="t", axis="%", statuses={pr.PACE_LAGGING: "滞后"})
    assert figure["layout"]["yaxis"]["categoryarray"] == ["c", "a", "b"]  # the NaN row is left out
    lagging = next(t for t in figure["data"] if t["name"] == "滞后")
    assert lagging["y"] == ["c", "a"] and lagging["x"] == [10.0, 40.0]
    assert lagging["marker"]["color"] == charts.STATUS_COLOURS[pr.PACE_LAGGING]
    assert len(figure["data"]) == 2


def test_the_actuals_figure_drops_the_legend_for_many_regions() -> None:
    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame({"region": [f"r{i}" for i in range(n)], "year": [2020] * n, "value": [1.0] * n})

    empty = pd.DataFrame(columns=["region", "year", "value"])
    few = charts.actuals_figure(frame(3), empty, title="t", unit="u", year="y", target="T")
    many = charts.actuals_figure(frame(charts.LEGEND_LIMIT + 1), empty, title="t", unit="u", year="y", target="T")
    assert len(few["data"]) == 3 and all("showlegend" not in t for t in few["data"])
    assert len(many["data"]) == charts.LEGEND_LIMIT + 1 and all(t["showlegend"] is False for t in many["data"])


def test_records_turn_nan_into_none() -> None:
    frame = pd.DataFrame({"year": [2020, 2021], "actual": [1.5, float("nan")]})
    assert charts.records(frame) == [{"year": 2020, "actual": 1.5}, {"year": 2021, "actual": None}]


def test_a_city_figure_is_the_evaluation_s_numbers() -> None:
    set_actuals("410200", "hightech_firms", {2020: "126", 2022: "180", 2023: "200"})
    region = Region.objects.get(adcode="410200")
    items = [
        i
        for i in evaluate_targets(targets_for(region=region, below=False))
        if i.target.indicator.code == "hightech_firms"
    ]
    assert items
    for item in items:
        spec = target_spec(item.target)
        frame = charts.target_frame(spec, item.progress, item.actuals)
        assert frame["year"].is_monotonic_increasing and frame["year"].iloc[-1] >= spec.target_year
        if item.progress.projected_value is not None and item.progress.year is not None:
            projection = frame.set_index("year")["projection"]
            assert projection[spec.target_year] == pytest.approx(item.progress.projected_value)
