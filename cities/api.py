"""Read-only API for regions."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from cities.models import Region


class RegionSerializer(serializers.ModelSerializer[Region]):
    parent = serializers.CharField(source="parent.adcode", read_only=True, allow_null=True, default=None)  # type: ignore[assignment]  # stubs mistake the name for Field.parent

    class Meta:
        model = Region
        fields = ["adcode", "name_zh", "name_en", "level", "parent"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet[Region]):
    """Henan and its prefecture-level units, by adcode. Filter with ?level=city or ?parent=410000."""

    serializer_class = RegionSerializer
    lookup_field = "adcode"
    filterset_fields = {"level": ["exact"], "parent__adcode": ["exact"]}

    def get_queryset(self) -> QuerySet[Region]:
        return Region.objects.select_related("parent").order_by("adcode")
