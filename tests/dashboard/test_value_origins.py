"""Every number's origin: on a city chart each point is marked by where its value comes from (approved import,
entered by hand, demo data, awaiting review) with a symbol and a legend entry of its own, its hover names the
source, who, when and the import; a value's history (indicators.ObservationChange) opens from the card."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import pytest
from django.contrib.auth.models import User
from django.test import Client

from cities.models import Region
from imports.service import approve
from indicators.models import ActualsImport, Indicator
from indicators.services import observation_set
from tests.dashboard.test_city_page import card_html, figures
from tests.spreadsheets import csv_bytes, imported, long, store

pytestmark = pytest.mark.django_db
HISTORY = "/cities/410100/history/rd_intensity/"


def four_origins(alice: User, bob: User, charlie: User) -> tuple[ActualsImport, ActualsImport]:
    """Zhengzhou R&D intensity: 2020 demo, 2021 entered by hand by alice, 2022 submitted by charlie and approved by
    bob, 2023 submitted by charlie and awaiting review."""
    store("410100", "rd_intensity", 2020, "2.31")
    observation_set(
        region=Region.objects.get(adcode="410100"),
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2021,
        value=Decimal("2.4"),
        source="统计年鉴",
        user=alice,
        reason="admin",
    )
    _, approved = imported(csv_bytes(long(["410100", "研发投入强度", 2022, 2.55])), "zz-2022.csv", user=charlie)
    approve(approved, reviewer=bob)
    _, pending = imported(csv_bytes(long(["410100", "研发投入强度", 2023, 2.7])), "zz-2023.csv", user=charlie)
    assert pending.status == ActualsImport.Status.SUBMITTED
    return approved, pending


def traces(client: Client, query: str = "") -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = figures(client.get(f"/cities/410100/{query}").content.decode())["figure-rd_intensity"][
        "data"
    ]
    return data


def test_each_point_is_marked_by_its_origin_with_a_symbol_and_a_legend_entry(
    alice: User, bob: User, charlie: User, bob_client: Client
) -> None:
    four_origins(alice, bob, charlie)
    marks = {t["name"]: t for t in traces(bob_client) if t.get("hoverinfo") == "skip"}
    assert {name: t["x"] for name, t in marks.items()} == {
        "已审核（导入）": [2022],
        "手工录入（管理员）": [2021],
        "演示数据": [2020],
    }
    symbols = [t["marker"]["symbol"] for t in marks.values()]
    assert len(set(symbols)) == 3, "a symbol per origin, not the colour alone"
    assert all(t.get("showlegend", True) for t in marks.values())
    # With the switch, the value awaiting review is drawn too, with a symbol of its own.
    data = traces(bob_client, "?include=submitted")
    go.Figure({"data": data})  # valid against plotly's schema
    marks = {t["name"]: t for t in data if t.get("hoverinfo") == "skip"}
    assert marks["已报送，待审核"]["x"] == [2023] and marks["已报送，待审核"]["y"] == [2.7]
    assert marks["已报送，待审核"]["marker"]["symbol"] not in symbols


def test_the_hover_names_source_who_when_and_the_import(
    alice: User, bob: User, charlie: User, bob_client: Client
) -> None:
    approved, pending = four_origins(alice, bob, charlie)
    line = next(t for t in traces(bob_client, "?include=submitted") if t["name"] == "实际值")
    hover = dict(zip(line["x"], line["customdata"], strict=True))
    assert hover[2020] == "2020: 2.31 %<br>演示数据"  # generated: nothing more to say of it
    assert "手工录入（管理员）" in hover[2021] and "统计年鉴" in hover[2021] and "alice" in hover[2021]
    assert "已审核（导入）" in hover[2022] and "charlie" in hover[2022] and "审核：bob" in hover[2022]
    assert f"导入 #{approved.pk}: zz-2022.csv" in hover[2022]
    assert (
        "已报送，待审核" in hover[2023]
        and f"导入 #{pending.pk}: zz-2023.csv" in hover[2023]
        and "charlie" in hover[2023]
    )
    assert "导入 #" not in hover[2021] and "导入 #" not in hover[2020]


def test_the_history_of_a_value_opens_from_the_card(alice: User, bob: User, charlie: User, bob_client: Client) -> None:
    approved, pending = four_origins(alice, bob, charlie)
    observation_set(
        region=Region.objects.get(adcode="410100"),
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2021,
        value=Decimal("2.42"),
        source="统计年鉴（修订）",
        user=alice,
        reason="修订",
    )
    card = card_html(bob_client.get("/cities/410100/").content.decode(), "rd_intensity")
    assert f'href="{HISTORY}"' in card
    card = card_html(bob_client.get("/cities/410100/?include=submitted").content.decode(), "rd_intensity")
    assert f'href="{HISTORY}?include=submitted"' in card
    html = bob_client.get(HISTORY).content.decode()
    assert html.count('data-year="2021"') == 2  # created, then changed: both kept
    assert 'data-action="update"' in html and "2.4" in html and "2.42" in html and "修订" in html
    assert f'href="/imports/{approved.pk}/"' in html and "bob" in html  # the approved import and its approver
    assert "zz-2023.csv" not in html, "values awaiting review only with the switch"
    shown = bob_client.get(HISTORY, {"include": "submitted"}).content.decode()
    assert "zz-2023.csv" in shown and f'href="/imports/{pending.pk}/"' in shown


@pytest.mark.parametrize("who", ["alice_client", "bob_client", "charlie_client"])
def test_the_history_is_open_to_every_signed_in_user(who: str, request: pytest.FixtureRequest) -> None:
    client: Client = request.getfixturevalue(who)
    assert client.get(HISTORY).status_code == 200
    assert client.get("/cities/410700/history/rd_intensity/").status_code == 200  # another city's too, as its page


def test_the_history_refuses_strangers_unknown_names_and_bad_parameters(client: Client, bob_client: Client) -> None:
    response = client.get(HISTORY)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert bob_client.get("/cities/999999/history/rd_intensity/").status_code == 404
    assert bob_client.get("/cities/410100/history/no_such_indicator/").status_code == 404
    assert bob_client.get(HISTORY, {"include": "returned"}).status_code == 400
    assert bob_client.post(HISTORY).status_code == 405
