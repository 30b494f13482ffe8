"""Shared API plumbing: pagination as {"count", "next", "previous", "results"}; token authentication that locks
out an address sending bad tokens."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from config.auth import client_ip

log = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, plus: API_TOKEN_FAILURE_LIMIT bad tokens (unknown, malformed, an inactive
    user's) from one client address, each within API_TOKEN_COOLOFF_MINUTES of the one before, lock that address
    out of token authentication for API_TOKEN_COOLOFF_MINUTES: 429 with Retry-After, a right token included
    (else the lock would still tell a guess right from wrong). Counts live in Django's default cache."""

    def authenticate(self, request: Request) -> Any:
        if not self._sends_token(request):
            return None  # session users and anonymous requests are not this lock's business
        address = client_ip(request) or ""
        self._refuse_if_locked(address)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            self._count_failure(address)
            raise

    def _sends_token(self, request: Request) -> bool:
        words = authentication.get_authorization_header(request).split()
        return bool(words) and words[0].lower() == self.keyword.lower().encode()

    @staticmethod
    def _keys(address: str) -> tuple[str, str]:
        return f"api-token-failures:{address}", f"api-token-locked:{address}"

    def _refuse_if_locked(self, address: str) -> None:
        until = cache.get(self._keys(address)[1])
        if until is not None and until > time.time():
            raise exceptions.Throttled(
                wait=math.ceil(until - time.time()),
                detail=_("Too many invalid API tokens from your address; try again later."),
            )

    def _count_failure(self, address: str) -> None:
        failures_key, locked_key = self._keys(address)
        cool_off = settings.API_TOKEN_COOLOFF_MINUTES * 60
        # get + set, not incr: incr keeps no timeout on some backends (the database cache resets it). Two
        # failures at the same instant may count once; the lock still comes a request later.
        failures = int(cache.get(failures_key, 0)) + 1
        if failures < settings.API_TOKEN_FAILURE_LIMIT:
            cache.set(failures_key, failures, cool_off)
            return
        cache.set(locked_key, time.time() + cool_off, cool_off)
        cache.delete(failures_key)
        log.warning("API token authentication locked for %s after %d bad tokens", address, failures)
        self._refuse_if_locked(address)
