"""Pages. Thin: each view checks access, reads through selectors and renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities.models import Region
from indicators.models import Observation
from plans import charts
from plans import progress as pr
from plans.evaluation import YEARS, default_year, evaluation_xlsx, plan_evaluation
from plans.models import Plan, Target
from plans.selectors import evaluate_targets, plan_inconsistencies, target_spec, targets_for


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness probe for the process manager; says nothing about the data."""
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: the hashed static name exists only after collectstatic in production.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    plans = (
        Plan.objects.select_related("region")
        .annotate(
            # distinct: the conflicts join below multiplies target rows.
            target_total=Count("targets", distinct=True),
            table_total=Count("targets", filter=Q(targets__section=Target.Section.TABLE), distinct=True),
            conflict_total=Count("targets", filter=Q(targets__conflicts_with__isnull=False), distinct=True),
        )
        .order_by("region__adcode")
    )
    demo_count = Observation.objects.filter(origin=Observation.Origin.DEMO).count()
    real_count = Observation.objects.exclude(origin=Observation.Origin.DEMO).count()
    return render(request, "plans/home.html", {"plans": plans, "demo_count": demo_count, "real_count": real_count})


@require_GET
@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    targets = plan.targets.select_related("indicator").prefetch_related("conflicts_with").order_by("position")
    context = {"plan": plan, "targets": targets, "inconsistencies": plan_inconsistencies(plan)}
    return render(request, "plans/plan_detail.html", context)


def _as_of(request: HttpRequest, plan: Plan) -> int | None:
    """The ?year= of an evaluation, or the plan's default; None when the parameter is not a plausible year."""
    raw = request.GET.get("year", "")
    if not raw:
        return default_year(plan)
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) in YEARS else None


def _bad_year() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("The year must be a number between %(first)s and %(last)s.") % {"first": YEARS[0], "last": YEARS[-1]}
    )


@require_GET
@login_required
def plan_evaluation_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The evaluation table (中期/终期评估) of a plan at an as-of year; printable."""
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year = _as_of(request, plan)
    if year is None:
        return _bad_year()
    evaluation = plan_evaluation(plan, year)
    years = range(min(plan.period_start - 1, year), max(plan.period_end, year) + 1)
    # Kinds whose level is derived (from the baseline, a rate or the province): the table shows it under the target.
    derived_kinds = [Target.Kind.MULTIPLE_OF_BASELINE, Target.Kind.ANNUAL_GROWTH_RATE, Target.Kind.RELATIVE_TO_AVERAGE]
    context = {"plan": plan, "evaluation": evaluation, "years": years, "derived_kinds": derived_kinds}
    return render(request, "plans/evaluation.html", context)


@require_GET
@login_required
def plan_evaluation_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("region"), pk=plan_id)
    year = _as_of(request, plan)
    if year is None:
        return _bad_year()
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


@require_GET
@login_required
def city_page(request: HttpRequest, adcode: str) -> HttpResponse:
    """A region's plans and, per target, a chart: baseline, plan path, actuals, projection, target, status."""
    region = get_object_or_404(Region.objects.select_related("parent"), adcode=adcode)
    plans = list(region.plans.defer("source_text").order_by("period_start"))
    section = request.GET.get("section", "")
    if section and section not in Target.Section.values:
        return HttpResponseBadRequest(_("Unknown section."))
    sort = request.GET.get("sort", "")
    targets = targets_for(region=region, below=False)
    if section:
        targets = targets.filter(section=section)
    items = evaluate_targets(targets)
    if sort == "status":
        items.sort(key=lambda item: _ATTENTION[item.progress.pace_status])
    text = {
        "year": _("Year"),
        "actual": _("Actual"),
        "plan": _("Plan path"),
        "projection": _("Projection at the current pace"),
        "province": region.parent.name if region.parent else _("Parent region"),
        "target": _("Target"),
        "baseline": _("Baseline"),
    }
    cards = []
    for item in items:
        target = item.target
        spec = target_spec(target)
        frame = charts.target_frame(spec, item.progress, item.actuals, item.parent_actuals or None)
        unit = target.indicator.unit
        title = target.label if len(target.label) <= 40 else target.label[:39] + "…"
        figure = charts.target_figure(frame, spec, item.progress, charts.ChartText(title=title, unit=unit, **text))
        cards.append(
            {"item": item, "figure": figure, "figure_id": f"figure-{target.pk}", "frame": frame.to_dict("records")}
        )
    context = {
        "region": region,
        "plans": plans,
        "cards": cards,
        "section": section,
        "sort": sort,
        "sections": Target.Section.choices,
        "has_demo": any(card["item"].is_demo for card in cards),
        "province": text["province"],
    }
    return render(request, "plans/city.html", context)
