from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from plans.models import Plan, PlanPeriod, Target
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
