"""The city page: a summary, then one card per indicator holding every statement of it, each card with one chart
(drawn by static/js/charts.js from json_script data) or, with nothing to draw, a clear empty state."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from cities.models import Region
from indicators.models import Indicator
from indicators.services import observation_set
from plans import vocabulary as v
from plans.models import Plan, Target

pytestmark = pytest.mark.django_db


def figures(html: str) -> dict[str, dict[str, Any]]:
    found = re.findall(r'<script id="(figure-[\w-]+)" type="application/json">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


def card_html(html: str, code: str) -> str:
    """The card of one indicator: from its article to the next one."""
    start = html.index(f'<article class="card" id="indicator-{code}">')
    end = html.find('<article class="card"', start + 1)
    return html[start : end if end != -1 else len(html)]


def put(adcode: str, code: str, values: dict[int, str]) -> None:
    region, indicator = Region.objects.get(adcode=adcode), Indicator.objects.get(code=code)
    for year, value in values.items():
        observation_set(region=region, indicator=indicator, year=year, value=Decimal(value))


def test_it_shows_one_card_per_indicator_holding_each_target_once(bob_client: Client) -> None:
    for plan in Plan.objects.select_related("region"):
        html = bob_client.get(f"/cities/{plan.region.adcode}/").content.decode()
        indicators = set(plan.targets.values_list("indicator__code", flat=True))
        assert html.count('<article class="card"') == len(indicators)
        for target in plan.targets.select_related("indicator"):
            # Each target is one statement, once on the page, inside its indicator's card, with its sentence.
            assert html.count(f'<li class="statement" id="target-{target.pk}">') == 1, target.key
            card = card_html(html, target.indicator.code)
            assert f'id="target-{target.pk}"' in card
            assert escape(target.quote) in card
        assert plan.title in html
    assert 'src="/static/vendor/plotly/plotly-basic-3.1.1.min.js"' in html
    assert "<script>" not in html  # no inline script: the strict Content-Security-Policy holds


def test_xinxiang_holds_its_74_targets_in_51_cards(bob_client: Client) -> None:
    html = bob_client.get("/cities/410700/").content.decode()
    assert html.count('<li class="statement"') == 74
    assert html.count('<article class="card"') == 51
    high_tech = card_html(html, "hightech_firms")
    assert high_tech.count('<li class="statement"') == 5  # the table's 800, 翻番 and 新培育400 in goals and body


def test_a_card_without_any_actual_shows_the_empty_state_instead_of_a_chart(bob_client: Client) -> None:
    html = bob_client.get("/cities/410700/").content.decode()
    card = card_html(html, "hightech_firms")
    assert "data-figure=" not in card and "application/json" not in card
    assert 'class="empty-state"' in card and "暂无实际值" in card
    assert figures(html) == {}  # the test database holds no actual: no empty chart anywhere
    put("410700", "hightech_firms", {2020: "402", 2023: "602"})
    card = card_html(bob_client.get("/cities/410700/").content.decode(), "hightech_firms")
    assert 'data-figure="figure-hightech_firms"' in card and 'class="empty-state"' not in card


def test_the_chart_title_is_whole_and_the_axis_unit_right(bob_client: Client) -> None:
    put("410700", "hightech_firms", {2020: "402", 2023: "602"})
    put("410700", "rd_expenditure", {2020: "30", 2022: "40", 2023: "45.5"})
    found = figures(bob_client.get("/cities/410700/").content.decode())
    for figure in found.values():
        go.Figure(figure)  # valid against plotly's schema
    title = found["figure-hightech_firms"]["layout"]["title"]["text"]
    assert title.replace("<br>", "") == "高新技术企业数量（家）· 新乡市"
    growth = found["figure-rd_expenditure"]
    rd = Indicator.objects.get(code="rd_expenditure")
    assert rd.unit == "亿元" and "亿元" not in json.dumps(growth["layout"], ensure_ascii=False)
    assert growth["layout"]["yaxis"]["ticksuffix"] == "%" and "%" in growth["layout"]["yaxis"]["title"]["text"]
    assert f"{rd.name_zh}（%）" in growth["layout"]["title"]["text"]
    # The growth since 2020, in percent, each year; the stated 20 % as the target.
    actual = next(t for t in growth["data"] if t["name"] == "实际值")
    assert actual["x"] == [2022, 2023]
    assert actual["y"] == [
        pytest.approx(((40 / 30) ** 0.5 - 1) * 100),
        pytest.approx(((45.5 / 30) ** (1 / 3) - 1) * 100),
    ]
    star = next(t for t in growth["data"] if t.get("marker", {}).get("symbol") == "star")
    assert star["y"] == [20.0]


def test_a_counting_indicator_gets_whole_ticks(bob_client: Client) -> None:
    put("410700", "hightech_firms", {2020: "402", 2023: "602"})
    put("410700", "national_key_labs", {2020: "0", 2022: "1"})
    found = figures(bob_client.get("/cities/410700/").content.decode())
    for code, step in (("hightech_firms", 200), ("national_key_labs", 1)):
        go.Figure(found[f"figure-{code}"])
        yaxis = found[f"figure-{code}"]["layout"]["yaxis"]
        assert yaxis["tickformat"] == "d" and yaxis["dtick"] == step and isinstance(yaxis["dtick"], int), code
    put("410700", "hightech_industry_share", {2020: "52.4", 2022: "55.1"})  # a share: plotly's own ticks
    share = figures(bob_client.get("/cities/410700/").content.decode())["figure-hightech_industry_share"]
    assert "dtick" not in share["layout"]["yaxis"] and "tickformat" not in share["layout"]["yaxis"]


def test_values_show_exactly_as_stored_in_the_table_and_the_hover(bob_client: Client) -> None:
    put("410700", "tech_contract_turnover", {2020: "27.8", 2023: "1367.42"})
    html = bob_client.get("/cities/410700/").content.decode()
    card = card_html(html, "tech_contract_turnover")
    assert '<td class="num">1367.42</td>' in card and "1367<" not in card
    actual = next(t for t in figures(html)["figure-tech_contract_turnover"]["data"] if t["name"] == "实际值")
    assert actual["y"] == [27.8, 1367.42]
    assert actual["customdata"][1].startswith("2023: 1367.42 亿元")
    assert "%{customdata}" in actual["hovertemplate"]  # plotly's own number format would round it


def test_the_summary_counts_statuses_and_attributes_and_lists_what_needs_attention(bob_client: Client) -> None:
    put("410100", "rd_intensity", {2020: "2.31", 2023: "2.35"})  # barely moved: lagging far behind
    response = bob_client.get("/cities/410100/")
    html, page = response.content.decode(), response.context["page"]
    targets = Target.objects.filter(plan__region__adcode="410100")
    summary = page.summary
    assert summary.total == targets.count() == sum(count for _status, _word, count in summary.counts)
    attributes = {code: count for code, _word, count in summary.attributes}
    assert attributes[v.BINDING] == targets.filter(attribute=v.BINDING).count()
    assert attributes[v.ANTICIPATORY] == targets.filter(attribute=v.ANTICIPATORY).count()
    assert summary.attention and all(s.status in v.NEEDS_EXPLANATION for s in summary.attention)
    lagging = {s.target.pk for s in page.statements if s.status in v.NEEDS_EXPLANATION}
    assert {s.target.pk for s in summary.attention} == lagging
    section = html[html.index('class="city-summary"') : html.index('<div class="cards">')]
    for statement in summary.attention:
        assert f'href="#target-{statement.target.pk}"' in section  # each links to its statement in its card
    assert html.index('class="city-summary"') < html.index('<article class="card"')


def test_it_charts_the_actuals_the_plan_path_and_the_target(bob_client: Client) -> None:
    put("410100", "rd_intensity", {2020: "2.31", 2022: "2.5", 2023: "2.7"})
    # The card charts its first quantified statement: the table's row.
    page = bob_client.get("/cities/410100/").context["page"]
    card = next(card for card in page.cards if card.indicator.code == "rd_intensity")
    assert card.primary.target.key == "table-01-rd-intensity"
    figure = figures(bob_client.get("/cities/410100/").content.decode())["figure-rd_intensity"]
    actual = next(t for t in figure["data"] if t.get("line", {}).get("width") == 3)
    assert actual["x"] == [2020, 2022, 2023] and actual["y"] == [2.31, 2.5, 2.7]
    plan_path = next(t for t in figure["data"] if t.get("line", {}).get("dash") == "dash")
    assert plan_path["x"][0] == 2020 and plan_path["y"][0] == pytest.approx(2.31)
    assert plan_path["x"][-1] == 2025 and plan_path["y"][-1] == pytest.approx(3.0)
    star = next(t for t in figure["data"] if t.get("marker", {}).get("symbol") == "star")
    assert star["x"] == [2025] and star["y"] == [pytest.approx(3.0)]
    projection = next(t for t in figure["data"] if t.get("line", {}).get("dash") == "dot")
    growth = (2.7 / 2.31) ** (1 / 3)
    assert projection["y"][-1] == pytest.approx(2.7 * growth**2, abs=1e-9)


def test_its_query_count_does_not_grow_with_the_targets(bob_client: Client) -> None:
    bob_client.get("/cities/410700/")  # warm the session
    counts, cached = {}, {}
    for adcode in ("410100", "410700"):  # 27 and 74 targets
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert bob_client.get(f"/cities/{adcode}/").status_code == 200
        counts[adcode] = len(queries)
        with CaptureQueriesContext(connection) as queries:
            assert bob_client.get(f"/cities/{adcode}/").status_code == 200
        cached[adcode] = len(queries)
    # session, user, the user's groups/permissions for the header links (2), region, whether the user may write
    # the region for the explanation forms (membership, region: 2), whether they may review it for the verdict forms
    # (membership, region: 2), the data version, its plans, the targets, the targets' plans, their indicators, their
    # actuals, their verdicts, their revisions, their explanations, the verdict forms' default year, the regions with
    # a plan (previous / next), and where each value comes from (the values' changes with their imports and users, the
    # values with their writers: 2); the default period, the period switch's periods, the periods drawn on the
    # charts' axis, the stored actuals of the baseline year (上期末实际值)
    assert counts["410100"] == counts["410700"] <= 26
    # served from the cache: session, user, groups/permissions (2), region, may-write (2), may-review (2), the data
    # version, the default period (the cache key names the period shown); none of the page's own
    assert cached["410100"] == cached["410700"] <= 11


def test_it_filters_and_sorts(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="nanyang")
    html = bob_client.get("/cities/411300/?section=table&sort=status").content.decode()
    table = plan.targets.filter(section="table")
    assert html.count('<li class="statement"') == table.count()
    assert html.count('<article class="card"') == len(set(table.values_list("indicator", flat=True)))
    assert bob_client.get("/cities/411300/?section=preface").status_code == 400


def test_it_refuses_strangers_and_unknown_regions(client: Client, bob_client: Client) -> None:
    assert client.get("/cities/410100/").status_code == 302
    assert bob_client.get("/cities/999999/").status_code == 404
    assert bob_client.get("/cities/41010/").status_code == 404
