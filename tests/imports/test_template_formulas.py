"""The upload templates never carry a formula: indicator names, units and the region's name are written as text
(with an apostrophe when they could run), stored values as numbers, and any region name gives a sheet title."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from cities.cells import SHEET_TITLE_FORBIDDEN
from cities.models import Region
from indicators.models import Indicator
from indicators.services import observation_set
from tests.spreadsheets import HOSTILE, csv_cells, escaped, xlsx_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_values() -> None:
    """Real values are pre-filled: a negative one must stay a number."""
    region, indicator = Region.objects.get(adcode="410100"), Indicator.objects.get(code="rd_intensity")
    for year, value in ((2022, "-1.5"), (2023, "2.5")):
        observation_set(region=region, indicator=indicator, year=year, value=Decimal(value), source="统计公报")


def plant(text: str) -> None:
    Region.objects.filter(adcode="410100").update(name_zh=text)
    # The unit column holds 20 characters (PostgreSQL refuses more): a longer text goes into the name only.
    unit = text if len(text) <= Indicator._meta.get_field("unit").max_length else "%"  # type: ignore[operator]
    Indicator.objects.filter(code="rd_intensity").update(name_zh=text, unit=unit)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_csv_template_escapes_every_name(text: str, stored_values: None, charlie_client: Client) -> None:
    plant(text)
    response = charlie_client.get("/imports/template/410100.csv")
    assert response.status_code == 200
    cells = csv_cells(response.content)  # no cell would run
    assert escaped(cells, text)  # the indicator's name and unit
    assert cells[0].startswith("'" + text)  # the title, which begins with the region's name
    assert "-1.5" in cells and "2.5" in cells  # stored values: numbers, not escaped


@pytest.mark.parametrize("text", HOSTILE)
def test_the_xlsx_template_stores_names_as_text_and_values_as_numbers(
    text: str, stored_values: None, charlie_client: Client
) -> None:
    plant(text)
    response = charlie_client.get("/imports/template/410100.xlsx")
    assert response.status_code == 200
    cells = xlsx_cells(response.content)  # no formula cell, no text that would run
    assert escaped(cells, text)
    assert str(cells[0]).startswith("'")
    assert -1.5 in cells and 2.5 in cells
    [title] = openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames
    assert not SHEET_TITLE_FORBIDDEN.search(title) and 0 < len(title) <= 31


@pytest.mark.parametrize(
    ("name", "title"), [("a:b/c", "abc"), ("[郑州]*?市" * 5, "郑州市" * 5), ("[]:*?/\\", "410100")]
)
def test_any_region_name_gives_a_template_workbook(name: str, title: str, charlie_client: Client) -> None:
    Region.objects.filter(adcode="410100").update(name_zh=name)
    response = charlie_client.get("/imports/template/410100.xlsx")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == [title]
