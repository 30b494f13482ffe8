"""The cities of a province compared on one indicator for one year: level, growth on the year before and completion
of each city's own target, each ranked, with the change of rank since the year before and the tier the bureau's
cut-offs (indicators.ComparisonTier) put the city in. plans.ranking does the arithmetic.

Values are the stored ones (approved, entered by hand, published, demo — marked): values awaiting review never
rank a city. A figure per head is not offered: the catalogue holds no population series, and the indicators that
are per head already (…per 10 000 people) rank on their level.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, FloatField, Q
from django.db.models.functions import Cast

from cities.models import Region
from indicators.models import ComparisonTier, Indicator, Observation
from plans import ranking
from plans import vocabulary as v
from plans.evaluation import completion
from plans.models import Target
from plans.selectors import TargetProgress, evaluate_targets, targets_for


@dataclass(frozen=True)
class Figure:
    """One city's figure on one metric: the figure, its rank and the change of rank, and its tier."""

    value: float | None
    rank: int | None = None
    change: int | None = None  # places gained since the year before
    tier: str | None = None


@dataclass(frozen=True)
class CityRow:
    region: Region
    level: Figure
    growth: Figure
    completion: Figure
    is_demo: bool  # the year's value is demonstration data
    source: str
    item: TargetProgress | None  # the city's own target on the indicator (the first of its plan), judged

    @property
    def status(self) -> str | None:
        return self.item.status if self.item is not None else None


@dataclass(frozen=True)
class Comparison:
    indicator: Indicator
    province: Region
    year: int | None  # None: no city has a value yet
    years: list[int]  # the years some city has a value in
    rows: list[CityRow]  # ranked on the level, cities without a value last
    province_value: float | None
    tiers: dict[str, list[ranking.Tier]] = field(default_factory=dict)  # per metric, best first

    @property
    def higher_is_better(self) -> bool:
        return self.indicator.direction == Indicator.Direction.HIGHER

    @property
    def has_demo(self) -> bool:
        return any(row.is_demo for row in self.rows)


def tiers_for(indicator: Indicator) -> dict[str, list[ranking.Tier]]:
    """Per metric, the indicator's own tiers, else the defaults (tiers without indicator), best first."""
    found: dict[tuple[bool, str], list[ranking.Tier]] = defaultdict(list)
    for tier in ComparisonTier.objects.filter(Q(indicator=indicator) | Q(indicator__isnull=True)).order_by("pk"):
        threshold = None if tier.threshold is None else float(tier.threshold)
        found[tier.indicator_id is not None, tier.metric].append(ranking.Tier(tier.name, threshold))
    result = {}
    for metric in ranking.METRICS:
        tiers = found.get((True, metric)) or found.get((False, metric)) or []
        higher = metric == ranking.COMPLETION or indicator.direction == Indicator.Direction.HIGHER
        result[metric] = ranking.ordered_tiers(tiers, higher_is_better=higher)
    return result


def city_counts(indicator: Indicator, province: Region) -> dict[int, int]:
    """Year → how many cities of the province have a stored value of the indicator that year."""
    stored = Observation.objects.filter(indicator=indicator, region__parent=province, region__level=Region.Level.CITY)
    counts = stored.values_list("year").annotate(cities=Count("region", distinct=True)).order_by("year")
    return dict(counts)


def comparison_years(indicator: Indicator, province: Region) -> list[int]:
    """The years in which some city of the province has a stored value of the indicator."""
    return sorted(city_counts(indicator, province))


def default_year(counts: dict[int, int]) -> int | None:
    """The latest year in which at least half as many cities have a value as in the best-covered year: the first
    city to report a year does not make a ranking of one (None without any value)."""
    if not counts:
        return None
    enough = max(counts.values()) / 2
    return max(year for year, cities in counts.items() if cities >= enough)


def _primary_targets(indicator: Indicator, province: Region, year: int) -> dict[int, Target]:
    """Per city, its plan's first target on the indicator (the table before the goals and the body) of a plan
    whose period holds `year`."""
    order = {section: i for i, section in enumerate(v.SECTIONS)}
    chosen: dict[int, Target] = {}
    targets = [
        t
        for t in targets_for(region=province, indicator_code=indicator.code)
        if t.plan.region.parent_id == province.pk and t.plan.period_start <= year <= t.plan.period_end
    ]
    for target in sorted(targets, key=lambda t: (order.get(t.section, len(order)), t.position, t.pk)):
        chosen.setdefault(target.plan.region_id, target)
    return chosen


def _completions(targets: Iterable[Target], year: int) -> dict[int, TargetProgress]:
    return {item.target.plan.region_id: item for item in evaluate_targets(targets, as_of=year)}


def compare(indicator: Indicator, province: Region, year: int | None = None) -> Comparison:
    """The comparison of the province's cities on `indicator` in `year` (default: default_year)."""
    counts = city_counts(indicator, province)
    years = sorted(counts)
    tiers = tiers_for(indicator)
    cities = list(Region.objects.filter(parent=province, level=Region.Level.CITY).order_by("adcode"))
    if year is None:
        year = default_year(counts)
    if year is None:
        rows = [CityRow(c, Figure(None), Figure(None), Figure(None), False, "", None) for c in cities]
        return Comparison(indicator, province, None, years, rows, None, tiers)
    values: dict[tuple[int, int], float] = {}
    meta: dict[int, tuple[bool, str]] = {}
    stored = Observation.objects.filter(
        indicator=indicator, region__in=[*cities, province], year__gte=year - 2, year__lte=year
    ).values_list("region_id", "year", Cast("value", FloatField()), "origin", "source")
    for region_id, at, value, origin, source in stored:
        values[region_id, at] = value
        if at == year:
            meta[region_id] = (origin == Observation.Origin.DEMO, source)
    higher = indicator.direction == Indicator.Direction.HIGHER
    measure = indicator.measure

    def level(at: int) -> dict[int, float]:
        return {c.pk: values[c.pk, at] for c in cities if (c.pk, at) in values}

    def grown(at: int) -> dict[int, float]:
        result = {}
        for city in cities:
            change = ranking.growth(values.get((city.pk, at - 1)), values.get((city.pk, at)), measure)
            if change is not None:
                result[city.pk] = change
        return result

    targets = _primary_targets(indicator, province, year)
    now_items = _completions(targets.values(), year)
    before_items = _completions(targets.values(), year - 1) if targets else {}

    def completed(items: dict[int, TargetProgress], at: int) -> dict[int, float]:
        # Judged on that year's own value only: a city whose latest value is older is not ranked on that year.
        shares = {pk: completion(item.progress) for pk, item in items.items() if item.progress.year == at}
        return {pk: share * 100 for pk, share in shares.items() if share is not None}

    figures = {
        ranking.LEVEL: (level(year), level(year - 1), higher),
        ranking.GROWTH: (grown(year), grown(year - 1), higher),
        ranking.COMPLETION: (completed(now_items, year), completed(before_items, year - 1), True),
    }
    per_metric: dict[str, dict[int, Figure]] = {}
    for metric, (now, before, better_high) in figures.items():
        now_ranks = ranking.ranks(now, higher_is_better=better_high)
        before_ranks = ranking.ranks(before, higher_is_better=better_high)
        per_metric[metric] = {
            pk: Figure(
                value,
                now_ranks[pk],
                ranking.rank_change(now_ranks[pk], before_ranks.get(pk)),
                ranking.tier_of(value, tiers[metric], higher_is_better=better_high),
            )
            for pk, value in now.items()
        }
    empty = Figure(None)
    rows = [
        CityRow(
            region=city,
            level=per_metric[ranking.LEVEL].get(city.pk, empty),
            growth=per_metric[ranking.GROWTH].get(city.pk, empty),
            completion=per_metric[ranking.COMPLETION].get(city.pk, empty),
            is_demo=meta.get(city.pk, (False, ""))[0],
            source=meta.get(city.pk, (False, ""))[1],
            item=now_items.get(city.pk),
        )
        for city in cities
    ]
    rows.sort(key=lambda row: (row.level.rank is None, row.level.rank or 0, row.region.adcode))
    return Comparison(indicator, province, year, years, rows, values.get((province.pk, year)), tiers)
