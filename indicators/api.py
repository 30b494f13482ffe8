"""Read-only API for the indicator catalogue and the yearly actuals."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from indicators.models import ActualsImport, Indicator, Observation, SubmittedValue
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
    status = serializers.SerializerMethodField(
        help_text="approved, demo, or submitted (awaiting review; only with include=submitted)"
    )
    actuals_import = serializers.SerializerMethodField(help_text="the submitted import (submitted rows only)")

    class Meta:
        model = Observation
        fields = [
            "region",
            "indicator",
            "year",
            "value",
            "source",
            "note",
            "origin",
            "is_demo",
            "updated_at",
            "status",
            "actuals_import",
        ]

    def get_status(self, obj: Observation) -> str:
        return "demo" if obj.is_demo else "approved"

    def get_actuals_import(self, obj: Observation) -> int | None:
        return None


class SubmittedValueSerializer(serializers.ModelSerializer[SubmittedValue]):
    """A value awaiting review, in the shape of an observation row."""

    region = serializers.CharField(source="region.adcode", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False, normalize_output=True)
    origin = serializers.SerializerMethodField()
    is_demo = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(source="actuals_import.committed_at", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = SubmittedValue
        fields = [*ObservationSerializer.Meta.fields]

    def get_origin(self, obj: SubmittedValue) -> str:
        return str(Observation.Origin.IMPORT)

    def get_is_demo(self, obj: SubmittedValue) -> bool:
        return False

    def get_status(self, obj: SubmittedValue) -> str:
        return "submitted"


class SubmittedValueFilter(FilterSet):
    region = django_filters.CharFilter(field_name="region__adcode")
    indicator = django_filters.CharFilter(field_name="indicator__code")
    year = IntegerFilter(field_name="year")
    year_min = IntegerFilter(field_name="year", lookup_expr="gte")
    year_max = IntegerFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = SubmittedValue
        fields = ["region", "indicator", "year", "year_min", "year_max"]


class ObservationFilter(SubmittedValueFilter):
    origin = django_filters.ChoiceFilter(choices=Observation.Origin.choices)

    class Meta:
        model = Observation
        fields = ["region", "indicator", "year", "year_min", "year_max", "origin"]


class ObservationViewSet(viewsets.ReadOnlyModelViewSet[Observation]):
    """Yearly actual values: approved ones (and demo data) by default. `status` says which: approved, demo, or —
    with `?include=submitted` — submitted (values awaiting review, listed after the stored value of the same key,
    with their import). `origin` says where a value came from; `is_demo` marks generated demo data (演示数据)."""

    serializer_class = ObservationSerializer
    filterset_class = ObservationFilter

    def get_queryset(self) -> QuerySet[Observation]:
        return Observation.objects.select_related("region", "indicator").order_by(
            "region__adcode", "indicator__code", "year"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        include = request.query_params.get("include", "")
        if include not in ("", "submitted"):
            raise ValidationError({"include": [_("Unknown value for include: %(value)s") % {"value": include}]})
        if include != "submitted":
            return super().list(request, *args, **kwargs)
        approved = ObservationSerializer(self.filter_queryset(self.get_queryset()), many=True).data
        pending = SubmittedValue.objects.filter(actuals_import__status=ActualsImport.Status.SUBMITTED)
        if request.query_params.get("origin") not in (None, "", Observation.Origin.IMPORT):
            pending = pending.none()  # submitted values come from imports only
        pending = SubmittedValueFilter(request.query_params, queryset=pending, request=request).qs
        submitted = SubmittedValueSerializer(
            pending.select_related("region", "indicator", "actuals_import").order_by("actuals_import__committed_at"),
            many=True,
        ).data
        rows = sorted([*approved, *submitted], key=lambda row: (row["region"], row["indicator"], row["year"]))
        page = self.paginate_queryset(cast(Any, rows))
        return self.get_paginated_response(page) if page is not None else Response(rows)
