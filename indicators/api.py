"""Read-only API for the indicator catalogue and the yearly actuals."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from indicators.models import Indicator, Observation
from lib.filters import FilterSet, IntegerFilter


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    aliases = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = ["code", "name_zh", "name_en", "unit", "direction", "measure", "aliases", "description"]

    def get_aliases(self, obj: Indicator) -> list[str]:
        return [alias.name for alias in obj.aliases.all()]


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet[Indicator]):
    serializer_class = IndicatorSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Indicator]:
        return Indicator.objects.prefetch_related("aliases").order_by("code")


class ObservationSerializer(serializers.ModelSerializer[Observation]):
    region = serializers.CharField(source="region.adcode", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False, normalize_output=True)
    is_demo = serializers.BooleanField(read_only=True)

    class Meta:
        model = Observation
        fields = ["region", "indicator", "year", "value", "source", "note", "origin", "is_demo", "updated_at"]


class ObservationFilter(FilterSet):
    region = django_filters.CharFilter(field_name="region__adcode")
    indicator = django_filters.CharFilter(field_name="indicator__code")
    year = IntegerFilter(field_name="year")
    year_min = IntegerFilter(field_name="year", lookup_expr="gte")
    year_max = IntegerFilter(field_name="year", lookup_expr="lte")
    origin = django_filters.ChoiceFilter(choices=Observation.Origin.choices)

    class Meta:
        model = Observation
        fields = ["region", "indicator", "year", "year_min", "year_max", "origin"]


class ObservationViewSet(viewsets.ReadOnlyModelViewSet[Observation]):
    """Yearly actual values. `origin` says where a value came from; `is_demo` marks generated demo data (演示数据)."""

    serializer_class = ObservationSerializer
    filterset_class = ObservationFilter

    def get_queryset(self) -> QuerySet[Observation]:
        return Observation.objects.select_related("region", "indicator").order_by(
            "region__adcode", "indicator__code", "year"
        )
