from typing import Any

from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from import_export.admin import ImportExportModelAdmin

from plans.models import Plan, PlanPeriod, PublishedEvaluation, Target, TargetRevision, TargetVerdict
from plans.resources import PlanResource, TargetResource


class TargetInline(admin.StackedInline[Target, Plan]):
    model = Target
    extra = 0
    show_change_link = True
    fk_name = "plan"
    autocomplete_fields = ["indicator"]
    fields = [
        ("key", "position", "indicator", "label"),
        ("kind", "compares", "comparator", "section", "attribute"),
        ("baseline_year", "baseline_value", "baseline_note"),
        ("target_year", "target_value", "target_value_max", "unit"),
        "quote",
        ("quote_line", "note"),
    ]


class TargetRevisionInline(admin.TabularInline[TargetRevision, Target]):
    """The target's revisions (history): the saved ones read-only, never deleted; a new one may be added by who
    holds plans.add_targetrevision (Django's add permission; the recorder is the user saving it)."""

    model = TargetRevision
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "comparator",
        "target_value",
        "target_value_max",
        "target_year",
        "document_title",
        "document_number",
        "effective_from",
        "reason",
        "recorded_by",
        "recorded_at",
        "demo",
    ]
    readonly_fields = ["recorded_by", "recorded_at", "demo"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PlanPeriod)
class PlanPeriodAdmin(admin.ModelAdmin[PlanPeriod]):
    list_display = ["code", "name_zh", "name_en", "first_year", "last_year", "baseline_year"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Plan)
class PlanAdmin(ImportExportModelAdmin):
    resource_classes = [PlanResource]
    list_display = ["title", "region", "period", "kind", "document_number", "issue_date", "period_start", "period_end"]
    list_filter = ["period", "kind", "region"]
    search_fields = ["title", "document_number", "region__name_zh", "region__adcode"]
    autocomplete_fields = ["region"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(ImportExportModelAdmin):
    resource_classes = [TargetResource]
    list_display = ["label", "plan", "indicator", "kind", "comparator", "target_value", "target_year", "section"]
    list_filter = ["section", "kind", "comparator", "attribute", "plan__region", "indicator"]
    search_fields = ["label", "quote", "note", "key", "indicator__code", "indicator__name_zh"]
    autocomplete_fields = ["plan", "indicator", "conflicts_with"]
    list_select_related = ["plan__region", "indicator"]
    inlines = [TargetRevisionInline]

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet[Any, Any, Any], change: bool
    ) -> None:
        if formset.model is TargetRevision:
            for revision in formset.save(commit=False):
                if revision._state.adding:
                    revision.recorded_by = request.user
                    revision.save()
            return
        super().save_formset(request, form, formset, change)


@admin.register(TargetVerdict)
class TargetVerdictAdmin(admin.ModelAdmin[TargetVerdict]):
    """The history of reviewers' verdicts, read-only: a verdict is recorded on the target's city page (or the API)
    by who may review its region, and never edited (a new verdict is a new row)."""

    list_display = ["target", "year", "verdict", "decided_on", "reviewer", "created_at"]
    list_filter = ["verdict", "year", "target__plan__region"]
    search_fields = ["target__label", "evidence_text", "evidence_url", "evidence_name"]
    list_select_related = ["target__plan__region", "reviewer"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TargetVerdict | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TargetVerdict | None = None) -> bool:
        return False


@admin.register(PublishedEvaluation)
class PublishedEvaluationAdmin(admin.ModelAdmin[PublishedEvaluation]):
    """Published evaluations, read-only: published from the evaluation page, the list page or
    `publish_evaluation`, and never changed or deleted (the model refuses too)."""

    list_display = ["title", "kind", "as_of", "region", "plan", "published_by", "published_at"]
    list_filter = ["kind", "as_of", "region"]
    search_fields = ["title", "note"]
    list_select_related = ["region", "plan", "published_by"]
    date_hierarchy = "published_at"
    exclude = ["snapshot"]  # tens of kilobytes of JSON: read on its page or through the API
    readonly_fields = ["title", "kind", "as_of", "region", "plan", "note", "published_by", "published_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PublishedEvaluation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PublishedEvaluation | None = None) -> bool:
        return False
