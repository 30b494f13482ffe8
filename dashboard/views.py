"""The dashboard's pages. Each view checks access, parses its query string, asks dashboard.pages for the page and
renders it (or dashboard.downloads for its data). Every page needs a login; all data is readable by every
logged-in user (writing is the imports app's business)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities.access import can_write, home_region
from cities.models import Region
from dashboard import downloads, fragments, pages
from imports.review import own_open_imports
from indicators.models import Indicator
from indicators.selectors import pending_values
from indicators.selectors import value_history as history_of
from plans.evaluation import YEARS, default_year
from plans.models import Plan, Target


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


def _include_param(request: HttpRequest) -> bool:
    """?include=submitted: values awaiting review shown too (marked); default: approved values only."""
    return _choice_param(request, "include", ["submitted"]) == "submitted"


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
    """The province overview: regions × indicators by status, per-region counts, and the plans."""
    home = home_region(request.user)

    def build() -> pages.OverviewPage:
        return pages.overview_page(
            requested=_region_param(request),
            home=home,
            year=_year_param(request),
            section=_choice_param(request, "section", Target.Section.values),
            kind=_choice_param(request, "kind", Target.Kind.values),
            include_submitted=_include_param(request),
        )

    if file_format:
        page = build()
        if page.overview is None:
            raise Http404
        return downloads.download(file_format, downloads.overview_table(page.overview))
    my_imports = list(own_open_imports(request.user)[:10])
    # Without ?region= the overview shows the user's home region: part of the key; so is the user when the page
    # carries the box of their own submitted and returned imports.
    scope = (home.adcode if home else "", request.user.pk if my_imports else "")
    return fragments.cached_page(
        request,
        "dashboard/home.html",
        lambda: _context(build(), request, no_target=_("no target"), my_imports=my_imports),
        scope=scope,
    )


@require_GET
@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)

    def build() -> dict[str, Any]:
        page = pages.plan_page(plan)
        return _context(page, request, missing_ids=page.missing_ids)

    return fragments.cached_page(request, "dashboard/plan_detail.html", build)


def _as_of(request: HttpRequest, plan: Plan) -> int:
    """The ?year= of an evaluation, or the plan's default; BadRequest when not a plausible year."""
    year = _year_param(request)
    return default_year(plan) if year is None else year


@require_GET
@login_required
def plan_evaluation_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The evaluation table (中期/终期评估) of a plan at an as-of year; printable."""
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year, include = _as_of(request, plan), _include_param(request)
    return fragments.cached_page(
        request,
        "dashboard/evaluation.html",
        lambda: _context(pages.evaluation_page(plan, year, include_submitted=include), request),
    )


@require_GET
@login_required
def plan_evaluation_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year = _as_of(request, plan)
    evaluation = pages.evaluation_page(plan, year, include_submitted=_include_param(request)).evaluation
    response = HttpResponse(downloads.evaluation_xlsx(evaluation), content_type=downloads.XLSX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-{plan.slug}-{year}.xlsx"'
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
    include = _include_param(request)
    if file_format:
        page = pages.city_page(region, section=section, sort=sort, target_id=target_id, include_submitted=include)
        if not page.cards:
            raise Http404
        return downloads.download(file_format, downloads.city_table(page))
    may_explain = can_write(request.user, region)  # the explanation forms show only to who may write the region

    def build() -> dict[str, Any]:
        page = pages.city_page(region, section=section, sort=sort, include_submitted=include)
        extra = {"has_demo": page.has_demo, "province": page.province, "has_submitted": page.has_submitted}
        return _context(page, request, may_explain=may_explain, **extra)

    # Whether the explanation forms show is part of the key; their CSRF token is put in for each request.
    return fragments.cached_page(request, "dashboard/city.html", build, scope=("explain", may_explain))


@require_GET
@login_required
def indicator_page(request: HttpRequest, code: str, file_format: str | None = None) -> HttpResponse:
    """Every region with a target on one indicator, side by side."""
    indicator = get_object_or_404(Indicator, code=code)
    region, year = _region_param(request), _year_param(request)
    chart = _choice_param(request, "chart", ["progress", "actuals"])
    if file_format:
        rows = pages.indicator_rows(indicator, region=region, year=year, include_submitted=_include_param(request))
        if chart == "actuals":
            return downloads.download(file_format, downloads.indicator_actuals_table(indicator, rows))
        return downloads.download(file_format, downloads.indicator_progress_table(indicator, rows))

    def build() -> dict[str, Any]:
        page = pages.indicator_page(indicator, region=region, year=year, include_submitted=_include_param(request))
        return _context(page, request, has_demo=page.has_demo, has_submitted=page.has_submitted)

    return fragments.cached_page(request, "dashboard/indicator.html", build)


@require_GET
@login_required
def value_history(request: HttpRequest, adcode: str, code: str) -> HttpResponse:
    """Every change of one region's values of one indicator (indicators.ObservationChange): who, when, from what to
    what, the import. Readable by every logged-in user, as the pages showing the values; the values awaiting review
    only with ?include=submitted, as on those pages."""
    region = get_object_or_404(Region, adcode=adcode)
    indicator = get_object_or_404(Indicator, code=code)
    include = _include_param(request)
    context = {
        "region": region,
        "indicator": indicator,
        "changes": history_of(region, indicator),
        "pending": pending_values(region, indicator) if include else [],
        "include_submitted": include,
    }
    return render(request, "dashboard/value_history.html", context)
