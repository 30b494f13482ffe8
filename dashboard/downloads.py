"""The data behind a chart or a table, taken away as CSV or .xlsx.

Both formats hold the same rows as the page shows: a header row, then one row per row on the page. Text never
reaches a spreadsheet as a formula: every cell goes through cities.cells (an apostrophe before text that could
run, numbers stay numbers, text typed as text in a workbook). The CSV is UTF-8 with a byte-order mark, so Chinese
Excel opens it right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cities import cells
from cities.cells import append_row, safe_text
from dashboard.overview import Overview
from dashboard.pages import CityPage, IndicatorRow
from indicators.models import Indicator
from plans import progress as pr
from plans import wording
from plans.evaluation import Evaluation, completion, stated_target
from plans.models import TargetExplanation

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    return cells.safe_value(value)


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
    sheet.title = cells.sheet_title(sheet_title, fallback="data")
    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F4F8")
    for row in rows:
        append_row(sheet, [_cell(value) for value in row])
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(40, len(title) * 2 + 2))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Table:
    """A page's data as a download: a file name (without extension), a header row, the rows, a sheet title."""

    name: str
    header: list[str]
    rows: list[list[Any]]
    sheet_title: str


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


def download(file_format: str, table: Table) -> HttpResponse:
    return table_response(file_format, table.name, table.header, table.rows, sheet_title=table.sheet_title)


def _demo(is_demo: bool, is_submitted: bool = False) -> str:
    """The label of a value that is not approved real data: demo, or submitted and awaiting review."""
    if is_submitted:
        return _("submitted, awaiting review (待审核)")
    return _("demo data (演示数据)") if is_demo else ""


def overview_table(view: Overview) -> Table:
    """One row per target of the overview, with the status its cell shows."""
    header = [
        _("Region"), _("Adcode"), _("Indicator code"), _("Indicator"), _("Unit"), _("Target"), _("Section"),
        _("Stated target"), _("Year of the actual"), _("Latest actual"), _("Completion"), _("Status"), _("Trend"),
        _("Demo or awaiting review"),
    ]  # fmt: skip
    rows = [
        [
            row.region.name,
            row.region.adcode,
            item.target.indicator.code,
            item.target.indicator.name,
            item.target.indicator.unit,
            item.target.label,
            item.target.get_section_display(),
            stated_target(item.target),
            item.progress.year,
            item.progress.actual,
            completion(item.progress),
            wording.status_label(item.progress),
            wording.trend_label(item.progress),
            _demo(item.is_demo, item.is_submitted),
        ]
        for row in view.rows
        for item in row.items
    ]
    return Table(f"overview-{view.region.adcode}-{view.year}", header, rows, _("Overview"))


def city_table(page: CityPage) -> Table:
    """Every chart's numbers, one row per target and year."""
    text = page.text
    header = [
        _("Region"), _("Indicator code"), _("Target"), _("Unit"), text["year"], text["actual"], text["plan"],
        text["projection"], text["province"], _("Status"), _("Demo or awaiting review"),
    ]  # fmt: skip
    rows = []
    statements = page.statements
    for statement in statements:
        item = statement.item
        target, status = item.target, wording.status_label(item.progress)
        for row in statement.frame:
            is_demo = row["actual"] is not None and row["year"] in item.demo_years
            is_submitted = row["actual"] is not None and row["year"] in item.submitted_years
            rows.append(
                [
                    page.region.name,
                    target.indicator.code,
                    target.label,
                    target.indicator.unit,
                    row["year"],
                    row["actual"],
                    row["plan"],
                    row["projection"],
                    row["province"],
                    status,
                    _demo(is_demo, is_submitted),
                ]
            )
    name = f"city-{page.region.adcode}" if len(statements) != 1 else f"target-{statements[0].target.pk}"
    return Table(name, header, rows, page.region.name)


def indicator_actuals_table(indicator: Indicator, rows: list[IndicatorRow]) -> Table:
    """The lines of the indicator page: each region's actuals, once per region."""
    header = [
        _("Region"),
        _("Adcode"),
        _("Indicator code"),
        _("Unit"),
        _("Year"),
        _("Actual"),
        _("Demo or awaiting review"),
    ]
    seen: set[int] = set()
    table = []
    for row in rows:
        item = row.item
        region = item.target.plan.region
        if region.pk in seen:
            continue
        seen.add(region.pk)
        for year in sorted(item.actuals):
            value, is_demo, is_submitted = item.actuals[year], year in item.demo_years, year in item.submitted_years
            label = _demo(is_demo, is_submitted)
            table.append([region.name, region.adcode, indicator.code, indicator.unit, year, value, label])
    # The province's line ("above the provincial average" targets), once, after the regions: as the chart draws it.
    for row in rows:
        item, parent = row.item, row.item.target.plan.region.parent
        if not item.parent_actuals or parent is None or parent.pk in seen:
            continue
        seen.add(parent.pk)
        for year in sorted(item.parent_actuals):
            label = _demo(year in item.parent_demo_years, False)
            table.append(
                [parent.name, parent.adcode, indicator.code, indicator.unit, year, item.parent_actuals[year], label]
            )
    return Table(f"indicator-{indicator.code}-actuals", header, table, indicator.code)


def indicator_progress_table(indicator: Indicator, rows: list[IndicatorRow]) -> Table:
    """The table of the indicator page: every target, its completion and status."""
    header = [
        _("Region"), _("Adcode"), _("Target"), _("Stated target"), _("Baseline"), _("Baseline year"),
        _("Latest actual"), _("Year of the actual"), _("Completion"), _("Status"), _("Trend"),
        _("Demo or awaiting review"),
    ]  # fmt: skip
    table = [
        [
            row.item.target.plan.region.name,
            row.item.target.plan.region.adcode,
            row.item.target.label,
            stated_target(row.item.target),
            row.item.progress.baseline_used,
            row.item.progress.baseline_year_used,
            row.item.progress.actual,
            row.item.progress.year,
            row.completion,
            wording.status_label(row.item.progress),
            wording.trend_label(row.item.progress),
            _demo(row.item.is_demo, row.item.is_submitted),
        ]
        for row in rows
    ]
    return Table(f"indicator-{indicator.code}-progress", header, table, indicator.code)


# ---------------------------------------------------------------------------------------------- the evaluation


def _yes(flag: bool) -> str:
    return _("yes") if flag else ""


def _figure(value: float | None) -> float | None:
    return value if pr.is_finite(value) else None


def evaluation_xlsx(evaluation: Evaluation) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 — a new workbook has one sheet
    sheet.title = _("Evaluation")[:31]
    plan = evaluation.plan
    append_row(sheet, [safe_text(f"{plan.title} — {evaluation.title}")])
    sheet["A1"].font = Font(bold=True, size=13)
    append_row(sheet, [safe_text(evaluation.summary)])
    if evaluation.has_demo:
        append_row(sheet, [_("Contains demo data (演示数据): not real statistics.")])
    if evaluation.has_submitted:
        append_row(sheet, [_("Includes submitted values awaiting review (待审核): not yet approved.")])
    sheet.append([])
    header = [
        _("No."),
        _("Indicator"),
        _("Unit"),
        _("Baseline"),
        _("Baseline year"),
        _("Target"),
        _("Target level"),
        _("Latest actual"),
        _("Year of the actual"),
        _("Expected by now"),
        _("Completion"),
        _("Status"),
        _("Trend"),
        _("Projected value"),
        _("Required annual growth"),
        _("Demo or awaiting review"),
        _("Section"),
        _("Quote (line)"),
        _("Notes"),
        # The city's explanation (plans.TargetExplanation), the latest up to the evaluation year.
        _("Where it stands (完成情况)"),
        _("Will it be met by the target year? (趋势判断)"),
        _("Causes (原因分析)"),
        _("Propose a revised target (是否建议调整)"),
        _("Revised target, in the target's unit"),
        _("Next measures (下一步措施)"),
        _("Explanation: year, author, date"),
    ]
    append_row(sheet, header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F4F8")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in evaluation.rows:
        t, p = row.target, row.progress
        append_row(
            sheet,
            [
                row.number,
                safe_text(t.label),
                t.indicator.unit,
                _figure(p.baseline_used),
                p.baseline_year_used,
                safe_text(stated_target(t)),
                _figure(p.target_level),
                _figure(p.actual),
                p.year,
                _figure(p.expected),
                _figure(row.completion),
                row.status_label,
                row.trend_label,
                _figure(p.projected_value),
                _figure(p.required_annual_growth),
                _demo(row.item.is_demo, row.item.is_submitted) if row.item.is_submitted else _yes(row.item.is_demo),
                t.get_section_display(),
                safe_text(f"{t.quote} (L{t.quote_line})"),
                safe_text(row.notes),
                *_explanation_cells(row.explanation),
            ],
        )
        number_row = sheet.max_row
        for column in (11, 15):  # completion and growth are shares: shown as percentages
            sheet.cell(number_row, column).number_format = "0.0%"
    widths = [5, 30, 8, 10, 8, 24, 12, 12, 8, 12, 10, 12, 14, 12, 12, 8, 10, 50, 50, 40, 40, 40, 10, 12, 40, 24]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _explanation_cells(explanation: TargetExplanation | None) -> list[Any]:
    if explanation is None:
        return [""] * 7
    author = explanation.author.get_username() if explanation.author is not None else "—"
    return [
        safe_text(explanation.situation),
        safe_text(explanation.outlook),
        safe_text(explanation.causes),
        _("yes") if explanation.propose_revision else _("no"),
        explanation.revised_target,
        safe_text(explanation.measures),
        safe_text(f"{explanation.year} · {author} · {timezone.localtime(explanation.created_at):%Y-%m-%d %H:%M}"),
    ]
