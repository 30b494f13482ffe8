"""Logging in: the client's address and the lockout page (django-axes).

One definition of the client's address serves axes (login lockouts), DRF's rate throttles and the API token
lock, so a proxy setting changes all three together: see client_ip.
"""

from __future__ import annotations

from typing import Any, cast

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind REST_FRAMEWORK["NUM_PROXIES"] (env NUM_PROXIES) proxies the
    address the outermost of them saw, read from the right of X-Forwarded-For (what a client writes itself
    stays on the left and is never believed). DRF's throttles compute exactly this; axes is told to use it."""
    return BaseThrottle().get_ident(cast(Any, request))  # it reads request.META only: a Django request will do


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE), in our layout and the user's language."""
    seconds = int(get_cool_off(request).total_seconds())  # settings require a cool-off of a minute or more
    context = {"username": get_client_username(request, credentials) or "", "minutes": max(1, round(seconds / 60))}
    response = render(request, "registration/locked.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response
