"""The dashboard's pages. Each view checks access, parses its query string, asks dashboard.pages for the page and
renders it (or dashboard.downloads for its data). Every page needs a login; all data is readable by every
logged-in user (writing is the imports app's business)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities.access import home_region
from cities.models import Region
from dashboard import downloads, fragments, pages
from indicators.models import Indicator
from plans.evaluation import YEARS, default_year
from plans.models import Plan, Target


def _context(page: Any, request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The page's fields (and properties the templates read) as the template's names, plus the query string."""
    fields = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    return {"page": page, **fields, "query": request.GET.urlencode(), **extra}


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
        )

    if file_format:
        page = build()
        if page.overview is None:
            raise Http404
        return downloads.download(file_format, downloads.overview_table(page.overview))
    # Without ?region= the overview shows the user's home region: that is part of the key.
    return fragments.cached_page(
        request,
        "dashboard/home.html",
        lambda: _context(build(), request, no_target=_("no target")),
        scope=home.adcode if home else "",
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
    year = _as_of(request, plan)
    return fragments.cached_page(
        request, "dashboard/evaluation.html", lambda: _context(pages.evaluation_page(plan, year), request)
    )


@require_GET
@login_required
def plan_evaluation_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year = _as_of(request, plan)
    evaluation = pages.evaluation_page(plan, year).evaluation
    response = HttpResponse(downloads.evaluation_xlsx(evaluation), content_type=downloads.XLSX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-{plan.slug}-{year}.xlsx"'
    return response


@require_GET
@login_required
def city_page(request: HttpRequest, adcode: str, file_format: str | None = None) -> HttpResponse:
    """A region's plans and, per target, a chart: baseline, plan path, actuals, projection, target, status."""
    section = _choice_param(request, "section", Target.Section.values)
    sort = _choice_param(request, "sort", ["status"])

    def region() -> Region:
        return get_object_or_404(Region.objects.select_related("parent"), adcode=adcode)

    target_id = None
    if file_format and request.GET.get("target"):  # one chart's data: the card's own download links
        raw = request.GET["target"]
        target_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0
    if file_format:
        page = pages.city_page(region(), section=section, sort=sort, target_id=target_id)
        if not page.cards:
            raise Http404
        return downloads.download(file_format, downloads.city_table(page))

    # Looked up inside: a page served from the cache needs no query of its own (a region removed since raised the
    # data version, so its page is no longer in the cache and the look-up answers 404).
    def build() -> dict[str, Any]:
        page = pages.city_page(region(), section=section, sort=sort)
        return _context(page, request, has_demo=page.has_demo, province=page.province)

    return fragments.cached_page(request, "dashboard/city.html", build)


@require_GET
@login_required
def indicator_page(request: HttpRequest, code: str, file_format: str | None = None) -> HttpResponse:
    """Every region with a target on one indicator, side by side."""
    year = _year_param(request)
    chart = _choice_param(request, "chart", ["progress", "actuals"])
    if file_format:
        indicator, region = get_object_or_404(Indicator, code=code), _region_param(request)
        rows = pages.indicator_rows(indicator, region=region, year=year)
        if chart == "actuals":
            return downloads.download(file_format, downloads.indicator_actuals_table(indicator, rows))
        return downloads.download(file_format, downloads.indicator_progress_table(indicator, rows))

    def build() -> dict[str, Any]:  # the look-ups inside, as on the city page
        indicator, region = get_object_or_404(Indicator, code=code), _region_param(request)
        page = pages.indicator_page(indicator, region=region, year=year)
        return _context(page, request, has_demo=page.has_demo)

    return fragments.cached_page(request, "dashboard/indicator.html", build)
