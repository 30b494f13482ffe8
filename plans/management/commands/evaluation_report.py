"""The evaluation tables of every plan as of one or more years, as Markdown: what docs/evaluation-real.md is made of.

Run it on a database holding the plans and the published values only (no demo) to see what the real figures say:

    DATABASE_URL=sqlite:////tmp/real.sqlite3 manage.py migrate && manage.py load_plans && manage.py load_published
    manage.py evaluation_report --year 2024 --year 2025 > docs/evaluation-real.md
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from indicators.numbers import exact
from plans import vocabulary as vocab
from plans.evaluation import EvaluationRow, completion, figure_text, plan_evaluation, stated_target
from plans.models import Plan

UNJUDGED = (vocab.NO_DATA, vocab.NOT_QUANTIFIED)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _row(row: EvaluationRow) -> str:
    p, t = row.progress, row.target
    unit = t.indicator.unit
    baseline = "—" if p.baseline_used is None else f"{exact(p.baseline_used)}（{p.baseline_year_used}）"
    latest = "—" if p.actual is None else f"{exact(p.actual)}（{p.year}）"
    if t.kind == t.Kind.CUMULATIVE_NEW and p.measured is not None:
        latest += f"；新增 {figure_text(p.measured)}"
    share = completion(p)
    done = "—" if share is None else f"{share * 100:.1f}%"
    cells = [row.number, t.label, unit, baseline, stated_target(t), latest, done, row.status_label, row.trend_label]
    cells.append(row.notes or "—")
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


class Command(BaseCommand):
    help = "Print every plan's evaluation table as of the given years, as Markdown (targets with actuals in full)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", required=True, help="as-of year (repeatable)")
        parser.add_argument("--plan", action="append", default=[], help="plan slug (repeatable; default all)")

    def handle(self, *args: Any, year: list[int], plan: list[str], **options: Any) -> None:
        translation.activate("zh-hans")
        plans = Plan.objects.select_related("region").order_by("region__adcode", "pk")
        if plan:
            plans = plans.filter(slug__in=plan)
        out = self.stdout
        for each in plans:
            out.write(f"## {each.title}（{each.region.name}）\n")
            for as_of in year:
                evaluation = plan_evaluation(each, as_of)
                # With a verdict, or with an actual that gives none (a final evaluation without the target year's).
                judged = [r for r in evaluation.rows if r.status not in UNJUDGED or r.progress.actual is not None]
                out.write(f"### 截至 {as_of} 年 / As of {as_of}\n")
                out.write(f"> {evaluation.summary}\n")
                if evaluation.has_demo:
                    out.write(">\n> 含演示数据：不是真实统计。 / Contains demo data: not real statistics.\n")
                out.write("\n")
                if not judged:
                    out.write("没有有实际值的目标。 / No target has an actual.\n\n")
                    continue
                out.write("| 序号 | 指标 | 单位 | 基期值 | 目标 | 最新实际值 | 完成进度 | 状态 | 趋势 | 说明 |\n")
                out.write("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
                for row in judged:
                    out.write(_row(row) + "\n")
                out.write("\n")
