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

from indicators.models import Observation
from plans.evaluation import YEARS, default_year, evaluation_xlsx, plan_evaluation
from plans.models import Plan, Target
from plans.selectors import plan_inconsistencies


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
