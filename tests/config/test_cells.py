"""cities.cells, the one place deciding what a cell of a file the application writes holds: text that could run
as a formula gets an apostrophe, numbers stay numbers, sheet titles are ones Excel accepts."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from cities.cells import append_row, formula_like, neutralise, restore, safe_text, safe_value, sheet_title
from tests.spreadsheets import HOSTILE, runs_as_formula, xlsx_cells

MORE_HOSTILE = ["＠SUM(A1)", "－1", "\ufeff=1", "\u2060+1", "\u200c@x", "\u3000=1", "\u00a0=1", "\n=1", "  \t x", "﹦1"]
HARMLESS = ["研发投入强度", "R&D intensity", "1.5", "a-b", "a=b", "", "   ", "—", "（一）", "%"]


@pytest.mark.parametrize("text", HOSTILE + MORE_HOSTILE)
def test_text_that_could_run_gets_an_apostrophe(text: str) -> None:
    assert formula_like(text)
    assert neutralise(text) == "'" + text
    assert not runs_as_formula(neutralise(text))
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_left_alone(text: str) -> None:
    assert not formula_like(text)
    assert neutralise(text) == text == restore(text)


def test_neutralising_twice_changes_nothing_more() -> None:
    for text in HOSTILE:
        assert neutralise(neutralise(text)) == neutralise(text)
    assert neutralise("'=1") == "'=1"  # already text to a spreadsheet


def test_control_characters_a_workbook_cannot_hold_go_before_the_check() -> None:
    assert safe_text("\x0c=1") == "'=1"
    assert safe_text("第一页\x0c第二页") == "第一页第二页"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1.5, -1.5),
        (-3, -3),
        (Decimal("-2.25"), Decimal("-2.25")),
        (float("nan"), None),
        (float("inf"), None),
        (Decimal("NaN"), None),
        (None, None),
        (True, True),
        (datetime.date(2024, 1, 31), datetime.date(2024, 1, 31)),
        ("-1.5", "'-1.5"),  # text that looks like a number is still text
        (HOSTILE[0], "'" + HOSTILE[0]),
    ],
)
def test_numbers_stay_numbers_and_text_is_made_safe(value: Any, expected: Any) -> None:
    assert safe_value(value) == expected or (expected is None and safe_value(value) is None)


def test_a_workbook_row_stores_text_as_text_and_numbers_as_numbers() -> None:
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    append_row(sheet, [*HOSTILE, -1.5, 7, None, Decimal("2.5")])
    assert all(cell.data_type == "s" for cell in sheet[1][: len(HOSTILE)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = xlsx_cells(buffer.getvalue())  # none a formula, none that would run as one
    assert cells[len(HOSTILE) :] == [-1.5, 7, None, 2.5]


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("a:b/c", [], "abc"),
        ("[]:*?/\\", [], "Sheet"),
        ("'郑州市'", [], "郑州市"),
        ("History", [], "Sheet"),
        ("x" * 40, [], "x" * 31),
        ("Data", ["data"], "Data (2)"),
        ("Data", ["DATA", "data (2)"], "Data (3)"),
        ("y" * 31, ["y" * 31], "y" * 27 + " (2)"),
        ("\t=1\r", [], "=1"),
    ],
)
def test_sheet_titles_are_ones_excel_accepts(name: str, taken: list[str], expected: str) -> None:
    title = sheet_title(name, taken)
    assert title == expected
    sheet: Any = openpyxl.Workbook().active
    sheet.title = title  # openpyxl refuses the forbidden characters too
    assert sheet.title == title
