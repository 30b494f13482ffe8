"""{% breadcrumbs region=… %} and {% city_pager region %}: the way to a page and the previous / next city,
rendered by dashboard/navigation.py's builders (one include per page, nothing computed in the templates)."""

from __future__ import annotations

from typing import Any

from django import template

from cities.models import Region
from dashboard import navigation
from indicators.models import Indicator
from plans.models import Plan

register = template.Library()


@register.inclusion_tag("dashboard/_breadcrumbs.html")
def breadcrumbs(
    *,
    region: Region | None = None,
    indicator: Indicator | None = None,
    plan: Plan | None = None,
    evaluation: bool = False,
    comparison: bool = False,
) -> dict[str, Any]:
    crumbs = navigation.breadcrumbs(
        region=region, indicator=indicator, plan=plan, evaluation=evaluation, comparison=comparison
    )
    return {"crumbs": crumbs}


@register.inclusion_tag("dashboard/_city_pager.html")
def city_pager(region: Region) -> dict[str, Any]:
    previous, following = navigation.neighbours(region)
    return {"previous": previous, "next": following}
