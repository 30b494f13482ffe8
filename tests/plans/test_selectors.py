"""The years of plans (plan_span) and the as-of year read when none is asked for (default_as_of): one rule for the
overview, the indicator and evaluation pages, the import template and the importer's plausible years."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cities.models import Region
from imports.service import Catalogue
from imports.template import template_data
from indicators.models import Indicator, Observation
from plans.models import Plan, Target
from plans.selectors import DEFAULT_SPAN, default_as_of, plan_span

pytestmark = pytest.mark.django_db


def _plan(start: int, end: int) -> Plan:
    return Plan(period_start=start, period_end=end)


def _actual(adcode: str, year: int) -> None:
    Observation.objects.create(
        region=Region.objects.get(adcode=adcode),
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=year,
        value=Decimal("2.5"),
        source="测试",
    )


def test_a_span_runs_from_the_baseline_year_to_the_last_plan_year() -> None:
    assert plan_span([_plan(2021, 2025)]) == range(2020, 2026)
    assert plan_span([_plan(2021, 2025), _plan(2016, 2020)]) == range(2015, 2026)
    assert plan_span(p for p in [_plan(2026, 2030)]) == range(2025, 2031)  # any iterable
    assert plan_span([]) == range(0)


def test_a_queryset_is_read_in_one_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert plan_span(Plan.objects.all()) == range(2020, 2026)  # the five plans, all 2021–2025
        assert plan_span(Plan.objects.none()) == range(0)
    assert len(queries) == 1  # none() asks nothing


def test_a_span_widens_to_take_in_an_asked_year() -> None:
    assert plan_span([_plan(2021, 2025)], including=2023) == range(2020, 2026)
    assert plan_span([_plan(2021, 2025)], including=2018) == range(2018, 2026)
    assert plan_span([_plan(2021, 2025)], including=2027) == range(2020, 2028)
    assert plan_span([], including=2024) == range(2024, 2025)


def test_the_template_and_the_importer_take_the_plans_years_back_to_the_earliest_baseline() -> None:
    zhengzhou = Region.objects.get(adcode="410100")
    margin = settings.IMPORT_YEAR_MARGIN
    assert template_data(zhengzhou).years == list(range(2020, 2026))
    assert Catalogue().year_range(zhengzhou) == (2020 - margin, 2025 + margin)
    first = Target.objects.filter(plan__region=zhengzhou).order_by("pk")[0]
    Target.objects.filter(pk=first.pk).update(baseline_year=2018)
    assert template_data(zhengzhou).years == list(range(2018, 2026))
    assert Catalogue().year_range(zhengzhou) == (2018 - margin, 2025 + margin)
    kaifeng = Region.objects.get(adcode="410200")
    assert template_data(kaifeng).years == list(range(2020, 2026))  # another plan's baseline is not Kaifeng's


def test_without_a_plan_the_template_and_the_importer_take_the_14th_plan() -> None:
    Target.objects.all().delete()
    Plan.objects.all().delete()
    henan = Region.objects.get(adcode="410000")
    assert template_data(henan).years == list(DEFAULT_SPAN) == list(range(2020, 2026))
    margin = settings.IMPORT_YEAR_MARGIN
    assert Catalogue().year_range(henan) == (2020 - margin, 2025 + margin)


def test_the_default_as_of_year_is_the_latest_actual_within_the_span() -> None:
    zhengzhou, kaifeng = Region.objects.get(adcode="410100"), Region.objects.get(adcode="410200")
    span = range(2020, 2026)
    assert default_as_of([zhengzhou], span) == 2025  # no actual: the last year
    _actual("410100", 2019)
    assert default_as_of([zhengzhou], span) == 2025  # before the baseline year: not within the span
    _actual("410100", 2022)
    _actual("410100", 2027)  # after the last year: not within either
    _actual("410200", 2024)  # another region's
    assert default_as_of([zhengzhou], span) == 2022
    assert default_as_of([zhengzhou, kaifeng], span) == 2024


def test_the_default_as_of_year_without_regions_or_span_asks_nothing() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert default_as_of([], range(2020, 2026)) == 2025
        assert default_as_of([], range(0)) == timezone.localdate().year
    assert len(queries) == 0
