"""API for the indicator catalogue and the yearly actuals (read-only), and the period locks (province staff lock
and unlock)."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cities.access import can_lock, submitted_regions
from cities.models import Region
from indicators.models import ActualsImport, Indicator, Observation, PeriodLock, SubmittedValue
from indicators.services import period_lock, period_unlock
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
            "stage",
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
    with their import; only of the regions the user writes or reviews). `origin` says where a value came from;
    `is_demo` marks generated demo data (演示数据)."""

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
        # Only the regions whose submitted values the user may see: a city official's own, never another region's.
        pending = SubmittedValue.objects.filter(
            actuals_import__status=ActualsImport.Status.SUBMITTED, region__in=submitted_regions(request.user)
        )
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


class PeriodLockSerializer(serializers.ModelSerializer[PeriodLock]):
    region = serializers.SerializerMethodField()
    locked_by = serializers.SerializerMethodField()
    unlocked_by = serializers.SerializerMethodField()
    active = serializers.BooleanField(source="is_active", read_only=True)
    message_zh = serializers.SerializerMethodField()
    message_en = serializers.SerializerMethodField()

    class Meta:
        model = PeriodLock
        fields = [
            "id",
            "region",
            "year",
            "active",
            "reason",
            "locked_by",
            "locked_at",
            "unlocked_by",
            "unlocked_at",
            "unlock_reason",
            "message_zh",
            "message_en",
        ]

    def get_region(self, obj: PeriodLock) -> str | None:
        return obj.region.adcode if obj.region is not None else None

    def get_locked_by(self, obj: PeriodLock) -> str | None:
        return obj.locked_by.get_username() if obj.locked_by is not None else None

    def get_unlocked_by(self, obj: PeriodLock) -> str | None:
        return obj.unlocked_by.get_username() if obj.unlocked_by is not None else None

    def get_message_zh(self, obj: PeriodLock) -> str:
        with translation.override("zh-hans"):
            return obj.message()

    def get_message_en(self, obj: PeriodLock) -> str:
        with translation.override("en"):
            return obj.message()


class LockRequestSerializer(serializers.Serializer[dict[str, Any]]):
    region = serializers.RegexField(
        r"^[0-9]{6}$", allow_null=True, help_text=_("Region adcode; null locks the year for every region.")
    )
    year = serializers.IntegerField(min_value=1949, max_value=2100)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    def validate_region(self, value: str | None) -> Region | None:
        if value is None:
            return None
        region = Region.objects.filter(adcode=value).first()
        if region is None:
            raise serializers.ValidationError(_("Unknown region %(adcode)s.") % {"adcode": value})
        return region


class UnlockRequestSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=500, help_text=_("Why the lock is lifted (required)."))


class MayLockOrReads(permissions.BasePermission):
    """Everyone signed in reads the locks; locking and unlocking need indicators.lock_periods."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS or can_lock(request.user)


class PeriodLockViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[PeriodLock]
):
    """Locks of a region × year (`region` null: every region). POST `{"region": "410100" or null, "year": 2023}`
    locks (409 if already locked); DELETE `{"reason": "…"}` unlocks (the lock stays, `active` false).
    Writes of actual values into a locked period are refused with 409 and the lock's message."""

    serializer_class = PeriodLockSerializer
    permission_classes = [permissions.IsAuthenticated, MayLockOrReads]

    def get_queryset(self) -> QuerySet[PeriodLock]:
        return PeriodLock.objects.select_related("region", "locked_by", "unlocked_by").order_by("-year", "-id")

    @extend_schema(request=LockRequestSerializer, responses={201: PeriodLockSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = LockRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        lock = period_lock(user=request.user, **query.validated_data)  # LockError: 409 (config.api)
        return Response(PeriodLockSerializer(lock).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UnlockRequestSerializer, responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lock = self.get_object()
        query = UnlockRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        period_unlock(lock=lock, user=request.user, reason=query.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)
