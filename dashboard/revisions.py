"""A revised target (plans.TargetRevision): the page at /targets/<id>/revision/ lists every revision of the target
(its history, oldest first) and, for who may record one (plans.revisions: provincial staff with
plans.add_targetrevision, superusers), the form; everyone signed in reads it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from plans.models import Target, TargetRevision
from plans.revisions import may_record_revision, revision_add

FIELDS = [
    "target_value",
    "target_value_max",
    "kind",
    "comparator",
    "target_year",
    "document_title",
    "document_number",
    "effective_from",
    "reason",
]


class RevisionForm(forms.ModelForm[TargetRevision]):
    class Meta:
        model = TargetRevision
        fields = FIELDS
        widgets = {
            "effective_from": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "reason": forms.Textarea(attrs={"rows": 3}),
        }


@login_required
def target_revision(request: HttpRequest, target_id: int) -> HttpResponse:
    """GET: the target's revisions and, for who may record one, the form; POST: a new revision."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    target = get_object_or_404(Target.objects.select_related("plan__region", "indicator"), pk=target_id)
    allowed = may_record_revision(request.user, target)
    form: RevisionForm | None = RevisionForm(instance=TargetRevision(target=target)) if allowed else None
    status = 200
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied
        form = RevisionForm(request.POST, instance=TargetRevision(target=target))
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in FIELDS}
            try:
                with transaction.atomic():
                    revision_add(target=target, user=request.user, **data)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, _("Revision recorded; the original target and earlier revisions are kept."))
                city = reverse("city", args=[target.plan.region.adcode])
                return redirect(f"{city}#target-{target.pk}")
        status = 400
    history = list(target.revisions.select_related("recorded_by").order_by("effective_from", "recorded_at", "id"))
    context = {"target": target, "form": form, "revisions": history}
    return render(request, "dashboard/revision.html", context, status=status)
