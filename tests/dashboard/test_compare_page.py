"""The comparison page (/indicators/CODE/compare/), its downloads and its API: the ranks the page, the CSV and the
JSON give agree with plans.comparison; the map draws every city of Henan, coloured by status or by value, each
linking to its page; bad parameters are the 400 page; the boundaries shipped are Henan's 18 cities."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
import yaml
from django.conf import settings
from django.test import Client

from cities.models import Region
from dashboard import charts, maps
from indicators.models import Indicator
from plans import comparison
from tests.spreadsheets import store

pytestmark = pytest.mark.django_db

URL = "/indicators/hightech_firms/compare/"
VALUES = {"410100": ("6000", "8000"), "410700": ("700", "650"), "411300": ("300", "900"), "410300": ("1000", "1200")}


@pytest.fixture
def stored() -> None:
    for adcode, (before, now) in VALUES.items():
        store(adcode, "hightech_firms", 2023, before, origin="import")
        store(adcode, "hightech_firms", 2024, now, origin="import")


def compared(year: int) -> comparison.Comparison:
    return comparison.compare(Indicator.objects.get(code="hightech_firms"), Region.objects.get(adcode="410000"), year)


def figure(html: str, figure_id: str) -> dict[str, Any]:
    found = re.search(rf'<script id="{figure_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, figure_id
    loaded: dict[str, Any] = json.loads(found.group(1))
    return loaded


def test_the_page_ranks_the_cities_as_the_comparison_does(alice_client: Client, stored: None) -> None:
    response = alice_client.get(URL, {"year": "2024"})
    assert response.status_code == 200
    html = response.content.decode()
    expected = compared(2024)
    table = html[html.index('<table class="data ranking">') : html.index("</table>")]
    cities = re.findall(r'<td><a href="/cities/(\d{6})/">', table)
    assert cities == [row.region.adcode for row in expected.rows]
    assert cities[:4] == ["410100", "410300", "411300", "410700"]  # 8000, 1200, 900, 650
    assert "↑1" in table  # Nanyang: 4th in 2023, 3rd in 2024
    assert "↓1" in table  # Xinxiang: 3rd → 4th


def test_the_map_draws_every_city_linking_to_its_page_coloured_by_status(alice_client: Client, stored: None) -> None:
    html = alice_client.get(URL, {"year": "2024"}).content.decode()
    fig = figure(html, "figure-map")
    go.Figure(fig)  # plotly's own schema accepts it
    areas = [trace for trace in fig["data"] if trace.get("fill") == "toself"]
    shapes = maps.shapes()
    assert len(areas) == len(shapes) == 18
    markers = next(trace for trace in fig["data"] if trace.get("mode") == "markers+text")
    assert sorted(markers["customdata"]) == sorted(f"/cities/{adcode}/" for adcode in shapes)
    assert sorted(area["meta"] for area in areas) == sorted(markers["customdata"])
    found = compared(2024)
    colours = {area["meta"]: area["fillcolor"] for area in areas}
    for row in found.rows:
        expected = charts.STATUS_COLOURS[row.status] if row.status else charts.NO_VALUE
        assert colours[f"/cities/{row.region.adcode}/"] == expected, row.region.name


def test_the_map_by_value_darkens_with_the_value(alice_client: Client, stored: None) -> None:
    html = alice_client.get(URL, {"year": "2024", "map": "value"}).content.decode()
    fig = figure(html, "figure-map")
    colours = {trace["meta"]: trace["fillcolor"] for trace in fig["data"] if trace.get("fill") == "toself"}

    def lightness(colour: str) -> int:
        return sum(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    order = ["410700", "411300", "410300", "410100"]  # 650 < 900 < 1200 < 8000
    shades = [lightness(colours[f"/cities/{adcode}/"]) for adcode in order]
    assert shades == sorted(shades, reverse=True) and len(set(shades)) == 4
    assert colours["/cities/410100/"] == charts.SCALE_HIGH and colours["/cities/410700/"] == charts.SCALE_LOW
    assert colours["/cities/411700/"] == charts.NO_VALUE  # Zhumadian: no value
    assert any(trace.get("marker", {}).get("showscale") for trace in fig["data"])  # the colour bar


@pytest.mark.parametrize("query", [{"year": "1990"}, {"year": "abc"}, {"map": "pie"}])
def test_bad_parameters_are_the_400_page(alice_client: Client, stored: None, query: dict[str, str]) -> None:
    response = alice_client.get(URL, query)
    assert response.status_code == 400


def test_an_unknown_indicator_is_not_found(alice_client: Client) -> None:
    assert alice_client.get("/indicators/no_such_thing/compare/").status_code == 404


def test_the_csv_holds_the_ranking_with_formulas_neutralised(alice_client: Client, stored: None) -> None:
    store("410300", "hightech_firms", 2024, "1200", origin="import")
    obs = Region.objects.get(adcode="410300").observations.get(indicator__code="hightech_firms", year=2024)
    obs.source = '=HYPERLINK("http://x")'
    obs.save()
    response = alice_client.get("/indicators/hightech_firms/compare.csv", {"year": "2024"})
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    by_city = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    found = compared(2024)
    for row in found.rows:
        line = by_city[row.region.adcode]
        assert line[header[5]] == ("" if row.level.rank is None else str(row.level.rank))
    assert not by_city["410300"][header[18]].startswith("=")  # the source, neutralised


def test_the_api_gives_the_same_ranks(alice_client: Client, stored: None) -> None:
    response = alice_client.get("/api/v1/indicators/hightech_firms/ranking/", {"year": "2024"})
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2024 and body["province"] == "410000" and body["growth_measure"] == "percent"
    ranks = {city["region"]: city["level"]["rank"] for city in body["cities"]}
    assert {a: ranks[a] for a in VALUES} == {"410100": 1, "410300": 2, "411300": 3, "410700": 4}
    nanyang = next(city for city in body["cities"] if city["region"] == "411300")
    assert nanyang["level"]["change"] == 1 and nanyang["growth"]["value"] == pytest.approx(200.0)
    assert alice_client.get("/api/v1/indicators/nothing/ranking/").status_code == 404
    assert alice_client.get("/api/v1/indicators/hightech_firms/ranking/", {"region": "999999"}).status_code == 400


def test_the_shipped_boundaries_are_henans_18_cities() -> None:
    collection = json.loads(maps.GEOJSON.read_text(encoding="utf-8"))
    regions = yaml.safe_load((Path(settings.BASE_DIR) / "fixtures" / "regions.yaml").read_text(encoding="utf-8"))
    cities = {r["adcode"] for r in regions["regions"] if r["parent"] == "410000"}
    assert {feature["properties"]["adcode"] for feature in collection["features"]} == cities
    assert "echarts@4.9.0" in collection["source"] and "Apache-2.0" in collection["source"]
    assert "Apache License" in (maps.GEOJSON.parent / "LICENSE-echarts.txt").read_text()
    for shape in maps.shapes().values():
        for ring in shape.rings:
            assert ring[0] == ring[-1] and len(ring) >= 4
            assert all(110.3 < x < 116.7 and 31.3 < y < 36.4 for x, y in ring), shape.name
        x, y = shape.centre
        assert 110.3 < x < 116.7 and 31.3 < y < 36.4
    assert maps.shapes("420000") == {}  # another province: no map rather than a wrong one
