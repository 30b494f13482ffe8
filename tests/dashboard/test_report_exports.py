"""Downloads ready for a report: text cells on one line, numbers to the stored precision, completion as a
percentage, and every workbook sheet set up to print (A4 landscape, fitted to the width, header repeated)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from openpyxl.worksheet.worksheet import Worksheet

from cities import cells
from cities.models import Region
from indicators.models import Indicator
from indicators.services import observation_set
from plans.models import Plan

pytestmark = pytest.mark.django_db

PERCENT = re.compile(r"^\d+(\.\d)?%$|^-\d+\.\d%$")


def put(adcode: str, code: str, values: dict[int, str]) -> None:
    region, indicator = Region.objects.get(adcode=adcode), Indicator.objects.get(code=code)
    for year, value in values.items():
        observation_set(region=region, indicator=indicator, year=year, value=Decimal(value), origin="import")


@pytest.fixture
def actuals(db: None) -> None:
    put("410100", "rd_intensity", {2020: "2.31", 2023: "2.8"})
    put("410100", "hightech_firms", {2020: "2922", 2023: "5300"})
    put("410100", "tech_contract_turnover", {2020: "200.1", 2021: "8584.4", 2023: "1078.33"})
    put("410700", "rd_intensity", {2020: "1.9", 2023: "2.24"})
    put("410700", "hightech_firms", {2020: "200", 2023: "430"})


def sheet_of(response: Any) -> Worksheet:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def assert_prints(sheet: Worksheet, header_row: int) -> None:
    setup = sheet.page_setup
    assert setup.orientation == "landscape"
    assert str(setup.paperSize) == str(Worksheet.PAPERSIZE_A4)
    assert setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr is not None and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows is not None
    assert sheet.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"


def assert_clean(values: list[Any]) -> None:
    """No text with a line break or repeated spaces; no number beyond the stored six decimals."""
    for value in values:
        if isinstance(value, str):
            assert "\n" not in value and "\r" not in value and "  " not in value, repr(value)
            assert value == value.strip(), repr(value)
        elif isinstance(value, float):
            assert value in (round(value, cells.STORED_PLACES), cells.noise_free(value)), value


def header_index(header: list[Any], name: str) -> int:
    return [str(cell) for cell in header].index(name)


DOWNLOADS = [
    "/overview.{f}?year=2023",
    "/cities/410100/data.{f}",
    "/cities/410700/data.{f}",
    "/indicators/rd_intensity/data.{f}",
    "/indicators/hightech_firms/data.{f}?chart=actuals",
]


@pytest.mark.parametrize("url", DOWNLOADS)
def test_every_download_workbook_is_clean_and_set_up_to_print(url: str, actuals: None, bob_client: Client) -> None:
    sheet = sheet_of(bob_client.get(url.format(f="xlsx")))
    assert_prints(sheet, 1)
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) > 1
    for row in rows:
        assert_clean(row)


@pytest.mark.parametrize("url", DOWNLOADS)
def test_every_download_csv_is_clean(url: str, actuals: None, bob_client: Client) -> None:
    response = bob_client.get(url.format(f="csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) > 1
    for row in rows:
        assert_clean(row)
        for value in row:  # no float noise written as text either
            assert not re.fullmatch(r"-?\d+\.\d{7,}", value), value


@pytest.mark.parametrize("url", ["/overview.{f}?year=2023", "/indicators/rd_intensity/data.{f}"])
def test_completion_is_a_percentage(url: str, actuals: None, bob_client: Client) -> None:
    sheet = sheet_of(bob_client.get(url.format(f="xlsx")))
    header = [cell.value for cell in sheet[1]]
    column = header_index(header, "完成程度")
    shares = [row[column] for row in sheet.iter_rows(min_row=2) if row[column].value is not None]
    assert shares, "some completion"
    assert all(cell.number_format == "0.0%" and isinstance(cell.value, float) for cell in shares)
    response = bob_client.get(url.format(f="csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    texts = [row[column] for row in rows[1:] if row[column]]
    assert texts and all(PERCENT.match(text) for text in texts), texts
    # Zhengzhou's R&D intensity: 2.31 → 2.8 against 3.0, (2.8 − 2.31) / (3.0 − 2.31) = 71.0 %.
    zhengzhou = [row for row in rows if "郑州市" in row]
    assert "71.0%" in [row[column] for row in zhengzhou]
    share = (2.8 - 2.31) / (3.0 - 2.31)
    assert cells.noise_free(share) in [cell.value for cell in shares]


def test_stored_values_are_written_exactly(actuals: None, bob_client: Client) -> None:
    sheet = sheet_of(bob_client.get("/cities/410100/data.xlsx"))
    header = [cell.value for cell in sheet[1]]
    actual = header_index(header, "实际值")
    values = {row[actual] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {8584.4, 1078.33, 200.1, 2.8} <= values
    response = bob_client.get("/cities/410100/data.csv")
    text = response.content.decode("utf-8-sig")
    assert ",8584.4," in text and ",1078.33," in text


def evaluation(client: Client, slug: str, year: int = 2023) -> Worksheet:
    plan = Plan.objects.get(slug=slug)
    return sheet_of(client.get(f"/plans/{plan.pk}/evaluation.xlsx?year={year}"))


def evaluation_header_row(sheet: Worksheet) -> int:
    return next(int(cell.row) for cell in sheet["A"] if cell.value == "序号")


@pytest.mark.parametrize("slug", ["xinxiang", "kaifeng", "zhengzhou", "nanyang", "luohe"])
def test_the_evaluation_workbook_is_clean_and_prints(slug: str, actuals: None, bob_client: Client) -> None:
    sheet = evaluation(bob_client, slug)
    header_row = evaluation_header_row(sheet)
    assert_prints(sheet, header_row)
    header = [cell.value for cell in sheet[header_row]]
    completion = header_index(header, "完成程度")
    for row in sheet.iter_rows(min_row=header_row + 1):
        assert_clean([cell.value for cell in row])
        assert row[completion].number_format == "0.0%"


def test_evaluation_quotes_lose_stray_breaks_and_spaces_but_keep_their_words(actuals: None, bob_client: Client) -> None:
    plan = Plan.objects.get(slug="xinxiang")
    raw = plan.targets.get(key="body-big-science-facilities")  # "争取国家重大\n\n科技基础设施…": a page break
    sheet = evaluation(bob_client, "xinxiang")
    header_row = evaluation_header_row(sheet)
    header = [cell.value for cell in sheet[header_row]]
    quote = header_index(header, "原文（行号）")
    quotes = [row[quote] for row in sheet.iter_rows(min_row=header_row + 1, values_only=True)]
    expected = re.sub(r"\s+", " ", raw.quote).strip() + f" (L{raw.quote_line})"
    assert expected in quotes
    assert "争取国家重大 科技基础设施" in expected


def test_the_upload_template_prints_too(charlie_client: Client) -> None:
    sheet = sheet_of(charlie_client.get("/imports/template/410100.xlsx"))
    header_row = next(cell.row for cell in sheet["A"] if cell.value in ("指标名称", "指标代码"))
    assert_prints(sheet, header_row)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("争取国家重大\n\n科技基础设施", "争取国家重大 科技基础设施"),
        ("重大  科技基础设施", "重大 科技基础设施"),
        ("第一行\n第二行\r\n第三行\n", "第一行 第二行 第三行"),
        ("前后空格\t ", "前后空格"),
        ("全角　　空格", "全角 空格"),
        ("单个\t制表符 与空格", "单个\t制表符 与空格"),
        ("\t=1", "\t=1"),  # before the first visible character: left to the formula check
        ("\r=1", "\r=1"),
    ],
)
def test_one_line_collapses_whitespace_only(text: str, line: str) -> None:
    assert cells.one_line(text) == line


def test_paragraphs_keep_their_breaks() -> None:
    assert cells.paragraphs("第一段  内容\n\n\n第二段\r\n  第三段 ") == "第一段 内容\n第二段\n第三段"


@pytest.mark.parametrize(
    ("value", "written"), [(8584.400000000001, 8584.4), (1078.3300000000002, 1078.33), (-0.0, 0.0)]
)
def test_exact_rounds_to_the_stored_precision(value: float, written: float) -> None:
    assert str(cells.exact(value)) == str(written)


@pytest.mark.parametrize(
    ("value", "written"), [(0.3479999999999997, 0.348), (0.05214593574784154, 0.0521459357478), (-0.0, 0.0)]
)
def test_shares_lose_only_their_noise(value: float, written: float) -> None:
    assert str(cells.noise_free(value)) == str(written)
