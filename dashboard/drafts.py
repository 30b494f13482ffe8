"""The admin's pages for new plans from their documents (plans.drafts): the upload form (the draft's add page), the
review page — the document on the left with its line numbers, each candidate's quote highlighted where it is, the
candidates on the right, each accepted, edited or rejected — and publishing. Admin pages (dashboard.admin registers
them) because only who may add plans uses them; here, not in plans/admin.py, because the document is drawn by
dashboard.document.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.document import Match, Quote, highlight
from plans import drafts
from plans.models import DraftCandidate, PlanDraft

ACCEPT = ".txt,.docx"
ACTIONS = {
    "accept": DraftCandidate.Decision.ACCEPTED,
    "reject": DraftCandidate.Decision.REJECTED,
    "undo": DraftCandidate.Decision.PENDING,
}


class DraftUploadForm(forms.ModelForm):  # type: ignore[type-arg]
    """The draft's add page: the document as a file (txt, docx), pasted, or the sample; the plan's header."""

    file = forms.FileField(
        label=gettext_lazy("Document file"),
        required=False,
        help_text=gettext_lazy(".txt (UTF-8 or GB18030) or .docx; tables become tab-separated lines."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    pasted = forms.CharField(
        label=gettext_lazy("Or paste the text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
    )
    use_sample = forms.BooleanField(
        label=gettext_lazy("Or use the sample document (示例)"),
        required=False,
        help_text=gettext_lazy("A fictitious plan that shows the authoring flow; it is never published."),
    )

    class Meta:
        model = PlanDraft
        fields = ["region", "period", "kind", "title", "document_number", "issue_date"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Empty: the document's first line.")
        self.fields["period"].help_text = _("Empty: the period the document names (十四五, 十五五).")
        self.fields["region"].help_text = _("Required to publish; may be chosen later.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(drafts.too_large(upload.size))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload, pasted, sample = data.get("file"), data.get("pasted") or "", data.get("use_sample")
        given = [bool(upload), bool(pasted.strip()), bool(sample)]
        if sum(given) != 1:
            raise forms.ValidationError(
                _("Give the document one way: a file, the pasted text, or the sample."), code="document"
            )
        try:
            if upload:
                data["document_text"] = drafts.read_document(upload.read(), upload.name or "")
                data["file_name"] = upload.name or ""
            elif sample:
                data["document_text"], data["file_name"] = drafts.sample_text(), drafts.SAMPLE_PATH.name
            else:
                data["document_text"], data["file_name"] = drafts.checked_text(pasted), ""
        except drafts.DocumentError as error:
            self.add_error("file" if upload else "pasted" if not sample else None, str(error))
        return data


class CandidateForm(forms.ModelForm):  # type: ignore[type-arg]
    """A candidate's fields, checked by the rules every target passes (plans.drafts.candidate_problems)."""

    class Meta:
        model = DraftCandidate
        fields = [
            "label",
            "indicator",
            "unit",
            "kind",
            "comparator",
            "baseline_year",
            "baseline_value",
            "target_year",
            "target_value",
            "target_value_max",
            "section",
            "attribute",
            "quote",
            "line",
            "note",
        ]
        widgets = {"quote": forms.Textarea(attrs={"rows": 3}), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, draft: PlanDraft, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.fields["quote"].strip = False  # type: ignore[attr-defined]  # the quote is compared exactly

    def clean_quote(self) -> str:
        # A browser sends a textarea's line breaks as CR LF; the document's are LF.
        return str(self.cleaned_data["quote"]).replace("\r\n", "\n")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        candidate = copy.copy(self.instance)
        for name, value in data.items():
            setattr(candidate, name, value)
        for name, problems in drafts.candidate_problems(candidate, self.draft.text).items():
            self.add_error(None if name == "__all__" else name, problems)
        return data


@dataclass
class Piece:
    text: str
    css: str = ""  # "quote pending" …: a highlighted quote, classed by its candidate's decision
    anchors: list[int] = field(default_factory=list)  # candidates whose quote starts here
    title: str = ""


@dataclass
class Card:
    candidate: DraftCandidate
    form: CandidateForm
    on_line: bool  # the quote is in the document exactly, starting on its line
    found_line: int | None  # where it was found instead (None: nowhere, even loosely)
    open: bool = False


def _document(draft: PlanDraft, candidates: list[DraftCandidate]) -> tuple[list[list[Piece]], dict[int, Any]]:
    shown = [c for c in candidates if c.decision != DraftCandidate.Decision.REJECTED]
    decision = {c.pk: c.decision for c in candidates}
    document = highlight(
        draft.text, [Quote(c.pk, c.quote, c.line, f"{c.position}. {c.label}", c.position) for c in shown]
    )
    lines = []
    for segments in document.lines:
        pieces = []
        for seg in segments:
            if not seg.highlighted:
                pieces.append(Piece(seg.text))
                continue
            decisions = {decision[q.target_id] for q in seg.quotes}
            state = "accepted" if "accepted" in decisions else "pending"
            css = f"quote {state}{' overlap' if seg.overlap else ''}"
            pieces.append(Piece(seg.text, css, [q.target_id for q in seg.starts], seg.title))
        lines.append(pieces)
    return lines, document.placements


def review_context(
    request: HttpRequest, model_admin: Any, draft: PlanDraft, bound: CandidateForm | None = None
) -> dict[str, Any]:
    candidates = list(draft.candidates.select_related("indicator"))
    lines, placements = _document(draft, candidates)
    cards = []
    indicators: list[Any] | None = None  # the indicator choices, read once for every card's form
    for c in candidates:
        form = bound if bound is not None and bound.instance.pk == c.pk else None
        placement = placements.get(c.pk)
        on_line = placement is not None and placement.match == Match.EXACT
        form = form or CandidateForm(instance=c, draft=draft, prefix=f"c{c.pk}")
        field = form.fields["indicator"]
        if isinstance(field, forms.ModelChoiceField):
            if indicators is None:
                indicators = [("", field.empty_label)]
                indicators += [(i.pk, field.label_from_instance(i)) for i in field.queryset]  # type: ignore[union-attr]
            field.choices = indicators
        cards.append(
            Card(
                candidate=c,
                form=form,
                on_line=on_line,
                found_line=placement.line if placement is not None else None,
                open=form is not None,
            )
        )
    counts = {d: sum(1 for c in candidates if c.decision == d) for d in DraftCandidate.Decision.values}
    return {
        **model_admin.admin_site.each_context(request),
        "opts": PlanDraft._meta,
        "title": _("Review the candidate targets"),
        "draft": draft,
        "lines": lines,
        "cards": cards,
        "counts": counts,
        "editable": not draft.is_published and model_admin.has_change_permission(request, draft),
        "problems": [] if draft.is_published else drafts.publish_problems(draft),
    }


def review_view(request: HttpRequest, model_admin: Any, object_id: str) -> HttpResponse:
    """GET: the review page; POST: a decision on one candidate (accept, reject, undo) or its edit."""
    draft = get_object_or_404(PlanDraft.objects.select_related("region", "period", "plan"), pk=object_id)
    if not model_admin.has_view_permission(request, draft):
        raise PermissionDenied
    template = "admin/plans/plandraft/review.html"
    if request.method == "GET":
        return TemplateResponse(request, template, review_context(request, model_admin, draft))
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if not model_admin.has_change_permission(request, draft):
        raise PermissionDenied
    here = reverse("admin:plans_plandraft_review", args=[draft.pk])
    if draft.is_published:
        messages.error(request, _("This draft is published: it can no longer be changed."))
        return HttpResponseRedirect(here)
    candidate = get_object_or_404(draft.candidates, pk=request.POST.get("candidate") or 0)
    action = request.POST.get("action", "")
    if action == "edit":
        form = CandidateForm(request.POST, instance=candidate, draft=draft, prefix=f"c{candidate.pk}")
        if not form.is_valid():
            context = review_context(request, model_admin, draft, bound=form)
            return TemplateResponse(request, template, context, status=400)
        edited = form.save(commit=False)
        edited.edited = True
        edited.decision = DraftCandidate.Decision.ACCEPTED
        edited.save()
        messages.success(request, _("Line %(line)s: edited and accepted.") % {"line": edited.line})
    elif action in ACTIONS:
        problems = drafts.candidate_decide(candidate, ACTIONS[action])
        for field_problems in problems.values():
            for problem in field_problems:
                messages.error(request, _("Line %(line)s: %(problem)s") % {"line": candidate.line, "problem": problem})
        if problems:
            messages.error(request, _("Edit the candidate to correct it, then it is accepted."))
    else:
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponseRedirect(f"{here}#candidate-{candidate.pk}")


def publish_view(request: HttpRequest, model_admin: Any, object_id: str) -> HttpResponse:
    """POST: publish the draft as a plan (or say every reason it cannot be; nothing is written then)."""
    draft = get_object_or_404(PlanDraft, pk=object_id)
    if not model_admin.has_view_permission(request, draft):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    try:
        published = drafts.draft_publish(draft)
    except drafts.PublishRefused as refused:
        messages.error(request, _("The plan was not published (nothing was written):"))
        for problem in refused.problems:
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("Published “%(title)s” with %(count)s targets.") % {"title": published.plan, "count": published.targets},
        )
    return HttpResponseRedirect(reverse("admin:plans_plandraft_review", args=[draft.pk]))
