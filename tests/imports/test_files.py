"""The spreadsheet importer end to end, with real files: read → preview → save → commit, then the values
actually stored in the database are checked, and so is everything refused."""

from __future__ import annotations

import hashlib
import io
import random
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.contrib.auth.models import User
from pytest_django.fixtures import SettingsWrapper

from cities.models import Region
from imports.service import (
    CHANGED,
    NEW,
    UNCHANGED,
    StaleImport,
    approve,
    build_preview,
    cancel,
    commit,
    save_pending,
)
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange
from indicators.services import observation_set
from plans.demo import DEMO_SOURCE
from tests.spreadsheets import (
    LONG_EN,
    LONG_EXPECTED,
    LONG_ZH,
    WIDE,
    WIDE_EXPECTED,
    WRITERS,
    Rows,
    assert_at,
    csv_bytes,
    db_state,
    encrypted_xlsx_bytes,
    imported,
    long,
    make,
    ods_bytes,
    png_bytes,
    refused,
    store,
    stored,
    texts,
    wide,
    xlsx_bytes,
    years_stored,
    zip_bytes,
)

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------------------------
# 1. Every format, both layouts: what ends up stored.
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_wide_table_in_every_format_is_stored_exactly(kind: str, demo: None, alice: User) -> None:
    data, name = make(kind, WIDE)
    before_changes = ObservationChange.objects.count()
    preview, record = imported(data, name, user=alice)

    assert preview.file_format == WRITERS[kind][2]
    assert preview.layouts == ["wide"]
    assert preview.warnings == []
    assert preview.summary() == {"values": 7, "new": 4, "changed": 3, "unchanged": 0, "errors": 0, "warnings": 0}
    rd_2023 = next(item for item in preview.items if item.indicator.code == "rd_intensity" and item.year == 2023)
    assert (rd_2023.location.row, rd_2023.location.column, rd_2023.location.field) == (4, 4, "2023年")

    for (code, year), (value, old) in WIDE_EXPECTED.items():
        observation = stored("410100", code, year)
        assert observation is not None, (code, year)
        assert observation.value == Decimal(value), (code, year)
        assert observation.origin == Observation.Origin.IMPORT
        assert observation.source == name
        assert observation.updated_by == alice
        [change] = ObservationChange.objects.filter(actuals_import=record, indicator__code=code, year=year)
        assert change.region.adcode == "410100"
        assert change.action == ("update" if old else "create")
        assert change.old_value == (Decimal(old) if old else None)
        assert change.new_value == Decimal(value)
        assert change.old_source == (DEMO_SOURCE if old else "")
        assert change.origin == Observation.Origin.IMPORT
        assert change.changed_by == alice
    assert ObservationChange.objects.count() == before_changes + 7

    # The "2025年目标" column is a target, not an actual; "—" and an empty cell are no value.
    assert not Observation.objects.filter(region__adcode="410100", year=2025).exists()
    assert stored("410100", "tech_contract_turnover", 2023) is None
    demo_2023 = stored("410100", "hightech_firms", 2023)
    assert demo_2023 is not None
    assert (demo_2023.value, demo_2023.origin) == (Decimal("5300"), "demo")
    # Only Zhengzhou, the region the title names.
    assert set(ObservationChange.objects.filter(actuals_import=record).values_list("region__adcode", flat=True)) == {
        "410100"
    }

    assert record.status == ActualsImport.Status.APPROVED
    assert record.committed_at is not None
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert (record.file_format, record.layout, record.size) == (WRITERS[kind][2], "wide", len(data))
    assert (record.values_read, record.created_count, record.updated_count, record.unchanged_count) == (7, 4, 3, 0)
    assert record.uploaded_by == alice
    with record.file.open("rb") as handle:
        assert handle.read() == data


@pytest.mark.parametrize("rows", [LONG_ZH, LONG_EN], ids=["chinese-header", "english-header"])
@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_long_table_in_every_format_is_stored_exactly(kind: str, rows: Rows, demo: None, bob: User) -> None:
    data, name = make(kind, rows)
    preview, record = imported(data, name, user=bob)

    assert preview.layouts == ["long"]
    assert preview.summary()["values"] == 4
    assert (preview.count(NEW), preview.count(CHANGED)) == (3, 1)
    for (adcode, code, year), (value, note, source) in LONG_EXPECTED.items():
        observation = stored(adcode, code, year)
        assert observation is not None, (adcode, code, year)
        assert observation.value == Decimal(value)
        assert observation.note == note
        assert observation.source == (source or name)
        assert observation.origin == Observation.Origin.IMPORT
    [update] = ObservationChange.objects.filter(actuals_import=record, action="update")
    assert (update.region.adcode, update.indicator.code, update.year) == ("410100", "rd_intensity", 2021)
    assert (update.old_value, update.new_value) == (Decimal("2.2"), Decimal("2.31"))
    assert ObservationChange.objects.filter(actuals_import=record, action="create").count() == 3
    # The demo value of 2022 is not in the file and stays as it was.
    untouched = stored("410100", "rd_intensity", 2022)
    assert untouched is not None
    assert (untouched.value, untouched.origin) == (Decimal("2.35"), "demo")


def test_the_format_comes_from_the_content_not_the_name(alice: User) -> None:
    rows = wide(["研发投入强度", "%", 2.31])
    preview = build_preview(csv_bytes(rows), "really-a-csv.xlsx", user=alice)
    assert (preview.file_format, texts(preview)) == ("csv", [])
    preview = build_preview(xlsx_bytes(rows), "really-a-workbook.csv", user=alice)
    assert (preview.file_format, texts(preview)) == ("xlsx", [])
    assert [item.value for item in preview.items] == [Decimal("2.31")]


def test_each_sheet_has_its_own_region_and_hidden_sheets_are_ignored(bob: User) -> None:
    zhengzhou = wide(["研发投入强度", "%", 2.31], title="郑州市主要指标")
    kaifeng = wide(["研发投入强度", "%", 1.71], title="开封市主要指标")
    scratch = wide(["草稿：不存在的指标", "%", "abc"], title="草稿")
    data = xlsx_bytes(zhengzhou, more_sheets=[("开封", kaifeng), ("草稿", scratch)], hidden=["草稿"])
    imported(data, "two-cities.xlsx", user=bob)
    assert years_stored("410100", "rd_intensity") == {2021: Decimal("2.31")}
    assert years_stored("410200", "rd_intensity") == {2021: Decimal("1.71")}


# ---------------------------------------------------------------------------------------------------------------
# 2. Matching indicators and regions however they are written.
# ---------------------------------------------------------------------------------------------------------------

MATCHING: Rows = long(
    [410100, "rd_intensity", 2016, 1.1],  # code; adcode as a number
    ["410100", "研发投入强度", 2017, 1.2],  # Chinese name; adcode as text
    ["郑州", "R&D经费投入强度", 2018, 1.3],  # alias; name without 市
    ["郑州市", " 研发 投入 强度 ", 2019, 1.4],  # spaces
    ["Zhengzhou", "Ｒ＆Ｄ经费投入强度", 2020, 1.5],  # full-width letters
    ["ZHENGZHOU", "技术合同成交额（亿元）", 2016, 100],  # full-width brackets, the indicator's own unit
    [" 郑州市 ", "1、技术合同成交额", 2017, 110],  # leading numbering
    ["郑州市", "（三）高新技术企业数", 2016, 3000],  # numbering and an alias
    ["郑州市", "2. 高新技术企业", 2017, 3100],
)
MATCHED = {
    "rd_intensity": {2016: "1.1", 2017: "1.2", 2018: "1.3", 2019: "1.4", 2020: "1.5"},
    "tech_contract_turnover": {2016: "100", 2017: "110"},
    "hightech_firms": {2016: "3000", 2017: "3100"},
}


@pytest.mark.parametrize("kind", ["xlsx", "xls", "csv-utf8", "csv-gbk"])
def test_indicators_and_regions_are_matched_however_they_are_written(kind: str, alice: User) -> None:
    data, name = make(kind, MATCHING)
    imported(data, name, user=alice)
    for code, values in MATCHED.items():
        assert years_stored("410100", code) == {year: Decimal(value) for year, value in values.items()}, code


@pytest.mark.parametrize("cell", [410100, "410100", "郑州", "郑州市", "Zhengzhou", "zhengzhou"])
def test_a_region_cell_names_zhengzhou(cell: Any, alice: User) -> None:
    preview = build_preview(xlsx_bytes(long([cell, "研发投入强度", 2023, 2.5])), "a.xlsx", user=alice)
    assert texts(preview) == []
    assert [item.region.adcode for item in preview.items] == ["410100"]


# ---------------------------------------------------------------------------------------------------------------
# 3. Values as people type them.
# ---------------------------------------------------------------------------------------------------------------

VALUES: Rows = wide(
    ["研发投入强度", None, "2.5%", "—", "-", "/"],
    ["技术合同成交额", "万元", "1,234,500", 98765, None, ""],
    ["技术合同成交额（万元）", None, None, None, "12,345.6", None],
    ["高新技术企业数量", "家", "１２３", "1,234", "", "无"],
    years=(2021, 2022, 2023, 2024),
)
VALUES_EXPECTED = {
    "rd_intensity": {2021: "2.5", 2022: "2.35"},  # 2022: the stored demo value, untouched by "—"
    "tech_contract_turnover": {2021: "123.45", 2022: "9.8765", 2023: "1.23456"},
    "hightech_firms": {2021: "123", 2022: "1234"},
}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_values_are_read_as_people_type_them(kind: str, alice: User) -> None:
    store("410100", "rd_intensity", 2022, "2.35")
    data, name = make(kind, VALUES)
    preview, record = imported(data, name, user=alice)
    assert preview.summary()["values"] == 6
    for code, values in VALUES_EXPECTED.items():
        assert years_stored("410100", code) == {year: Decimal(value) for year, value in values.items()}, code
    # "—", "-", "/", "无" and blanks are no value: not zero, and the stored value is not touched.
    untouched = stored("410100", "rd_intensity", 2022)
    assert untouched is not None
    assert untouched.origin == "demo"
    assert not ObservationChange.objects.filter(actuals_import=record, indicator__code="rd_intensity", year=2022)
    assert not Observation.objects.filter(value=0).exists()


def test_a_unit_in_the_value_header_scales_a_long_table(alice: User) -> None:
    rows: Rows = [["城市", "指标名称", "年度", "数值（万元）"], ["郑州市", "技术合同成交额", 2023, 250000]]
    imported(csv_bytes(rows, "gbk"), "a.csv", user=alice)
    assert years_stored("410100", "tech_contract_turnover") == {2023: Decimal("25")}


def test_a_formula_cell_is_read_as_its_computed_value(alice: User) -> None:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    worksheet = workbook.add_worksheet("指标")
    worksheet.write_row(0, 0, ["指标名称", "单位", "2021年", "2022年"])
    worksheet.write_row(1, 0, ["高新技术企业数量", "家", 21])
    worksheet.write_formula("D2", "=C2*2", None, 42)
    worksheet.write_row(2, 0, ["技术合同成交额", "亿元"])
    worksheet.write_formula("C3", "=SUM(10,2.5)", None, 12.5)
    worksheet.write_formula("D3", "=C3+1", None, 13.5)
    workbook.close()
    zhengzhou = Region.objects.get(adcode="410100")
    imported(buffer.getvalue(), "formulas.xlsx", user=alice, region=zhengzhou)
    assert years_stored("410100", "hightech_firms") == {2021: Decimal(21), 2022: Decimal(42)}
    assert years_stored("410100", "tech_contract_turnover") == {2021: Decimal("12.5"), 2022: Decimal("13.5")}


def test_a_percent_formatted_number_cell_is_read_as_the_percentage_shown(alice: User) -> None:
    data = xlsx_bytes(wide(["研发投入强度", "%", 0.025]), number_formats={"C3": "0.0%"})
    preview = build_preview(data, "percent.xlsx", user=alice)
    assert texts(preview) == []
    assert [item.value for item in preview.items] == [Decimal("2.5")]


def test_a_value_too_large_to_be_plausible_is_refused(alice: User) -> None:
    [problem] = refused(csv_bytes(wide(["技术合同成交额", "亿元", "1e14"])), "a.csv", user=alice)
    assert_at(problem, 3, 2)
    assert "too large" in problem.text_en


@pytest.mark.parametrize(("kind", "cell"), [("csv-utf8", "1e30"), ("xlsx", 1e22)])
def test_an_absurdly_large_number_is_a_problem_not_a_crash(kind: str, cell: Any, alice: User) -> None:
    data, name = make(kind, wide(["技术合同成交额", "亿元", cell]))
    [problem] = refused(data, name, user=alice)
    assert_at(problem, 3, 2)
    assert "too large" in problem.text_en


# ---------------------------------------------------------------------------------------------------------------
# 4. Bad files: one clear problem, nothing written.
# ---------------------------------------------------------------------------------------------------------------

GOOD = wide(["研发投入强度", "%", 2.31, 2.45, 2.6])


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        pytest.param(random.Random(7).randbytes(3000), "actuals.xlsx", "not a spreadsheet", id="random-bytes"),
        pytest.param(png_bytes(), "actuals.xlsx", "not a spreadsheet", id="png"),
        pytest.param(
            zip_bytes({"readme.txt": b"hello", "photo.jpg": b"\xff\xd8\xff\xe0" + bytes(100)}),
            "actuals.xlsx",
            "not a spreadsheet",
            id="zip-of-other-files",
        ),
        pytest.param(
            zip_bytes(
                {
                    "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
                    "_rels/.rels": b"<Relationships/>",
                    "word/document.xml": "<w:document>研发投入强度 2.5</w:document>".encode(),
                }
            ),
            "actuals.xlsx",
            "not a spreadsheet",
            id="docx",
        ),
        pytest.param(
            zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"\x00garbage"}),
            "actuals.xlsx",
            "damaged",
            id="damaged-xlsx",
        ),
        pytest.param(b"", "actuals.csv", "empty", id="empty"),
        pytest.param(b" \r\n\r\n ", "actuals.csv", "empty", id="blank"),
        pytest.param(encrypted_xlsx_bytes(GOOD), "actuals.xlsx", "password", id="password-protected"),
        pytest.param(xlsx_bytes(GOOD[:2]), "actuals.xlsx", "no values", id="xlsx-headers-only"),
        pytest.param(csv_bytes(GOOD[1:2]), "actuals.csv", "no values", id="csv-headers-only"),
        pytest.param(csv_bytes([["郑州市"], ["研发投入强度", 2.5]]), "actuals.csv", "No table", id="no-header"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_problem(data: bytes, name: str, words: str, alice: User) -> None:
    [problem] = refused(data, name, user=alice)
    assert words in problem.text_en


def test_a_file_over_the_upload_limit_is_refused(settings: SettingsWrapper, alice: User) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 50_000
    padding = [[f"注：说明第{i}条。" + "数据来源于统计公报" * 10] for i in range(200)]
    data = csv_bytes(GOOD + padding)
    assert 55_000 < len(data) < 70_000
    [problem] = refused(data, "big.csv", user=alice)
    assert "MB" in problem.text_en
    assert problem.location.row is None


@pytest.mark.parametrize("kind", ["xlsx", "csv-utf8"])
def test_a_file_with_more_rows_than_allowed_is_refused(kind: str, settings: SettingsWrapper, alice: User) -> None:
    settings.IMPORT_MAX_ROWS = 50
    notes = [[f"注：{i}"] for i in range(50 - len(GOOD))]
    data, name = make(kind, GOOD + notes)  # exactly at the limit: fine
    assert texts(build_preview(data, name, user=alice)) == []
    data, name = make(kind, [*GOOD, *notes, ["注：one too many"]])
    [problem] = refused(data, name, user=alice)
    assert "51 rows" in problem.text_en
    assert "50" in problem.text_en


def test_a_zip_bomb_is_refused_before_it_is_unpacked(settings: SettingsWrapper, alice: User) -> None:
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": bytes(3 * 1024 * 1024),
        }
    )
    assert len(data) < 20_000
    [problem] = refused(data, "bomb.xlsx", user=alice)
    assert "unsafe" in problem.text_en
    assert "3 MB" in problem.text_en


def test_an_unknown_indicator_is_named_with_its_row(demo: None, alice: User) -> None:
    rows = wide(["研发投入强度", "%", 2.31], ["不存在的指标", "%", 1, 2, 3], ["高新技术企业数量", "家", 5100])
    [problem] = refused(xlsx_bytes(rows), "a.xlsx", user=alice)
    assert_at(problem, 4)
    assert "不存在的指标" in problem.text_en


def test_an_unknown_region_is_named_with_its_row(alice: User) -> None:
    rows = long(["郑州市", "研发投入强度", 2023, 2.5], ["火星市", "研发投入强度", 2023, 2.5])
    [problem] = refused(csv_bytes(rows), "a.csv", user=alice)
    assert_at(problem, 3)
    assert "火星市" in problem.text_en


def test_rows_without_any_region_are_refused(alice: User) -> None:
    rows = wide(["研发投入强度", "%", 2.31], ["高新技术企业数量", "家", 5100], title="科技创新主要指标")
    problems = refused(xlsx_bytes(rows), "a.xlsx", user=alice)
    assert [problem.location.row for problem in problems] == [3, 4]
    assert all("region" in problem.text_en for problem in problems)


def test_a_city_official_may_not_write_another_city(charlie: User) -> None:
    rows = long(["郑州市", "研发投入强度", 2023, 2.5], ["开封市", "研发投入强度", 2023, 1.9])
    [problem] = refused(xlsx_bytes(rows), "a.xlsx", user=charlie)
    assert_at(problem, 3, 3)
    assert "may not" in problem.text_en
    assert "Kaifeng" in problem.text_en


def test_a_city_official_submits_their_own_city(charlie: User, bob: User) -> None:
    _, record = imported(xlsx_bytes(long(["郑州市", "研发投入强度", 2023, 2.5])), "a.xlsx", user=charlie)
    assert record.status == ActualsImport.Status.SUBMITTED
    assert years_stored("410100", "rd_intensity") == {}, "submitted, not approved: no actual yet"
    approve(record, reviewer=bob)
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.5")}
    observation = stored("410100", "rd_intensity", 2023)
    assert observation is not None
    assert observation.updated_by == charlie


def test_provincial_staff_write_the_province_and_its_cities(bob: User) -> None:
    rows = long(["河南省", "研发投入强度", 2023, 2.1], ["410200", "研发投入强度", 2023, 1.9])
    imported(xlsx_bytes(rows), "a.xlsx", user=bob)
    assert years_stored("410000", "rd_intensity") == {2023: Decimal("2.1")}
    assert years_stored("410200", "rd_intensity") == {2023: Decimal("1.9")}


@pytest.mark.parametrize("year", [2009, 2014, 2031, 2040])
def test_a_year_outside_the_plan_period_is_refused(year: int, alice: User) -> None:
    rows = long(["郑州市", "研发投入强度", 2023, 2.5], ["郑州市", "研发投入强度", year, 2.5])
    [problem] = refused(csv_bytes(rows), "a.csv", user=alice)
    assert_at(problem, 3, 3)
    assert str(year) in problem.text_en
    assert "2015" in problem.text_en
    assert "2030" in problem.text_en


@pytest.mark.parametrize("year", [2015, 2030])
def test_the_plan_period_with_its_margin_is_accepted(year: int, alice: User) -> None:
    imported(csv_bytes(long(["郑州市", "研发投入强度", year, 2.5])), "a.csv", user=alice)
    assert years_stored("410100", "rd_intensity") == {year: Decimal("2.5")}


def test_year_columns_outside_the_plan_period_are_each_refused(alice: User) -> None:
    rows = wide(["研发投入强度", "%", 1.1, 2.5, 2.9], years=(2009, 2023, 2040))
    problems = refused(xlsx_bytes(rows), "a.xlsx", user=alice)
    assert [(p.location.row, p.location.column, p.location.field) for p in problems] == [
        (3, 2, "2009年"),
        (3, 4, "2040年"),
    ]


def test_a_negative_count_is_refused(alice: User) -> None:
    rows = wide(["高新技术企业数量", "家", 5000, "-5", 5200])
    [problem] = refused(xlsx_bytes(rows), "a.xlsx", user=alice)
    assert_at(problem, 3, 3)
    assert "negative" in problem.text_en


def test_text_where_a_number_belongs_is_refused(alice: User) -> None:
    rows = wide(["研发投入强度", "%", 2.31], ["高新技术企业数量", "家", 5000, "约5000家左右"])
    [problem] = refused(ods_bytes(rows), "a.ods", user=alice)
    assert_at(problem, 4, 3)
    assert "约5000家左右" in problem.text_en


def test_a_unit_that_does_not_fit_the_indicator_is_refused(alice: User) -> None:
    [problem] = refused(csv_bytes(wide(["技术合同成交额", "%", 12])), "a.csv", user=alice)
    assert_at(problem, 3, 2)
    assert "unit" in problem.text_en


def test_the_same_value_given_twice_with_different_values_is_refused(alice: User) -> None:
    rows = long(
        ["郑州市", "研发投入强度", 2023, 2.5],
        ["郑州市", "高新技术企业数量", 2023, 5000],
        ["410100", "研发投入强度", "2023年", 2.6],
    )
    [problem] = refused(xlsx_bytes(rows), "a.xlsx", user=alice)
    assert_at(problem, 4, 3)
    assert "twice" in problem.text_en
    assert "2.6" in problem.text_en


def test_a_duplicate_names_where_the_first_one_is_in_the_message_language(alice: User) -> None:
    rows = long(["郑州市", "研发投入强度", 2023, 2.5], ["410100", "研发投入强度", 2023, 2.6])
    [problem] = build_preview(xlsx_bytes(rows), "a.xlsx", user=alice).errors
    assert "第 2 行" in problem.text_zh
    assert "row 2" in problem.text_en


def test_the_same_value_given_twice_alike_is_fine(alice: User) -> None:
    rows = long(["郑州市", "研发投入强度", 2023, 2.5], ["410100", "研发投入强度", "2023年", "2.50"])
    preview, _ = imported(xlsx_bytes(rows), "a.xlsx", user=alice)
    assert len(preview.items) == 1
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.5")}


def test_one_bad_row_stops_the_whole_file(demo: None, alice: User) -> None:
    data = xlsx_bytes([*WIDE, ["研发投入强度2", "%", 1]])
    [problem] = refused(data, "a.xlsx", user=alice)
    assert_at(problem, 8)
    rd = stored("410100", "rd_intensity", 2021)
    assert rd is not None
    assert (rd.value, rd.origin) == (Decimal("2.2"), "demo")


# ---------------------------------------------------------------------------------------------------------------
# 5. What the preview says.
# ---------------------------------------------------------------------------------------------------------------


def test_values_already_stored_are_all_unchanged(alice: User) -> None:
    for year, value in ((2021, "2.31"), (2022, "2.45"), (2023, "2.6")):
        store("410100", "rd_intensity", year, value, origin="import")
    before = db_state()
    preview = build_preview(csv_bytes(GOOD), "a.csv", user=alice)
    assert texts(preview) == []
    assert preview.changes == []
    assert [item.status for item in preview.items] == [UNCHANGED] * 3
    assert preview.summary() == {"values": 3, "new": 0, "changed": 0, "unchanged": 3, "errors": 0, "warnings": 0}
    assert not preview.can_commit
    assert db_state() == before


def test_a_demo_value_is_replaced_even_when_equal(alice: User) -> None:
    store("410100", "rd_intensity", 2021, "2.31")
    preview = build_preview(csv_bytes(GOOD), "a.csv", user=alice)
    item = next(item for item in preview.items if item.year == 2021)
    assert (item.status, item.old_value, item.value) == (CHANGED, Decimal("2.31"), Decimal("2.31"))


def test_changes_show_old_and_new_and_warnings_do_not_block(alice: User) -> None:
    store("410100", "rd_intensity", 2022, "2.0", origin="import")
    store("410100", "hightech_firms", 2022, "5000", origin="import")
    store("410100", "tech_contract_turnover", 2022, "1000", origin="manual")
    rows = wide(
        ["研发投入强度", "%", None, 2.0, 3.5],
        ["高新技术企业数量", "家", None, 5000, 4800],
        ["技术合同成交额", "亿元", None, 1100, 1200],
    )
    data = xlsx_bytes(rows)
    preview = build_preview(data, "a.xlsx", user=alice)
    assert preview.errors == []
    assert preview.summary() == {"values": 6, "new": 3, "changed": 1, "unchanged": 2, "errors": 0, "warnings": 2}
    [changed] = [item for item in preview.items if item.status == CHANGED]
    assert (changed.indicator.code, changed.year, changed.old_value, changed.value) == (
        "tech_contract_turnover",
        2022,
        Decimal("1000"),
        Decimal("1100"),
    )
    assert {(item.indicator.code, item.year) for item in preview.changes} == {
        ("rd_intensity", 2023),
        ("hightech_firms", 2023),
        ("tech_contract_turnover", 2022),
        ("tech_contract_turnover", 2023),
    }
    jump, fall = preview.warnings
    assert_at(jump, 3, 4)
    assert "3.5" in jump.text_en
    assert "+75%" in jump.text_en
    assert_at(fall, 4, 4)
    assert "falls" in fall.text_en
    assert "4800" in fall.text_en
    assert preview.can_commit

    record = save_pending(preview, data, user=alice)
    assert record.warning_count == 2
    commit(record, user=alice)
    assert years_stored("410100", "hightech_firms") == {2022: Decimal(5000), 2023: Decimal(4800)}


# ---------------------------------------------------------------------------------------------------------------
# 6, 7. Confirming: all or nothing, never from a stale preview, never twice.
# ---------------------------------------------------------------------------------------------------------------


def test_a_value_changed_after_the_preview_makes_it_stale(demo: None, alice: User, bob: User) -> None:
    data = xlsx_bytes(WIDE)
    preview = build_preview(data, "a.xlsx", user=alice)
    record = save_pending(preview, data, user=alice)
    observation_set(
        region=Region.objects.get(adcode="410100"),
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2021,
        value=Decimal("2.25"),
        user=bob,
    )
    before = db_state()
    with pytest.raises(StaleImport):
        commit(record, user=alice)
    assert db_state() == before
    assert not ObservationChange.objects.filter(actuals_import=record).exists()
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.PENDING
    rd = stored("410100", "rd_intensity", 2021)
    assert rd is not None
    assert (rd.value, rd.origin) == (Decimal("2.25"), "manual")
    assert stored("410100", "rd_intensity", 2023) is None
    # Looking again shows the value that is there now.
    again = build_preview(data, "a.xlsx", user=alice)
    item = next(i for i in again.items if i.indicator.code == "rd_intensity" and i.year == 2021)
    assert item.old_value == Decimal("2.25")


def test_a_value_created_after_the_preview_makes_it_stale(alice: User) -> None:
    data = csv_bytes(GOOD)
    record = save_pending(build_preview(data, "a.csv", user=alice), data, user=alice)
    store("410100", "rd_intensity", 2023, "2.6", origin="manual")
    with pytest.raises(StaleImport):
        commit(record, user=alice)
    assert set(years_stored("410100", "rd_intensity")) == {2023}


def test_an_import_is_committed_once_and_a_cancelled_one_never(alice: User) -> None:
    data = csv_bytes(GOOD)
    record = save_pending(build_preview(data, "a.csv", user=alice), data, user=alice)
    commit(record, user=alice)
    with pytest.raises(StaleImport):
        commit(record, user=alice)
    assert ObservationChange.objects.filter(actuals_import=record).count() == 3

    other = csv_bytes(wide(["研发投入强度", "%", 2.0, 2.1, 2.2]))
    pending = save_pending(build_preview(other, "b.csv", user=alice), other, user=alice)
    stored_file = pending.file.name
    assert pending.file.storage.exists(stored_file)
    cancel(pending)
    pending.refresh_from_db()
    assert pending.status == ActualsImport.Status.CANCELLED
    assert not pending.file.storage.exists(stored_file)
    with pytest.raises(StaleImport):
        commit(pending, user=alice)
    assert years_stored("410100", "rd_intensity")[2021] == Decimal("2.31")


@pytest.mark.parametrize(("kind", "rows"), [("xlsx", WIDE), ("ods", WIDE), ("csv-gbk", LONG_ZH), ("xls", LONG_EN)])
def test_the_same_file_twice_has_nothing_to_commit(kind: str, rows: Rows, demo: None, alice: User) -> None:
    data, name = make(kind, rows)
    first, _ = imported(data, name, user=alice)
    before = db_state()
    second = build_preview(data, name, user=alice)
    assert texts(second) == []
    assert second.changes == []
    assert not second.can_commit
    assert second.summary()["unchanged"] == len(first.items)
    # Under another name too: a value's source stays what the first upload recorded.
    renamed = build_preview(data, "renamed-" + name, user=alice)
    assert renamed.changes == []
    assert db_state() == before
