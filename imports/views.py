"""Pages for importing actual values: upload → preview → confirm or cancel; templates; the import history.

Every view needs a logged-in user with write rights to at least one region (cities.access); what they may
see of an import is limited to their own uploads unless they are superusers or review its regions. The review
queue, approve and return need the review right (indicators.review_actuals) for the import's regions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cities.access import home_region, reviewable_regions, writable_regions
from cities.models import Region
from imports.review import lagging_after, review, review_queue, reviewable_imports
from imports.service import (
    DamagedReading,
    ReviewRefused,
    StaleImport,
    approve,
    build_preview,
    cancel,
    commit,
    save_pending,
    send_back,
    stored_preview,
)
from imports.template import template_csv, template_xlsx
from indicators.models import ActualsImport, Observation
from indicators.services import LockedPeriod

# Rows of a preview shown on the page; the counts always cover all of them.
SHOWN_ROWS = 1000
ACCEPT = ".xlsx,.xls,.ods,.csv"


def too_large(size: int) -> str:
    return _("The file is %(size)s MB; at most %(limit)s MB may be uploaded.") % {
        "size": round(size / (1024 * 1024), 1),
        "limit": round(settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024), 1),
    }


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(".xlsx, .xls, .ods or .csv; wide (years as columns) or long (one value per row)."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("— as the file says (region column or title) —"),
        help_text=gettext_lazy("For a file without a region column."),
    )
    stage = forms.ChoiceField(
        label=gettext_lazy("Default stage of the values"),
        choices=Observation.Stage.choices,
        initial=Observation.Stage.FINAL,
        required=False,
        help_text=gettext_lazy("For values the file does not mark in a 数据性质 column."),
    )

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large(upload.size))
        return upload


def preselected_region(regions: QuerySet[Region]) -> Region | None:
    """The region the upload form starts on: the user's one region when they write exactly one (a city official).
    Someone who writes several (province staff: the province and every city; admins) starts on "as the file says",
    so that a file naming no region is refused until they choose one, instead of landing on the province."""
    only = list(regions[:2])
    return only[0] if len(only) == 1 else None


def _writer(request: HttpRequest) -> User:
    """The user, if they may write any region's values; else 403."""
    user = request.user
    if not writable_regions(user).exists():
        raise PermissionDenied
    return user  # type: ignore[return-value]


def _visible_imports(user: User) -> QuerySet[ActualsImport]:
    """Their own uploads; for a reviewer also the imports submitted for their regions."""
    imports = ActualsImport.objects.select_related("region", "uploaded_by", "reviewed_by")
    if user.is_superuser:
        return imports
    return imports.filter(Q(uploaded_by=user) | Q(pk__in=reviewable_imports(user).values("pk")))


def _reviewer(request: HttpRequest) -> User:
    """The user, if they may review any region's submitted values; else 403."""
    user = request.user
    if not reviewable_regions(user).exists():
        raise PermissionDenied
    return user  # type: ignore[return-value]


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _writer(request)
    regions = writable_regions(user)
    preview = None
    if request.method == "POST":
        # Refuse oversized bodies before Django spools them to disk.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.IMPORT_MAX_UPLOAD_BYTES:
            form = UploadForm(regions=regions, initial={"region": preselected_region(regions)})
            context = _upload_context(user, form, None)
            context["refusal"] = too_large(declared)
            return render(request, "imports/import_upload.html", context, status=413)
        form = UploadForm(request.POST, request.FILES, regions=regions)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            preview = build_preview(
                data,
                upload.name,
                user=user,
                region=form.cleaned_data["region"],
                default_stage=form.cleaned_data["stage"] or Observation.Stage.FINAL,
            )
            if preview.can_commit:
                record = save_pending(preview, data, user=user)
                return redirect("import-detail", record.pk)
            # Errors, or nothing to change: shown right here, nothing kept.
    else:
        form = UploadForm(regions=regions, initial={"region": preselected_region(regions)})
    return render(request, "imports/import_upload.html", _upload_context(user, form, preview))


def _upload_context(user: User, form: UploadForm, preview: Any) -> dict[str, Any]:
    return {
        "form": form,
        "preview": preview,
        "template_regions": writable_regions(user),
        "home": home_region(user),
        "recent": _visible_imports(user)[:20],
        "max_mb": round(settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024), 1),
        "shown_rows": SHOWN_ROWS,
    }


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _writer(request)
    record = get_object_or_404(_visible_imports(user), pk=pk)
    preview = None
    pending_review = None
    if record.status == ActualsImport.Status.SUBMITTED and reviewable_imports(user).filter(pk=record.pk).exists():
        pending_review = review(record)  # the reviewer sees the diff against the approved values now
    elif record.status == ActualsImport.Status.PENDING:
        # Compared again now (the values read at the upload, not the file parsed again): the preview shows the
        # stored values as they are at this moment, and the confirm form carries its fingerprint so that exactly
        # this is written.
        preview = stored_preview(record, user=user)
    changes = record.changes.select_related("region", "indicator").order_by("region__adcode", "indicator__code", "year")
    return render(
        request,
        "imports/import_detail.html",
        {
            "record": record,
            "preview": preview,
            "review": pending_review,
            "submitted": record.submitted_values.select_related("region", "indicator")[:SHOWN_ROWS],
            "history": changes[:SHOWN_ROWS],
            "history_total": changes.count() if preview is None else 0,
            "shown_rows": SHOWN_ROWS,
        },
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = _writer(request)
    record = get_object_or_404(_visible_imports(user), pk=pk)
    if record.uploaded_by_id != user.pk and not user.is_superuser:
        raise PermissionDenied
    try:
        preview = commit(record, user=user, expected_digest=request.POST.get("digest", ""))
    except LockedPeriod as locked:
        messages.error(request, str(locked))  # locked since the preview: nothing written, the lock named
        return redirect("import-detail", record.pk)
    except DamagedReading as damaged:
        messages.error(request, str(damaged))
        return redirect("import-detail", record.pk)
    except StaleImport:
        messages.warning(
            request,
            _("The stored values changed since this preview was shown. Check the updated preview and confirm again."),
        )
        return redirect("import-detail", record.pk)
    record.refresh_from_db()
    if record.status == ActualsImport.Status.SUBMITTED:
        messages.success(
            request,
            _(
                "Submitted for review: %(new)s new and %(changed)s changed values. They are shown as data once "
                "the province approves them."
            )
            % {"new": preview.count("new"), "changed": preview.count("changed")},
        )
    else:
        messages.success(
            request,
            _("Imported: %(new)s values added, %(changed)s changed. Earlier values are kept in the history.")
            % {"new": preview.count("new"), "changed": preview.count("changed")},
        )
    return redirect("import-detail", record.pk)


@login_required
@require_GET
def review_queue_page(request: HttpRequest) -> HttpResponse:
    """Every import submitted for the reviewer's regions, oldest first, with what it would turn lagging."""
    user = _reviewer(request)
    queue = [(record, lagging_after(record)) for record in review_queue(user)[:100]]
    recent = reviewable_imports(user).filter(status__in=[ActualsImport.Status.APPROVED, ActualsImport.Status.RETURNED])
    return render(
        request,
        "imports/review_queue.html",
        {"queue": queue, "recent": recent.exclude(reviewed_at=None).order_by("-reviewed_at")[:20]},
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=2000, widget=forms.Textarea)


def _reviewed(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _reviewer(request)
    record = get_object_or_404(reviewable_imports(user), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Comment: at most 2000 characters."))
        return redirect("import-detail", record.pk)
    comment = form.cleaned_data["comment"]
    try:
        if action == "approve":
            approve(record, reviewer=user, comment=comment)
            messages.success(request, _("Approved: the values are now shown as data."))
        else:
            send_back(record, reviewer=user, comment=comment)
            messages.info(request, _("Returned with your comment: nothing was written."))
    except ReviewRefused as refused:
        messages.error(request, str(refused.message))
        return redirect("import-detail", record.pk)
    except StaleImport:
        messages.warning(
            request,
            _(
                "Approved values of this import's regions changed since it was submitted: nothing was written. "
                "Return it so that a corrected file is sent."
            ),
        )
        return redirect("import-detail", record.pk)
    return redirect("import-review")


@login_required
@require_POST
def import_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _reviewed(request, pk, "approve")


@login_required
@require_POST
def import_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _reviewed(request, pk, "return")


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _writer(request)
    record = get_object_or_404(_visible_imports(user), pk=pk)
    cancel(record)
    messages.info(request, _("Import cancelled: nothing was written."))
    return redirect("import-upload")


@login_required
@require_GET
def import_file(request: HttpRequest, pk: int) -> FileResponse:
    """The uploaded file as it was received, for audit."""
    user = _writer(request)
    record = get_object_or_404(_visible_imports(user), pk=pk)
    if not record.file:
        raise Http404
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=record.file_name)


@login_required
@require_GET
def import_template(request: HttpRequest, adcode: str, file_format: str) -> HttpResponse:
    user = _writer(request)
    region = get_object_or_404(writable_regions(user), adcode=adcode)
    if file_format == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        body = template_xlsx(region)
    else:
        content_type = "text/csv; charset=utf-8"
        body = template_csv(region)
    response = HttpResponse(body, content_type=content_type)
    filename = f"template-{region.adcode}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
