"""The data behind a chart or a table, taken away as CSV or .xlsx.

Both formats hold the same rows as the page shows: a header row, then one row per row on the page. Text never
reaches a spreadsheet as a formula (OWASP CSV injection): a cell starting with = + - @ or a tab gets a leading
apostrophe (plans.cells.safe_text, shared with the evaluation workbook); numbers stay numbers. The CSV is UTF-8
with a byte-order mark, so Chinese Excel opens it right.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from plans.cells import safe_text

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    return safe_text(str(value))


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow(["" if (v := _cell(value)) is None else v for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 — a new workbook has one sheet
    sheet.title = safe_text(sheet_title).translate(str.maketrans("", "", "[]:*?/\\"))[:31] or "data"
    sheet.append([safe_text(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F4F8")
    for row in rows:
        sheet.append([_cell(value) for value in row])
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(40, len(title) * 2 + 2))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_response(
    file_format: str, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str
) -> HttpResponse:
    """A download of the table as `filename`.csv or .xlsx (`file_format`, one of FORMATS)."""
    if file_format == "csv":
        response = HttpResponse(table_csv(header, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(table_xlsx(header, rows, sheet_title=sheet_title), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response
