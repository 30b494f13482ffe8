"""The province overview, read in a fixed number of queries: a status matrix of regions × indicators (grouped by
theme, the plans' main indicators first), each cell the worst status of the region's targets on the indicator, and
the counts of targets by status per region."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from cities.models import Region
from cities.selectors import subtree_q
from indicators.models import Indicator
from plans import vocabulary as v
from plans import wording
from plans.evaluation import warns_early
from plans.models import Plan, PlanPeriod, Target
from plans.selectors import DEFAULT_SPAN, TargetProgress, default_as_of, evaluate_targets, plan_span, targets_for

# Among a cell's targets of the worst status, the one its link opens: the indicator table's first.
_SECTION_RANK: dict[str, int] = {Target.Section.TABLE: 0, Target.Section.GOALS: 1, Target.Section.BODY: 2}


def status_counts(items: list[TargetProgress]) -> dict[str, int]:
    """The number of targets of each status present, worst first (plans.vocabulary.ATTENTION_ORDER)."""
    counts = Counter(item.status for item in items)
    return {status: counts[status] for status in v.ATTENTION_ORDER if counts[status]}


@dataclass(frozen=True)
class Cell:
    """A region's targets on one indicator, worded for the matrix: the WORST status of its targets
    (plans.vocabulary.worst_status), the chart of the first target of that status, and the count per status."""

    items: list[TargetProgress]
    headline: TargetProgress  # the first target (table, goals, body; then position) of the worst status
    url: str  # the headline target's chart on the city page
    label: str  # the worst status's word
    counts: dict[str, int]  # status → targets, worst first
    summary: str  # the count per status in words: "滞后 2；基本符合预期 1" (hover and screen readers)
    title: str  # the hover: the summary, then every target with its status
    muted: bool = False  # drawn blank: "only what needs attention" is on and this cell does not

    @property
    def status(self) -> str:
        return self.headline.status

    @property
    def others(self) -> int:
        return len(self.items) - 1

    @property
    def worst_count(self) -> int:
        return self.counts[self.status]

    @property
    def needs_attention(self) -> bool:
        return self.status in v.NEEDS_ATTENTION

    @property
    def target_ids(self) -> list[int]:
        return [item.target.pk for item in self.items]

    @classmethod
    def of(cls, items: list[TargetProgress], city_url: str) -> Cell:
        worst = v.worst_status(item.status for item in items)
        headline = min(
            (item for item in items if item.status == worst),
            key=lambda i: (_SECTION_RANK[i.target.section], i.target.position),
        )
        counts = status_counts(items)
        separator = _("; ")
        summary = separator.join(f"{wording.status_word(status)} {n}" for status, n in counts.items())
        lines = [summary, *(f"{i.target.label}: {wording.status_label(i.progress)}" for i in items)]
        url = f"{city_url}#target-{headline.target.pk}"
        return cls(items, headline, url, wording.status_word(worst), counts, summary, "\n".join(lines))


@dataclass(frozen=True)
class Theme:
    """A group of the matrix's columns: its code (blank: not classified), its word and how many columns it spans."""

    code: str
    label: str
    span: int


def theme_label(code: str) -> str:
    return str(Indicator.Theme(code).label) if code else _("Other")


@dataclass(frozen=True)
class OverviewRow:
    region: Region
    url: str  # the region's city page
    cells: list[Cell | None]
    counts: dict[str, int]
    items: list[TargetProgress]

    @property
    def total(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Overview:
    region: Region
    year: int
    indicators: list[Indicator]  # every column: by theme, the plans' main indicators first in each
    rows: list[OverviewRow]  # every region, its cells aligned with `indicators`
    shared: dict[int, int] = field(default_factory=dict)  # indicator id → number of regions with a target on it
    main: frozenset[int] = frozenset()  # the indicators of the plans' indicator tables (主要指标)
    # Binding targets (约束性) expected to be missed (plans.evaluation.warns_early, as the evaluation lists them).
    warnings: list[TargetProgress] = field(default_factory=list)

    @property
    def has_demo(self) -> bool:
        return any(item.is_demo for row in self.rows for item in row.items)

    @property
    def has_submitted(self) -> bool:
        return any(item.is_submitted for row in self.rows for item in row.items)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)

    @property
    def totals(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for row in self.rows:
            totals.update(row.counts)
        return {status: totals[status] for status in v.STATUSES}

    def cells(self) -> list[tuple[OverviewRow, Indicator, Cell]]:
        """Every cell holding a target: row, column, cell."""
        return [
            (row, indicator, cell)
            for row in self.rows
            for indicator, cell in zip(self.indicators, row.cells, strict=True)
            if cell is not None
        ]


@dataclass(frozen=True)
class MatrixRow:
    row: OverviewRow
    cells: list[Cell | None]  # aligned with the matrix's columns


@dataclass(frozen=True)
class Matrix:
    """What the overview page draws of an Overview: the main indicators' columns (all with `everything`), grouped
    by theme; with `attention`, of those only the rows and columns holding a cell that needs attention (lagging or
    worse), the other cells drawn blank."""

    columns: list[Indicator]
    themes: list[Theme]
    rows: list[MatrixRow]
    hidden: int  # columns this view would draw but for the main-indicators restriction ("show all")
    everything: bool
    attention: bool


def _needs_attention(cell: Cell | None) -> bool:
    return cell is not None and cell.needs_attention


def matrix(view: Overview, *, everything: bool = False, attention: bool = False) -> Matrix:
    candidates = list(range(len(view.indicators)))
    if attention:
        candidates = [i for i in candidates if any(_needs_attention(row.cells[i]) for row in view.rows)]
    kept = [i for i in candidates if everything or not view.main or view.indicators[i].pk in view.main]
    rows = []
    for row in view.rows:
        cells = [row.cells[i] for i in kept]
        if attention:
            if not any(_needs_attention(cell) for cell in cells):
                continue
            cells = [
                cell if cell is None or cell.needs_attention else dataclasses.replace(cell, muted=True)
                for cell in cells
            ]
        rows.append(MatrixRow(row, cells))
    columns = [view.indicators[i] for i in kept]
    themes = [Theme(code, theme_label(code), len(list(group))) for code, group in groupby(c.theme for c in columns)]
    return Matrix(columns, themes, rows, len(candidates) - len(kept), everything, attention)


def overview_region(requested: Region | None, home: Region | None) -> Region | None:
    """The region whose overview to show: the one asked for; else the province of the user's own region; else
    the first province with a plan in it or below it."""
    if requested is not None:
        return requested
    if home is not None:
        while home.parent is not None:  # up to the province (two steps at most)
            home = home.parent
        return home
    below = Q(plans__isnull=False) | Q(children__plans__isnull=False)
    return Region.objects.filter(below, level=Region.Level.PROVINCE).order_by("adcode").first()


class BadYear(ValueError):
    """A ?year= that is not one of the plans' years; its message says what was given and the years allowed."""


def checked_year(raw: str, years: range) -> int:
    """The year `raw` names, when it is one of `years` (the plans' years; the 14th period's when no plan is
    loaded); BadYear otherwise — not a number, or outside the span."""
    span = years or DEFAULT_SPAN
    if raw.isascii() and raw.isdigit() and len(raw) <= 4 and int(raw) in span:
        return int(raw)
    message = _("The year must be a number between %(first)s and %(last)s (the years of the plans), not “%(value)s”.")
    raise BadYear(message % {"first": span[0], "last": span[-1], "value": raw[:20]})


def plans_in(region: Region, period: PlanPeriod | None = None) -> QuerySet[Plan]:
    """The plans of the region and of every region below it (of one period, when given)."""
    plans = Plan.objects.filter(subtree_q(region, "region"))
    return plans if period is None else plans.filter(period=period)


def plan_years(region: Region) -> range:
    """The years an overview can be read at: the span of the plans in and below the region."""
    return plan_span(plans_in(region))


@dataclass(frozen=True)
class Slot:
    """A region's place in a period: its plans of that period, none yet (尚无十五五规划) when empty."""

    region: Region
    plans: list[Plan]


def period_slots(region: Region, period: PlanPeriod) -> list[Slot]:
    """The region and the regions directly below it, each with its plans of the period (none: the empty slot).
    Nothing is invented: a region without a plan of the period says so."""
    regions = [region, *region.children.order_by("adcode")]
    held: dict[int, list[Plan]] = defaultdict(list)
    for plan in Plan.objects.filter(period=period, region__in=regions).defer("source_text").order_by("pk"):
        held[plan.region_id].append(plan)
    return [Slot(r, held[r.pk]) for r in regions]


def overview(
    region: Region,
    *,
    year: int | None,
    years: range,
    section: str = "",
    kind: str = "",
    include_submitted: bool = False,
    submitted_regions: Collection[int] | None = None,
    period: PlanPeriod | None = None,
) -> Overview:
    query = targets_for(region=region, periods=None if period is None else [period])
    if section:
        query = query.filter(section=section)
    if kind:
        query = query.filter(kind=kind)
    targets = list(query)
    if year is None:
        year = default_as_of(list({t.plan.region for t in targets}), years)
    items = evaluate_targets(
        targets, as_of=year, include_submitted=include_submitted, submitted_regions=submitted_regions
    )
    by_region: dict[Region, list[TargetProgress]] = defaultdict(list)
    for item in items:
        by_region[item.target.plan.region].append(item)
    shared: Counter[int] = Counter()
    indicators: dict[int, Indicator] = {}
    for region_items in by_region.values():
        for indicator_id in {i.target.indicator_id for i in region_items}:
            shared[indicator_id] += 1
        for item in region_items:
            indicators[item.target.indicator_id] = item.target.indicator
    main = main_indicators(region, period)
    # By theme; in each, the plans' main indicators first, then the ones most regions set targets on, then by code.
    columns = sorted(
        indicators.values(), key=lambda ind: (_THEME_RANK[ind.theme], ind.pk not in main, -shared[ind.pk], ind.code)
    )
    rows = []
    # The region itself first (a province's own plan), then the regions below it by adcode.
    for row_region in sorted(by_region, key=lambda r: (r != region, r.adcode)):
        region_items = by_region[row_region]
        grouped: dict[int, list[TargetProgress]] = defaultdict(list)
        for item in region_items:
            grouped[item.target.indicator_id].append(item)
        url = reverse("city", args=[row_region.adcode])
        if include_submitted:
            url += "?include=submitted"  # the city page keeps the switch
        cells = [Cell.of(grouped[ind.pk], url) if ind.pk in grouped else None for ind in columns]
        counts = Counter(item.status for item in region_items)
        rows.append(OverviewRow(row_region, url, cells, {s: counts[s] for s in v.STATUSES}, region_items))
    warnings = [item for row in rows for item in row.items if warns_early(item)]
    return Overview(region, year, columns, rows, dict(shared), main, warnings)


_THEME_RANK: dict[str, int] = {code: rank for rank, code in enumerate((*v.THEMES, ""))}


def main_indicators(region: Region, period: PlanPeriod | None = None) -> frozenset[int]:
    """The indicators of the plans' indicator tables (主要指标, section "table") in and below the region (of the
    period's plans, when given), whatever the page's other filters: the overview's columns before "show all"."""
    targets = Target.objects.filter(subtree_q(region, "plan__region"), section=Target.Section.TABLE)
    if period is not None:
        targets = targets.filter(plan__period=period)
    return frozenset(targets.values_list("indicator_id", flat=True).distinct())
