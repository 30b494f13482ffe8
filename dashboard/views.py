"""Pages. Thin: each view checks access, reads through selectors and renders."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import Count
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities.access import home_region
from cities.models import Region
from dashboard import charts, downloads, overview
from dashboard.document import Quote, highlight
from indicators.models import Indicator
from plans import progress as pr
from plans import wording
from plans.evaluation import YEARS, completion, default_year, evaluation_xlsx, plan_evaluation, stated_target
from plans.models import Plan, Target
from plans.selectors import TargetProgress, evaluate_targets, plan_inconsistencies, plan_span, target_spec, targets_for


def _statuses() -> dict[str, str]:
    return {status: str(label) for status, label in wording.PACE_LABELS.items()}


def _region_param(request: HttpRequest) -> Region | None:
    """The region of ?region=ADCODE; Http404 when no region has that adcode."""
    adcode = request.GET.get("region", "")
    return get_object_or_404(Region.objects.select_related("parent__parent"), adcode=adcode) if adcode else None


def _year_param(request: HttpRequest) -> int | None:
    """The as-of year of ?year=, None when not given; BadRequest when not a plausible year."""
    raw = request.GET.get("year", "")
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and int(raw) in YEARS:
        return int(raw)
    raise BadRequest(
        _("The year must be a number between %(first)s and %(last)s.") % {"first": YEARS[0], "last": YEARS[-1]}
    )


def _choice_param(request: HttpRequest, name: str, choices: list[str]) -> str:
    value = request.GET.get(name, "")
    if value and value not in choices:
        raise BadRequest(_("Unknown value for %(field)s: %(value)s") % {"field": name, "value": value})
    return value


@require_GET
@login_required
def home(request: HttpRequest, file_format: str | None = None) -> HttpResponse:
    """The province overview: regions × indicators coloured by schedule status, per-region counts, and the plans."""
    region = overview.overview_region(_region_param(request), home_region(request.user))
    year = _year_param(request)
    section = _choice_param(request, "section", Target.Section.values)
    kind = _choice_param(request, "kind", Target.Kind.values)
    context: dict[str, Any] = {"region": region, "section": section, "kind": kind}
    if region is not None:
        years = overview.plan_years(region)
        view = overview.overview(region, year=year, years=years, section=section, kind=kind)
        if file_format:
            return _overview_export(view, file_format)
        counts = pd.DataFrame(
            [row.counts for row in view.rows], index=[row.region.name for row in view.rows], columns=pr.PACE_STATUSES
        )
        figure = charts.status_counts_figure(
            counts,
            title=_("Targets by schedule status, as of %(year)s") % {"year": view.year},
            axis=_("Targets"),
            statuses=_statuses(),
        )
        context |= {
            "overview": view,
            "years": years if view.year in years else range(view.year, view.year + 1),
            "figure": figure,
            "statuses": [(status, _statuses()[status]) for status in pr.PACE_STATUSES],
            "query": request.GET.urlencode(),
            "no_target": _("no target"),  # once, not in each of the matrix's empty cells
        }
    elif file_format:
        raise Http404
    plans = overview.plans_in(region) if region is not None else Plan.objects.all()
    context |= {
        "plans": plans.select_related("region").defer("source_text").annotate(target_total=Count("targets")),
        "provinces": Region.objects.filter(level=Region.Level.PROVINCE).order_by("adcode"),
        "sections": Target.Section.choices,
        "kinds": Target.Kind.choices,
    }
    return render(request, "dashboard/home.html", context)


def _overview_export(view: overview.Overview, file_format: str) -> HttpResponse:
    header = [
        _("Region"), _("Adcode"), _("Indicator code"), _("Indicator"), _("Unit"), _("Target"), _("Section"),
        _("Stated target"), _("Year of the actual"), _("Latest actual"), _("Completion"), _("Status"), _("Trend"),
        _("Demo data"),
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
            wording.pace_label(item.progress),
            wording.trend_label(item.progress),
            _demo(item.is_demo),
        ]
        for row in view.rows
        for item in row.items
    ]
    name = f"overview-{view.region.adcode}-{view.year}"
    return downloads.table_response(file_format, name, header, rows, sheet_title=_("Overview"))


def _demo(is_demo: bool) -> str:
    return _("demo data (演示数据)") if is_demo else ""


@require_GET
@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    targets = list(plan.targets.select_related("indicator").prefetch_related("conflicts_with").order_by("position"))
    # Numbered as the table's rows: the number after each highlighted sentence names its row.
    quotes = [Quote(t.pk, t.quote, t.quote_line, label=t.label, number=n) for n, t in enumerate(targets, start=1)]
    document = highlight(plan.source_text, quotes)
    context = {
        "plan": plan,
        "targets": targets,
        "inconsistencies": plan_inconsistencies(plan),
        "document": document,
        "missing_ids": {quote.target_id for quote in document.missing},
    }
    return render(request, "dashboard/plan_detail.html", context)


def _as_of(request: HttpRequest, plan: Plan) -> int:
    """The ?year= of an evaluation, or the plan's default; BadRequest when not a plausible year."""
    year = _year_param(request)
    return default_year(plan) if year is None else year


@require_GET
@login_required
def plan_evaluation_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The evaluation table (中期/终期评估) of a plan at an as-of year; printable."""
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year = _as_of(request, plan)
    evaluation = plan_evaluation(plan, year)
    years = plan_span([plan], including=year)
    # Kinds whose level is derived (from the baseline, a rate or the province): the table shows it under the target.
    derived_kinds = [Target.Kind.MULTIPLE_OF_BASELINE, Target.Kind.ANNUAL_GROWTH_RATE, Target.Kind.RELATIVE_TO_AVERAGE]
    context = {"plan": plan, "evaluation": evaluation, "years": years, "derived_kinds": derived_kinds}
    return render(request, "dashboard/evaluation.html", context)


@require_GET
@login_required
def plan_evaluation_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year = _as_of(request, plan)
    response = HttpResponse(
        evaluation_xlsx(plan_evaluation(plan, year)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation-{plan.slug}-{year}.xlsx"'
    return response


# Targets sorted by status on the city page: the ones needing attention first.
_ATTENTION = {
    status: rank
    for rank, status in enumerate(
        [pr.PACE_REGRESSING, pr.PACE_FAR_BEHIND, pr.PACE_LAGGING, pr.PACE_ON_SCHEDULE, pr.PACE_AHEAD,
         pr.PACE_ACHIEVED, pr.PACE_NO_DATA]
    )
}  # fmt: skip


def _chart_text(region: Region) -> dict[str, str]:
    return {
        "year": _("Year"),
        "actual": _("Actual"),
        "plan": _("Plan path"),
        "projection": _("Projection at the current pace"),
        "province": region.parent.name if region.parent else _("Parent region"),
        "target": _("Target"),
        "baseline": _("Baseline"),
    }


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@require_GET
@login_required
def city_page(request: HttpRequest, adcode: str, file_format: str | None = None) -> HttpResponse:
    """A region's plans and, per target, a chart: baseline, plan path, actuals, projection, target, status."""
    region = get_object_or_404(Region.objects.select_related("parent"), adcode=adcode)
    section = _choice_param(request, "section", Target.Section.values)
    sort = _choice_param(request, "sort", ["status"])
    targets = targets_for(region=region, below=False)
    if section:
        targets = targets.filter(section=section)
    if file_format and request.GET.get("target"):
        # One chart's data: the card's own download links.
        raw = request.GET["target"]
        targets = targets.filter(pk=int(raw)) if raw.isascii() and raw.isdigit() else targets.none()
    items = evaluate_targets(targets)
    if file_format and not items:
        raise Http404
    if sort == "status":
        items.sort(key=lambda item: _ATTENTION[item.progress.pace_status])
    text = _chart_text(region)
    cards: list[dict[str, Any]] = []
    for item in items:
        target = item.target
        spec = target_spec(target)
        frame = charts.target_frame(spec, item.progress, item.actuals, item.parent_actuals or None)
        figure = charts.target_figure(
            frame,
            spec,
            item.progress,
            charts.ChartText(title=_short(target.label), unit=target.indicator.unit, **text),
        )
        cards.append(
            {"item": item, "figure": figure, "figure_id": f"figure-{target.pk}", "frame": charts.records(frame)}
        )
    if file_format:
        return _city_export(region, cards, text, file_format)
    context = {
        "region": region,
        "plans": list(region.plans.defer("source_text").order_by("period_start")),
        "cards": cards,
        "section": section,
        "sort": sort,
        "sections": Target.Section.choices,
        "has_demo": any(card["item"].is_demo for card in cards),
        "province": text["province"],
        "query": request.GET.urlencode(),
    }
    return render(request, "dashboard/city.html", context)


def _city_export(region: Region, cards: list[dict[str, Any]], text: dict[str, str], file_format: str) -> HttpResponse:
    header = [
        _("Region"), _("Indicator code"), _("Target"), _("Unit"), text["year"], text["actual"], text["plan"],
        text["projection"], text["province"], _("Status"), _("Demo data"),
    ]  # fmt: skip
    rows = []
    for card in cards:
        item = card["item"]
        target, status = item.target, wording.pace_label(item.progress)
        for row in card["frame"]:
            rows.append(
                [
                    region.name,
                    target.indicator.code,
                    target.label,
                    target.indicator.unit,
                    row["year"],
                    row["actual"],
                    row["plan"],
                    row["projection"],
                    row["province"],
                    status,
                    _demo(row["actual"] is not None and row["year"] in item.demo_years),
                ]
            )
    name = f"city-{region.adcode}" if len(cards) != 1 else f"target-{cards[0]['item'].target.pk}"
    return downloads.table_response(file_format, name, header, rows, sheet_title=region.name)


@require_GET
@login_required
def indicator_page(request: HttpRequest, code: str, file_format: str | None = None) -> HttpResponse:
    """Every region with a target on one indicator, side by side: completion (bars, sorted), actuals over time
    (lines) and a table."""
    indicator = get_object_or_404(Indicator, code=code)
    region = _region_param(request)
    year = _year_param(request)
    chart = _choice_param(request, "chart", ["progress", "actuals"])
    items = evaluate_targets(targets_for(region=region, indicator_code=code), as_of=year)
    per_region = Counter(item.target.plan.region_id for item in items)
    rows, used = [], set()
    for item in items:
        target = item.target
        label = target.plan.region.name
        if per_region[target.plan.region_id] > 1:  # two targets of one region: tell the bars apart
            label = f"{label} · {_short(target.label, 16)} (L{target.quote_line})"
        if label in used:  # the bars' names must be unique: they are the chart's categories
            label = f"{label} #{target.pk}"
        used.add(label)
        rows.append(IndicatorRow(item, label))
    if file_format:
        return _indicator_export(indicator, rows, chart or "progress", file_format)
    statuses = _statuses()
    frame = pd.DataFrame(
        {
            "label": [row.label for row in rows],
            "status": [row.item.progress.pace_status for row in rows],
            "status_label": [wording.pace_label(row.item.progress) for row in rows],
            "completion": [math.nan if row.completion is None else row.completion for row in rows],
        },
        columns=list(charts.PROGRESS_COLUMNS),
    )
    progress = charts.progress_figure(
        frame, title=_("Completion toward each target"), axis=_("Completion (%)"), statuses=statuses
    )
    actuals, stars = _indicator_series(items)
    lines = charts.actuals_figure(
        actuals,
        stars,
        title=_("Actuals of %(indicator)s") % {"indicator": indicator.name},
        unit=indicator.unit,
        year=_("Year"),
        target=_("Target"),
    )
    context = {
        "indicator": indicator,
        "region": region,
        "year": year,
        "rows": rows,
        "progress": progress,
        "lines": lines,
        "charted": int(frame["completion"].notna().sum()),
        "line_count": actuals["region"].nunique(),
        "has_demo": any(row.item.is_demo for row in rows),
        "query": request.GET.urlencode(),
        "years": plan_span(item.target.plan for item in items),
        "provinces": Region.objects.filter(level=Region.Level.PROVINCE).order_by("adcode"),
    }
    return render(request, "dashboard/indicator.html", context)


@dataclass(frozen=True)
class IndicatorRow:
    item: TargetProgress
    label: str  # the bar's name: the region's, with the target's when the region has several on the indicator

    @property
    def completion(self) -> float | None:
        return completion(self.item.progress)


# Kinds whose target level is a level of the indicator, drawn as a star among the actuals.
_LEVEL_TARGETS = {pr.LEVEL, pr.MULTIPLE_OF_BASELINE, pr.ANNUAL_GROWTH_RATE, pr.QUALITATIVE}


def _indicator_series(items: list[TargetProgress]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The actuals of each region (once per region) and the level of each target that states one."""
    seen: set[int] = set()
    regions, years, values = [], [], []
    star_regions, star_years, star_values = [], [], []
    for item in items:
        region = item.target.plan.region
        if region.pk not in seen:
            seen.add(region.pk)
            for year in sorted(item.actuals):
                regions.append(region.name)
                years.append(year)
                values.append(item.actuals[year])
        level = item.progress.target_level
        if item.target.kind in _LEVEL_TARGETS and level is not None and pr.is_finite(level):
            star_regions.append(region.name)
            star_years.append(item.target.target_year)
            star_values.append(level)
    actuals = pd.DataFrame({"region": regions, "year": years, "value": values}, columns=["region", "year", "value"])
    stars = pd.DataFrame(
        {"region": star_regions, "year": star_years, "value": star_values}, columns=["region", "year", "value"]
    )
    return actuals, stars


def _indicator_export(indicator: Indicator, rows: list[IndicatorRow], chart: str, file_format: str) -> HttpResponse:
    if chart == "actuals":
        header = [_("Region"), _("Adcode"), _("Indicator code"), _("Unit"), _("Year"), _("Actual"), _("Demo data")]
        seen: set[int] = set()
        table = []
        for row in rows:
            item = row.item
            region = item.target.plan.region
            if region.pk in seen:
                continue
            seen.add(region.pk)
            for year in sorted(item.actuals):
                value, is_demo = item.actuals[year], year in item.demo_years
                table.append([region.name, region.adcode, indicator.code, indicator.unit, year, value, _demo(is_demo)])
        name = f"indicator-{indicator.code}-actuals"
        return downloads.table_response(file_format, name, header, table, sheet_title=indicator.code)
    header = [
        _("Region"), _("Adcode"), _("Target"), _("Stated target"), _("Baseline"), _("Baseline year"),
        _("Latest actual"), _("Year of the actual"), _("Completion"), _("Status"), _("Trend"), _("Demo data"),
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
            wording.pace_label(row.item.progress),
            wording.trend_label(row.item.progress),
            _demo(row.item.is_demo),
        ]
        for row in rows
    ]
    return downloads.table_response(
        file_format, f"indicator-{indicator.code}-progress", header, table, sheet_title=indicator.code
    )
