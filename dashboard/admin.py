"""The admin of plan drafts (plans.PlanDraft): its add page uploads a document, its review page (dashboard.drafts)
decides on each candidate target and publishes the plan. Only who may add plans (plans.drafts.may_author)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dashboard.drafts import DraftUploadForm, publish_view, review_view
from plans import drafts
from plans.models import SAMPLE_MARK, PlanDraft


@admin.register(PlanDraft)
class PlanDraftAdmin(admin.ModelAdmin[PlanDraft]):
    list_display = ["__str__", "region", "period", "status", "candidate_counts", "created_by", "created_at", "review"]
    list_filter = ["status", "period", "region"]
    search_fields = ["title", "document_number", "file_name", "region__name_zh"]
    list_select_related = ["region", "period", "created_by"]
    autocomplete_fields = ["region"]
    readonly_fields = ["sample", "review", "file_name", "created_by", "created_at", "status", "published_plan"]
    fields = [
        "sample",
        "review",
        ("region", "period", "kind"),
        "title",
        ("document_number", "issue_date"),
        ("file_name", "created_by", "created_at"),
        ("status", "published_plan"),
    ]
    add_fields = [
        ("region", "period", "kind"),
        "title",
        ("document_number", "issue_date"),
        "file",
        "pasted",
        "use_sample",
    ]

    # Who: superusers and holders of plans.add_plan; a published draft is read-only.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return drafts.may_author(request.user)

    def has_view_permission(self, request: HttpRequest, obj: PlanDraft | None = None) -> bool:
        return drafts.may_author(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return drafts.may_author(request.user)

    def has_change_permission(self, request: HttpRequest, obj: PlanDraft | None = None) -> bool:
        return drafts.may_author(request.user) and (obj is None or not obj.is_published)

    def has_delete_permission(self, request: HttpRequest, obj: PlanDraft | None = None) -> bool:
        return drafts.may_author(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanDraft]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                candidate_total=Count("candidates"),
                candidate_accepted=Count("candidates", filter=Q(candidates__decision="accepted")),
                candidate_pending=Count("candidates", filter=Q(candidates__decision="pending")),
            )
        )

    def get_fields(self, request: HttpRequest, obj: PlanDraft | None = None) -> Any:
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: PlanDraft | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj: PlanDraft | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = DraftUploadForm
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: PlanDraft, form: ModelForm[PlanDraft], change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.text = form.cleaned_data["document_text"]
        obj.file_name = form.cleaned_data["file_name"][:200]
        obj.created_by = request.user  # type: ignore[assignment]
        drafts.draft_fill(obj)
        obj.save()
        drafts.candidates_create(obj)

    def response_add(self, request: HttpRequest, obj: PlanDraft, post_url_continue: str | None = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:plans_plandraft_review", args=[obj.pk]))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None) -> Any:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if request.method == "POST" and declared > settings.IMPORT_MAX_UPLOAD_BYTES:
            # Refused before the body is read (the upload handler cuts a larger one off anyway).
            message = drafts.too_large(declared)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return super().add_view(request, form_url, extra_context)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(lambda request, object_id: review_view(request, self, object_id)),
                name="plans_plandraft_review",
            ),
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(lambda request, object_id: publish_view(request, self, object_id)),
                name="plans_plandraft_publish",
            ),
        ]
        return own + super().get_urls()

    @admin.display(description=_("sample"))
    def sample(self, obj: PlanDraft) -> str:
        if obj.is_sample:
            return gettext("%(mark)s: a fictitious document showing the authoring flow; never published.") % {
                "mark": SAMPLE_MARK
            }
        return "—"

    @admin.display(description=_("review"))
    def review(self, obj: PlanDraft) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:plans_plandraft_review", args=[obj.pk]), gettext("Review")
        )

    @admin.display(description=_("candidates (accepted / pending / all)"))
    def candidate_counts(self, obj: PlanDraft) -> str:
        counts = (getattr(obj, "candidate_accepted", 0), getattr(obj, "candidate_pending", 0))
        return f"{counts[0]} / {counts[1]} / {getattr(obj, 'candidate_total', 0)}"

    @admin.display(description=_("published plan"))
    def published_plan(self, obj: PlanDraft) -> str:
        if obj.plan is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("plan-detail", args=[obj.plan.pk]), obj.plan)
