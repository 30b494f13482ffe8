"""Every download of the dashboard (overview, city, indicator, the evaluation workbook), in both languages, read
back cell by cell: no formula, no text that would run as one, the hostile names there with an apostrophe,
numbers (negative ones too) still numbers."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client

from cities.cells import SHEET_TITLE_FORBIDDEN
from plans.models import Plan
from tests.spreadsheets import PLANTED, csv_cells, escaped, hostile_catalogue, xlsx_cells

pytestmark = pytest.mark.django_db

# download → the planted texts it holds as whole cells (zh, en)
DOWNLOADS: dict[str, tuple[list[str], list[str]]] = {
    "/overview.{}": (
        ["zhengzhou.name_zh", "kaifeng.name_zh", "indicator.name_zh", "indicator.unit", "target.label"],
        ["zhengzhou.name_en", "kaifeng.name_en", "indicator.name_en", "kaifeng_target.label"],
    ),
    "/cities/410100/data.{}": (["zhengzhou.name_zh", "target.label", "indicator.unit"], ["zhengzhou.name_en"]),
    "/indicators/rd_intensity/data.{}": (
        ["zhengzhou.name_zh", "kaifeng.name_zh", "target.label", "kaifeng_target.label"],
        ["zhengzhou.name_en", "kaifeng.name_en"],
    ),
    "/indicators/rd_intensity/data.{}?chart=actuals": (["zhengzhou.name_zh", "indicator.unit"], ["zhengzhou.name_en"]),
}


def cells_of(response: Any, file_format: str) -> list[Any]:
    assert response.status_code == 200
    return csv_cells(response.content) if file_format == "csv" else xlsx_cells(response.content)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("path", list(DOWNLOADS))
def test_no_download_carries_a_formula(path: str, file_format: str, language: str, bob_client: Client) -> None:
    hostile_catalogue()
    bob_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    cells = cells_of(bob_client.get(path.format(file_format)), file_format)  # no cell would run
    for key in DOWNLOADS[path][language == "en"]:
        assert escaped(cells, PLANTED[key]), key
    if "chart=actuals" in path:  # a negative number stays one
        assert (-1.5 in cells) if file_format == "xlsx" else ("-1.5" in cells)


def test_a_city_workbook_named_after_a_hostile_region_has_a_sane_sheet_title(bob_client: Client) -> None:
    hostile_catalogue()
    response = bob_client.get("/cities/410100/data.xlsx")
    [title] = openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames
    assert not SHEET_TITLE_FORBIDDEN.search(title) and 0 < len(title) <= 31


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_evaluation_workbook_carries_no_formula(language: str, bob_client: Client) -> None:
    hostile_catalogue()
    bob_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    plan = Plan.objects.get(slug="zhengzhou")
    cells = cells_of(bob_client.get(f"/plans/{plan.pk}/evaluation.xlsx"), "xlsx")  # no cell would run
    assert escaped(cells, PLANTED["target.label"]) and escaped(cells, PLANTED["indicator.unit"])
    assert str(cells[0]).startswith("'" + PLANTED["plan.title"])  # the title begins with the plan's
    quote = "'" + PLANTED["target.quote"]
    assert any(isinstance(c, str) and c.startswith(quote) and "(L" in c for c in cells)
