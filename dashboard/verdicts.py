"""A reviewer's verdict on a qualitative target: the form (on the city page card, and at /targets/<id>/verdict/ with
every earlier verdict), recorded by who may review the target's region (plans.verdicts); everyone signed in reads
the verdicts and downloads their evidence files (/verdicts/<id>/evidence/, as an attachment)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from plans import vocabulary as v
from plans.evaluation import YEARS, default_year
from plans.models import Target, TargetVerdict
from plans.verdicts import (
    CONTENT_TYPES,
    check_evidence_file,
    check_link,
    max_megabytes,
    may_read_verdicts,
    may_record_verdict,
    too_large,
    verdict_add,
    verdict_years,
)
from plans.wording import status_word

ACCEPT = ",".join(v.EVIDENCE_SUFFIXES)


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label=gettext_lazy("Verdict (评审结论)"), choices=TargetVerdict.Verdict.choices)
    year = forms.IntegerField(
        label=gettext_lazy("Year judged (as of)"),
        min_value=YEARS[0],
        max_value=YEARS[-1],
        help_text=gettext_lazy("The evaluation year the verdict is for: it counts from that year on."),
    )
    # Empty: today (a default written into the form would go stale in the cached city page).
    decided_on = forms.DateField(
        label=gettext_lazy("Date of the verdict"),
        required=False,
        help_text=gettext_lazy("Default: today."),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    evidence_text = forms.CharField(
        label=gettext_lazy("Evidence (依据)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence_url = forms.CharField(
        label=gettext_lazy("Evidence link (http or https)"),
        required=False,
        max_length=500,
        widget=forms.URLInput(),
    )
    evidence_file = forms.FileField(
        label=gettext_lazy("Evidence file"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence_file"].help_text = _("pdf, an image, docx, xlsx or txt; at most %(limit)s MB.") % {
            "limit": max_megabytes()
        }

    def clean_evidence_url(self) -> str:
        return check_link(self.cleaned_data.get("evidence_url") or "")

    def clean_evidence_file(self) -> Any:
        upload = self.cleaned_data.get("evidence_file")
        if upload:
            check_evidence_file(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (
            data.get("evidence_text", "").strip() or data.get("evidence_url") or data.get("evidence_file")
        ):
            self.add_error("evidence_text", _("Give the evidence: a text, a link or a file."))
        return data


def verdict_form(target: Target, *, year: int | None = None, auto_id: str = "id_%s") -> VerdictForm:
    """An empty form for the target: the year its evaluation shows by default (`year`, when the caller knows it
    for every target of the page), within the plan period up to the target year."""
    year = default_year(target.plan) if year is None else year
    first, last = verdict_years(target)
    initial = {"year": min(max(year, first), last)}
    return VerdictForm(initial=initial, auto_id=auto_id)


def _qualitative(target_id: int) -> Target:
    target = get_object_or_404(Target.objects.select_related("plan__region", "indicator"), pk=target_id)
    if target.kind not in v.VERDICT_KINDS:
        raise Http404  # judged on its numbers: no verdicts
    return target


@login_required
def target_verdict(request: HttpRequest, target_id: int) -> HttpResponse:
    """GET: every verdict on the target, newest first, and the form for a reviewer; POST: a new verdict."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    target = _qualitative(target_id)
    allowed = may_record_verdict(request.user, target)
    form: VerdictForm | None = verdict_form(target) if allowed else None
    refusal = ""
    status = 200
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.EVIDENCE_MAX_UPLOAD_BYTES:
            # Refused before the body is read (a larger one than the upload bound is cut off anyway).
            refusal, status = too_large(declared), 413
        else:
            form = VerdictForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data | {"decided_on": form.cleaned_data["decided_on"] or timezone.localdate()}
                try:
                    with transaction.atomic():
                        verdict_add(target=target, user=request.user, **data)
                except ValidationError as error:
                    for field, problems in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, problems)
                else:
                    word = status_word(data["verdict"])
                    messages.success(
                        request,
                        _("Verdict recorded: %(verdict)s (as of %(year)s); earlier verdicts are kept.")
                        % {"verdict": word, "year": data["year"]},
                    )
                    city = reverse("city", args=[target.plan.region.adcode])
                    return redirect(f"{city}#target-{target.pk}")
            status = 400
    history = list(target.verdicts.select_related("reviewer").order_by("-year", "-created_at", "-id"))
    context = {"target": target, "form": form, "history": history, "refusal": refusal}
    return render(request, "dashboard/verdict.html", context, status=status)


@require_GET
@login_required
def verdict_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A verdict's evidence file, to whoever may read the target: always as a download, never shown inline, with
    the type of its (checked) extension and the browser told not to guess another."""
    if not may_read_verdicts(request.user):
        raise PermissionDenied
    record = get_object_or_404(TargetVerdict, pk=pk)
    if not record.evidence_file:
        raise Http404
    suffix = PurePath(record.evidence_file.name).suffix.lower()
    try:
        stream = record.evidence_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=record.evidence_name or f"evidence{suffix}",
        content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
