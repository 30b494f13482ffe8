"""Page builders: what each dashboard page shows, as plain dataclasses, built from the selectors and the method.

No request and no response here: the views parse the query string and render; these build, so every page can
be tested without the HTTP client. Words are translated in the active language by the caller's activation.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from cities.models import Region
from dashboard import charts, maps
from dashboard import overview as ov
from dashboard.document import HighlightedDocument, Quote, highlight
from indicators.models import Indicator, Observation
from indicators.numbers import exact as exact_text
from indicators.selectors import APPROVED, DEMO, MANUAL, SUBMITTED, ValueOrigin, value_origins
from plans import comparison as cmp
from plans import progress as pr
from plans import vocabulary as v
from plans import wording
from plans.evaluation import Evaluation, completion, default_year, plan_evaluation
from plans.models import Plan, PlanPeriod, Target, TargetExplanation, TargetRevision
from plans.selectors import (
    BaselineActual,
    PlanInconsistency,
    TargetProgress,
    adjacent_periods,
    asks_explanation,
    baseline_actuals,
    evaluate_targets,
    explained_year,
    latest_explanations,
    period_years,
    plan_inconsistencies,
    plan_span,
    targets_for,
)

# ----------------------------------------------------------------------------------------------------- overview

# The overview lists this many early warnings (binding targets expected to be missed), then links to all of them.
WARNINGS_SHOWN = 10


@dataclass(frozen=True)
class OverviewPage:
    region: Region | None
    section: str
    kind: str
    plans: QuerySet[Plan]
    provinces: QuerySet[Region]
    overview: ov.Overview | None = None
    matrix: ov.Matrix | None = None
    everything: bool = False  # ?all=1: every indicator's column, not only the plans' main indicators
    attention: bool = False  # ?attention=1: only the cells that need attention (lagging or worse)
    years: range = range(0)
    figure: charts.Figure | None = None
    statuses: list[tuple[str, str]] = field(default_factory=list)
    sections: list[tuple[str, Any]] = field(default_factory=lambda: Target.Section.choices)
    kinds: list[tuple[str, Any]] = field(default_factory=lambda: Target.Kind.choices)
    period: PlanPeriod | None = None
    slots: list[ov.Slot] = field(default_factory=list)  # each region's plans of the period (none: 尚无…规划)
    warnings_shown: int = WARNINGS_SHOWN  # the early warnings listed before "all N"

    @property
    def empty_period(self) -> bool:
        """The period holds no target here yet (十五五 today): the page shows each region's slot instead."""
        return bool(self.slots)

    @property
    def warnings(self) -> list[TargetProgress]:
        return self.overview.warnings if self.overview is not None else []


def overview_page(
    *,
    requested: Region | None,
    home: Region | None,
    year: int | None,
    years: range | None = None,
    section: str = "",
    kind: str = "",
    include_submitted: bool = False,
    submitted_regions: Collection[int] | None = None,
    everything: bool = False,
    attention: bool = False,
    period: PlanPeriod | None = None,
    all_warnings: bool = False,
) -> OverviewPage:
    """The province overview: regions × indicators by worst status, counts per region, the plans, the early
    warnings (all of them with `all_warnings`) — of one period's plans, when given."""
    region = ov.overview_region(requested, home)
    plans = ov.plans_in(region, period) if region is not None else Plan.objects.all()
    if region is None and period is not None:
        plans = plans.filter(period=period)
    common: dict[str, Any] = {
        "region": region,
        "section": section,
        "kind": kind,
        "everything": everything,
        "attention": attention,
        "plans": plans.select_related("region").defer("source_text").annotate(target_total=Count("targets")),
        "provinces": Region.objects.filter(level=Region.Level.PROVINCE).order_by("adcode"),
        "period": period,
        "warnings_shown": 10**6 if all_warnings else WARNINGS_SHOWN,
    }
    if region is None:
        return OverviewPage(**common)
    years = ov.plan_years(region) if years is None else years
    view = ov.overview(
        region,
        year=year,
        years=years,
        section=section,
        kind=kind,
        include_submitted=include_submitted,
        submitted_regions=submitted_regions,
        period=period,
    )
    words = wording.status_words()
    counts = pd.DataFrame(
        [row.counts for row in view.rows], index=[row.region.name for row in view.rows], columns=list(v.STATUSES)
    )
    figure = charts.status_counts_figure(
        counts,
        title=_("Targets by schedule status, as of %(year)s") % {"year": view.year},
        axis=_("Targets"),
        statuses=words,
    )
    # A period without targets here (十五五 today): each region's slot, its plans or none yet.
    empty = period is not None and not view.rows and not section and not kind
    return OverviewPage(
        **common,
        slots=ov.period_slots(region, period) if empty and period is not None else [],
        overview=view,
        matrix=ov.matrix(view, everything=everything, attention=attention),
        years=years if view.year in years else range(view.year, view.year + 1),
        figure=figure,
        statuses=list(words.items()),
    )


# --------------------------------------------------------------------------------------------------------- city


@dataclass(frozen=True)
class Statement:
    """One target on the city page: one statement of an indicator in the plan (its table, goals or body), with its
    status, its numbers and its source sentence; its table's rows."""

    item: TargetProgress
    frame: list[dict[str, Any]]  # one row per year: year, actual, plan, projection, province
    explanation: TargetExplanation | None = None  # the city's latest account of the target, if any
    baseline: BaselineActual | None = None  # the previous period's final actual of the baseline year, if stored

    @property
    def target(self) -> Target:
        return self.item.target

    @property
    def anchor(self) -> str:
        return f"target-{self.item.target.pk}"

    @property
    def status(self) -> str:
        return self.item.status

    @property
    def asks_explanation(self) -> bool:
        """Lagging, far behind, regressing or missed: the city explains it (the form shows)."""
        return asks_explanation(self.item)

    @property
    def explained_year(self) -> int:
        return explained_year(self.item)

    @property
    def figures(self) -> list[tuple[str, str]]:
        """The numbers the judgement uses (new since the baseline, multiple reached, the province's value, years
        met, the completion formula), from the method's result."""
        return wording.judgement_figures(self.item.spec, self.item.progress, self.target.indicator.unit)

    @property
    def disagreement(self) -> str:
        """Both readings where pace and trend disagree (按序时进度滞后，按当前趋势可实现), else ""."""
        return wording.disagreement_text(self.item.spec, self.item.progress)


@dataclass(frozen=True)
class Card:
    """One indicator on the city page: every statement of it in the plan, and one chart (of its first quantified
    statement, `primary`) — or none, when there is no actual to draw (the empty state says so)."""

    indicator: Indicator
    statements: list[Statement]
    primary: Statement
    figure: charts.Figure | None
    title: str  # the chart's whole title: indicator, unit, region

    @property
    def item(self) -> TargetProgress:
        return self.primary.item

    @property
    def frame(self) -> list[dict[str, Any]]:
        return self.primary.frame

    @property
    def anchor(self) -> str:
        return f"indicator-{self.indicator.code}"

    @property
    def figure_id(self) -> str:
        return f"figure-{self.indicator.code}"

    @property
    def worst(self) -> str:
        """The status of the statement needing the most attention (the card's place in "needing attention first")."""
        return v.worst_status(s.status for s in self.statements)


@dataclass(frozen=True)
class CitySummary:
    """What the city page says first: targets per status, binding vs anticipatory, and those needing attention."""

    total: int
    counts: list[tuple[str, str, int]]  # (status, word, count) of every status that occurs, in the legend's order
    attributes: list[tuple[str, str, int]]  # (attribute, word, count): 约束性, 预期性, unstated
    attention: list[Statement]  # lagging or worse, the worst first


@dataclass(frozen=True)
class CityPage:
    region: Region
    plans: list[Plan]
    cards: list[Card]
    section: str
    sort: str
    text: dict[str, str]  # the chart's words, also the download's column names
    summary: CitySummary
    sections: list[tuple[str, Any]] = field(default_factory=lambda: Target.Section.choices)
    period: PlanPeriod | None = None

    @property
    def statements(self) -> list[Statement]:
        return [statement for card in self.cards for statement in card.statements]

    @property
    def has_demo(self) -> bool:
        return any(statement.item.is_demo for statement in self.statements)

    @property
    def has_submitted(self) -> bool:
        return any(statement.item.submitted_years for statement in self.statements)

    @property
    def province(self) -> str:
        return self.text["province"]


def chart_text(region: Region) -> dict[str, str]:
    return {
        "year": _("Year"),
        "actual": _("Actual"),
        "plan": _("Plan path"),
        "projection": _("Projection at the current pace"),
        "province": region.parent.name if region.parent else _("Parent region"),
        "target": _("Target"),
        "baseline": _("Baseline"),
        "submitted": _("Submitted, awaiting review (待审核)"),
        "growth": _("Average annual growth since the baseline year"),
    }


def short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# 需关注: lagging or worse (the statuses a city explains).
NEEDS_ATTENTION = frozenset(v.NEEDS_EXPLANATION)


def chart_title(indicator: Indicator, unit: str, region: Region) -> str:
    """A chart's whole title: the indicator's full name, the unit drawn, the region (高新技术企业数量（家）· 新乡市)."""
    words = {"indicator": indicator.name, "unit": unit, "region": region.name}
    return _("%(indicator)s (%(unit)s) · %(region)s") % words


def _primary(statements: list[Statement]) -> Statement:
    """The statement a card charts: the first one stating a number (plan order: the table before the prose)."""
    for statement in statements:
        if statement.item.status != v.NOT_QUANTIFIED:
            return statement
    return statements[0]


def period_marks(period: PlanPeriod | None, periods: list[PlanPeriod]) -> list[charts.PeriodMark]:
    """The periods a chart draws on one axis (`periods`: the page's with the one before and after it,
    plans.selectors.adjacent_periods), the page's marked current (charts.mark_periods)."""
    if period is None:
        return []
    return [
        charts.PeriodMark(p.code, p.name, p.first_year, p.last_year, p.baseline_year, current=p.pk == period.pk)
        for p in periods
    ]


def stated_level(item: TargetProgress) -> float | None:
    """The level a target aims at, for a star on a chart of levels: the method's target level, else the number
    the plan states (a level with no actual yet); None for targets without a level (growth, amounts added)."""
    if item.target.kind not in (v.LEVEL, v.MULTIPLE_OF_BASELINE, v.QUALITATIVE):
        return None
    level = item.progress.target_level
    if level is None and item.target.kind != v.MULTIPLE_OF_BASELINE:
        level = item.spec.target_value
    return level if level is not None and pr.is_finite(level) else None


def other_period_stars(items: list[TargetProgress]) -> dict[int, dict[str, list[tuple[int, float]]]]:
    """Other periods' targets by indicator: the star trace's name (目标（十五五）) → (target year, level)."""
    stars: dict[int, dict[str, list[tuple[int, float]]]] = {}
    for item in items:
        level = stated_level(item)
        if level is None:
            continue
        name = _("Target (%(period)s)") % {"period": item.target.plan.period.name}
        stars.setdefault(item.target.indicator_id, {}).setdefault(name, []).append((item.target.target_year, level))
    return stars


def _card(
    indicator: Indicator,
    statements: list[Statement],
    region: Region,
    text: dict[str, str],
    origins: Mapping[tuple[int, int], ValueOrigin],
    marks: list[charts.PeriodMark] | None = None,
    stars: Mapping[str, list[tuple[int, float]]] | None = None,
) -> Card:
    primary = _primary(statements)
    item = primary.item
    growth = item.spec.kind == v.ANNUAL_GROWTH_RATE
    title = chart_title(indicator, "%" if growth else indicator.unit, region)
    if not any(row["actual"] is not None for row in primary.frame):
        return Card(indicator, statements, primary, None, title)  # nothing measured: the empty state, no chart
    words = charts.ChartText(
        title=title, unit=indicator.unit, **{key: value for key, value in text.items() if key != "submitted"}
    )
    if item.spec.kind == v.CUMULATIVE_NEW:  # the line is the amount added since the baseline year, not the stock
        words = dataclasses.replace(words, actual=str(wording.FIGURE_LABELS["added"]))
    if growth:
        frame = charts.growth_frame(item.spec, item.progress, item.actuals)
    else:
        frame = charts.target_frame(item.spec, item.progress, item.actuals, item.parent_actuals or None)
    completion = wording.completion_formula(item.spec, item.progress)
    target_hover = f"{_('Completion')}: {completion}" if completion else ""
    hover = {
        year: origin_hover(origins[indicator.pk, year]) for year in item.actuals if (indicator.pk, year) in origins
    }
    original = None
    if item.revision is not None and item.original is not None and item.original_spec is not None:
        original = (item.original_spec, item.original)
        words = dataclasses.replace(words, original_target=_("Original target"), revised_target=_("Revised target"))
    figure = charts.target_figure(
        frame, item.spec, item.progress, words, hover=hover, target_hover=target_hover, original=original
    )
    years = {year for year in item.actuals}
    drawn = {year: origins[indicator.pk, year].origin for year in years if (indicator.pk, year) in origins}
    figure["data"].extend(charts.origin_traces(frame, drawn, origin_words()))
    if stars and item.spec.kind not in (v.ANNUAL_GROWTH_RATE, v.CUMULATIVE_NEW, v.PER_YEAR):
        figure["data"].extend(charts.period_target_traces(stars, indicator.unit))  # each in its period's part
    charts.mark_periods(figure, marks or [])
    return Card(indicator, statements, primary, figure, title)


def origin_words() -> dict[str, str]:
    """The legend's word for each origin of a value (indicators.selectors.ORIGINS)."""
    return {
        APPROVED: _("Approved (imported)"),
        MANUAL: _("Entered by hand (admin)"),
        DEMO: _("Demo data (演示数据)"),
        SUBMITTED: _("Submitted, awaiting review (待审核)"),
    }


def origin_hover(origin: ValueOrigin) -> str:
    """Where a value comes from, for its point's hover: origin, source, who and when, the import."""
    lines = [origin_words()[origin.origin]]
    if origin.stage == Observation.Stage.ESTIMATE:
        lines.append(_("Estimate (预计值)"))
    if origin.origin == DEMO and len(lines) == 1:
        return escape(lines[0])  # generated by load_demo_actuals: its source and writer say nothing more
    if origin.origin == DEMO:
        return "<br>".join(escape(line) for line in lines)
    if origin.source:
        lines.append(_("Source: %(source)s") % {"source": short(origin.source, 60)})
    who = origin.who or _("the operator")
    when = timezone.localtime(origin.when).strftime("%Y-%m-%d %H:%M") if origin.when else "—"
    lines.append(_("By %(who)s, %(when)s") % {"who": who, "when": when})
    if origin.approved_by:
        lines.append(_("Approved by %(who)s") % {"who": origin.approved_by})
    if origin.import_id is not None:
        lines.append(_("Import #%(id)s: %(name)s") % {"id": origin.import_id, "name": short(origin.import_name, 40)})
    return "<br>".join(escape(line) for line in lines)


def city_summary(statements: list[Statement]) -> CitySummary:
    words = wording.status_words()
    counts = Counter(statement.status for statement in statements)
    attributes = Counter(statement.target.attribute for statement in statements)
    attribute_words = dict(Target.Attribute.choices)
    attention = sorted(
        (statement for statement in statements if statement.status in NEEDS_ATTENTION),
        key=lambda statement: v.severity(statement.status),
    )
    return CitySummary(
        total=len(statements),
        counts=[(status, words[status], counts[status]) for status in v.STATUSES if counts[status]],
        attributes=[
            *((code, str(attribute_words[code]), attributes[code]) for code in (v.BINDING, v.ANTICIPATORY)),
            *((("", _("Attribute not stated"), attributes[""]),) if attributes[""] else ()),
        ],
        attention=attention,
    )


def city_page(
    region: Region,
    *,
    section: str = "",
    sort: str = "",
    target_id: int | None = None,
    include_submitted: bool = False,
    submitted_regions: Collection[int] | None = None,
    period: PlanPeriod | None = None,
) -> CityPage:
    """A region's plans, a summary, and one card per indicator holding every statement of it (each target with its
    status, numbers and sentence) and one chart: baseline, plan path, actuals, projection, target.
    `target_id` keeps one target (a card's own download); `include_submitted` adds the values awaiting review,
    marked on the charts. With a `period`, its plans' targets; the charts draw it with the periods beside it on
    one axis, their targets in their parts."""
    periods = adjacent_periods(period) if period is not None else []
    # The periods beside it in the same query and evaluation: their targets are drawn on the charts, in their parts.
    targets = targets_for(region=region, below=False, periods=periods or None)
    if section:
        targets = targets.filter(section=section)
    if target_id is not None:
        targets = targets.filter(pk=target_id)
    judged = evaluate_targets(targets, include_submitted=include_submitted, submitted_regions=submitted_regions)
    items = [item for item in judged if period is None or item.target.plan.period_id == period.pk]
    stars = other_period_stars(
        [item for item in judged if period is not None and item.target.plan.period_id != period.pk]
    )
    text = chart_text(region)
    explanations = latest_explanations(item.target.pk for item in items)
    baselines = baseline_actuals(item.target for item in items)
    grouped: dict[int, list[Statement]] = {}
    for item in items:  # plan order: an indicator's card sits where the plan first states it
        frame = charts.target_frame(item.spec, item.progress, item.actuals, item.parent_actuals or None)
        pk = item.target.pk
        statement = Statement(item, charts.records(frame), explanations.get(pk), baselines.get(pk))
        grouped.setdefault(item.target.indicator_id, []).append(statement)
    marks = period_marks(period, periods)
    # The values awaiting review are drawn (and their origin said) only where the user may see them.
    shown = include_submitted and (submitted_regions is None or region.pk in submitted_regions)
    origins = value_origins(region, list(grouped), include_submitted=shown)
    cards = [
        _card(group[0].target.indicator, group, region, text, origins, marks, stars.get(group[0].target.indicator_id))
        for group in grouped.values()
    ]
    if sort == "status":
        cards.sort(key=lambda card: v.severity(card.worst))
    statements = [statement for card in cards for statement in card.statements]
    plans = region.plans.defer("source_text").order_by("period_start")
    if period is not None:
        plans = plans.filter(period=period)
    return CityPage(region, list(plans), cards, section, sort, text, city_summary(statements), period=period)


# ---------------------------------------------------------------------------------------------------- indicator


@dataclass(frozen=True)
class IndicatorRow:
    item: TargetProgress
    label: str  # the bar's name: the region's, with the target's when the region has several on the indicator

    @property
    def completion(self) -> float | None:
        return completion(self.item.progress)


@dataclass(frozen=True)
class IndicatorPage:
    indicator: Indicator
    region: Region | None
    year: int | None
    rows: list[IndicatorRow]
    progress: charts.Figure
    lines: charts.Figure
    charted: int  # rows with a completion bar
    line_count: int
    years: range
    provinces: QuerySet[Region]
    period: PlanPeriod | None = None

    @property
    def has_demo(self) -> bool:
        return any(row.item.is_demo for row in self.rows)

    @property
    def has_submitted(self) -> bool:
        return any(row.item.submitted_years for row in self.rows)


def indicator_rows(
    indicator: Indicator,
    *,
    region: Region | None,
    year: int | None,
    include_submitted: bool = False,
    submitted_regions: Collection[int] | None = None,
    period: PlanPeriod | None = None,
) -> list[IndicatorRow]:
    """Every target on the indicator (of `region` and below; of the period's plans, when given), each with a
    unique bar name."""
    targets = targets_for(region=region, indicator_code=indicator.code, periods=None if period is None else [period])
    items = evaluate_targets(
        targets, as_of=year, include_submitted=include_submitted, submitted_regions=submitted_regions
    )
    return labelled_rows(items)


def labelled_rows(items: list[TargetProgress]) -> list[IndicatorRow]:
    """A row per target, each with a unique bar name: the region's, with the target's when it has several."""
    per_region = Counter(item.target.plan.region_id for item in items)
    rows, used = [], set()
    for item in items:
        target = item.target
        label = target.plan.region.name
        if per_region[target.plan.region_id] > 1:  # two targets of one region: tell the bars apart
            label = f"{label} · {short(target.label, 16)} (L{target.quote_line})"
        if label in used:  # the bars' names must be unique: they are the chart's categories
            label = f"{label} #{target.pk}"
        used.add(label)
        rows.append(IndicatorRow(item, label))
    return rows


def indicator_page(
    indicator: Indicator,
    *,
    region: Region | None,
    year: int | None,
    include_submitted: bool = False,
    submitted_regions: Collection[int] | None = None,
    period: PlanPeriod | None = None,
) -> IndicatorPage:
    """Every region with a target on one indicator, side by side: completion (bars, sorted), actuals over time
    (lines) and a table. With a `period`: its targets; the lines draw it with the periods beside it on one axis
    (their regions' actuals too, and their targets as open stars in their parts)."""
    periods = adjacent_periods(period) if period is not None else []
    # The periods beside it in the same query and evaluation: their regions' actuals and targets are drawn too.
    judged = evaluate_targets(
        targets_for(region=region, indicator_code=indicator.code, periods=periods or None),
        as_of=year,
        include_submitted=include_submitted,
        submitted_regions=submitted_regions,
    )
    rows = labelled_rows([item for item in judged if period is None or item.target.plan.period_id == period.pk])
    other_items = [item for item in judged if period is not None and item.target.plan.period_id != period.pk]
    frame = pd.DataFrame(
        {
            "label": [row.label for row in rows],
            "status": [row.item.status for row in rows],
            "status_label": [wording.status_label(row.item.progress) for row in rows],
            "completion": [math.nan if row.completion is None else row.completion for row in rows],
        },
        columns=list(charts.PROGRESS_COLUMNS),
    )
    progress = charts.progress_figure(
        frame, title=_("Completion toward each target"), axis=_("Completion (%)"), statuses=wording.status_words()
    )
    items = [row.item for row in rows]
    actuals, stars, province = indicator_series(items, other_items)
    lines = charts.actuals_figure(
        actuals,
        stars,
        province=province,
        title=_("Actuals of %(indicator)s") % {"indicator": indicator.name},
        unit=indicator.unit,
        year=_("Year"),
        target=_("Target"),
    )
    lines["data"].extend(
        charts.period_target_traces(other_period_stars(other_items).get(indicator.pk, {}), indicator.unit)
    )
    charts.mark_periods(lines, period_marks(period, periods))
    return IndicatorPage(
        indicator=indicator,
        region=region,
        year=year,
        rows=rows,
        progress=progress,
        lines=lines,
        charted=int(frame["completion"].notna().sum()),
        line_count=int(actuals["region"].nunique()),
        years=period_years(period) if period is not None else plan_span([item.target.plan for item in items]),
        provinces=Region.objects.filter(level=Region.Level.PROVINCE).order_by("adcode"),
        period=period,
    )


def indicator_series(
    items: list[TargetProgress], others: Sequence[TargetProgress] = ()
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The actuals of each region (once per region), the level of each target of `items` that states one, and the
    series of the province each "above the provincial average" target is compared with (once per province).
    `others` (other periods' targets) add their regions' actuals, not their stars."""
    seen: set[int] = set()
    regions, years, values = [], [], []
    star_regions, star_years, star_values = [], [], []
    parents: dict[int, tuple[str, Mapping[int, float]]] = {}
    starred = {id(item) for item in items}
    for item in [*items, *others]:
        region = item.target.plan.region
        if region.pk not in seen:
            seen.add(region.pk)
            for year in sorted(item.actuals):
                regions.append(region.name)
                years.append(year)
                values.append(item.actuals[year])
        level = item.progress.target_level
        if id(item) in starred and item.target.kind in v.LEVEL_KINDS and level is not None and pr.is_finite(level):
            star_regions.append(region.name)
            star_years.append(item.target.target_year)
            star_values.append(level)
        if item.parent_actuals and region.parent is not None:
            parents.setdefault(region.parent.pk, (region.parent.name, item.parent_actuals))
    columns = ["region", "year", "value"]
    actuals = pd.DataFrame({"region": regions, "year": years, "value": values}, columns=columns)
    stars = pd.DataFrame({"region": star_regions, "year": star_years, "value": star_values}, columns=columns)
    rows = [
        (name, year, series[year])
        for pk, (name, series) in parents.items()
        if pk not in seen
        for year in sorted(series)
    ]
    province = pd.DataFrame(rows, columns=columns)
    return actuals, stars, province


# ------------------------------------------------------------------------------------------- plan, evaluation


@dataclass(frozen=True)
class PlanRow:
    """A row of the plan page's targets table: the target, stated whole, its note without internal keys."""

    number: int
    target: Target
    stated: str
    note: list[wording.NotePart]
    item: TargetProgress | None = None  # a revised target, judged both ways (plans.revisions); else None
    baseline: BaselineActual | None = None  # the previous period's final actual of the baseline year, if stored


@dataclass(frozen=True)
class PlanPage:
    plan: Plan
    rows: list[PlanRow]
    inconsistencies: list[PlanInconsistency]
    document: HighlightedDocument

    @property
    def missing_ids(self) -> set[int]:
        return {quote.target_id for quote in self.document.missing}

    @property
    def baseline_mismatches(self) -> list[PlanRow]:
        """The rows whose stated baseline is not the stored actual of the baseline year."""
        return [row for row in self.rows if row.baseline is not None and row.baseline.mismatch]


def plan_page(plan: Plan) -> PlanPage:
    """The document with each target's sentence highlighted, the targets table and the consistency warnings."""
    targets = list(plan.targets.select_related("indicator").prefetch_related("conflicts_with").order_by("position"))
    # Numbered as the table's rows: the number after each highlighted sentence names its row.
    quotes = [Quote(t.pk, t.quote, t.quote_line, label=t.label, number=n) for n, t in enumerate(targets, start=1)]
    refs = {t.key: wording.TargetRef(t.pk, n, t.label) for n, t in enumerate(targets, start=1)}
    names = {indicator.code: indicator.name for indicator in Indicator.objects.only("code", "name_zh", "name_en")}
    # Revised targets are judged (as the evaluation's default year) both ways: against the original and the revision.
    revised_ids = set(TargetRevision.objects.filter(target__plan=plan).values_list("target_id", flat=True))
    judged = {}
    if revised_ids:
        revised = targets_for(plan=plan).filter(pk__in=revised_ids)
        judged = {item.target.pk: item for item in evaluate_targets(revised, as_of=default_year(plan))}
    baselines = baseline_actuals(targets)
    rows = [
        PlanRow(
            n,
            t,
            wording.target_text(t),
            wording.readable_note(t.note, refs, names),
            judged.get(t.pk),
            baselines.get(t.pk),
        )
        for n, t in enumerate(targets, start=1)
    ]
    return PlanPage(plan, rows, plan_inconsistencies(plan), highlight(plan.source_text, quotes))


@dataclass(frozen=True)
class EvaluationPage:
    plan: Plan
    evaluation: Evaluation
    years: range
    # Kinds whose level is derived (from the baseline, a rate or the province): the table shows it under the target.
    derived_kinds: tuple[str, ...] = (v.MULTIPLE_OF_BASELINE, v.ANNUAL_GROWTH_RATE, v.RELATIVE_TO_AVERAGE)
    needs_explanation: tuple[str, ...] = v.NEEDS_EXPLANATION  # the rows that say when the city has not explained


def evaluation_page(
    plan: Plan, year: int, *, include_submitted: bool = False, submitted_regions: Collection[int] | None = None
) -> EvaluationPage:
    """The evaluation table (中期/终期评估) of a plan at an as-of year."""
    evaluation = plan_evaluation(plan, year, include_submitted=include_submitted, submitted_regions=submitted_regions)
    return EvaluationPage(plan, evaluation, plan_span([plan], including=year))


# --------------------------------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class ComparisonPage:
    comparison: cmp.Comparison
    map: charts.Figure | None  # None: no boundaries for this province, or no city to draw
    map_by: str  # "status" or "value"
    growth_unit: str  # "%" (stocks, flows) or the change in the indicator's own unit (ratios)
    provinces: QuerySet[Region]

    @property
    def has_tiers(self) -> bool:
        return any(self.comparison.tiers.values())


MAP_BY = ("status", "value")


def growth_unit(indicator: Indicator) -> str:
    if indicator.measure != Indicator.Measure.RATIO:
        return "%"
    return _("percentage points") if indicator.unit == "%" else indicator.unit


def comparison_page(indicator: Indicator, province: Region, year: int | None, *, map_by: str) -> ComparisonPage:
    """The cities ranked on one indicator, and the map (by status of each city's own target, or by value)."""
    comparison = cmp.compare(indicator, province, year)
    return ComparisonPage(
        comparison=comparison,
        map=comparison_map(comparison, map_by=map_by),
        map_by=map_by,
        growth_unit=growth_unit(indicator),
        provinces=Region.objects.filter(level=Region.Level.PROVINCE).order_by("adcode"),
    )


def comparison_map(comparison: cmp.Comparison, *, map_by: str) -> charts.Figure | None:
    shapes = maps.shapes(comparison.province.adcode)
    rows = [row for row in comparison.rows if row.region.adcode in shapes]
    if not rows:
        return None
    indicator, year = comparison.indicator, comparison.year
    words = wording.status_words()
    no_target = _("No target on this indicator")
    values = [row.level.value for row in rows if row.level.value is not None]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    areas = []
    for row in rows:
        shape = shapes[row.region.adcode]
        status = row.status
        lines = [f"<b>{escape(row.region.name)}</b>"]
        value = f"{exact_text(row.level.value)} {indicator.unit}" if row.level.value is not None else _("No value")
        demo = f" · {_('demo data')}" if row.is_demo else ""
        lines.append(f"{escape(value)}{demo}")
        if row.level.rank is not None:
            lines.append(_("Rank %(rank)s of %(count)s") % {"rank": row.level.rank, "count": len(values)})
        lines.append(words[status] if status else no_target)
        if map_by == "value":
            colour = charts.scale_colour(row.level.value, low, high)
        else:
            colour = charts.STATUS_COLOURS[status] if status else charts.NO_VALUE
        areas.append(
            charts.MapArea(
                rings=shape.rings,
                centre=shape.centre,
                name=row.region.name.removesuffix("市"),
                colour=colour,
                hover="<br>".join(lines),
                href=reverse("city", args=[row.region.adcode]),
            )
        )
    if map_by == "value":
        title = _("%(indicator)s by city, %(year)s") % {"indicator": indicator.name, "year": year or "—"}
        return charts.map_figure(areas, title=title, scale=(low, high, indicator.unit) if values else None)
    title = _("Status of each city's target on %(indicator)s, %(year)s") % {
        "indicator": indicator.name,
        "year": year or "—",
    }
    shown = {row.status for row in rows}
    legend = {words[s]: charts.STATUS_COLOURS[s] for s in v.STATUSES if s in shown}
    if None in shown:
        legend[no_target] = charts.NO_VALUE
    return charts.map_figure(areas, title=title, legend=legend)
