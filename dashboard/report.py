"""The evaluation report, drafted (评估报告初稿): a Word document per plan and one for the province.

What an evaluation report states, in its order: title and period; the main indicators' completion table (indicator,
unit, attribute, baseline, target, actual and its year, completion, status); the counts per status, binding and
anticipatory targets apart, worded as reports word them; each lagging target with the city's explanation; the
charts. Written with python-docx; the charts are drawn offline with matplotlib (no browser, no network) from the
same series the pages draw (dashboard.charts.target_frame). Opens in Word, WPS and LibreOffice.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dashboard.charts import target_frame
from indicators.numbers import exact
from plans import vocabulary as v
from plans.evaluation import Evaluation, EvaluationRow, attribute_summary, completion, figure_text, stated_target
from plans.wording import status_word

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_CHARTS = 24  # a report is read, not scrolled: the main indicators, not every target
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in the document's XML
_CJK_FONTS = ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei")


def _text(value: object) -> str:
    return _CONTROL.sub("", str(value))


def _cjk_font() -> str | None:
    names = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in names), None)


def main_rows(evaluation: Evaluation) -> list[EvaluationRow]:
    """The main indicators: the plan's indicator table, else its goals section, else every target."""
    for section in (v.TABLE, v.GOALS):
        rows = [row for row in evaluation.rows if row.target.section == section]
        if rows:
            return rows
    return list(evaluation.rows)


def _document(title: str) -> DocumentObject:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE  # the completion table has nine columns
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "Times New Roman"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # Word and WPS use it for Chinese text
    document.core_properties.title = _text(title)
    heading = document.add_heading(_text(title), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def _completion_table(document: DocumentObject, rows: Iterable[EvaluationRow]) -> None:
    header = [
        _("Indicator"),
        _("Unit"),
        _("Attribute"),
        _("Baseline"),
        _("Target"),
        _("Latest actual (year)"),
        _("Completion"),
        _("Status"),
    ]
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, word in zip(table.rows[0].cells, header, strict=True):
        cell.text = word
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        p, t = row.progress, row.target
        baseline = "—" if p.baseline_used is None else f"{exact(p.baseline_used)}（{p.baseline_year_used}）"
        latest = "—"
        if p.actual is not None:
            latest = f"{exact(p.actual)}（{p.year}）"
            if t.kind == t.Kind.CUMULATIVE_NEW and p.measured is not None:
                latest += _("; added %(added)s") % {"added": figure_text(p.measured)}
            if row.item.is_demo:
                latest += _(" (demo)")
        share = completion(p)
        target, status = stated_target(t), row.status_label
        revision, revised = row.item.revision, row.item.revised
        if revision is not None and revised is not None:
            # A revised target: both stated, the status against both (按原目标 / 按调整后目标).
            target = _("%(original)s; revised: %(revised)s (%(document)s)") % {
                "original": target,
                "revised": stated_target(revised),
                "document": " ".join(part for part in (revision.document_title, revision.document_number) if part),
            }
            if revision.demo:
                target += _(" (demo)")
            status = _("Against the original target: %(original)s; against the revised target: %(revised)s") % {
                "original": status_word(row.item.status_original),
                "revised": status_word(row.item.status_revised or row.status),
            }
        cells = [
            t.label,
            t.indicator.unit,
            t.attribute or "—",
            baseline,
            target,
            latest,
            "—" if share is None else f"{share * 100:.1f}%",
            status,
        ]
        for cell, value in zip(table.add_row().cells, cells, strict=True):
            cell.text = _text(value)


def _summary(document: DocumentObject, evaluation: Evaluation) -> None:
    document.add_paragraph(_text(evaluation.summary))
    for word, count, counts in attribute_summary(evaluation.rows):
        document.add_paragraph(
            _text(_("%(attribute)s: %(count)s targets: %(counts)s.") % {"attribute": word, "count": count,
                                                                          "counts": counts}),
            style="List Bullet",
        )  # fmt: skip


def _warnings(document: DocumentObject, evaluation: Evaluation) -> None:
    rows = evaluation.early_warnings
    if not rows:
        document.add_paragraph(_("None: no binding (约束性) target is missed or projected to fall short."))
        return
    for row in rows:
        document.add_paragraph(
            _text(f"{row.target.label}（{row.status_label}）：{stated_target(row.target)}"), style="List Bullet"
        )


def _lagging(document: DocumentObject, evaluation: Evaluation) -> None:
    rows = [row for row in evaluation.rows if row.status in v.NEEDS_EXPLANATION]
    if not rows:
        document.add_paragraph(_("No target is lagging, moving away or missed."))
        return
    for row in rows:
        t = row.target
        document.add_heading(_text(f"{t.label}（{row.status_label}）"), level=3)
        document.add_paragraph(_text(_("Plan text: “%(quote)s”") % {"quote": " ".join(t.quote.split())}))
        e = row.explanation
        if e is None:
            document.add_paragraph(_("The city has not explained this target yet."))
            continue
        revision = _("yes, to %(value)s") % {"value": e.revised_target} if e.propose_revision else _("no")
        for label, value in (
            (_("Where it stands (完成情况)"), e.situation),
            (_("Will it be met by the target year? (趋势判断)"), e.outlook),
            (_("Causes (原因分析)"), e.causes),
            (_("Propose a revised target (是否建议调整)"), revision),
            (_("Next measures (下一步措施)"), e.measures),
        ):
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(_text(f"{label}：")).bold = True
            paragraph.add_run(_text(value))


def chart_png(row: EvaluationRow, font: str | None) -> bytes | None:
    """One target's chart — actuals, the plan's path, the projection, the target — as a PNG, or None without data."""
    item = row.item
    frame = target_frame(item.spec, item.progress, item.actuals, item.parent_actuals or None)
    if frame["actual"].isna().all():
        return None
    figure = Figure(figsize=(7.5, 3.0), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    years = frame["year"].tolist()
    axes.plot(years, frame["actual"], marker="o", color="#1f4e79", label=_("Actual"))
    axes.plot(years, frame["plan"], linestyle="--", color="#7f7f7f", label=_("Plan path"))
    if not frame["projection"].isna().all():
        axes.plot(years, frame["projection"], linestyle=":", color="#c55a11", label=_("Projection"))
    if not frame["province"].isna().all():
        axes.plot(years, frame["province"], color="#548235", label=_("Province"))
    level = item.progress.target_level
    if level is not None and math.isfinite(level):
        axes.axhline(level, color="#c00000", linewidth=0.8, label=_("Target"))
    axes.set_xticks(years)
    axes.set_xticklabels([str(y) for y in years], fontsize=8)
    title = axes.set_title(_text(f"{row.target.label}（{row.target.indicator.unit}）— {row.status_label}"), fontsize=10)
    if font:
        title.set_fontfamily(font)
    legend = axes.legend(fontsize=7, loc="best")
    if font:
        for text in legend.get_texts():
            text.set_fontfamily(font)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _charts(document: DocumentObject, rows: list[EvaluationRow]) -> None:
    font = _cjk_font()
    drawn = 0
    for row in rows:
        if drawn >= MAX_CHARTS:
            break
        png = chart_png(row, font)
        if png is None:
            continue
        document.add_picture(io.BytesIO(png), width=Cm(22))
        drawn += 1
    if not drawn:
        document.add_paragraph(_("No main indicator has an actual yet: no chart."))


def _plan_body(document: DocumentObject, evaluation: Evaluation, *, charts: bool) -> None:
    plan = evaluation.plan
    document.add_paragraph(
        _text(
            _("Plan period %(start)s–%(end)s; as of %(year)s; drafted %(date)s by the Plan Indicator Tracker.")
            % {"start": plan.period_start, "end": plan.period_end, "year": evaluation.year,
               "date": timezone.localdate().isoformat()}
        )
    )  # fmt: skip
    if evaluation.has_demo:
        document.add_paragraph(_("Contains demo data (演示数据): not real statistics.")).runs[0].bold = True
    if evaluation.has_submitted:
        document.add_paragraph(_("Includes submitted values awaiting review (待审核): not yet approved."))
    rows = main_rows(evaluation)
    document.add_heading(_("Completion of the main indicators"), level=2)
    _completion_table(document, rows)
    document.add_heading(_("Overall assessment"), level=2)
    _summary(document, evaluation)
    document.add_heading(_("Early warnings: binding targets expected to be missed"), level=3)
    _warnings(document, evaluation)
    document.add_heading(_("Targets lagging behind, and why"), level=2)
    _lagging(document, evaluation)
    if charts:
        document.add_heading(_("Charts of the main indicators"), level=2)
        _charts(document, rows)


def _bytes(document: DocumentObject) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def plan_report(evaluation: Evaluation) -> bytes:
    document = _document(f"{evaluation.plan.title} {evaluation.title}")
    _plan_body(document, evaluation, charts=True)
    return _bytes(document)


def province_report(evaluations: list[Evaluation], year: int) -> bytes:
    """Every plan's evaluation in one document: a table of the plans' counts first, then each plan (no charts:
    each plan's own report has them)."""
    document = _document(_("Evaluation of the cities' plans, as of %(year)s") % {"year": year})
    if any(e.has_demo for e in evaluations):
        document.add_paragraph(_("Contains demo data (演示数据): not real statistics.")).runs[0].bold = True
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, word in zip(table.rows[0].cells, (_("Plan"), _("Targets"), _("Status counts")), strict=True):
        cell.text = word
    for evaluation in evaluations:
        cells = table.add_row().cells
        cells[0].text = _text(evaluation.plan.title)
        cells[1].text = str(len(evaluation.rows))
        cells[2].text = _text(evaluation.summary)
    for evaluation in evaluations:
        document.add_page_break()  # type: ignore[no-untyped-call]  # python-docx declares no types here
        document.add_heading(_text(f"{evaluation.plan.title} {evaluation.title}"), level=1)
        _plan_body(document, evaluation, charts=False)
    return _bytes(document)
