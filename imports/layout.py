"""Finding the table in a sheet and reading its rows as raw records, for the two layouts people use:

* wide — one indicator per row, one year per column (the statistical-yearbook shape, and our template);
* long — one row per region × indicator × year, with a value column (database exports).

Title rows, blank rows, merged title cells and notes under the table are passed over. Headers may be Chinese
or English. Nothing here touches the database; matching names to indicators and regions comes later.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from imports.problems import Location
from imports.values import parse_year

HEADER_SCAN_ROWS = 30

# Header words → the role of the column. Compared after NFKC, lower case, spaces and a trailing (unit) removed.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "code": ("指标代码", "代码", "指标编码", "编码", "code", "indicatorcode", "indicator_code"),
    "indicator": (
        "指标",
        "指标名称",
        "名称",
        "项目",
        "指标项",
        "统计指标",
        "主要指标",
        "indicator",
        "indicatorname",
        "indicator_name",
        "name",
        "item",
    ),
    "unit": ("单位", "计量单位", "unit", "units"),
    "region": (
        "地区",
        "地区名称",
        "城市",
        "城市名称",
        "地市",
        "省辖市",
        "市",
        "区域",
        "行政区",
        "行政区划",
        "region",
        "city",
        "area",
    ),
    "adcode": ("行政区划代码", "地区代码", "区划代码", "adcode", "regioncode", "region_code"),
    "year": ("年份", "年度", "年", "year"),
    "value": ("数值", "值", "实际值", "完成值", "实绩", "数据", "value", "actual", "amount"),
    "note": ("备注", "说明", "注", "note", "notes", "remark", "remarks", "comment"),
    "source": ("来源", "数据来源", "source"),
    # Estimate (预计值) or final statistics (统计值): imports.values.parse_stage.
    "stage": ("数据性质", "性质", "口径", "数据口径", "stage", "nature"),
}
_ROLE_OF = {word: role for role, words in ROLE_WORDS.items() for word in words}
# Year columns that hold plans rather than actuals: "2025年目标", "规划目标 2025".
_NOT_ACTUAL = re.compile(r"目标|规划|预期|预计|计划|target|plan|goal|forecast", re.IGNORECASE)
_TRAILING_BRACKET = re.compile(r"[(\[][^()\[\]]*[)\]]\s*$")


def header_key(cell: Any) -> tuple[str, str]:
    """(normalized header word, unit in brackets if any): "数值（亿元）" → ("数值", "亿元")."""
    text = unicodedata.normalize("NFKC", str(cell if cell is not None else "")).strip()
    unit = ""
    match = _TRAILING_BRACKET.search(text)
    if match:
        unit = match.group(0).strip()[1:-1].strip()
        text = text[: match.start()]
    return re.sub(r"\s+", "", text).lower().rstrip(":："), unit


@dataclass
class Table:
    """A table found in a sheet: where its header is and what each column means."""

    sheet: str
    header_row: int  # 0-based index of the (last) header row
    layout: str  # "wide" or "long"
    roles: dict[str, int]  # role → column index
    role_units: dict[str, str]  # role → unit written in its header, e.g. value → 亿元
    year_columns: dict[int, int]  # column index → year (wide)
    headers: dict[int, str]  # column index → header text as written, for messages


@dataclass(slots=True)
class RawValue:
    """One value cell with everything the row says about it, not yet matched to the database."""

    location: Location
    region: Any  # cell text or None (then the default region applies)
    code: Any
    indicator: Any
    year: Any
    value: Any
    unit: Any  # unit column or header unit; the cell itself may add one
    note: str
    source: str
    stage: Any = None  # the cell of the stage column (数据性质), if the table has one


def _classify(row: list[Any]) -> tuple[dict[str, int], dict[str, str], dict[int, int], dict[int, str]]:
    roles: dict[str, int] = {}
    units: dict[str, str] = {}
    years: dict[int, int] = {}
    headers: dict[int, str] = {}
    for index, cell in enumerate(row):
        if cell is None or cell == "":
            continue
        headers[index] = str(cell).strip()
        year = parse_year(cell)
        if year is not None and not _NOT_ACTUAL.search(str(cell)):
            years[index] = year
            continue
        word, unit = header_key(cell)
        role = _ROLE_OF.get(word)
        if role and role not in roles:
            roles[role] = index
            if unit:
                units[role] = unit
    return roles, units, years, headers


def find_table(sheet: str, rows: list[list[Any]]) -> Table | None:
    """The first row in the top of the sheet that reads as a header. A header split over two rows (names in the
    first, years under a merged "实际值" cell in the second) is joined."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        roles, units, years, headers = _classify(row)
        if "indicator" not in roles and "code" not in roles:
            continue
        if "year" in roles and "value" in roles:
            return Table(sheet, index, "long", roles, units, {}, headers)
        if len(years) >= 1:
            return Table(sheet, index, "wide", roles, units, years, headers)
        if index + 1 < len(rows):
            _, _, next_years, next_headers = _classify(rows[index + 1])
            taken = set(roles.values())
            next_years = {col: year for col, year in next_years.items() if col not in taken}
            if next_years:
                headers.update({col: next_headers[col] for col in next_years})
                return Table(sheet, index + 1, "wide", roles, units, next_years, headers)
    return None


def _cell(row: list[Any], index: int | None) -> Any:
    if index is None or index >= len(row):
        return None
    return row[index]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def raw_values(table: Table, rows: list[list[Any]]) -> Iterator[RawValue]:
    """Every value cell under the header. Blank rows and rows with no value at all (notes, sub-headings, an
    indicator not reported) yield nothing."""
    roles = table.roles
    code_col, name_col = roles.get("code"), roles.get("indicator")
    region_col = roles.get("adcode", roles.get("region"))
    unit_col, note_col, source_col = roles.get("unit"), roles.get("note"), roles.get("source")
    stage_col = roles.get("stage")
    header_unit = table.role_units.get("value", "")
    for index in range(table.header_row + 1, len(rows)):
        row = rows[index]
        if table.layout == "long":
            cells = [(roles["value"], _cell(row, roles["value"]), _cell(row, roles["year"]))]
        else:
            cells = [(col, _cell(row, col), year) for col, year in table.year_columns.items()]
        cells = [(col, value, year) for col, value, year in cells if value is not None and _text(value) != ""]
        if not cells:
            continue
        unit = _text(_cell(row, unit_col)) or header_unit
        for col, value, year in cells:
            yield RawValue(
                location=Location(table.sheet, index + 1, col, table.headers.get(col, "")),
                region=_cell(row, region_col),
                code=_cell(row, code_col),
                indicator=_cell(row, name_col),
                year=year,
                value=value,
                unit=unit,
                note=_text(_cell(row, note_col)),
                source=_text(_cell(row, source_col)),
                stage=_cell(row, stage_col),
            )
