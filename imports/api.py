"""The imports API: the confirmed spreadsheet imports (submitted, returned, approved) a user may see, and the
reviewer's approve and return.

GET  /api/v1/imports/?status=submitted|returned|approved&region=ADCODE
POST /api/v1/imports/<id>/approve/  {"comment": "…"}   (review right for every region of the import; else 403)
POST /api/v1/imports/<id>/return/   {"comment": "…"}   (the comment is required)
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from cities.access import reviewable_regions, writable_regions
from cities.models import Region
from imports import service
from indicators.models import ActualsImport, ObservationChange, SubmittedValue
from lib.filters import FilterSet


def import_regions(record: ActualsImport) -> list[str]:
    """The adcodes of the regions an import has values for (submitted or written)."""
    submitted = SubmittedValue.objects.filter(actuals_import=record).values("region")
    written = ObservationChange.objects.filter(actuals_import=record).values("region")
    regions = Region.objects.filter(Q(pk__in=submitted) | Q(pk__in=written))
    return list(regions.order_by("adcode").values_list("adcode", flat=True))


class ImportSerializer(serializers.ModelSerializer[ActualsImport]):
    regions = serializers.SerializerMethodField()
    submitted_by = serializers.CharField(source="uploaded_by.username", default=None, read_only=True)
    submitted_at = serializers.DateTimeField(source="committed_at", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", default=None, read_only=True)
    comment = serializers.CharField(source="review_comment", read_only=True)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = ActualsImport
        fields = [
            "id",
            "status",
            "file_name",
            "regions",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "comment",
            "counts",
        ]

    def get_regions(self, obj: ActualsImport) -> list[str]:
        return import_regions(obj)

    def get_counts(self, obj: ActualsImport) -> dict[str, int]:
        return {
            "values": obj.values_read,
            "new": obj.created_count,
            "changed": obj.updated_count,
            "unchanged": obj.unchanged_count,
            "warnings": obj.warning_count,
        }


class ReviewSerializer(serializers.Serializer[dict[str, Any]]):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ImportFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(s, s) for s in ActualsImport.CONFIRMED], help_text="submitted, returned or approved"
    )
    region = django_filters.CharFilter(method="in_region", help_text="adcode: imports with values for it")

    class Meta:
        model = ActualsImport
        fields = ["status", "region"]

    def in_region(self, queryset: QuerySet[ActualsImport], name: str, value: str) -> QuerySet[ActualsImport]:
        return _touching(queryset, Region.objects.filter(adcode=value))


def _touching(queryset: QuerySet[ActualsImport], regions: QuerySet[Region]) -> QuerySet[ActualsImport]:
    submitted = SubmittedValue.objects.filter(region__in=regions).values("actuals_import")
    written = ObservationChange.objects.filter(region__in=regions, actuals_import__isnull=False).values(
        "actuals_import"
    )
    return queryset.filter(Q(pk__in=submitted) | Q(pk__in=written))


class ImportViewSet(viewsets.ReadOnlyModelViewSet[ActualsImport]):
    """Confirmed spreadsheet imports: a user sees the imports of the regions they write or review (their own
    region and those below it), a superuser every one."""

    serializer_class = ImportSerializer
    filterset_class = ImportFilter

    def get_queryset(self) -> QuerySet[ActualsImport]:
        user = self.request.user
        imports = ActualsImport.objects.filter(status__in=ActualsImport.CONFIRMED).select_related(
            "uploaded_by", "reviewed_by"
        )
        if not user.is_superuser:
            regions = writable_regions(user) | reviewable_regions(user)
            imports = _touching(imports, regions) | imports.filter(uploaded_by=user.pk)
        return imports.distinct().order_by("-committed_at", "-pk")

    @extend_schema(request=ReviewSerializer, responses=ImportSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        # `format` is the router's suffix (approve.json): DRF has already chosen the renderer from it.
        return self._review(request, "approve")

    @extend_schema(request=ReviewSerializer, responses=ImportSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        return self._review(request, "return")

    def _review(self, request: Request, what: str) -> Response:
        if not reviewable_regions(request.user).exists():
            raise PermissionDenied(_("You may not review imports."))
        record = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = body.validated_data["comment"]
        reviewer: User = request.user  # type: ignore[assignment]
        try:
            if what == "approve":
                record = service.approve(record, reviewer=reviewer, comment=comment)
            else:
                record = service.send_back(record, reviewer=reviewer, comment=comment)
        except service.ReviewRefused as refused:
            field = "comment" if what == "return" and record.status == ActualsImport.Status.SUBMITTED else "status"
            return Response({field: [str(refused.message)]}, status=status.HTTP_409_CONFLICT)
        except service.StaleImport:
            message = _(
                "Approved values of this import's regions changed since it was submitted: nothing was written. "
                "Return it so that a corrected file is sent."
            )
            return Response({"status": [str(message)]}, status=status.HTTP_409_CONFLICT)
        record.refresh_from_db()
        return Response(ImportSerializer(record).data)
