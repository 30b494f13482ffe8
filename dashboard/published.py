"""Published evaluations (已发布的评估): the list, one frozen snapshot rendered as it was published (never computed
again), the comparison with the same evaluation computed now, and the publish form (province staff: the permission
plans.add_publishedevaluation). Everyone signed in reads them, as the evaluation pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboard import downloads
from plans import published as pub
from plans.evaluation import YEARS
from plans.models import Plan, PublishedEvaluation
from plans.wording import status_word


class PublishForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.defer("source_text"),
        required=False,
        label=gettext_lazy("plan"),
        help_text=gettext_lazy("Empty: every plan of the province."),
    )
    year = forms.TypedChoiceField(
        label=gettext_lazy("as of (year)"), coerce=int, choices=[(y, y) for y in YEARS], required=True
    )
    kind = forms.ChoiceField(label=gettext_lazy("kind of evaluation"), choices=PublishedEvaluation.Kind.choices)
    title = forms.CharField(label=gettext_lazy("title"), max_length=300, required=False)
    note = forms.CharField(label=gettext_lazy("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def _text(texts: Any) -> str:
    """A snapshot text kept in both languages, in the active one."""
    if isinstance(texts, dict):
        return str(texts.get(_language(), next(iter(texts.values()), "")))
    return "" if texts is None else str(texts)


def _shown_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's plans with their texts in the active language (the template reads plain keys)."""
    plans = []
    for part in snapshot["plans"]:
        rows = [
            {
                **row,
                "stated_target_text": _text(row["stated_target"]),
                "status_text": _text(row["status_label"]),
                "trend_text": _text(row["trend_label"]),
                "notes_text": _text(row["notes"]),
                "formula_text": _text(row["formula"]),
                "indicator_text": _text(row["indicator_name"]),
            }
            for row in part["rows"]
        ]
        plans.append(
            {
                **part,
                "title_text": _text(part["title"]),
                "summary_text": _text(part["summary"]),
                "attributes_text": _text(part["attributes"]),
                "count_rows": [(status, status_word(status), count) for status, count in part["counts"].items()],
                "shown_rows": rows,
            }
        )
    return plans


@require_GET
@login_required
def published_list(request: HttpRequest) -> HttpResponse:
    evaluations = PublishedEvaluation.objects.select_related("plan", "region", "published_by")
    context = {
        "evaluations": evaluations,
        "may_publish": pub.may_publish(request.user),
        "form": PublishForm(initial={"kind": PublishedEvaluation.Kind.FINAL}),
    }
    return render(request, "dashboard/published_list.html", context)


@require_GET
@login_required
def published_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The snapshot as it was published: nothing here is computed again."""
    published = get_object_or_404(PublishedEvaluation.objects.select_related("plan", "region", "published_by"), pk=pk)
    snapshot = published.snapshot
    context = {
        "published": published,
        "snapshot": snapshot,
        "plans": _shown_rows(snapshot),
        "values": snapshot["values"],
    }
    return render(request, "dashboard/published_detail.html", context)


def _comparison_rows(comparison: pub.Comparison) -> list[dict[str, Any]]:
    rows = []
    for change in comparison.rows:
        then, now = change.then or {}, change.now or {}
        rows.append(
            {
                "change": change,
                "plan_title": change.plan_title,
                "label": change.label,
                "then": then,
                "now": now,
                "then_status": status_word(then["status"]) if then else "—",
                "now_status": status_word(now["status"]) if now else "—",
            }
        )
    return rows


@require_GET
@login_required
def published_compare(request: HttpRequest, pk: int, file_format: str | None = None) -> HttpResponse:
    """The snapshot beside the same evaluation computed now: changed figures and statuses marked, and the values
    that were estimates (预计值) then and are final statistics (统计值) now."""
    published = get_object_or_404(PublishedEvaluation.objects.select_related("plan", "region", "published_by"), pk=pk)
    comparison = pub.compare(published)
    rows = _comparison_rows(comparison)
    if file_format:
        return downloads.download(file_format, downloads.comparison_table(published, rows))
    context = {
        "published": published,
        "comparison": comparison,
        "rows": rows,
        "changed_count": len(comparison.changed_rows),
    }
    return render(request, "dashboard/published_compare.html", context)


@require_POST
@login_required
def publish_evaluation(request: HttpRequest) -> HttpResponse:
    """Publish (freeze) an evaluation now: province staff and superusers; 403 for anyone else, nothing written."""
    if not pub.may_publish(request.user):
        raise PermissionDenied(_("Publishing an evaluation needs the right to publish evaluations."))
    form = PublishForm(request.POST)
    if not form.is_valid():
        problems = [f"{form[name].label}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()]
        messages.error(request, "; ".join(problems))
        return redirect("published-evaluations")
    data = form.cleaned_data
    try:
        record = pub.publish(
            plan=data["plan"],
            year=data["year"],
            kind=data["kind"],
            user=request.user,
            title=data["title"],
            note=data["note"],
        )
    except pub.PublishError as error:
        messages.error(request, str(error))
        return redirect("published-evaluations")
    messages.success(request, _("Published: %(title)s") % {"title": record.title})
    return redirect("published-evaluation", pk=record.pk)
