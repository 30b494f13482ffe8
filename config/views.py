"""Site plumbing: the health check, the favicon and the 400 page. Nothing here reads the data."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness probe for the process manager; says nothing about the data."""
    return JsonResponse({"status": "ok"})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 with the reason when it is one of ours (a bad ?year=, an unknown ?section=); Django's own suspicious
    requests (a forged Host header, …) get no echo of what was sent."""
    message = str(exception) if type(exception) is BadRequest else ""
    return render(request, "400.html", {"message": message}, status=400)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: the hashed static name exists only after collectstatic in production.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
