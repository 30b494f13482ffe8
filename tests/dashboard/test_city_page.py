"""The city page: one chart per target, drawn by static/js/charts.js from json_script data."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cities.models import Region
from indicators.models import Indicator
from indicators.services import observation_set
from plans.models import Plan

pytestmark = pytest.mark.django_db


def figures(html: str) -> dict[str, dict[str, Any]]:
    found = re.findall(r'<script id="(figure-\d+)" type="application/json">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


def test_it_draws_one_chart_per_target_of_each_city(bob_client: Client) -> None:
    for plan in Plan.objects.select_related("region"):
        html = bob_client.get(f"/cities/{plan.region.adcode}/").content.decode()
        assert len(figures(html)) == plan.targets.count() == html.count("data-figure=")
        assert plan.title in html
    assert 'src="/static/vendor/plotly/plotly-basic-3.1.1.min.js"' in html
    assert "<script>" not in html  # no inline script: the strict Content-Security-Policy holds


def test_it_charts_the_actuals_the_plan_path_and_the_target(bob_client: Client) -> None:
    zhengzhou = Region.objects.get(adcode="410100")
    rd = Indicator.objects.get(code="rd_intensity")
    for year, value in ((2020, "2.31"), (2022, "2.5"), (2023, "2.7")):
        observation_set(region=zhengzhou, indicator=rd, year=year, value=Decimal(value))
    target = Plan.objects.get(slug="zhengzhou").targets.get(key="table-01-rd-intensity")
    figure = figures(bob_client.get("/cities/410100/").content.decode())[f"figure-{target.pk}"]
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
    # actuals, their verdicts, their explanations, the verdict forms' default year, the regions with a plan
    # (previous / next)
    assert counts["410100"] == counts["410700"] <= 19
    # served from the cache: session, user, groups/permissions (2), region, may-write (2), may-review (2), the data
    # version; none of the page's own
    assert cached["410100"] == cached["410700"] <= 10


def test_it_filters_and_sorts(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="nanyang")
    html = bob_client.get("/cities/411300/?section=table&sort=status").content.decode()
    assert len(figures(html)) == plan.targets.filter(section="table").count()
    assert bob_client.get("/cities/411300/?section=preface").status_code == 400


def test_it_refuses_strangers_and_unknown_regions(client: Client, bob_client: Client) -> None:
    assert client.get("/cities/410100/").status_code == 302
    assert bob_client.get("/cities/999999/").status_code == 404
    assert bob_client.get("/cities/41010/").status_code == 404
