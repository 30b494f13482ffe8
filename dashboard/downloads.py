"""The data behind a chart or a table, taken away as CSV or .xlsx.

Both formats hold the same rows as the page shows: a header row, then one row per row on the page. Text never
reaches a spreadsheet as a formula: every cell goes through cities.cells (an apostrophe before text that could
run, numbers stay numbers, text typed as text in a workbook). The CSV is UTF-8 with a byte-order mark, so Chinese
Excel opens it right.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cities import cells
from cities.cells import append_row, safe_text
from dashboard.overview import Overview, theme_label
from dashboard.pages import CityPage, ComparisonPage, IndicatorRow
from indicators.models import Indicator
from indicators.numbers import plain
from plans import completeness, wording
from plans import progress as pr
from plans.evaluation import Evaluation, completion, stated_target
from plans.models import TargetExplanation, TargetVerdict
from plans.selectors import TargetProgress

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


PERCENT_FORMAT = "0.0%"


@dataclass(frozen=True)
class Percent:
    """A share (0.348) written as a percentage: in a workbook the number with the format 0.0% (shows 34.8%, holds
    the exact share), in a CSV the text "34.8%"."""

    share: float | None

    def text(self) -> str:
        return "" if not pr.is_finite(self.share) else f"{self.share * 100:.1f}%"  # type: ignore[operator]

    def number(self) -> float | None:
        return None if not pr.is_finite(self.share) else cells.noise_free(self.share)  # type: ignore[arg-type]


def _cell(value: Any) -> Any:
    """A value as a cell: text on one line (cities.cells.one_line) and made safe, a float to the stored precision
    (no 8584.400000000001), a share as a Percent."""
    if isinstance(value, Percent):
        return value.number()
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, float):
        return cells.safe_value(cells.exact(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        return safe_text(cells.one_line(value))
    return cells.safe_value(value)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, Percent):
        return value.text()
    value = _cell(value)
    if value is None:
        return ""
    return plain(value) if isinstance(value, Decimal) else value


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(cells.one_line(h)) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 — a new workbook has one sheet
    sheet.title = cells.sheet_title(sheet_title, fallback="data")
    append_row(sheet, [cells.one_line(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F4F8")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        append_row(sheet, [_cell(value) for value in row])
        for column, value in enumerate(row, start=1):
            if isinstance(value, Percent):
                sheet.cell(sheet.max_row, column).number_format = PERCENT_FORMAT
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(40, len(title) * 2 + 2))
    sheet.freeze_panes = "A2"
    cells.print_setup(sheet, header_row=1)
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


def _stage(is_estimate: bool, is_demo: bool = False) -> str:
    """The stage of a value (数据性质): an estimate (预计值) or final statistics (统计值); none for a demo value
    (演示数据 are not statistics: their own column says what they are)."""
    if is_demo:
        return ""
    return _("estimate (预计值)") if is_estimate else _("final (统计值)")


def overview_table(view: Overview, *, attention: bool = False) -> Table:
    """One row per target of the overview (every indicator, the main ones and the rest), with the worst status of
    its cell — the region's targets on the indicator — beside its own; with `attention`, only the targets of the
    cells that need attention (lagging or worse), as the page shows them."""
    header = [
        _("Region"), _("Adcode"), _("Indicator code"), _("Indicator"), _("Unit"), _("Target"), _("Section"),
        _("Stated target"), _("Year of the actual"), _("Latest actual"), _("Completion"), _("Status"), _("Trend"),
        _("Demo or awaiting review"), _("Cell status (worst of the region's targets on the indicator)"), _("Theme"),
        _("Stage"),
    ]  # fmt: skip
    rows = [
        [
            row.region.name,
            row.region.adcode,
            indicator.code,
            indicator.name,
            indicator.unit,
            item.target.label,
            item.target.get_section_display(),
            stated_target(item.target),
            item.progress.year,
            item.progress.actual,
            Percent(completion(item.progress)),
            wording.status_label(item.progress),
            wording.trend_label(item.progress),
            _demo(item.is_demo, item.is_submitted),
            cell.label,
            theme_label(indicator.theme),
            _stage(item.is_estimate, item.is_demo) if item.progress.year is not None else "",
        ]
        for row, indicator, cell in view.cells()
        if cell.needs_attention or not attention
        for item in cell.items
    ]
    return Table(f"overview-{view.region.adcode}-{view.year}", header, rows, _("Overview"))


def completeness_table(board: completeness.Board) -> Table:
    """One row per value the board's regions owe for its year, with its state and dates."""
    header = [
        _("Region"), _("Adcode"), _("Indicator code"), _("Indicator"), _("Unit"), _("Year"), _("State"),
        _("State code"), _("Due from"), _("Overdue from"), _("Returned import"),
    ]  # fmt: skip
    rows = [
        [
            row.region.name,
            row.region.adcode,
            cell.indicator.code,
            cell.indicator.name,
            cell.indicator.unit,
            cell.year,
            cell.label,
            cell.state,
            cell.due_on,
            cell.overdue_on,
            cell.returned_import.pk if cell.returned_import else None,
        ]
        for row in board.rows
        for cell in row.cells
        if cell is not None
    ]
    return Table(f"completeness-{board.year}", header, rows, _("Completeness"))


def city_table(page: CityPage) -> Table:
    """Every chart's numbers, one row per target and year."""
    text = page.text
    header = [
        _("Region"), _("Indicator code"), _("Target"), _("Unit"), text["year"], text["actual"], text["plan"],
        text["projection"], text["province"], _("Status"), *revision_header(), _("Stage"), _("Demo or awaiting review"),
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
                    *revision_cells(item),
                    _stage(row["year"] in item.estimate_years, is_demo) if row["actual"] is not None else "",
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
        _("Stage"),
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
            stage = _stage(year in item.estimate_years, is_demo)
            table.append([region.name, region.adcode, indicator.code, indicator.unit, year, value, stage, label])
    # The province's line ("above the provincial average" targets), once, after the regions: as the chart draws it.
    for row in rows:
        item, parent = row.item, row.item.target.plan.region.parent
        if not item.parent_actuals or parent is None or parent.pk in seen:
            continue
        seen.add(parent.pk)
        for year in sorted(item.parent_actuals):
            label = _demo(year in item.parent_demo_years, False)
            stage = _stage(year in item.parent_estimate_years, year in item.parent_demo_years)
            value = item.parent_actuals[year]
            table.append([parent.name, parent.adcode, indicator.code, indicator.unit, year, value, stage, label])
    return Table(f"indicator-{indicator.code}-actuals", header, table, indicator.code)


def indicator_progress_table(indicator: Indicator, rows: list[IndicatorRow]) -> Table:
    """The table of the indicator page: every target, its completion and status."""
    header = [
        _("Region"), _("Adcode"), _("Target"), _("Stated target"), _("Baseline"), _("Baseline year"),
        _("Latest actual"), _("Year of the actual"), _("Completion"), _("Status"), _("Trend"),
        *revision_header(), _("Stage"), _("Demo or awaiting review"),
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
            Percent(row.completion),
            wording.status_label(row.item.progress),
            wording.trend_label(row.item.progress),
            *revision_cells(row.item),
            _stage(row.item.is_estimate, row.item.is_demo) if row.item.progress.year is not None else "",
            _demo(row.item.is_demo, row.item.is_submitted),
        ]
        for row in rows
    ]
    return Table(f"indicator-{indicator.code}-progress", header, table, indicator.code)


def ranking_table(page: ComparisonPage) -> Table:
    """The comparison page's ranking: per city its level, growth and completion, each with rank, change of rank
    since the year before and tier; the year's province value as the last row."""
    comparison = page.comparison
    indicator = comparison.indicator
    header = [
        _("Region"), _("Adcode"), _("Year"), _("Value"), _("Unit"), _("Rank"), _("Change of rank"), _("Tier"),
        _("Growth on the year before"), _("Growth unit"), _("Rank by growth"), _("Change of rank by growth"),
        _("Tier by growth"), _("Completion"), _("Rank by completion"), _("Change of rank by completion"),
        _("Tier by completion"), _("Status"), _("Source"), _("Demo or awaiting review"),
    ]  # fmt: skip
    words = wording.status_words()
    table: list[list[Any]] = []
    for row in comparison.rows:
        completion = row.completion.value
        table.append(
            [
                row.region.name, row.region.adcode, comparison.year, row.level.value, indicator.unit,
                row.level.rank, row.level.change, row.level.tier or "",
                _figure(row.growth.value), page.growth_unit, row.growth.rank, row.growth.change, row.growth.tier or "",
                Percent(None if completion is None else completion / 100), row.completion.rank, row.completion.change,
                row.completion.tier or "", words[row.status] if row.status else "", _text(row.source),
                _demo(row.is_demo),
            ]
        )  # fmt: skip
    if comparison.province_value is not None:
        province = comparison.province
        cells_ = [province.name, province.adcode, comparison.year, comparison.province_value, indicator.unit]
        table.append(cells_ + [""] * (len(header) - len(cells_)))
    return Table(f"indicator-{indicator.code}-comparison-{comparison.year or ''}", header, table, indicator.code)


# ---------------------------------------------------------------------------------------------- the evaluation


def _yes(flag: bool) -> str:
    return _("yes") if flag else ""


def _figure(value: float | None) -> float | None:
    """A computed figure to the stored precision: the exact value, without a float's noise."""
    return cells.exact(value) if pr.is_finite(value) else None  # type: ignore[arg-type]


def _share(value: float | None) -> float | None:
    """A computed share or rate (completion, required growth), written 0.0%: its exact value without noise."""
    return cells.noise_free(value) if pr.is_finite(value) else None  # type: ignore[arg-type]


def _text(text: str) -> str:
    return safe_text(cells.one_line(text))


def evaluation_xlsx(evaluation: Evaluation) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 — a new workbook has one sheet
    sheet.title = _("Evaluation")[:31]
    plan = evaluation.plan
    append_row(sheet, [_text(f"{plan.title} — {evaluation.title}")])
    sheet["A1"].font = Font(bold=True, size=13)
    append_row(sheet, [_text(evaluation.summary)])
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
        # A revised target (plans.TargetRevision): the status against both, the revised target, its document.
        *revision_header(),
        # The city's explanation (plans.TargetExplanation), the latest up to the evaluation year.
        _("Where it stands (完成情况)"),
        _("Will it be met by the target year? (趋势判断)"),
        _("Causes (原因分析)"),
        _("Propose a revised target (是否建议调整)"),
        _("Revised target, in the target's unit"),
        _("Next measures (下一步措施)"),
        _("Explanation: year, author, date"),
        # The reviewer's verdict on a qualitative target (plans.TargetVerdict), the status comes from it.
        _("Reviewer's verdict"),
        _("Verdict: evidence"),
        _("Verdict: year judged, date, reviewer, recorded at"),
        _("Stage of the actual"),
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
                _text(t.label),
                t.indicator.unit,
                _figure(p.baseline_used),
                p.baseline_year_used,
                _text(stated_target(t)),
                _figure(p.target_level),
                _figure(p.actual),
                p.year,
                _figure(p.expected),
                _share(row.completion),
                row.status_label,
                row.trend_label,
                _figure(p.projected_value),
                _share(p.required_annual_growth),
                _demo(row.item.is_demo, row.item.is_submitted) if row.item.is_submitted else _yes(row.item.is_demo),
                t.get_section_display(),
                _text(f"{t.quote} (L{t.quote_line})"),
                _text(row.notes),
                *revision_cells(row.item),
                *_explanation_cells(row.explanation),
                *_verdict_cells(row.verdict),
                _stage(row.item.is_estimate, row.item.is_demo) if p.year is not None else "",
            ],
        )
        number_row = sheet.max_row
        for column in (11, 15):  # completion and growth are shares: shown as percentages
            sheet.cell(number_row, column).number_format = "0.0%"
    widths = [
        5,
        30,
        8,
        10,
        8,
        24,
        12,
        12,
        8,
        12,
        10,
        12,
        14,
        12,
        12,
        8,
        10,
        50,
        50,
        14,
        14,
        24,
        50,
        40,
        40,
        40,
        10,
        12,
        40,
        24,
        12,
        50,
        30,
    ]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for sheet_row in sheet.iter_rows(min_row=header_row + 1):
        for cell in sheet_row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(header_row + 1, 3)
    cells.print_setup(sheet, header_row=header_row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def revision_header() -> list[str]:
    return [
        _("Against the original target"),
        _("Against the revised target"),
        _("Revised target"),
        _("Revision: document, number, in force from, reason, recorded by"),
    ]


def revision_cells(item: TargetProgress) -> list[Any]:
    """The status against the original and (when a revision is in force) the revised target, the revised target
    and its document, reason and recorder; a demonstration revision says so (演示数据)."""
    revision = item.revision
    if revision is None or item.revised is None:
        return [wording.status_word(item.status_original), "", "", ""]
    who = revision.recorded_by.get_username() if revision.recorded_by is not None else "—"
    parts = [revision.document_title, revision.document_number, f"{revision.effective_from:%Y-%m-%d}"]
    described = " · ".join(part for part in [*parts, revision.reason, who] if part)
    if revision.demo:
        described = f"{_('Demo data (演示数据)')} · {described}"
    return [
        wording.status_word(item.status_original),
        wording.status_word(item.status_revised or item.status),
        safe_text(stated_target(item.revised)),
        safe_text(described),
    ]


def _explanation_cells(explanation: TargetExplanation | None) -> list[Any]:
    if explanation is None:
        return [""] * 7
    author = explanation.author.get_username() if explanation.author is not None else "—"
    return [
        safe_text(cells.paragraphs(explanation.situation)),
        safe_text(cells.paragraphs(explanation.outlook)),
        safe_text(cells.paragraphs(explanation.causes)),
        _("yes") if explanation.propose_revision else _("no"),
        explanation.revised_target,
        safe_text(cells.paragraphs(explanation.measures)),
        safe_text(f"{explanation.year} · {author} · {timezone.localtime(explanation.created_at):%Y-%m-%d %H:%M}"),
    ]


def _verdict_cells(verdict: TargetVerdict | None) -> list[Any]:
    if verdict is None:
        return [""] * 3
    reviewer = verdict.reviewer.get_username() if verdict.reviewer is not None else "—"
    evidence = [verdict.evidence_text, verdict.evidence_url]
    if verdict.evidence_name:
        evidence.append(_("file: %(name)s") % {"name": verdict.evidence_name})
    return [
        wording.status_word(verdict.verdict),
        safe_text("\n".join(part for part in evidence if part)),
        safe_text(
            f"{verdict.year} · {verdict.decided_on:%Y-%m-%d} · {reviewer} · "
            f"{timezone.localtime(verdict.created_at):%Y-%m-%d %H:%M}"
        ),
    ]


def comparison_table(published: Any, rows: list[dict[str, Any]]) -> Table:
    """A published evaluation beside the same evaluation computed now (dashboard.published): one row per target."""
    header = [
        _("Plan"),
        _("Target"),
        _("Actual then"),
        _("Year then"),
        _("Stage then"),
        _("Actual now"),
        _("Year now"),
        _("Stage now"),
        _("Completion then"),
        _("Completion now"),
        _("Status then"),
        _("Status now"),
        _("Changed"),
        _("Demo data"),
    ]

    def stage(row: dict[str, Any]) -> str:
        if not row:
            return ""
        return _("estimate (预计值)") if row.get("is_estimate") else _("final (统计值)")

    body = [
        [
            row["plan_title"],
            row["label"],
            row["then"].get("actual"),
            row["then"].get("actual_year"),
            stage(row["then"]),
            row["now"].get("actual"),
            row["now"].get("actual_year"),
            stage(row["now"]),
            Percent(row["then"].get("completion")),
            Percent(row["now"].get("completion")),
            row["then_status"],
            row["now_status"],
            ", ".join(row["change"].changed),
            _demo(bool(row["then"].get("is_demo") or row["now"].get("is_demo"))),
        ]
        for row in rows
    ]
    return Table(f"published-evaluation-{published.pk}-compare", header, body, _("Comparison"))
