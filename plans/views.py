"""Pages. Thin: each view checks access, reads through selectors and renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from indicators.models import Observation
from plans.models import Plan, Target


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
    return render(request, "plans/plan_detail.html", {"plan": plan, "targets": targets})
