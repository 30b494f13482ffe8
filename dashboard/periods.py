"""The plan period a dashboard page shows (?period=CODE, default plans.selectors.default_period) and the period
switch's links (templates/dashboard/_period_switch.html)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from plans.models import Plan, PlanPeriod
from plans.selectors import default_period


def period_param(request: HttpRequest) -> PlanPeriod | None:
    """The plan period of ?period=CODE (十四五 "14", 十五五 "15"); without it the latest period holding an actual
    (plans.selectors.default_period); BadRequest, naming the periods, for an unknown code. None: no period loaded."""
    code = request.GET.get("period", "")
    if not code:
        return default_period()
    period = PlanPeriod.objects.filter(code=code[:20]).first()
    if period is None:
        codes = ", ".join(f"{p.code} ({p.name_zh})" for p in PlanPeriod.objects.order_by("first_year"))
        message = _("Unknown plan period for %(field)s: “%(value)s”; the periods are %(codes)s.")
        raise BadRequest(message % {"field": "period", "value": code[:20], "codes": codes})
    return period


def period_switch(request: HttpRequest, period: PlanPeriod | None) -> list[dict[str, Any]]:
    """The period switch's links: this page's query string with ?period= set to each period; the year is left
    out (each period has its own years). Drawn only when more than one period exists."""
    choices = []
    for choice in PlanPeriod.objects.order_by("first_year"):
        query = request.GET.copy()
        query["period"] = choice.code
        query.pop("year", None)
        current = period is not None and choice.pk == period.pk
        choices.append({"period": choice, "current": current, "url": f"?{query.urlencode()}"})
    return choices


def plan_period_switch(request: HttpRequest, plan: Plan) -> list[dict[str, Any]]:
    """The period switch of a plan's page: the same page of the region's plan (of the same kind) of each other
    period, or, where it has none yet, the region's page of that period (its empty slot)."""
    url_name = request.resolver_match.url_name if request.resolver_match else "plan-detail"
    query = request.GET.copy()
    query.pop("year", None)
    query.pop("period", None)
    others = {p.period_id: p for p in Plan.objects.filter(region=plan.region_id, kind=plan.kind).only("pk", "period")}
    choices = []
    for choice in PlanPeriod.objects.order_by("first_year"):
        other = others.get(choice.pk)
        if other is not None:
            url = reverse(url_name, args=[other.pk]) + (f"?{query.urlencode()}" if query else "")
        else:
            url = reverse("city", args=[plan.region.adcode]) + f"?period={choice.code}"
        choices.append({"period": choice, "current": choice.pk == plan.period_id, "url": url})
    return choices


def period_code(period: PlanPeriod | None) -> str:
    return period.code if period is not None else ""
