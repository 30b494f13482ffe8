"""Read-only API for plans and their targets."""

from __future__ import annotations

import django_filters
from django.db.models import Count, QuerySet
from rest_framework import serializers, viewsets

from plans.models import Plan, Target


def _number() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=20, decimal_places=6, coerce_to_string=False, normalize_output=True, allow_null=True
    )


class PlanSerializer(serializers.ModelSerializer[Plan]):
    region = serializers.CharField(source="region.adcode", read_only=True)
    target_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "slug",
            "region",
            "title",
            "document_number",
            "issue_date",
            "period_start",
            "period_end",
            "target_count",
        ]


class PlanDetailSerializer(PlanSerializer):
    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "source_text"]


class PlanViewSet(viewsets.ReadOnlyModelViewSet[Plan]):
    """Plans. The list omits the document text; GET /api/v1/plans/{id}/ includes it (source_text)."""

    filterset_fields = {"region__adcode": ["exact"], "period_start": ["exact"], "period_end": ["exact"]}

    def get_serializer_class(self) -> type[PlanSerializer]:
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    def get_queryset(self) -> QuerySet[Plan]:
        # Counted in SQL: no need to fetch every target (and its quote) to count them.
        return (
            Plan.objects.select_related("region")
            .annotate(target_count=Count("targets"))
            .order_by("region__adcode", "id")
        )


class TargetSerializer(serializers.ModelSerializer[Target]):
    region = serializers.CharField(source="plan.region.adcode", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    baseline_value = _number()
    target_value = _number()
    target_value_max = _number()
    attribute = serializers.CharField(allow_null=True)
    conflicts_with = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "key",
            "region",
            "plan",
            "indicator",
            "label",
            "kind",
            "comparator",
            "baseline_year",
            "baseline_value",
            "baseline_note",
            "baseline_quote",
            "target_year",
            "target_value",
            "target_value_max",
            "unit",
            "section",
            "attribute",
            "quote",
            "quote_line",
            "note",
            "conflicts_with",
        ]

    def get_conflicts_with(self, obj: Target) -> list[int]:
        return sorted(other.pk for other in obj.conflicts_with.all())

    def to_representation(self, instance: Target) -> dict[str, object]:
        data = super().to_representation(instance)
        data["attribute"] = data["attribute"] or None
        return data


class TargetFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="plan__region__adcode")
    indicator = django_filters.CharFilter(field_name="indicator__code")
    plan = django_filters.NumberFilter(field_name="plan_id")
    kind = django_filters.ChoiceFilter(choices=Target.Kind.choices)
    section = django_filters.ChoiceFilter(choices=Target.Section.choices)

    class Meta:
        model = Target
        fields = ["region", "indicator", "plan", "kind", "section"]


class TargetViewSet(viewsets.ReadOnlyModelViewSet[Target]):
    """Targets, each with the exact sentence (`quote`) and line of its plan document it comes from."""

    serializer_class = TargetSerializer
    filterset_class = TargetFilter

    def get_queryset(self) -> QuerySet[Target]:
        return (
            Target.objects.select_related("plan__region", "indicator")
            .prefetch_related("conflicts_with")
            .order_by("plan__region__adcode", "plan_id", "position")
        )
