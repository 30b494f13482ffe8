"""Judgements explained on the pages: each statement of a city page card shows the number its kind is judged on and
the completion written out (also in the chart's hover and the evaluation table); where pace and trend disagree,
both; the indicator page draws the province's line the "above the average" targets are judged against."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import pytest
from django.test import Client
from django.utils.html import escape

from cities.models import Region
from indicators.models import Indicator
from indicators.services import observation_set
from plans.models import Plan
from tests.dashboard.test_city_page import card_html, figures
from tests.dashboard.test_overview import csv_rows

pytestmark = pytest.mark.django_db


def put(adcode: str, code: str, values: dict[int, str]) -> None:
    region, indicator = Region.objects.get(adcode=adcode), Indicator.objects.get(code=code)
    for year, value in values.items():
        observation_set(region=region, indicator=indicator, year=year, value=Decimal(value))


def statement_html(html: str, target_pk: int) -> str:
    start = html.index(f'<li class="statement" id="target-{target_pk}">')
    return html[start : html.index("</li>", start)]


def test_xinxiang_s_high_tech_card_shows_the_new_since_the_baseline(bob_client: Client) -> None:
    put("410700", "hightech_firms", {2020: "402", 2022: "521", 2024: "690"})
    plan = Plan.objects.get(slug="xinxiang")
    new = plan.targets.get(key="goals-new-hightech-firms")
    doubling = plan.targets.get(key="body-hightech-doubling")
    html = bob_client.get("/cities/410700/").content.decode()
    text = re.sub(r"<[^>]+>", " ", statement_html(html, new.pk))
    assert "基期值（2020年）" in text and "402 家" in text
    assert "最新值（2024年）" in text and "690 家" in text
    assert "基期以来新增" in text and "288 家" in text
    assert escape("(690 − 402) ÷ 400 = 72 %") in statement_html(html, new.pk)
    assert "1.716 倍" in statement_html(html, doubling.pk)
    # The chart's target star hovers with the completion of the card's charted statement (the table's 800).
    go.Figure(figures(html)["figure-hightech_firms"])
    star = next(t for t in figures(html)["figure-hightech_firms"]["data"] if t["name"] == "目标")
    assert star["customdata"] == ["2025: 800 家<br>完成程度: (690 − 402) ÷ (800 − 402) = 72.4 %"]
    # Pace and trend disagree on the 800: on schedule by the straight path, short of it at the current growth.
    table = plan.targets.get(key="table-06-hightech-firms")
    assert "按序时进度基本符合预期，按当前趋势难以实现" in statement_html(html, table.pk)


def test_the_evaluation_table_writes_the_completion_out(bob_client: Client) -> None:
    put("410700", "hightech_firms", {2020: "402", 2024: "690"})
    plan = Plan.objects.get(slug="xinxiang")
    new = plan.targets.get(key="goals-new-hightech-firms")
    html = bob_client.get(f"/plans/{plan.pk}/evaluation/", {"year": "2024"}).content.decode()
    row = html[html.index(f'<tr id="target-{new.pk}"') :]
    row = row[: row.index("</tr>")]
    assert escape("(690 − 402) ÷ 400 = 72 %") in row


def lines(html: str) -> list[dict[str, Any]]:
    found = re.search(r'<script id="figure-actuals" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    data: list[dict[str, Any]] = json.loads(found.group(1))["data"]
    return data


def test_the_indicator_page_draws_the_province_s_line_for_above_the_average_targets(bob_client: Client) -> None:
    # Luohe's R&D intensity is to pass the province's; Zhengzhou's is a level.
    put("411100", "rd_intensity", {2020: "1", 2023: "1.55"})
    put("410000", "rd_intensity", {2020: "1.64", 2023: "1.83"})
    html = bob_client.get("/indicators/rd_intensity/").content.decode()
    go.Figure({"data": lines(html)})  # valid against plotly's schema
    province = [t for t in lines(html) if t["name"] == "河南省"]
    assert len(province) == 1
    assert province[0]["x"] == [2020, 2023] and province[0]["y"] == [1.64, 1.83]
    assert province[0]["line"]["dash"] == "dash"
    # The line's data is in the chart's download, after the regions, as drawn.
    rows = csv_rows(bob_client.get("/indicators/rd_intensity/data.csv", {"chart": "actuals"}))
    assert [(row[0], row[4], row[5]) for row in rows[1:] if row[1] == "410000"] == [
        ("河南省", "2020", "1.64"),
        ("河南省", "2023", "1.83"),
    ]
    # The city card of the target says the province's value it is judged against.
    luohe = bob_client.get("/cities/411100/").content.decode()
    assert "全省值（2023年）" in card_html(luohe, "rd_intensity")


def test_a_card_charting_a_new_since_the_baseline_target_names_its_line_so(bob_client: Client) -> None:
    # Xinxiang 新培育10家瞪羚企业: a stock of 12 in 2020 and 17 in 2023 is 5 new.
    put("410700", "gazelle_firms", {2020: "12", 2023: "17"})
    html = bob_client.get("/cities/410700/").content.decode()
    line = next(t for t in figures(html)["figure-gazelle_firms"]["data"] if t.get("line", {}).get("width") == 3)
    assert line["name"] == "基期以来新增" and line["x"] == [2020, 2023] and line["y"] == [0.0, 5.0]
    card = card_html(html, "gazelle_firms")
    assert "基期以来新增 (家)</th>" in card
    assert "基期值（2020年）" in card and "12 家" in card and "最新值（2023年）" in card and "17 家" in card
