from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from indicators.models import (
    ActualsImport,
    ComparisonTier,
    Indicator,
    IndicatorAlias,
    Observation,
    ObservationChange,
    PeriodLock,
)
from indicators.resources import IndicatorResource, ObservationResource
from indicators.services import find_lock, observation_delete, observation_set


class IndicatorAliasInline(admin.TabularInline[IndicatorAlias, Indicator]):
    model = IndicatorAlias
    extra = 1
    fields = ["name"]


class ComparisonTierInline(admin.TabularInline[ComparisonTier, Indicator]):
    """The indicator's own tiers on the comparison page; without them, the default tiers (comparison tiers)."""

    model = ComparisonTier
    extra = 0
    fields = ["metric", "name_zh", "name_en", "threshold"]


@admin.register(Indicator)
class IndicatorAdmin(ImportExportModelAdmin):
    resource_classes = [IndicatorResource]
    list_display = [
        "code", "name_zh", "name_en", "unit", "direction", "measure", "theme", "release_month", "release_lag_years",
    ]  # fmt: skip
    # The reporting calendar is corrected here, many indicators at once (its defaults: fixtures/indicators.yaml).
    list_editable = ["release_month", "release_lag_years"]
    list_filter = ["direction", "measure", "theme", "release_month"]
    search_fields = ["code", "name_zh", "name_en", "aliases__name"]
    inlines = [IndicatorAliasInline, ComparisonTierInline]


@admin.register(ComparisonTier)
class ComparisonTierAdmin(admin.ModelAdmin[ComparisonTier]):
    """The cut-offs of the comparison page's tiers (领先 / 中等 / 追赶 …): defaults (no indicator) and per indicator."""

    list_display = ["name_zh", "name_en", "metric", "threshold", "indicator"]
    list_filter = ["metric"]
    search_fields = ["name_zh", "name_en", "indicator__code", "indicator__name_zh"]
    autocomplete_fields = ["indicator"]


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


class ObservationForm(forms.ModelForm[Observation]):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A locked region × year is a form error naming the lock (the service refuses it again under lock).
        region = data.get("region") or getattr(self.instance, "region", None)
        year = data.get("year") or self.instance.year
        if region is not None and year is not None and self.has_changed():
            lock = find_lock([(region.pk, year)])
            if lock is not None:
                raise forms.ValidationError(
                    _("%(lock)s: its values cannot be changed."), params={"lock": lock.message()}, code="locked"
                )
        return data


@admin.register(Observation)
class ObservationAdmin(ImportExportModelAdmin):
    form = ObservationForm
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

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        lock = find_lock([(obj.region_id, obj.year)]) if obj is not None else None
        if obj is not None and lock is not None:
            self.message_user(request, _("%(lock)s: its values cannot be changed.") % {"lock": lock}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:indicators_observation_change", args=[obj.pk]))
        response: HttpResponse = super().delete_view(request, object_id, extra_context)
        return response

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The bulk delete action: values of a locked period are listed as what stops the deletion.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        locks = {lock.pk: lock for obj in objs if (lock := find_lock([(obj.region_id, obj.year)])) is not None}
        protected = [*protected, *(str(lock) for lock in locks.values())]
        return deleted, counts, perms_needed, protected

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

    exclude = ["file", "parsed_rows"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        hidden = {"file", "parsed_rows"}  # files are not served as media; the upload is linked below
        return [field.name for field in ActualsImport._meta.fields if field.name not in hidden] + ["original_file"]

    @admin.display(description=_("file as uploaded"))
    def original_file(self, obj: ActualsImport) -> str:
        # Uploaded files are not served as media: the import page checks who may download them.
        if not obj.file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("import-file", args=[obj.pk]), obj.file_name)


@admin.register(PeriodLock)
class PeriodLockAdmin(RecordAdmin):
    """Locks are set and lifted on the locks page, the API or `lock_period`; here they are records."""

    list_display = ["year", "region", "locked_by", "locked_at", "reason", "unlocked_by", "unlocked_at", "unlock_reason"]
    list_filter = ["year", "region"]
    list_select_related = ["region", "locked_by", "unlocked_by"]
