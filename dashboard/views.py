"""The dashboard's pages. Each view checks access, parses its query string, asks dashboard.pages for the page and
renders it (or dashboard.downloads for its data). Every page needs a login; all data is readable by every
logged-in user (writing is the imports app's business)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities.access import can_write, home_region, may_import, reviewable_regions, submitted_scope
from cities.models import Region
from dashboard import downloads, fragments, pages, periods, report
from dashboard import overview as ov
from imports.review import own_open_imports
from indicators.models import Indicator
from indicators.selectors import pending_values
from indicators.selectors import value_history as history_of
from plans import completeness, published
from plans.comparison import comparison_years
from plans.evaluation import default_year, plan_evaluation
from plans.models import Plan, Target
from plans.revisions import may_record_any_revision
from plans.selectors import default_as_of, period_years, plan_span


def _context(page: Any, request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The page's fields (and properties the templates read) as the template's names, plus the query string and
    the query string of the same page with the submitted values switched (include=submitted) on or off."""
    fields = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    toggled = request.GET.copy()
    include = _include_param(request)
    if include:
        toggled.pop("include", None)
    else:
        toggled["include"] = "submitted"
    return {
        "page": page,
        **fields,
        "query": request.GET.urlencode(),
        "include_submitted": include,
        "toggle_query": toggled.urlencode(),
        **extra,
    }


def _switches(request: HttpRequest) -> dict[str, str]:
    """The overview's query string with ?attention=1 and ?all=1 each switched on and off (the other kept)."""
    switched = {}
    for name in ("attention", "all"):
        on, off = request.GET.copy(), request.GET.copy()
        on[name] = "1"
        off.pop(name, None)
        switched[f"{name}_on"], switched[f"{name}_off"] = on.urlencode(), off.urlencode()
    return switched


def _include_param(request: HttpRequest) -> bool:
    """?include=submitted: values awaiting review shown too (marked); default: approved values only."""
    return _choice_param(request, "include", ["submitted"]) == "submitted"


def _submitted_param(request: HttpRequest) -> frozenset[int] | None:
    """With ?include=submitted, the regions whose submitted values this user may see (cities.access): a city
    official never sees another region's. The pages that show them key their cache on it (_scope)."""
    return submitted_scope(request.user) if _include_param(request) else None


def _scope(visible: frozenset[int] | None) -> tuple[int, ...]:
    return tuple(sorted(visible)) if visible is not None else ()


def _region_param(request: HttpRequest) -> Region | None:
    """The region of ?region=ADCODE; Http404 when no region has that adcode."""
    adcode = request.GET.get("region", "")
    return get_object_or_404(Region.objects.select_related("parent__parent"), adcode=adcode) if adcode else None


def _year_param(request: HttpRequest, years: range) -> int | None:
    """The as-of year of ?year=, None when not given; BadRequest, naming the plans' years, when it is not one of
    them (not a number, or outside the span of the plans the page reads)."""
    raw = request.GET.get("year", "")
    if not raw:
        return None
    try:
        return ov.checked_year(raw, years)
    except ov.BadYear as error:
        raise BadRequest(str(error)) from error


def _flag_param(request: HttpRequest, name: str) -> bool:
    """?NAME=1 on, absent off; anything else is refused (one spelling per page, one cache entry)."""
    return _choice_param(request, name, ["1"]) == "1"


def _choice_param(request: HttpRequest, name: str, choices: list[str]) -> str:
    value = request.GET.get(name, "")
    if value and value not in choices:
        raise BadRequest(_("Unknown value for %(field)s: %(value)s") % {"field": name, "value": value})
    return value


@require_GET
@login_required
def home(request: HttpRequest, file_format: str | None = None) -> HttpResponse:
    """The province overview: regions × indicators by status, per-region counts, and the plans."""
    home = home_region(request.user)
    visible = _submitted_param(request)
    period = periods.period_param(request)

    def build() -> pages.OverviewPage:
        region = ov.overview_region(_region_param(request), home)
        years = range(0) if region is None else period_years(period) if period is not None else ov.plan_years(region)
        return pages.overview_page(
            requested=region,
            home=home,
            year=_year_param(request, years),
            years=years,
            section=_choice_param(request, "section", Target.Section.values),
            kind=_choice_param(request, "kind", Target.Kind.values),
            include_submitted=visible is not None,
            submitted_regions=visible,
            everything=_flag_param(request, "all"),
            attention=_flag_param(request, "attention"),
            period=period,
            all_warnings=_choice_param(request, "warnings", ["all"]) == "all",
        )

    if file_format:
        page = build()
        if page.overview is None:
            raise Http404
        return downloads.download(file_format, downloads.overview_table(page.overview, attention=page.attention))
    my_imports = list(own_open_imports(request.user)[:10])
    today = timezone.localdate()
    to_do = _to_do(request, home, today)
    # The cache key holds the path with its whole query string (fragments.cached_page), so ?attention=1 and ?all=1
    # (each spelled one way only: _flag_param) key their own pages.
    # Without ?region= the overview shows the user's home region: part of the key; so is the user when the page
    # carries the box of their own submitted and returned imports or their to-do list, and the day with the
    # to-do list (a value becomes due or overdue on a day, without any write). With the submitted values, the
    # regions whose values the user may see are too.
    own = bool(my_imports or to_do)
    scope = (
        home.adcode if home else "",
        request.user.pk if own else "",
        today.isoformat() if to_do else "",
        _scope(visible),
        periods.period_code(period),  # the default period follows the data: the key names the one shown
    )
    all_warnings = request.GET.copy()
    all_warnings["warnings"] = "all"
    return fragments.cached_page(
        request,
        "dashboard/home.html",
        lambda: _context(
            build(),
            request,
            no_target=_("no target"),
            my_imports=my_imports,
            to_do=to_do,
            to_do_count=len(to_do),
            period_switch=periods.period_switch(request, period),
            all_warnings_query=all_warnings.urlencode(),
            **_switches(request),
        ),
        scope=scope,
    )


def _to_do(
    request: HttpRequest, home: Region | None, today: datetime.date
) -> list[tuple[str, str, list[completeness.Position]]]:
    """The user's to-do list (待填报): the values their own region owes now — overdue, due, returned — grouped by
    state; empty for a user who may not write their region (or whose region has no plan)."""
    if home is None or not may_import(request.user):  # the import right writes the home region
        return []
    items = completeness.to_do([home], today=today)
    return [
        (state, str(completeness.STATE_LABELS[state]), [p for p in items if p.state == state])
        for state in completeness.TO_DO
        if any(p.state == state for p in items)
    ]


@require_GET
@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region__parent", "period"), pk=plan_id)

    def build() -> dict[str, Any]:
        _year_param(request, plan_span([plan]))  # the page reads no year; a bad one is still refused
        page = pages.plan_page(plan)
        switch = periods.plan_period_switch(request, plan)
        return _context(page, request, missing_ids=page.missing_ids, period_switch=switch)

    return fragments.cached_page(request, "dashboard/plan_detail.html", build, scope=plan.period.code)


def _as_of(request: HttpRequest, plan: Plan) -> int:
    """The ?year= of an evaluation, or the plan's default; BadRequest when not one of the plan's years."""
    year = _year_param(request, plan_span([plan]))
    return default_year(plan) if year is None else year


@require_GET
@login_required
def plan_evaluation_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The evaluation table (中期/终期评估) of a plan at an as-of year; printable."""
    plan = get_object_or_404(Plan.objects.select_related("region__parent", "period"), pk=plan_id)
    year, visible = _as_of(request, plan), _submitted_param(request)
    may_publish = published.may_publish(request.user)  # the publish form: province staff; part of the cache key
    return fragments.cached_page(
        request,
        "dashboard/evaluation.html",
        lambda: _context(
            pages.evaluation_page(plan, year, include_submitted=visible is not None, submitted_regions=visible),
            request,
            may_publish=may_publish,
            period_switch=periods.plan_period_switch(request, plan),
        ),
        scope=(_scope(visible), "publish", may_publish, plan.period.code),
    )


@require_GET
@login_required
def plan_evaluation_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year, visible = _as_of(request, plan), _submitted_param(request)
    evaluation = pages.evaluation_page(
        plan, year, include_submitted=visible is not None, submitted_regions=visible
    ).evaluation
    response = HttpResponse(downloads.evaluation_xlsx(evaluation), content_type=downloads.XLSX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-{plan.slug}-{year}.xlsx"'
    return response


def _city_year(request: HttpRequest, page: pages.CityPage) -> None:
    """The city page reads no year; a bad one is still refused (its period's years; else its plans' years, those
    below it without one)."""
    if page.period is not None:
        _year_param(request, period_years(page.period))
    else:
        _year_param(request, plan_span(page.plans) or ov.plan_years(page.region))


@require_GET
@login_required
def plan_report_docx(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The evaluation report drafted as a Word document (评估报告初稿): tables, counts, explanations, charts."""
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year, visible = _as_of(request, plan), _submitted_param(request)
    evaluation = plan_evaluation(plan, year, include_submitted=visible is not None, submitted_regions=visible)
    response = HttpResponse(report.plan_report(evaluation), content_type=report.DOCX)
    response["Content-Disposition"] = f'attachment; filename="report-{plan.slug}-{year}.docx"'
    return response


@require_GET
@login_required
def province_report_docx(request: HttpRequest) -> HttpResponse:
    """Every plan of one period (?period=, default: the pages') evaluated in one Word document, as of one year
    (default: the overview's)."""
    period = periods.period_param(request)
    plans = list(Plan.objects.select_related("region").order_by("region__adcode", "pk"))
    if period is not None:
        plans = [plan for plan in plans if plan.period_id == period.pk]
    if not plans:
        raise Http404
    year = _year_param(request, plan_span(plans)) or default_as_of([p.region for p in plans], plan_span(plans))
    visible = _submitted_param(request)  # another region's submitted values only to who may see them
    evaluations = [
        plan_evaluation(plan, year, include_submitted=visible is not None, submitted_regions=visible) for plan in plans
    ]
    response = HttpResponse(report.province_report(evaluations, year), content_type=report.DOCX)
    response["Content-Disposition"] = f'attachment; filename="report-province-{year}.docx"'
    return response


@require_GET
@login_required
def city_page(request: HttpRequest, adcode: str, file_format: str | None = None) -> HttpResponse:
    """A region's plans and, per target, a chart: baseline, plan path, actuals, projection, target, status."""
    region = get_object_or_404(Region.objects.select_related("parent"), adcode=adcode)
    section = _choice_param(request, "section", Target.Section.values)
    sort = _choice_param(request, "sort", ["status"])
    target_id = None
    if file_format and request.GET.get("target"):  # one chart's data: the card's own download links
        raw = request.GET["target"]
        target_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0
    visible = _submitted_param(request)
    include = visible is not None
    period = periods.period_param(request)
    if file_format:
        page = pages.city_page(
            region,
            section=section,
            sort=sort,
            target_id=target_id,
            include_submitted=include,
            submitted_regions=visible,
            period=period,
        )
        _city_year(request, page)
        if not page.cards:
            raise Http404
        return downloads.download(file_format, downloads.city_table(page))
    may_explain = can_write(request.user, region)  # the explanation forms show only to who may write the region
    # The verdict forms (qualitative targets) only to who may review the region.
    may_review = reviewable_regions(request.user).filter(pk=region.pk).exists()
    may_revise = may_record_any_revision(request.user)  # the link to record a revised target (no query)

    def build() -> dict[str, Any]:
        page = pages.city_page(
            region, section=section, sort=sort, include_submitted=include, submitted_regions=visible, period=period
        )
        _city_year(request, page)
        extra: dict[str, Any] = {
            "has_demo": page.has_demo,
            "province": page.province,
            "has_submitted": page.has_submitted,
            "period_switch": periods.period_switch(request, period),
        }
        if may_review:  # the verdict forms' default year: the evaluation's, read once for the page
            extra["verdict_year"] = default_as_of([region], plan_span(page.plans))
        return _context(page, request, may_explain=may_explain, may_review=may_review, may_revise=may_revise, **extra)

    # Whether the explanation and verdict forms show is part of the key; their CSRF token is put in per request.
    scope = (
        "explain",
        may_explain,
        "review",
        may_review,
        "revise",
        may_revise,
        _scope(visible),
        periods.period_code(period),
    )
    return fragments.cached_page(request, "dashboard/city.html", build, scope=scope)


@require_GET
@login_required
def indicator_page(request: HttpRequest, code: str, file_format: str | None = None) -> HttpResponse:
    """Every region with a target on one indicator, side by side."""
    indicator = get_object_or_404(Indicator, code=code)
    region = _region_param(request)
    chart = _choice_param(request, "chart", ["progress", "actuals"])
    visible = _submitted_param(request)
    include = visible is not None
    period = periods.period_param(request)

    def years() -> range:
        if period is not None:
            return period_years(period)
        return plan_span(ov.plans_in(region) if region else Plan.objects.all())

    if file_format:
        year = _year_param(request, years())
        rows = pages.indicator_rows(
            indicator, region=region, year=year, include_submitted=include, submitted_regions=visible, period=period
        )
        if chart == "actuals":
            return downloads.download(file_format, downloads.indicator_actuals_table(indicator, rows))
        return downloads.download(file_format, downloads.indicator_progress_table(indicator, rows))

    def build() -> dict[str, Any]:
        year = _year_param(request, years())
        page = pages.indicator_page(
            indicator, region=region, year=year, include_submitted=include, submitted_regions=visible, period=period
        )
        switch = periods.period_switch(request, period)
        return _context(page, request, has_demo=page.has_demo, has_submitted=page.has_submitted, period_switch=switch)

    scope = (_scope(visible), periods.period_code(period))
    return fragments.cached_page(request, "dashboard/indicator.html", build, scope=scope)


def _province_param(request: HttpRequest) -> Region:
    """The province of ?region= (a city's: its province); default the user's province, else the first with a plan."""
    region = ov.overview_region(_region_param(request), home_region(request.user))
    while region is not None and region.parent is not None:
        region = region.parent
    if region is None:
        raise Http404(_("No province is loaded."))
    return region


@require_GET
@login_required
def indicator_compare(request: HttpRequest, code: str, file_format: str | None = None) -> HttpResponse:
    """The cities of a province ranked on one indicator (level, growth, completion), their tiers and the map."""
    indicator = get_object_or_404(Indicator, code=code)
    province = _province_param(request)
    map_by = _choice_param(request, "map", list(pages.MAP_BY)) or "status"

    def page() -> pages.ComparisonPage:
        years = comparison_years(indicator, province)
        year = _year_param(request, range(years[0], years[-1] + 1) if years else range(0))
        return pages.comparison_page(indicator, province, year, map_by=map_by)

    if file_format:
        return downloads.download(file_format, downloads.ranking_table(page()))

    def build() -> dict[str, Any]:
        built = page()
        return _context(built, request, has_demo=built.comparison.has_demo)

    return fragments.cached_page(request, "dashboard/compare.html", build)


def _board_regions(request: HttpRequest) -> list[Region]:
    """The regions whose completeness the user sees: those they may review (province staff: the province and its
    cities; superusers: all). Anybody else — a city official included, whose own list is on their home page —
    is refused."""
    regions = list(reviewable_regions(request.user).order_by("adcode"))
    if not regions:
        raise PermissionDenied(_("The completeness board is for those who review the regions' values."))
    return regions


def _board(request: HttpRequest) -> completeness.Board:
    """The board of ?year= (one of the chosen period's years; default: the latest with a value due)."""
    regions, today = _board_regions(request), timezone.localdate()
    period = periods.period_param(request)
    if period is None:
        asked = _year_param(request, plan_span(Plan.objects.filter(region__in=regions)))
        default = completeness.default_year(regions, today=today) or today.year
        return completeness.board(regions, default if asked is None else asked, today=today)
    asked = _year_param(request, period_years(period))
    owed = range(period.first_year, period.last_year + 1)  # the baseline year owes nothing
    if asked is None:
        latest = completeness.default_year(regions, today=today)
        asked = latest if latest is not None and latest in owed else owed[0]
    board = completeness.board(regions, asked, today=today)
    return dataclasses.replace(board, years=[y for y in board.years if y in owed] or list(owed))


@require_GET
@login_required
def completeness_page(request: HttpRequest) -> HttpResponse:
    """The completeness board: regions × indicators for a year, each value owed in its state, counts per region."""
    regions, today = _board_regions(request), timezone.localdate()
    period = periods.period_param(request)

    def build() -> dict[str, Any]:
        return {
            "board": _board(request),
            "states": [(state, str(completeness.STATE_LABELS[state])) for state in completeness.STATES],
            "grace_months": settings.REPORTING_GRACE_MONTHS,
            "not_owed": _("not owed"),
            "period": period,
            "period_switch": periods.period_switch(request, period),
        }

    # The states change with the day, and the rows with the regions the user may review.
    scope = (
        "completeness",
        today.isoformat(),
        ",".join(region.adcode for region in regions),
        periods.period_code(period),
    )
    return fragments.cached_page(request, "dashboard/completeness.html", build, scope=scope)


@require_GET
@login_required
def completeness_data(request: HttpRequest, file_format: str) -> HttpResponse:
    """The board as CSV or .xlsx: one row per value owed."""
    return downloads.download(file_format, downloads.completeness_table(_board(request)))


@require_GET
@login_required
def value_history(request: HttpRequest, adcode: str, code: str) -> HttpResponse:
    """Every change of one region's values of one indicator (indicators.ObservationChange): who, when, from what to
    what, the import. Readable by every logged-in user, as the pages showing the values; the values awaiting review
    only with ?include=submitted, as on those pages."""
    region = get_object_or_404(Region, adcode=adcode)
    indicator = get_object_or_404(Indicator, code=code)
    visible = _submitted_param(request)  # the values awaiting review: only to who may see the region's
    context = {
        "region": region,
        "indicator": indicator,
        "changes": history_of(region, indicator),
        "pending": pending_values(region, indicator) if visible is not None and region.pk in visible else [],
        "include_submitted": visible is not None,
    }
    return render(request, "dashboard/value_history.html", context)
