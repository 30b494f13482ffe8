"""Read-only API for plans and their targets."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cities import versioning
from cities.access import reviewable_regions, submitted_scope
from cities.models import Region
from indicators.models import Indicator
from lib.filters import FilterSet, IntegerFilter
from plans import comparison, completeness
from plans import progress as pr
from plans import vocabulary as v
from plans import wording as tx
from plans.evaluation import YEARS
from plans.models import (
    Plan,
    PlanPeriod,
    PublishedEvaluation,
    Target,
    TargetExplanation,
    TargetRevision,
    TargetVerdict,
)
from plans.revisions import in_force, may_record_revision, revision_add
from plans.selectors import (
    BaselineActual,
    PlanInconsistency,
    TargetProgress,
    baseline_actuals,
    default_period,
    evaluate_targets,
    plan_inconsistencies,
    targets_for,
)
from plans.verdicts import may_record_verdict, verdict_add


def _number() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=20, decimal_places=6, coerce_to_string=False, normalize_output=True, allow_null=True
    )


class TargetBriefSerializer(serializers.ModelSerializer[Target]):
    indicator = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = Target
        fields = ["id", "key", "label", "indicator", "kind", "section", "quote", "quote_line"]


class InconsistencySerializer(serializers.Serializer[PlanInconsistency]):
    code = serializers.CharField(source="finding.code")
    message_zh = serializers.SerializerMethodField()
    message_en = serializers.SerializerMethodField()
    implied = serializers.FloatField(source="finding.implied", allow_null=True)
    stated = serializers.FloatField(source="finding.stated", allow_null=True)
    base = serializers.FloatField(source="finding.base", allow_null=True)
    difference = serializers.FloatField(source="finding.difference", allow_null=True)
    first = TargetBriefSerializer()
    second = TargetBriefSerializer()

    def get_message_zh(self, obj: PlanInconsistency) -> str:
        return tx.consistency_text(obj.finding, "zh-hans")

    def get_message_en(self, obj: PlanInconsistency) -> str:
        return tx.consistency_text(obj.finding, "en")


class PlanSerializer(serializers.ModelSerializer[Plan]):
    region = serializers.CharField(source="region.adcode", read_only=True)
    period = serializers.CharField(source="period.code", read_only=True)
    period_name_zh = serializers.CharField(source="period.name_zh", read_only=True)
    target_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "slug",
            "region",
            "period",
            "period_name_zh",
            "kind",
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

    filterset_fields = {
        "region__adcode": ["exact"],
        "period__code": ["exact"],
        "period_start": ["exact"],
        "period_end": ["exact"],
    }

    def get_serializer_class(self) -> type[PlanSerializer]:
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    @extend_schema(responses=InconsistencySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def consistency(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        # `format` is the router's suffix (consistency.json): DRF has already chosen the renderer from it.
        """Where the plan contradicts itself: pairs of targets whose numbers disagree, with both quotes."""
        findings = plan_inconsistencies(self.get_object())
        return Response(
            {"count": len(findings), "results": InconsistencySerializer(cast(Any, findings), many=True).data}
        )

    def get_queryset(self) -> QuerySet[Plan]:
        # Counted in SQL: no need to fetch every target (and its quote) to count them.
        return (
            Plan.objects.select_related("region", "period")
            .annotate(target_count=Count("targets"))
            .order_by("region__adcode", "id")
        )


class VerdictSerializer(serializers.ModelSerializer[TargetVerdict]):
    """A reviewer's verdict on a qualitative target; `verdict` is also the status the target has from its year on."""

    target = serializers.IntegerField(source="target_id", read_only=True)
    verdict_label_zh = serializers.SerializerMethodField()
    verdict_label_en = serializers.SerializerMethodField()
    evidence_file = serializers.SerializerMethodField()
    reviewer = serializers.SerializerMethodField()

    class Meta:
        model = TargetVerdict
        fields = [
            "id",
            "target",
            "year",
            "verdict",
            "verdict_label_zh",
            "verdict_label_en",
            "decided_on",
            "evidence_text",
            "evidence_url",
            "evidence_file",
            "evidence_name",
            "reviewer",
            "created_at",
        ]

    def get_verdict_label_zh(self, obj: TargetVerdict) -> str:
        return tx.status_word(obj.verdict, "zh-hans")

    def get_verdict_label_en(self, obj: TargetVerdict) -> str:
        return tx.status_word(obj.verdict, "en")

    def get_evidence_file(self, obj: TargetVerdict) -> str | None:
        """The address of the evidence file's download (signed-in users), if there is a file."""
        return reverse("verdict-evidence", args=[obj.pk]) if obj.evidence_file else None

    def get_reviewer(self, obj: TargetVerdict) -> str | None:
        return obj.reviewer.get_username() if obj.reviewer is not None else None


def verdict_data(record: TargetVerdict | None) -> dict[str, Any] | None:
    """A verdict as plain JSON values (the progress rows are cached as such)."""
    return None if record is None else dict(VerdictSerializer(record).data)


class VerdictInputSerializer(serializers.Serializer[dict[str, Any]]):
    verdict = serializers.ChoiceField(choices=v.VERDICTS)
    year = serializers.IntegerField(min_value=YEARS[0], max_value=YEARS[-1])
    decided_on = serializers.DateField(required=False, help_text=_("Default: today."))
    evidence_text = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_url = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    evidence_file = serializers.FileField(required=False, allow_null=True, default=None)


class RevisionSerializer(serializers.ModelSerializer[TargetRevision]):
    """A revised target (plans.TargetRevision): the new value (kind, comparator and target year as revised: the
    original's where the revision leaves them blank), the approving document, the date it takes effect (`year`: the
    first as-of year it applies to), the reason, who recorded it and when; `demo`: a demonstration (演示数据)."""

    target = serializers.IntegerField(source="target_id", read_only=True)
    kind = serializers.CharField(source="new_kind", read_only=True)
    comparator = serializers.CharField(source="new_comparator", read_only=True)
    target_year = serializers.IntegerField(source="new_target_year", read_only=True)
    target_value = _number()
    target_value_max = _number()
    year = serializers.IntegerField(read_only=True)
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = TargetRevision
        fields = [
            "id",
            "target",
            "kind",
            "comparator",
            "target_value",
            "target_value_max",
            "target_year",
            "document_title",
            "document_number",
            "effective_from",
            "year",
            "reason",
            "recorded_by",
            "recorded_at",
            "demo",
        ]

    def get_recorded_by(self, obj: TargetRevision) -> str | None:
        return obj.recorded_by.get_username() if obj.recorded_by is not None else None


def revision_data(record: TargetRevision | None) -> dict[str, Any] | None:
    """A revision as plain JSON values (the progress rows are cached as such)."""
    return None if record is None else dict(RevisionSerializer(record).data)


class RevisionInputSerializer(serializers.Serializer[dict[str, Any]]):
    target_value = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True, required=False)
    target_value_max = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True, required=False)
    kind = serializers.ChoiceField(choices=["", *v.KINDS], required=False, default="", help_text=_("Blank: unchanged."))
    comparator = serializers.ChoiceField(
        choices=["", *v.COMPARATORS], required=False, default="", help_text=_("Blank: unchanged.")
    )
    target_year = serializers.IntegerField(required=False, allow_null=True, min_value=YEARS[0], max_value=YEARS[-1])
    document_title = serializers.CharField(max_length=300)
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    effective_from = serializers.DateField()
    reason = serializers.CharField()


def baseline_actual_data(baseline: BaselineActual) -> dict[str, Any]:
    """The stored actual of a target's baseline year: year, value as stored (indicator's unit), origin, whether
    demo data, source, and the relative difference of the plan's baseline from it (null: not comparable)."""
    return {
        "year": baseline.year,
        "value": float(baseline.value),
        "origin": baseline.origin,
        "is_demo": baseline.is_demo,
        "source": baseline.source,
        "difference": baseline.difference,
    }


class TargetSerializer(serializers.ModelSerializer[Target]):
    region = serializers.CharField(source="plan.region.adcode", read_only=True)
    period = serializers.CharField(source="plan.period.code", read_only=True)
    baseline_actual = serializers.SerializerMethodField(
        help_text="The stored actual of the baseline year when it is the end of the period before (上期末实际值), "
        "else null."
    )
    baseline_mismatch = serializers.SerializerMethodField(
        help_text="Whether the plan's baseline differs from that actual beyond PLAN_BASELINE_TOLERANCE (never on "
        "demo data); null without such an actual."
    )
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    baseline_value = _number()
    target_value = _number()
    target_value_max = _number()
    attribute = serializers.CharField(allow_null=True)
    conflicts_with = serializers.SerializerMethodField()
    verdict = serializers.SerializerMethodField(
        help_text="Qualitative targets: the reviewer's latest verdict (of the latest year judged), else null."
    )
    revision = serializers.SerializerMethodField(help_text="The latest revision of the target, else null.")
    revisions = serializers.SerializerMethodField(help_text="Every revision, oldest first (the history).")
    status_original = serializers.SerializerMethodField(
        help_text="The status on the latest data against the target as the plan states it."
    )
    status_revised = serializers.SerializerMethodField(
        help_text="The status on the latest data against the revised target, null without a revision."
    )

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
            "compares",
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
            "verdict",
            "revision",
            "revisions",
            "status_original",
            "status_revised",
            "period",
            "baseline_actual",
            "baseline_mismatch",
        ]

    def _judged(self, obj: Target) -> TargetProgress | None:
        judged: dict[int, TargetProgress] = self.context.get("judged", {})
        return judged.get(obj.pk)

    def get_revision(self, obj: Target) -> dict[str, Any] | None:
        return revision_data(in_force(obj.revisions.all(), None))

    def get_revisions(self, obj: Target) -> list[dict[str, Any]]:
        return [dict(RevisionSerializer(record).data) for record in obj.revisions.all()]

    def get_status_original(self, obj: Target) -> str | None:
        item = self._judged(obj)
        return item.status_original if item is not None else None

    def get_status_revised(self, obj: Target) -> str | None:
        item = self._judged(obj)
        return item.status_revised if item is not None else None

    def _baseline(self, obj: Target) -> BaselineActual | None:
        """Read for every target of the response at once (the page of a list): one query."""
        found = self.context.get("baseline_actuals")
        if found is None:
            instance = self.root.instance
            targets = list(instance) if isinstance(instance, list | QuerySet) else [obj]
            found = self.context["baseline_actuals"] = baseline_actuals(targets)
        return found.get(obj.pk)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_baseline_actual(self, obj: Target) -> dict[str, Any] | None:
        baseline = self._baseline(obj)
        return baseline_actual_data(baseline) if baseline is not None else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_baseline_mismatch(self, obj: Target) -> bool | None:
        baseline = self._baseline(obj)
        return baseline.mismatch if baseline is not None else None

    def get_verdict(self, obj: Target) -> dict[str, Any] | None:
        # Prefetched newest first (TargetViewSet.get_queryset).
        return verdict_data(next(iter(obj.verdicts.all()), None)) if obj.kind in v.VERDICT_KINDS else None

    def get_conflicts_with(self, obj: Target) -> list[int]:
        return sorted(other.pk for other in obj.conflicts_with.all())

    def to_representation(self, instance: Target) -> dict[str, object]:
        data = super().to_representation(instance)
        data["attribute"] = data["attribute"] or None
        return data


class TargetFilter(FilterSet):
    region = django_filters.CharFilter(field_name="plan__region__adcode")
    indicator = django_filters.CharFilter(field_name="indicator__code")
    plan = IntegerFilter(field_name="plan_id")
    kind = django_filters.ChoiceFilter(choices=Target.Kind.choices)
    section = django_filters.ChoiceFilter(choices=Target.Section.choices)

    class Meta:
        model = Target
        fields = ["region", "indicator", "plan", "kind", "section"]


class ExplanationSerializer(serializers.ModelSerializer[TargetExplanation]):
    target = serializers.IntegerField(source="target_id", read_only=True)
    author = serializers.SerializerMethodField()
    revised_target = _number()

    class Meta:
        model = TargetExplanation
        fields = [
            "id",
            "target",
            "year",
            "situation",
            "outlook",
            "causes",
            "propose_revision",
            "revised_target",
            "measures",
            "author",
            "created_at",
        ]

    def get_author(self, obj: TargetExplanation) -> str | None:
        return obj.author.get_username() if obj.author is not None else None


class TargetViewSet(viewsets.ReadOnlyModelViewSet[Target]):
    """Targets, each with the exact sentence (`quote`) and line of its plan document it comes from.
    `/targets/{id}/explanations/`: the city's explanations of the target, newest first (the first is current).
    `/targets/{id}/verdicts/`: the reviewers' verdicts on a qualitative target, newest first; POST records one
    (the review right for the target's region)."""

    serializer_class = TargetSerializer
    filterset_class = TargetFilter

    @extend_schema(responses=ExplanationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def explanations(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        """Every version, newest first: the first is the one shown; the earlier are kept."""
        target = self.get_object()
        versions = target.explanations.select_related("author").order_by("-year", "-created_at", "-id")
        return Response({"count": len(versions), "results": ExplanationSerializer(versions, many=True).data})

    @extend_schema(methods=["GET"], responses=VerdictSerializer(many=True))
    @extend_schema(methods=["POST"], request=VerdictInputSerializer, responses={201: VerdictSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def verdicts(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        """GET: every verdict, newest first (for an as-of year the latest of that year or the last before counts).
        POST: a new verdict — `verdict` (achieved, partly_achieved, not_achieved), `year` (the year judged),
        `decided_on` (default today) and evidence: `evidence_text`, `evidence_url` (http/https) or, as
        multipart/form-data, `evidence_file`. 403 without the review right for the target's region."""
        target = self.get_object()
        if request.method == "POST":
            return self._record_verdict(request, target)
        versions = target.verdicts.select_related("reviewer").order_by("-year", "-created_at", "-id")
        return Response({"count": len(versions), "results": VerdictSerializer(versions, many=True).data})

    @extend_schema(methods=["GET"], responses=RevisionSerializer(many=True))
    @extend_schema(methods=["POST"], request=RevisionInputSerializer, responses={201: RevisionSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def revisions(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        """GET: every revision of the target, oldest first (for an as-of year the latest whose year of effect is
        at most it is in force). POST: a new revision — `target_value` (and `target_value_max` for a range), `kind`,
        `comparator`, `target_year` (blank: unchanged), `document_title`, `document_number`, `effective_from`
        (a date), `reason`. 403 without the right (plans.add_targetrevision, provincial staff); never edited."""
        target = self.get_object()
        if request.method == "POST":
            return self._record_revision(request, target)
        versions = target.revisions.select_related("recorded_by").order_by("effective_from", "recorded_at", "id")
        return Response({"count": len(versions), "results": RevisionSerializer(versions, many=True).data})

    def _record_revision(self, request: Request, target: Target) -> Response:
        if not may_record_revision(request.user, target):
            raise PermissionDenied(_("Only provincial staff with the right to record revisions may revise a target."))
        body = RevisionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                record = revision_add(target=target, user=request.user, **body.validated_data)
        except DjangoValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(RevisionSerializer(record).data, status=status.HTTP_201_CREATED)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        """Targets shown are judged on the latest data (against the original and the revised target): one pass
        of the method over the page, a fixed number of queries."""
        if args and isinstance(args[0], (Target, list, QuerySet)):
            shown = [args[0]] if isinstance(args[0], Target) else list(args[0])
            context = self.get_serializer_context()
            context["judged"] = {item.target.pk: item for item in evaluate_targets(shown)}
            kwargs.setdefault("context", context)
        return super().get_serializer(*args, **kwargs)

    def _record_verdict(self, request: Request, target: Target) -> Response:
        if not may_record_verdict(request.user, target):
            raise PermissionDenied(_("Only a reviewer of the target's region may record a verdict."))
        body = VerdictInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.setdefault("decided_on", timezone.localdate())
        try:
            with transaction.atomic():
                record = verdict_add(target=target, user=request.user, **data)
        except DjangoValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(VerdictSerializer(record).data, status=status.HTTP_201_CREATED)

    def get_queryset(self) -> QuerySet[Target]:
        verdicts = TargetVerdict.objects.select_related("reviewer").order_by("-year", "-created_at", "-id")
        revisions = TargetRevision.objects.select_related("recorded_by").order_by("effective_from", "recorded_at", "id")
        return (
            Target.objects.select_related("plan__region__parent", "plan__period", "indicator")
            .prefetch_related(
                "conflicts_with", Prefetch("verdicts", queryset=verdicts), Prefetch("revisions", queryset=revisions)
            )
            .order_by("plan__region__adcode", "plan_id", "position")
        )


# ------------------------------------------------------------------------------------------------ progress


class RegionQuerySerializer(serializers.Serializer[dict[str, Any]]):
    """The query of an endpoint about a region's targets (the progress rows, the overview's cells): ?region= (an
    adcode, turned into the Region) and ?include=submitted."""

    region = serializers.RegexField(r"^[0-9]{6}$", help_text=_("Region adcode; its own plans and those below it."))
    include = serializers.ChoiceField(
        choices=["submitted"],
        required=False,
        help_text=_("“submitted”: also the values awaiting review (status submitted); default: approved only."),
    )
    period = serializers.SlugField(
        required=False,
        max_length=20,
        help_text=_(
            "A plan period's code (14: 十四五, 15: 十五五); default: the latest period with actuals, as the pages."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        region = Region.objects.filter(adcode=attrs["region"]).first()
        if region is None:
            raise serializers.ValidationError({"region": _("Unknown region %(adcode)s.") % {"adcode": attrs["region"]}})
        attrs["region"] = region
        code = attrs.get("period")
        period = PlanPeriod.objects.filter(code=code).first() if code else default_period()
        if code and period is None:
            raise serializers.ValidationError({"period": _("Unknown plan period %(code)s.") % {"code": code}})
        attrs["period"] = period
        return attrs


class ProgressQuerySerializer(RegionQuerySerializer):
    year = serializers.IntegerField(
        required=False, min_value=YEARS[0], max_value=YEARS[-1], help_text=_("As-of year (default: the latest data).")
    )
    plan = serializers.IntegerField(required=False, min_value=1)
    indicator = serializers.SlugField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "plan" in attrs:
            plan = Plan.objects.filter(pk=attrs["plan"]).first()
            if plan is None:
                raise serializers.ValidationError({"plan": _("Unknown plan %(id)s.") % {"id": attrs["plan"]}})
            attrs["plan"] = plan
        if "indicator" in attrs and not Indicator.objects.filter(code=attrs["indicator"]).exists():
            raise serializers.ValidationError(
                {"indicator": _("Unknown indicator %(code)s.") % {"code": attrs["indicator"]}}
            )
        return attrs


class ProgressNoteSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    text_zh = serializers.CharField()
    text_en = serializers.CharField()


class ProgressRowSerializer(serializers.Serializer[dict[str, Any]]):
    """One target evaluated at the as-of year (docs/methodology.md). Shares, ratios and growth rates are fractions."""

    target = serializers.IntegerField()
    target_key = serializers.CharField()
    plan = serializers.IntegerField()
    region = serializers.CharField()
    indicator = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a row field, not the serializer's own label
    kind = serializers.CharField()
    comparator = serializers.CharField()
    unit = serializers.CharField(help_text=_("The indicator's unit: every level below is in it."))
    target_year = serializers.IntegerField()
    as_of = serializers.IntegerField(allow_null=True)
    year = serializers.IntegerField(allow_null=True)
    actual = serializers.FloatField(allow_null=True)
    actual_origin = serializers.CharField(allow_null=True)
    is_demo = serializers.BooleanField()
    is_estimate = serializers.BooleanField(
        help_text=_("The evaluation year's actual is an estimate (预计值), not final statistics (统计值).")
    )
    actual_status = serializers.ChoiceField(
        choices=["approved", "submitted", "demo"],
        allow_null=True,
        help_text=_("The evaluation year's actual: approved, demo, or submitted (only with include=submitted)."),
    )
    measured = serializers.FloatField(allow_null=True)
    baseline_used = serializers.FloatField(allow_null=True)
    baseline_year_used = serializers.IntegerField(allow_null=True)
    target_level = serializers.FloatField(allow_null=True)
    expected = serializers.FloatField(allow_null=True)
    time_share = serializers.FloatField(allow_null=True)
    progress_share = serializers.FloatField(allow_null=True)
    pace_ratio = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(
        choices=v.STATUSES,
        help_text="The target's one status; status_label_zh/en word it. pace_status is its pace band.",
    )
    pace_status = serializers.ChoiceField(choices=pr.PACE_STATUSES)
    observed_growth = serializers.FloatField(allow_null=True)
    required_growth = serializers.FloatField(allow_null=True)
    trend_ratio = serializers.FloatField(allow_null=True)
    trend_status = serializers.ChoiceField(choices=pr.TREND_STATUSES)
    projected_value = serializers.FloatField(allow_null=True)
    required_annual_growth = serializers.FloatField(allow_null=True)
    required_per_year = serializers.FloatField(allow_null=True)
    years_met = serializers.IntegerField(allow_null=True)
    years_counted = serializers.IntegerField(allow_null=True)
    years_elapsed = serializers.IntegerField(allow_null=True, help_text="per_year: years of the period up to year")
    baseline_level = serializers.FloatField(
        allow_null=True, help_text="cumulative_new on a stock: the stock at the baseline year the new are counted from"
    )
    multiple_reached = serializers.FloatField(allow_null=True, help_text="multiple_of_baseline: actual ÷ baseline")
    parent_value = serializers.FloatField(
        allow_null=True, help_text="relative_to_average: the parent region's (province's) value of year"
    )
    completion_formula = serializers.CharField(help_text='The completion as computed: "(690 − 402) ÷ 400 = 72 %"')
    disagreement = serializers.ChoiceField(
        choices=(pr.LAGGING_BUT_ON_TRACK, pr.ON_PACE_BUT_OFF_TRACK),
        allow_null=True,
        help_text="Where the pace and the trend disagree; disagreement_zh/en word it",
    )
    disagreement_zh = serializers.CharField()
    disagreement_en = serializers.CharField()
    achieved = serializers.BooleanField(allow_null=True)
    achieved_early = serializers.BooleanField()
    status_label_zh = serializers.CharField()
    status_label_en = serializers.CharField()
    trend_label_zh = serializers.CharField()
    trend_label_en = serializers.CharField()
    notes = ProgressNoteSerializer(many=True)
    verdict = VerdictSerializer(
        allow_null=True, help_text="The reviewer's verdict the status comes from (qualitative targets), else null."
    )
    revision = RevisionSerializer(
        allow_null=True,
        help_text="The revision in force at the as-of year, else null: `status` is then judged against it.",
    )
    status_original = serializers.ChoiceField(
        choices=v.STATUSES, help_text="The status against the target as the plan states it (按原目标)."
    )
    status_revised = serializers.ChoiceField(
        choices=v.STATUSES,
        allow_null=True,
        help_text="The status against the revised target (按调整后目标), null without a revision in force.",
    )
    quote = serializers.CharField()
    quote_line = serializers.IntegerField()


_NUMBERS = (
    "actual",
    "measured",
    "baseline_used",
    "target_level",
    "expected",
    "time_share",
    "progress_share",
    "pace_ratio",
    "observed_growth",
    "required_growth",
    "trend_ratio",
    "projected_value",
    "required_annual_growth",
    "required_per_year",
    "baseline_level",
    "multiple_reached",
    "parent_value",
)


def _actual_status(item: TargetProgress) -> str | None:
    if item.actual_origin is None:
        return None
    if item.is_submitted:
        return "submitted"
    return "demo" if item.is_demo else "approved"


def progress_row(item: TargetProgress, as_of: int | None) -> dict[str, Any]:
    target, result = item.target, item.progress
    row: dict[str, Any] = {
        "target": target.pk,
        "target_key": target.key,
        "plan": target.plan_id,
        "region": target.plan.region.adcode,
        "indicator": target.indicator.code,
        "label": target.label,
        "kind": target.kind,
        "comparator": target.comparator,
        "unit": target.indicator.unit,
        "target_year": target.target_year,
        "as_of": as_of,
        "year": result.year,
        "actual_origin": item.actual_origin,
        "is_demo": item.is_demo,
        "is_estimate": item.is_estimate,
        "actual_status": _actual_status(item),
        "baseline_year_used": result.baseline_year_used,
        "status": pr.status(result),
        "pace_status": result.pace_status,
        "trend_status": result.trend_status,
        "years_met": result.years_met,
        "years_counted": result.years_counted,
        "years_elapsed": result.years_elapsed,
        "completion_formula": tx.completion_formula(item.spec, result),
        "disagreement": pr.disagreement(item.spec, result),
        "disagreement_zh": tx.disagreement_text(item.spec, result, "zh-hans"),
        "disagreement_en": tx.disagreement_text(item.spec, result, "en"),
        "achieved": result.achieved,
        "achieved_early": pr.status(result) == v.ACHIEVED_EARLY,
        "status_label_zh": tx.status_label(result, "zh-hans"),
        "status_label_en": tx.status_label(result, "en"),
        "trend_label_zh": tx.trend_label(result, "zh-hans"),
        "trend_label_en": tx.trend_label(result, "en"),
        "notes": [
            {"code": note.code, "text_zh": tx.note_text(note, "zh-hans"), "text_en": tx.note_text(note, "en")}
            for note in result.notes
        ],
        "verdict": verdict_data(item.verdict),
        "revision": revision_data(item.revision),
        "status_original": item.status_original,
        "status_revised": item.status_revised,
        "quote": target.quote,
        "quote_line": target.quote_line,
    }
    for name in _NUMBERS:
        value = getattr(result, name)
        # JSON has no NaN or infinity: a figure that cannot be a number is absent.
        row[name] = value if pr.is_finite(value) else None
    return row


class ProgressView(generics.GenericAPIView[Any]):
    """Progress of every target of a region's plans (and of the regions below it) at an as-of year.

    GET /api/v1/progress/?region=ADCODE[&period=CODE][&year=YYYY][&plan=ID][&indicator=CODE][&include=submitted]
    (a plan asked for is shown whatever its period)
    """

    serializer_class = ProgressRowSerializer
    filter_backends: list[Any] = []

    @extend_schema(parameters=[ProgressQuerySerializer], responses=ProgressRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        as_of = params.get("year")
        # Submitted values only of the regions the user may see them of (a city official: their own).
        visible = submitted_scope(request.user) if params.get("include") == "submitted" else None

        def compute() -> list[dict[str, Any]]:
            period = params["period"]
            targets = targets_for(
                region=params["region"],
                plan=params.get("plan"),
                indicator_code=params.get("indicator"),
                periods=None if period is None or params.get("plan") else [period],
            )
            items = evaluate_targets(
                targets, as_of=as_of, include_submitted=visible is not None, submitted_regions=visible
            )
            return [progress_row(item, as_of) for item in items]

        # Approved values are the same for every user (all are readable by every logged-in user); submitted ones
        # depend on the regions the user may see them of. The page number is applied after.
        key = (
            "progress",
            params["region"].pk,
            getattr(params["period"], "code", ""),
            getattr(params.get("plan"), "pk", ""),
            params.get("indicator") or "",
            as_of or "",
            tuple(sorted(visible)) if visible is not None else "",
        )
        rows, _computed = versioning.cached(request, key, compute)
        page = self.paginate_queryset(cast(Any, rows))
        # The rows are plain JSON values already (progress_row); ProgressRowSerializer documents them in the
        # OpenAPI schema, and running it over thousands of rows would only copy them.
        return self.get_paginated_response(page) if page is not None else Response(rows)


class CompletenessQuerySerializer(serializers.Serializer[dict[str, Any]]):
    year = serializers.IntegerField(
        required=False,
        min_value=YEARS[0],
        max_value=YEARS[-1],
        help_text=_("The year whose values are owed (default: the latest year with values due)."),
    )


def _completeness_json(board: completeness.Board) -> dict[str, Any]:
    def position(cell: completeness.Position) -> dict[str, Any]:
        return {
            "indicator": cell.indicator.code,
            "year": cell.year,
            "state": cell.state,
            "state_label": cell.label,
            "due_on": cell.due_on.isoformat(),
            "overdue_on": cell.overdue_on.isoformat(),
            "returned_import": cell.returned_import.pk if cell.returned_import else None,
        }

    return {
        "year": board.year,
        "as_of": board.today.isoformat(),
        "grace_months": settings.REPORTING_GRACE_MONTHS,
        "indicators": [indicator.code for indicator in board.indicators],
        "totals": dict(board.totals),
        "regions": [
            {
                "adcode": row.region.adcode,
                "name": row.region.name,
                "owed": row.owed,
                "counts": dict(row.state_counts),
                "positions": [position(cell) for cell in row.cells if cell is not None],
            }
            for row in board.rows
        ],
    }


class CompletenessView(generics.GenericAPIView[Any]):
    """The completeness board as JSON: every value the user's reviewable regions owe for a year, in its state
    (not_due, due, overdue, submitted, returned, approved), with counts. Same rights as /completeness/: those who
    review the regions' values; 403 for anybody else.

    GET /api/v1/completeness/[?year=YYYY]
    """

    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(parameters=[CompletenessQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        regions = list(reviewable_regions(request.user).order_by("adcode"))
        if not regions:
            raise PermissionDenied(_("The completeness board is for those who review the regions' values."))
        query = CompletenessQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        year = query.validated_data.get("year") or completeness.default_year(regions, today=today) or today.year
        return Response(_completeness_json(completeness.board(regions, year, today=today)))


class RankingQuerySerializer(serializers.Serializer[dict[str, Any]]):
    region = serializers.RegexField(
        r"^[0-9]{6}$", required=False, help_text=_("A province's adcode (default: the first province with a plan).")
    )
    year = serializers.IntegerField(
        required=False,
        min_value=YEARS[0],
        max_value=YEARS[-1],
        help_text=_("The year ranked (default: the latest year most cities have a value in)."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        adcode = attrs.get("region")
        provinces = Region.objects.filter(level=Region.Level.PROVINCE)
        province = provinces.filter(adcode=adcode).first() if adcode else provinces.order_by("adcode").first()
        if province is None:
            raise serializers.ValidationError({"region": _("Unknown province %(adcode)s.") % {"adcode": adcode or "—"}})
        attrs["region"] = province
        return attrs


def _figure_json(figure: comparison.Figure) -> dict[str, Any]:
    value = figure.value if pr.is_finite(figure.value) else None
    return {"value": value, "rank": figure.rank, "change": figure.change, "tier": figure.tier}


class RankingView(generics.GenericAPIView[Any]):
    """The cities of a province ranked on one indicator, as on /indicators/CODE/compare/: per city its level,
    growth on the year before (% for stocks and flows, the change in the indicator's unit for ratios) and the
    completion (%) of its own target, each with rank, places gained since the year before and tier.

    GET /api/v1/indicators/CODE/ranking/[?region=ADCODE][&year=YYYY]
    """

    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(parameters=[RankingQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, code: str) -> Response:
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            raise NotFound(_("Unknown indicator %(code)s.") % {"code": code})
        query = RankingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        province, year = query.validated_data["region"], query.validated_data.get("year")

        def compute() -> dict[str, Any]:
            found = comparison.compare(indicator, province, year)
            return {
                "indicator": indicator.code,
                "unit": indicator.unit,
                "province": province.adcode,
                "year": found.year,
                "years": found.years,
                "province_value": found.province_value,
                "growth_measure": "change" if indicator.measure == Indicator.Measure.RATIO else "percent",
                "cities": [
                    {
                        "region": row.region.adcode,
                        "name": row.region.name_zh,
                        "level": _figure_json(row.level),
                        "growth": _figure_json(row.growth),
                        "completion": _figure_json(row.completion),
                        "status": row.status,
                        "target": row.item.target.pk if row.item is not None else None,
                        "is_demo": row.is_demo,
                        "source": row.source,
                    }
                    for row in found.rows
                ],
            }

        result, _computed = versioning.cached(request, ("ranking", indicator.pk, province.pk, year or ""), compute)
        return Response(result)


class PublishedEvaluationSerializer(serializers.ModelSerializer[PublishedEvaluation]):
    """A published evaluation (frozen): the list without its snapshot, the detail with it."""

    plan: serializers.SlugRelatedField[Plan] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    region = serializers.CharField(source="region.adcode", read_only=True)
    published_by = serializers.SerializerMethodField()

    class Meta:
        model = PublishedEvaluation
        fields = ["id", "title", "kind", "as_of", "plan", "region", "note", "published_by", "published_at"]

    def get_published_by(self, obj: PublishedEvaluation) -> str | None:
        return obj.published_by.get_username() if obj.published_by else None


class PublishedEvaluationDetailSerializer(PublishedEvaluationSerializer):
    class Meta(PublishedEvaluationSerializer.Meta):
        fields = [*PublishedEvaluationSerializer.Meta.fields, "snapshot"]


class PublishedEvaluationViewSet(viewsets.ReadOnlyModelViewSet[PublishedEvaluation]):
    """Published evaluations (已发布的评估), newest first: GET /api/v1/evaluations/published/{id}/ returns the frozen
    snapshot (per plan its rows, counts and texts; the values used, each with its stage and origin). Everyone signed
    in reads them, as the evaluation pages."""

    filterset_fields = {"kind": ["exact"], "as_of": ["exact"], "plan__slug": ["exact"], "region__adcode": ["exact"]}

    def get_serializer_class(self) -> type[PublishedEvaluationSerializer]:
        return PublishedEvaluationDetailSerializer if self.action == "retrieve" else PublishedEvaluationSerializer

    def get_queryset(self) -> QuerySet[PublishedEvaluation]:
        queryset = PublishedEvaluation.objects.select_related("plan", "region", "published_by")
        if self.action != "retrieve":
            queryset = queryset.defer("snapshot")
        return queryset.order_by("-published_at", "-id")
