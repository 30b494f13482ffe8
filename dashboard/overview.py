"""The province overview, read in a fixed number of queries: a status matrix of regions × indicators (shared
indicators first), each cell worded, and the counts of targets by status per region."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.urls import reverse

from cities.models import Region
from cities.selectors import subtree_q
from indicators.models import Indicator
from plans import vocabulary as v
from plans import wording
from plans.models import Plan, Target
from plans.selectors import TargetProgress, default_as_of, evaluate_targets, plan_span, targets_for

# Which target of a region stands for the region in an indicator's cell: the indicator table's first.
_SECTION_RANK: dict[str, int] = {Target.Section.TABLE: 0, Target.Section.GOALS: 1, Target.Section.BODY: 2}


@dataclass(frozen=True)
class Cell:
    """A region's targets on one indicator, worded for the matrix: the status word of the `headline` target
    (the indicator table's first), its colour class, its chart's address, and every target in the tooltip."""

    items: list[TargetProgress]
    headline: TargetProgress
    url: str  # the headline target's chart on the city page
    label: str
    title: str

    @property
    def status(self) -> str:
        return self.headline.status

    @property
    def others(self) -> int:
        return len(self.items) - 1

    @classmethod
    def of(cls, items: list[TargetProgress], city_url: str) -> Cell:
        headline = min(items, key=lambda i: (_SECTION_RANK[i.target.section], i.target.position))
        labels = [wording.status_label(i.progress) for i in items]
        title = "\n".join(f"{i.target.label}: {label}" for i, label in zip(items, labels, strict=True))
        return cls(items, headline, f"{city_url}#target-{headline.target.pk}", labels[items.index(headline)], title)


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
    indicators: list[Indicator]
    rows: list[OverviewRow]
    shared: dict[int, int] = field(default_factory=dict)  # indicator id → number of regions with a target on it

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


def plans_in(region: Region) -> QuerySet[Plan]:
    """The plans of the region and of every region below it."""
    return Plan.objects.filter(subtree_q(region, "region"))


def plan_years(region: Region) -> range:
    """The years an overview can be read at: the span of the plans in and below the region."""
    return plan_span(plans_in(region))


def overview(
    region: Region,
    *,
    year: int | None,
    years: range,
    section: str = "",
    kind: str = "",
    include_submitted: bool = False,
    submitted_regions: Collection[int] | None = None,
) -> Overview:
    query = targets_for(region=region)
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
    # Shared indicators first (the ones most regions set targets on), then by code.
    columns = sorted(indicators.values(), key=lambda ind: (-shared[ind.pk], ind.code))
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
    return Overview(region, year, columns, rows, dict(shared))
