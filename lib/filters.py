"""API filters: every integer filter is a whole number within 64 bits, or a 400 naming the field.

django-filter's NumberFilter reads a decimal of any size: beyond 64 bits SQLite's driver raised OverflowError
(a 500), and `plan=1.5` quietly meant plan 1. IntegerFilter replaces it for every integer model field, both in
the FilterSets written out (plans.api, indicators.api) and in those built from `filterset_fields` (FilterBackend).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import django_filters
import django_filters.rest_framework
from django import forms
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework.filterset import FILTER_FOR_DBFIELD_DEFAULTS

# What SQLite and PostgreSQL's bigint hold; inside this range Django's lookups answer out-of-range values with
# an empty result themselves.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


_INTEGER_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)
FILTER_DEFAULTS = deepcopy(FILTER_FOR_DBFIELD_DEFAULTS)
FILTER_DEFAULTS.update({field: {"filter_class": IntegerFilter} for field in _INTEGER_FIELDS})


class FilterSet(django_filters.rest_framework.FilterSet):
    FILTER_DEFAULTS = FILTER_DEFAULTS


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose FilterSets, also those built from a view's `filterset_fields`, bound integers."""

    filterset_base = FilterSet
