"""Finding one's way: the city and indicator indexes, the search, breadcrumbs and the previous / next city.

Builders (plain dataclasses, no request) and the thin views that render them. The indexes are cached per data
version like the other dashboard pages (dashboard/fragments.py); search results are not cached.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities.models import Region
from dashboard import fragments, periods
from indicators.models import Indicator, IndicatorAlias
from plans import vocabulary as v
from plans import wording
from plans.models import Plan, PlanPeriod, Target
from plans.selectors import evaluate_targets, targets_for

# ------------------------------------------------------------------------------------------------ city index


@dataclass(frozen=True)
class CityRow:
    region: Region
    plans: list[Plan]
    counts: dict[str, int]  # status code → targets, every code of v.STATUSES in its order

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shown_counts(self) -> list[tuple[str, int]]:
        return [(status, count) for status, count in self.counts.items() if count]


@dataclass(frozen=True)
class ProvinceGroup:
    province: Region
    rows: list[CityRow]


@dataclass(frozen=True)
class CityIndex:
    groups: list[ProvinceGroup]
    statuses: list[tuple[str, str]] = field(default_factory=list)
    has_demo: bool = False  # some counts rest on demo actuals


def _province(region: Region, regions: dict[int, Region]) -> Region:
    while region.parent_id is not None:
        region = regions[region.parent_id]
    return region


def city_index(period: PlanPeriod | None = None) -> CityIndex:
    """Every region with a plan (of the period, when given), grouped by province (the province's own plan first),
    each with its plans and its targets' counts per status (latest data, as on the city page)."""
    regions = {region.pk: region for region in Region.objects.all()}
    plans: dict[int, list[Plan]] = defaultdict(list)
    held = Plan.objects.defer("source_text").order_by("region__adcode", "period_start")
    for plan in held if period is None else held.filter(period=period):
        plans[plan.region_id].append(plan)
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    items = evaluate_targets(targets_for(periods=None if period is None else [period]))
    for item in items:
        counts[item.target.plan.region_id][item.status] += 1
    grouped: dict[int, list[CityRow]] = defaultdict(list)
    for region_id in sorted(plans, key=lambda pk: regions[pk].adcode):
        region = regions[region_id]
        row = CityRow(region, plans[region_id], {status: counts[region_id][status] for status in v.STATUSES})
        grouped[_province(region, regions).pk].append(row)
    groups = [
        ProvinceGroup(regions[pk], rows) for pk, rows in sorted(grouped.items(), key=lambda kv: regions[kv[0]].adcode)
    ]
    return CityIndex(groups, list(wording.status_words().items()), any(item.is_demo for item in items))


def neighbours(region: Region) -> tuple[Region | None, Region | None]:
    """The regions with a plan just before and just after `region` by adcode (None at either end)."""
    with_plans = list(Region.objects.filter(plans__isnull=False).distinct().order_by("adcode"))
    before = [r for r in with_plans if r.adcode < region.adcode]
    after = [r for r in with_plans if r.adcode > region.adcode]
    return (before[-1] if before else None, after[0] if after else None)


# ------------------------------------------------------------------------------------------- indicator index


@dataclass(frozen=True)
class IndicatorEntry:
    indicator: Indicator
    targets: int
    regions: int


@dataclass(frozen=True)
class IndicatorGroup:
    measure: str
    label: str
    entries: list[IndicatorEntry]


def indicator_index() -> list[IndicatorGroup]:
    """The catalogue by measure (counts, amounts over a year, ratios), the most used indicators of each first."""
    indicators = Indicator.objects.annotate(
        target_count=Count("targets", distinct=True), region_count=Count("targets__plan__region", distinct=True)
    ).order_by("code")
    by_measure: dict[str, list[IndicatorEntry]] = defaultdict(list)
    for indicator in indicators:
        by_measure[indicator.measure].append(IndicatorEntry(indicator, indicator.target_count, indicator.region_count))
    groups = []
    for measure, label in Indicator.Measure.choices:
        entries = sorted(by_measure.get(measure, []), key=lambda e: (-e.targets, e.indicator.code))
        if entries:
            groups.append(IndicatorGroup(measure, str(label), entries))
    return groups


# -------------------------------------------------------------------------------------------------- search

SEARCH_MAX_LENGTH = 50  # characters of ?q=; longer is refused (400)
SEARCH_LIMIT = 20  # results per group; a note says when there are more


@dataclass(frozen=True)
class TargetHit:
    target: Target
    excerpt: str  # the part of the sentence around the match


@dataclass(frozen=True)
class SearchResults:
    q: str
    regions: list[Region] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    targets: list[TargetHit] = field(default_factory=list)
    more: dict[str, bool] = field(default_factory=dict)  # group → more than SEARCH_LIMIT matched

    @property
    def total(self) -> int:
        return len(self.regions) + len(self.indicators) + len(self.targets)


def excerpt(text: str, q: str, width: int = 40) -> str:
    """The text around the first occurrence of q (case-insensitive), with … where it was cut; a table row's cells
    (one a line in the document) on one line."""
    text = " ".join(text.split())
    at = text.lower().find(q.lower())
    if at < 0:
        return text if len(text) <= 2 * width else text[: 2 * width] + "…"
    start, end = max(0, at - width), min(len(text), at + len(q) + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def search_query(raw: str) -> str:
    """The search words of ?q=, stripped; BadRequest (the 400 page, its reason in both languages) when too long."""
    # Control characters never match a name or a sentence, and PostgreSQL refuses a NUL in a query parameter.
    q = " ".join("".join(ch for ch in raw if unicodedata.category(ch) != "Cc" or ch.isspace()).split())
    if len(q) > SEARCH_MAX_LENGTH:
        raise BadRequest(
            _("The search text is too long: at most %(limit)s characters (q has %(length)s).")
            % {"limit": SEARCH_MAX_LENGTH, "length": len(q)}
        )
    return q


def search(q: str) -> SearchResults:
    """Regions by name or adcode, indicators by name, alias or code, targets by their sentence or label."""
    if not q:
        return SearchResults(q)
    limit = SEARCH_LIMIT + 1  # one more: whether there are more
    regions = list(
        Region.objects.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(adcode__startswith=q)).order_by(
            "adcode"
        )[:limit]
    )
    aliased = IndicatorAlias.objects.filter(name__icontains=q).values("indicator_id")
    indicators = list(
        Indicator.objects.filter(
            Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(code__icontains=q) | Q(pk__in=aliased)
        ).order_by("code")[:limit]
    )
    targets = list(
        Target.objects.filter(Q(quote__icontains=q) | Q(label__icontains=q))
        .select_related("plan__region", "indicator")
        .defer("plan__source_text")
        .order_by("plan__region__adcode", "plan_id", "position")[:limit]
    )
    return SearchResults(
        q,
        regions[:SEARCH_LIMIT],
        indicators[:SEARCH_LIMIT],
        [
            TargetHit(t, excerpt(t.quote if q.lower() in t.quote.lower() else t.label, q))
            for t in targets[:SEARCH_LIMIT]
        ],
        {
            "regions": len(regions) > SEARCH_LIMIT,
            "indicators": len(indicators) > SEARCH_LIMIT,
            "targets": len(targets) > SEARCH_LIMIT,
        },
    )


# ------------------------------------------------------------------------------------------------ breadcrumbs


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str = ""  # none: the current page


def _region_crumbs(region: Region) -> list[Crumb]:
    crumbs = [Crumb(_("Home"), reverse("home")), Crumb(_("Regions"), reverse("city-index"))]
    if region.parent is not None:
        crumbs.append(Crumb(region.parent.name, f"{reverse('city-index')}#region-{region.parent.adcode}"))
    return crumbs


def breadcrumbs(
    *,
    region: Region | None = None,
    indicator: Indicator | None = None,
    plan: Plan | None = None,
    evaluation: bool = False,
    comparison: bool = False,
) -> list[Crumb]:
    """The way from the home page to a city page (region), an indicator page (or its comparison of the cities), a
    plan page or its evaluation."""
    if indicator is not None:
        crumbs = [Crumb(_("Home"), reverse("home")), Crumb(_("Indicators"), reverse("indicator-index"))]
        if not comparison:
            return [*crumbs, Crumb(indicator.name)]
        page = Crumb(indicator.name, reverse("indicator", args=[indicator.code]))
        return [*crumbs, page, Crumb(_("Cities compared"))]
    if plan is not None:
        crumbs = [*_region_crumbs(plan.region), Crumb(plan.region.name, reverse("city", args=[plan.region.adcode]))]
        if not evaluation:
            return [*crumbs, Crumb(plan.title)]
        return [*crumbs, Crumb(plan.title, reverse("plan-detail", args=[plan.pk])), Crumb(_("Evaluation table"))]
    if region is not None:
        return [*_region_crumbs(region), Crumb(region.name)]
    return [Crumb(_("Home"), reverse("home"))]


# ------------------------------------------------------------------------------------------------------ views


@require_GET
@login_required
def city_index_view(request: HttpRequest) -> HttpResponse:
    """/cities/: every region with a plan, by province, with its plans and counts per status."""

    period = periods.period_param(request)

    def build() -> dict[str, object]:
        index = city_index(period)
        return {
            "index": index,
            "groups": index.groups,
            "statuses": index.statuses,
            "has_demo": index.has_demo,
            "period": period,
            "period_switch": periods.period_switch(request, period),
            # The regions' links keep a period asked for; the default one needs no parameter.
            "period_query": f"?period={period.code}" if period is not None and request.GET.get("period") else "",
        }

    return fragments.cached_page(request, "dashboard/city_index.html", build, scope=periods.period_code(period))


@require_GET
@login_required
def indicator_index_view(request: HttpRequest) -> HttpResponse:
    """/indicators/: the catalogue, by measure, each indicator with its unit and how many targets use it."""
    return fragments.cached_page(request, "dashboard/indicator_index.html", lambda: {"groups": indicator_index()})


@require_GET
@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    """/search/?q=: regions, indicators and targets, grouped and bounded; not cached."""
    q = search_query(request.GET.get("q", ""))
    results = search(q)
    return render(
        request,
        "dashboard/search.html",
        {"results": results, "q": q, "limit": SEARCH_LIMIT, "max_length": SEARCH_MAX_LENGTH},
    )
