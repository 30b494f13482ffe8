"""A strict Content-Security-Policy on every response.

Scripts only from our own static files (no inline scripts, no CDN): the app runs on offline government
networks and a strict policy keeps injected markup inert. Inline *styles* stay allowed because the Django
admin still sets a few style attributes; they cannot run code.
"""

from __future__ import annotations

import gzip
import re
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers

from config.views import bad_request
from indicators.services import LockedPeriod

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


class LanguageMiddleware:
    """Chinese unless the user picked another language with the switch (a cookie set by set_language).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language on purpose: the bureau
    wants every user to start in Chinese, whatever the machine's locale.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response


class LockedPeriodMiddleware:
    """A page whose write reaches a locked period (indicators.services.LockedPeriod) and does not say so itself
    answers 409 with the lock named, never a 500: every web write path, present and future, is covered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, LockedPeriod):
            return render(request, "locked.html", {"message": str(exception)}, status=409)
        return None


class BadRequestMiddleware:
    """A view refusing its query string (BadRequest: a ?year= outside the plans' years, an unknown ?section=)
    answers the 400 page with the reason (config.views.bad_request, the handler400) — also with DEBUG on, where
    Django would otherwise show its technical page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if type(exception) is BadRequest:  # ours; Django's own suspicious requests keep its handling
            return bad_request(request, exception)
        return None


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's gzip middleware at a cheaper level (settings.GZIP_LEVEL, 1). Level 6, Django's, took a third of a
    warm cached page's time: ≈ 7 ms for the 222 KB Xinxiang page against ≈ 2 ms at level 1, for about a sixth more
    bytes on the wire. Kept from Django's: the random-length padding of every response against BREACH (README,
    Compression), the Vary header, weak ETags; streaming responses go through Django's own path."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not isinstance(response, HttpResponse) or response.has_header("Content-Encoding"):
            return super().process_response(request, response)  # streaming, or already encoded
        if len(response.content) < 200:
            return response  # not worth it
        patch_vary_headers(response, ("Accept-Encoding",))
        if not _ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = _gzip(response.content, settings.GZIP_LEVEL, self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _gzip(content: bytes, level: int, max_random_bytes: int) -> bytes:
    """gzip at `level`, with a file name of random length in the header (as django.utils.text.compress_string
    does): the compressed length no longer tells a guess of a secret in the page (BREACH)."""
    data = gzip.compress(content, compresslevel=level, mtime=0)
    header = bytearray(data[:10])
    header[3] = gzip.FNAME
    filename = b"a" * secrets.randbelow(max_random_bytes) + b"\x00"
    return bytes(header) + filename + data[10:]
