"""A target's explanation: the form (on the city page card, and at /targets/<id>/explanation/ with the earlier
versions), written by who may write the target's region (cities.access.can_write); everyone signed in reads."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.explanations import explanation_add, may_explain
from plans.models import Target, TargetExplanation
from plans.selectors import evaluate_targets, explained_year, targets_for


class ExplanationForm(forms.ModelForm[TargetExplanation]):
    class Meta:
        model = TargetExplanation
        fields = ["situation", "outlook", "causes", "propose_revision", "revised_target", "measures"]
        labels = {
            "situation": gettext_lazy("Where it stands (完成情况)"),
            "outlook": gettext_lazy("Will it be met by the target year? (趋势判断)"),
            "causes": gettext_lazy("Causes (原因分析)"),
            "propose_revision": gettext_lazy("Propose a revised target (是否建议调整)"),
            "revised_target": gettext_lazy("Revised target, in the target's unit"),
            "measures": gettext_lazy("Next measures (下一步措施)"),
        }
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in ("situation", "outlook", "causes", "measures")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("revised_target") is not None and not data.get("propose_revision"):
            self.add_error("propose_revision", _("Tick the proposal to give a revised target."))
        return data


@login_required
def target_explanation(request: HttpRequest, target_id: int) -> HttpResponse:
    """GET: the form (filled with the current explanation) and every earlier version; POST: a new version."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    target = get_object_or_404(Target.objects.select_related("plan__region", "indicator"), pk=target_id)
    history = list(target.explanations.select_related("author").order_by("-year", "-created_at", "-id"))
    allowed = may_explain(request.user, target)
    form = None
    status = 200
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied
        form = ExplanationForm(request.POST)
        if form.is_valid():
            [item] = evaluate_targets(targets_for(plan=target.plan).filter(pk=target.pk))
            explanation_add(target=target, year=explained_year(item), user=request.user, **form.cleaned_data)
            messages.success(request, _("Explanation saved; earlier versions are kept."))
            city = reverse("city", args=[target.plan.region.adcode])
            return redirect(f"{city}#target-{target.pk}")
        status = 400
    elif allowed:
        current = history[0] if history else None
        form = ExplanationForm(instance=current) if current else ExplanationForm()
    context = {"target": target, "form": form, "history": history, "may_explain": allowed}
    return render(request, "dashboard/explanation.html", context, status=status)
