"""The API's exception handler. Its own module: config.api is imported while rest_framework.views loads (for the
authentication class), so it cannot import rest_framework.views itself."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from indicators.services import LockedPeriod, LockError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's, plus: a write into a locked period, or a lock refused, is a 409 saying so in both languages (any
    API view writing actuals gets this without catching it itself)."""
    if isinstance(exc, LockedPeriod | LockError):
        texts = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                texts[language] = str(exc)
        return Response(
            {"detail": str(exc), "detail_zh": texts["zh-hans"], "detail_en": texts["en"]},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
