"""The period locks page (/locks/): province staff lock a region × year or a whole year, and unlock with a
reason. Everyone else gets 403. The writes themselves are refused in indicators.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cities.access import can_lock
from cities.models import Region
from indicators.models import PeriodLock
from indicators.services import LockError, period_lock, period_unlock

SHOWN_LOCKS = 200


class LockForm(forms.Form):
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.order_by("adcode"),
        required=False,
        empty_label=gettext_lazy("— every region —"),
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1949, max_value=2100)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)


class UnlockForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for unlocking"), max_length=500, strip=True)


def _locker(request: HttpRequest) -> Any:
    if not can_lock(request.user):
        raise PermissionDenied
    return request.user


def _page(
    request: HttpRequest, form: LockForm, status: int = 200, refused: int | None = None, errors: Any = ()
) -> HttpResponse:
    locks = PeriodLock.objects.select_related("region", "locked_by", "unlocked_by").order_by(
        "unlocked_at", "-year", "-id"
    )[:SHOWN_LOCKS]
    context = {"form": form, "locks": locks, "unlock_refused": refused, "unlock_errors": list(errors)}
    return render(request, "imports/locks.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def locks_page(request: HttpRequest) -> HttpResponse:
    user = _locker(request)
    if request.method == "GET":
        return _page(request, LockForm())
    form = LockForm(request.POST)
    if form.is_valid():
        try:
            lock = period_lock(user=user, **form.cleaned_data)
        except LockError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Locked: %(lock)s.") % {"lock": lock})
            return redirect("locks")
    return _page(request, form, status=400)


@login_required
@require_POST
def lock_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _locker(request)
    lock = get_object_or_404(PeriodLock, pk=pk)
    form = UnlockForm(request.POST)
    if form.is_valid():
        try:
            period_unlock(lock=lock, user=user, reason=form.cleaned_data["reason"])
        except LockError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Unlocked: %(lock)s.") % {"lock": lock})
            return redirect("locks")
    errors = [error for field_errors in form.errors.values() for error in field_errors]
    return _page(request, LockForm(), status=400, refused=lock.pk, errors=errors)
