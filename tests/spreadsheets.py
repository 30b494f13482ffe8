"""Real spreadsheet files for the import tests, written by the libraries office programs' files come from
(openpyxl, XlsxWriter, xlwt, odfpy through pandas, csv in four encodings), the database helpers the import
tests share, and the readers that check a file the application writes holds no formula."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlwt
from django.contrib.auth.models import User
from msoffcrypto.format.ooxml import OOXMLFile
from python_calamine import CalamineWorkbook

from cities.models import Region
from imports.problems import Problem, column_letter
from imports.service import (
    Preview,
    StaleImport,
    build_preview,
    commit,
    save_pending,
)
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange
from indicators.services import observation_set
from plans.demo import DEMO_SOURCE
from plans.models import Plan, Target

Rows = list[list[Any]]

# ---------------------------------------------------------------------------------------------------------------
# Files, written the way the programs people use write them.
# ---------------------------------------------------------------------------------------------------------------


def _is_title(row: Sequence[Any]) -> bool:
    """A lone text in the first cell of a row: a title, which people merge across the table."""
    return len(row) > 1 and row[0] not in (None, "") and all(cell in (None, "") for cell in row[1:])


def _width(rows: Rows) -> int:
    return max((len(row) for row in rows), default=0)


def xlsx_bytes(
    rows: Rows,
    *,
    sheet_name: str = "指标",
    more_sheets: Sequence[tuple[str, Rows]] = (),
    hidden: Sequence[str] = (),
    number_formats: dict[str, str] | None = None,
) -> bytes:
    """openpyxl (what Excel writes): a title in the first row is a merged cell across the table."""
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = sheet_name
    sheets = [(first, rows)] + [(workbook.create_sheet(name), sheet_rows) for name, sheet_rows in more_sheets]
    for worksheet, sheet_rows in sheets:
        for r, row in enumerate(sheet_rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    worksheet.cell(row=r, column=c, value=value)
        if sheet_rows and _is_title(sheet_rows[0]):
            worksheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=_width(sheet_rows))
    for coordinate, number_format in (number_formats or {}).items():
        first[coordinate].number_format = number_format
    for name in hidden:
        workbook[name].sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls_bytes(rows: Rows) -> bytes:
    """xlwt: the old binary .xls (BIFF8 in an OLE container), title merged too."""
    workbook = xlwt.Workbook(encoding="utf-8")
    worksheet = workbook.add_sheet("指标")
    for r, row in enumerate(rows):
        if r == 0 and _is_title(row):
            worksheet.write_merge(0, 0, 0, _width(rows) - 1, row[0])
            continue
        for c, value in enumerate(row):
            if value is not None:
                worksheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_bytes(rows: Rows) -> bytes:
    """odfpy through pandas (LibreOffice's format)."""
    width = _width(rows)
    frame = pd.DataFrame([list(row) + [None] * (width - len(row)) for row in rows], dtype=object)
    buffer = io.BytesIO()
    frame.to_excel(buffer, engine="odf", header=False, index=False, sheet_name="指标")
    return buffer.getvalue()


def csv_bytes(rows: Rows, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """What "save as CSV" (and, tab separated in UTF-16, Excel's "Unicode text") writes."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([["" if cell is None else str(cell) for cell in row] for row in rows])
    return text.getvalue().encode(encoding)


WRITERS: dict[str, tuple[Callable[[Rows], bytes], str, str]] = {
    # name: (writer, file name, the format the importer must recognise)
    "xlsx": (xlsx_bytes, "actuals.xlsx", "xlsx"),
    "xls": (xls_bytes, "actuals.xls", "xls"),
    "ods": (ods_bytes, "actuals.ods", "ods"),
    "csv-utf8": (lambda rows: csv_bytes(rows, "utf-8"), "actuals.csv", "csv"),
    "csv-utf8-bom": (lambda rows: csv_bytes(rows, "utf-8-sig"), "actuals.csv", "csv"),
    "csv-gb18030": (lambda rows: csv_bytes(rows, "gb18030"), "actuals.csv", "csv"),
    "csv-gbk": (lambda rows: csv_bytes(rows, "gbk"), "actuals.csv", "csv"),
    "tsv-utf16": (lambda rows: csv_bytes(rows, "utf-16", "\t"), "actuals.txt", "csv"),
}


def make(kind: str, rows: Rows) -> tuple[bytes, str]:
    writer, name, _ = WRITERS[kind]
    return writer(rows), name


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


def encrypted_xlsx_bytes(rows: Rows) -> bytes:
    """A workbook saved with "encrypt with password" (ECMA-376 agile encryption, as Excel does)."""
    password = "mima-2024"
    plain = io.BytesIO(xlsx_bytes(rows))
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt(password, encrypted)
    return encrypted.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# The tables.
# ---------------------------------------------------------------------------------------------------------------

# Wide: a statistical-yearbook table for Zhengzhou, region named only in the title.
WIDE: Rows = [
    ["郑州市科技创新主要指标完成情况（2021—2023年）", None, None, None, None, None],
    [],
    ["指标名称", "单位", "2021年", "2022年", "2023年", "2025年目标"],
    ["研发投入强度", "%", 2.31, 2.45, "2.6%", 3.2],
    ["技术合同成交额", "亿元", "1,234.5", 1350, None, 2000],
    ["高新技术企业数量", "家", 5000, "５２００", "—", 8000],
    ["注：2023年为快报数，2025年为规划目标。", None, None, None, None, None],
]
# (indicator, year) → (value stored after the import, the demo value it replaces or None)
WIDE_EXPECTED: dict[tuple[str, int], tuple[str, str | None]] = {
    ("rd_intensity", 2021): ("2.31", "2.2"),
    ("rd_intensity", 2022): ("2.45", "2.35"),
    ("rd_intensity", 2023): ("2.6", None),
    ("tech_contract_turnover", 2021): ("1234.5", None),
    ("tech_contract_turnover", 2022): ("1350", None),
    ("hightech_firms", 2021): ("5000", "5000"),
    ("hightech_firms", 2022): ("5200", None),
}

# Long: one row per region × indicator × year, as a database export writes it.
LONG_ZH: Rows = [
    ["地区", "指标", "年份", "数值", "备注", "来源"],
    [410100, "研发投入强度", 2021, 2.31, "快报数", "郑州市统计公报"],
    ["郑州市", "技术合同成交额", "2022年", "1,350", None, "郑州市科技局"],
    ["开封市", "研发投入强度", 2022, 1.95, None, None],
    ["410200", "高新技术企业数量", 2022, 1200, "含新认定", None],
]
LONG_EN: Rows = [
    ["Region", "Indicator", "Year", "Value", "Note", "Source"],
    ["Zhengzhou", "rd_intensity", 2021, 2.31, "快报数", "郑州市统计公报"],
    ["zhengzhou", "Technology contract turnover", 2022, "1,350", None, "郑州市科技局"],
    ["Kaifeng", "rd_intensity", 2022, 1.95, None, None],
    [410200, "hightech_firms", "2022", 1200, "含新认定", None],
]
# (adcode, indicator, year) → (value, note, source; None: the file's name)
LONG_EXPECTED: dict[tuple[str, str, int], tuple[str, str, str | None]] = {
    ("410100", "rd_intensity", 2021): ("2.31", "快报数", "郑州市统计公报"),
    ("410100", "tech_contract_turnover", 2022): ("1350", "", "郑州市科技局"),
    ("410200", "rd_intensity", 2022): ("1.95", "", None),
    ("410200", "hightech_firms", 2022): ("1200", "含新认定", None),
}


def wide(*body: list[Any], title: str = "郑州市主要科技指标", years: Sequence[int] = (2021, 2022, 2023)) -> Rows:
    """A small wide table: title, header (name, unit, years), the given rows."""
    return [
        [title, None, *[None] * len(years)],
        ["指标名称", "单位", *[f"{year}年" for year in years]],
        *[list(row) for row in body],
    ]


def long(*body: list[Any]) -> Rows:
    return [["地区", "指标", "年份", "数值"], *[list(row) for row in body]]


# ---------------------------------------------------------------------------------------------------------------
# Database helpers.
# ---------------------------------------------------------------------------------------------------------------


def store(adcode: str, code: str, year: int, value: str, *, origin: str = "demo") -> Observation:
    observation, _ = observation_set(
        region=Region.objects.get(adcode=adcode),
        indicator=Indicator.objects.get(code=code),
        year=year,
        value=Decimal(value),
        source=DEMO_SOURCE if origin == "demo" else "统计公报",
        origin=origin,
    )
    return observation


def stored(adcode: str, code: str, year: int) -> Observation | None:
    return Observation.objects.filter(region__adcode=adcode, indicator__code=code, year=year).first()


def years_stored(adcode: str, code: str) -> dict[int, Decimal]:
    return dict(Observation.objects.filter(region__adcode=adcode, indicator__code=code).values_list("year", "value"))


def db_state() -> tuple[int, int, int]:
    return (
        Observation.objects.count(),
        ObservationChange.objects.count(),
        ActualsImport.objects.filter(status=ActualsImport.Status.APPROVED).count(),
    )


def texts(preview: Preview) -> list[str]:
    return [problem.text_en for problem in preview.problems]


def imported(
    data: bytes, name: str, *, user: User | None, region: Region | None = None
) -> tuple[Preview, ActualsImport]:
    """Preview, keep, confirm — as the upload page does. The file must be clean."""
    preview = build_preview(data, name, user=user, region=region)
    assert not preview.errors, texts(preview)
    assert preview.can_commit
    record = save_pending(preview, data, user=user)
    commit(record, user=user)
    record.refresh_from_db()
    return preview, record


def refused(data: bytes, name: str, *, user: User | None = None, region: Region | None = None) -> list[Problem]:
    """The file's errors. Even forcing a commit writes nothing: the database is as it was."""
    before = db_state()
    preview = build_preview(data, name, user=user, region=region)
    assert preview.errors
    assert not preview.can_commit
    for problem in preview.problems:  # every message renders in both languages, placeholders and all
        assert problem.text_en.strip()
        assert problem.text_zh.strip()
    record = save_pending(preview, data, user=user)
    with pytest.raises(StaleImport):
        commit(record, user=user)
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.PENDING
    assert db_state() == before
    assert not ObservationChange.objects.filter(actuals_import=record).exists()
    return preview.errors


def assert_at(problem: Problem, row: int, column: int | None = None) -> None:
    """The problem names the spreadsheet row (1-based, as the program shows it) and, for a cell, its column."""
    assert problem.location.row == row, problem.text_en
    assert problem.location.column == column, problem.text_en
    assert f"row {row}" in problem.text_en
    assert f"第 {row} 行" in problem.text_zh
    if column is not None:
        assert f"column {column_letter(column)}" in problem.text_en


# ---------------------------------------------------------------------------------------------------------------
# Files the application writes: every cell read back, none a formula.
# ---------------------------------------------------------------------------------------------------------------

# Text a spreadsheet program would run, each way of sneaking it in.
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    " =1",
    "\u200b=1",
    "＝1",
    "＋1",
]
_NUMBER_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def runs_as_formula(text: str) -> bool:
    """What a spreadsheet program would take for a formula — written out here, independently of cities.cells."""
    if text[:1] in ("\t", "\r"):
        return True
    head = text.lstrip(" \t\r\n\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff")
    return head.startswith(("=", "+", "-", "@", "＝", "＋", "－", "＠"))


def assert_inert_texts(texts: list[Any]) -> list[Any]:
    """No text runs as a formula; a CSV's negative numbers ("-1.5") are numbers, which programs read as such."""
    bad = [t for t in texts if isinstance(t, str) and runs_as_formula(t) and not _NUMBER_TEXT.fullmatch(t)]
    assert not bad, bad
    return texts


def csv_cells(data: bytes, delimiter: str = ",") -> list[str]:
    text = data.decode("utf-8-sig")
    return assert_inert_texts(
        [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]
    )


def xlsx_cells(data: bytes) -> list[Any]:
    """Every cell of every sheet; none stored as a formula, no text that would run as one."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    return assert_inert_texts([cell.value for cell in cells])


def ods_cells(data: bytes) -> list[Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"table:formula" not in archive.read("content.xml")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = [row for name in workbook.sheet_names for row in workbook.get_sheet_by_name(name).to_python()]
    return assert_inert_texts([cell for row in rows for cell in row])


def escaped(cells: list[Any], text: str) -> bool:
    """The text is there as a whole cell, with the apostrophe in front (XML turns a carriage return into \\n)."""
    return any(f"'{variant}" in cells for variant in (text, text.replace("\r", "\n")))


# Where hostile_catalogue plants each hostile text, so that every kind reaches every writer.
PLANTED: dict[str, str] = {
    "zhengzhou.name_zh": HOSTILE[0],
    "zhengzhou.name_en": HOSTILE[6],
    "kaifeng.name_zh": HOSTILE[7],
    "kaifeng.name_en": HOSTILE[1],
    "indicator.name_zh": HOSTILE[8],
    "indicator.name_en": HOSTILE[3],
    "indicator.unit": HOSTILE[4],
    "indicator.description": HOSTILE[2],
    "target.label": HOSTILE[9],
    "kaifeng_target.label": HOSTILE[5],
    "target.quote": HOSTILE[6],
    "target.note": HOSTILE[2],
    "target.baseline_note": HOSTILE[7],
    "plan.title": HOSTILE[6],
    "plan.document_number": HOSTILE[3],
    "observation.source": HOSTILE[0],
    "observation.note": HOSTILE[5],
}


def hostile_catalogue() -> None:
    """Zhengzhou and Kaifeng, their R&D-intensity targets, Zhengzhou's plan and two of its stored values, with
    text fields holding formulas in disguise (PLANTED; update(): as a careless fixture or a direct database edit
    would store them). The values: 2.5 and, for "negative numbers stay numbers", -1.5."""
    p = PLANTED
    Region.objects.filter(adcode="410100").update(name_zh=p["zhengzhou.name_zh"], name_en=p["zhengzhou.name_en"])
    Region.objects.filter(adcode="410200").update(name_zh=p["kaifeng.name_zh"], name_en=p["kaifeng.name_en"])
    Indicator.objects.filter(code="rd_intensity").update(
        name_zh=p["indicator.name_zh"],
        name_en=p["indicator.name_en"],
        unit=p["indicator.unit"],
        description=p["indicator.description"],
    )
    Plan.objects.filter(slug="zhengzhou").update(title=p["plan.title"], document_number=p["plan.document_number"])
    Target.objects.filter(plan__slug="zhengzhou", indicator__code="rd_intensity").update(
        label=p["target.label"], quote=p["target.quote"], note=p["target.note"], baseline_note=p["target.baseline_note"]
    )
    Target.objects.filter(plan__slug="kaifeng", indicator__code="rd_intensity").update(label=p["kaifeng_target.label"])
    region, indicator = Region.objects.get(adcode="410100"), Indicator.objects.get(code="rd_intensity")
    for year, value in ((2022, "-1.5"), (2023, "2.5")):
        observation_set(
            region=region,
            indicator=indicator,
            year=year,
            value=Decimal(value),
            source=p["observation.source"],
            note=p["observation.note"],
        )
