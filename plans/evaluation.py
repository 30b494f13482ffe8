"""The evaluation table of a plan (中期/终期评估): one row per target at an as-of year, the counts per status,
the sentence that summarises them, and the same as an .xlsx workbook."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from indicators.numbers import plain
from plans import progress as pr
from plans import wording as tx
from plans.cells import safe_text
from plans.models import Plan, Target
from plans.selectors import TargetProgress, default_as_of, evaluate_targets, plan_span, targets_for

# As-of years accepted by the evaluation pages and the progress API.
YEARS = range(1949, 2101)  # as the actuals (constraint observation_year_plausible)

# Status counts in the order of the summary sentence.
SUMMARY_ORDER = (
    "achieved_early",
    pr.PACE_ACHIEVED,
    "ahead_or_on_schedule",
    pr.PACE_LAGGING,
    pr.PACE_FAR_BEHIND,
    pr.PACE_REGRESSING,
    pr.PACE_NO_DATA,
)


@dataclass(frozen=True)
class EvaluationRow:
    number: int
    item: TargetProgress

    @property
    def target(self) -> Target:
        return self.item.target

    @property
    def progress(self) -> pr.Progress:
        return self.item.progress

    @property
    def status_label(self) -> str:
        return tx.pace_label(self.progress)

    @property
    def trend_label(self) -> str:
        return tx.trend_label(self.progress)

    @property
    def notes(self) -> str:
        return tx.notes_text(self.progress)

    @property
    def completion(self) -> float | None:
        return completion(self.progress)


@dataclass(frozen=True)
class Evaluation:
    plan: Plan
    year: int
    rows: list[EvaluationRow]
    counts: dict[str, int]
    has_demo: bool

    @property
    def is_final(self) -> bool:
        return self.year >= self.plan.period_end

    @property
    def title(self) -> str:
        if self.is_final:
            return _("Final evaluation, %(year)s") % {"year": self.year}
        return _("Mid-term evaluation, as of %(year)s") % {"year": self.year}

    @property
    def summary(self) -> str:
        c = self.counts
        return _(
            "As of %(year)s, of %(total)s targets: %(achieved_early)s achieved early, %(achieved)s achieved, "
            "%(ahead_or_on_schedule)s ahead of or on schedule, %(lagging)s lagging, %(far_behind)s far behind, "
            "%(regressing)s moving away, %(no_data)s without data."
        ) % {"year": self.year, "total": len(self.rows), **c}


def completion(result: pr.Progress) -> float | None:
    """The share of the way from the baseline to the target covered (per_year: of the years met), when it exists."""
    share = result.progress_share
    return share if pr.is_finite(share) else None


def default_year(plan: Plan) -> int:
    """The latest year with an actual for the plan's region within its period; else the period's last year."""
    return default_as_of([plan.region], plan_span([plan]))


def plan_evaluation(plan: Plan, year: int) -> Evaluation:
    items = evaluate_targets(targets_for(plan=plan), as_of=year)
    counts = dict.fromkeys(SUMMARY_ORDER, 0)
    for item in items:
        status = item.progress.pace_status
        if status == pr.PACE_ACHIEVED:
            counts["achieved_early" if item.progress.early else pr.PACE_ACHIEVED] += 1
        elif status in (pr.PACE_AHEAD, pr.PACE_ON_SCHEDULE):
            counts["ahead_or_on_schedule"] += 1
        else:
            counts[status] += 1
    rows = [EvaluationRow(number, item) for number, item in enumerate(items, start=1)]
    return Evaluation(plan, year, rows, counts, has_demo=any(item.is_demo for item in items))


def stated_target(target: Target) -> str:
    """The target as the plan states it: "≥ 3 % (2025)", "年均增长 ≥ 12 %", "> 全省平均"."""
    if target.kind == Target.Kind.RELATIVE_TO_AVERAGE:
        what = _("the provincial average growth") if target.compares == "growth" else _("the provincial average")
        return f"{target.get_comparator_display()} {what} ({target.target_year})"
    if target.target_value is None:
        return _("not quantified (%(year)s)") % {"year": target.target_year}
    value = plain(target.target_value)
    if target.target_value_max is not None:
        value = f"{value}–{plain(target.target_value_max)}"
    prefix = _("average annual growth") + " " if target.kind == Target.Kind.ANNUAL_GROWTH_RATE else ""
    if target.kind == Target.Kind.CUMULATIVE_NEW:
        prefix = _("new") + " "
    elif target.kind == Target.Kind.PER_YEAR:
        prefix = _("every year") + " "
    return f"{prefix}{target.get_comparator_display()} {value} {target.unit} ({target.target_year})".strip()


# ------------------------------------------------------------------------------------------------ xlsx


def _figure(value: float | None) -> float | None:
    return value if pr.is_finite(value) else None


def evaluation_xlsx(evaluation: Evaluation) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 — a new workbook has one sheet
    sheet.title = _("Evaluation")[:31]
    plan = evaluation.plan
    sheet.append([safe_text(f"{plan.title} — {evaluation.title}")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([safe_text(evaluation.summary)])
    if evaluation.has_demo:
        sheet.append([_("Contains demo data (演示数据): not real statistics.")])
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
        _("Demo data"),
        _("Section"),
        _("Quote (line)"),
        _("Notes"),
    ]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F4F8")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in evaluation.rows:
        t, p = row.target, row.progress
        sheet.append(
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
                _("yes") if row.item.is_demo else "",
                t.get_section_display(),
                safe_text(f"{t.quote} (L{t.quote_line})"),
                safe_text(row.notes),
            ]
        )
        number_row = sheet.max_row
        for column in (11, 15):  # completion and growth are shares: shown as percentages
            sheet.cell(number_row, column).number_format = "0.0%"
    widths = [5, 30, 8, 10, 8, 24, 12, 12, 8, 12, 10, 12, 14, 12, 12, 8, 10, 50, 50]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def figure_text(value: float | None, unit: str = "") -> str:
    """A computed figure for the page: four significant digits, no exponent."""
    if not pr.is_finite(value):
        return "—"
    assert value is not None  # noqa: S101 — is_finite checked it
    text = plain(Decimal(f"{value:.4g}")) if abs(value) < 1e15 else f"{value:.4g}"
    return f"{text} {unit}".strip()
