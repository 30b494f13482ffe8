from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from indicators.models import ActualsImport, Indicator, IndicatorAlias, Observation, ObservationChange
from indicators.resources import IndicatorResource, ObservationResource
from indicators.services import observation_delete, observation_set


class IndicatorAliasInline(admin.TabularInline[IndicatorAlias, Indicator]):
    model = IndicatorAlias
    extra = 1
    fields = ["name"]


@admin.register(Indicator)
class IndicatorAdmin(ImportExportModelAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name_zh", "name_en", "unit", "direction", "measure"]
    list_filter = ["direction", "measure"]
    search_fields = ["code", "name_zh", "name_en", "aliases__name"]
    inlines = [IndicatorAliasInline]


@admin.register(IndicatorAlias)
class IndicatorAliasAdmin(admin.ModelAdmin[IndicatorAlias]):
    list_display = ["name", "indicator"]
    search_fields = ["name", "indicator__code", "indicator__name_zh"]
    autocomplete_fields = ["indicator"]


class ObservationChangeInline(admin.TabularInline[ObservationChange, Observation]):
    """The history of one value, newest first; read-only."""

    model = ObservationChange
    extra = 0
    can_delete = False
    readonly_fields = fields = (
        "changed_at",
        "action",
        "old_value",
        "new_value",
        "old_source",
        "new_source",
        "origin",
        "changed_by",
        "reason",
    )
    ordering = ["-changed_at", "-id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Observation)
class ObservationAdmin(ImportExportModelAdmin):
    resource_classes = [ObservationResource]
    list_display = ["region", "indicator", "year", "value", "origin", "source", "updated_at", "updated_by"]
    list_filter = ["origin", "year", "region", "indicator"]
    search_fields = ["region__name_zh", "region__adcode", "indicator__code", "indicator__name_zh", "source"]
    autocomplete_fields = ["region", "indicator"]
    readonly_fields = ["updated_at", "updated_by"]
    list_select_related = ["region", "indicator", "updated_by"]
    inlines = [ObservationChangeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Observation | None = None) -> list[str]:
        # A value's identity (region, indicator, year) is fixed once created; change the value, not the key.
        if obj is not None:
            return [*self.readonly_fields, "region", "indicator", "year"]
        return list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Observation, form: Any, change: bool) -> None:
        # Through the service, so the change is recorded in history with the admin user.
        saved, _action = observation_set(
            region=obj.region,
            indicator=obj.indicator,
            year=obj.year,
            value=obj.value,
            source=obj.source,
            note=obj.note,
            origin=obj.origin,
            user=request.user,  # type: ignore[arg-type]  # admin views require a logged-in user
            reason=str(_("edited in the admin")),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Observation) -> None:
        observation_delete(observation=obj, user=request.user, reason=str(_("deleted in the admin")))  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Observation]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class RecordAdmin(admin.ModelAdmin[Any]):
    """Records are evidence: shown, never added, edited or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ObservationChange)
class ObservationChangeAdmin(RecordAdmin):
    """History is evidence: visible to admins, never edited or deleted here."""

    list_display = [
        "changed_at",
        "region",
        "indicator",
        "year",
        "action",
        "old_value",
        "new_value",
        "origin",
        "changed_by",
        "actuals_import",
    ]
    list_filter = ["action", "origin", "region", "indicator"]
    search_fields = ["region__name_zh", "indicator__code", "reason"]
    list_select_related = ["region", "indicator", "changed_by", "actuals_import"]
    date_hierarchy = "changed_at"


@admin.register(ActualsImport)
class ActualsImportAdmin(RecordAdmin):
    """Uploads are records: seen here with their file, made only through the import pages or command."""

    list_display = [
        "uploaded_at",
        "file_name",
        "status",
        "region",
        "uploaded_by",
        "created_count",
        "updated_count",
        "unchanged_count",
        "committed_at",
    ]
    list_filter = ["status", "file_format", "region"]
    search_fields = ["file_name", "sha256", "uploaded_by__username"]
    list_select_related = ["region", "uploaded_by"]
    date_hierarchy = "uploaded_at"

    exclude = ["file"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in ActualsImport._meta.fields if field.name != "file"] + ["original_file"]

    @admin.display(description=_("file as uploaded"))
    def original_file(self, obj: ActualsImport) -> str:
        # Uploaded files are not served as media: the import page checks who may download them.
        if not obj.file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("import-file", args=[obj.pk]), obj.file_name)
