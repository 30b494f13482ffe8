"""The accounts pages at /accounts/: django.contrib.auth.urls with our login view, and the password reset
offered only where mail is configured (settings.PASSWORD_RESET_ENABLED)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import axes.utils
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import path


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The link to the reset form is shown only where that form is offered.
        return {**super().get_context_data(**kwargs), "password_reset_enabled": settings.PASSWORD_RESET_ENABLED}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever followed the mailed link holds the account's mailbox: their login lock goes with the old password.
        axes.utils.reset(username=form.user.get_username())
        return response


def password_reset_offered(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """404 unless PASSWORD_RESET_ENABLED: without mail the form would say "sent" and send nothing. Checked per
    request, so the setting (and a test overriding it) needs no second URL configuration."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# django.contrib.auth.urls: the same addresses and names.
urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password_reset/",
        password_reset_offered(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        password_reset_offered(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        password_reset_offered(PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        password_reset_offered(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
