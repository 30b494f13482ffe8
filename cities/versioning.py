"""The data version: invalidation of everything cached from the data, across workers and servers.

Every write of a model of the project's apps raises DataVersion.version in the writer's own transaction: the
signal receivers below (connected for every model of those apps, the ones added later included, by
CitiesConfig.ready) and an explicit bump() where a write bypasses the signals (raw SQL, COPY, QuerySet.update,
bulk_create). Cached values are keyed on the version read once per request, so once a write has committed no
request reads what was cached before it. The version lives in the database, not in the cache: it is right with
a per-process local-memory cache as with a shared Redis.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.functions import Now
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import get_language

# The apps whose data the pages show (cities is the lowest, so every app may bump). A model added to any of
# them is covered without its author doing anything.
PROJECT_APPS = ("cities", "indicators", "plans", "imports", "dashboard", "config")
T = TypeVar("T")


def new_epoch() -> str:
    return secrets.token_hex(8)


def _model() -> type[models.Model]:
    # Looked up, not imported: CitiesConfig imports this module before the models are loaded.
    return apps.get_model("cities", "DataVersion")


def bump() -> None:
    """Raise the version, inside the caller's transaction. One UPDATE … SET version = version + 1: no read, so two
    writers never write the same number (the second waits for the first's row lock on PostgreSQL)."""
    rows = _model()._default_manager.filter(pk=1)
    if rows.update(version=models.F("version") + 1, changed_at=Now()):
        return
    # The row is gone (a test database flushed): create it, then raise it like any other time.
    _model()._default_manager.get_or_create(pk=1)
    rows.update(version=models.F("version") + 1, changed_at=Now())


def renew_epoch(connection: BaseDatabaseWrapper) -> None:
    """After the whole database behind `connection` was replaced (config.backup.restore): the restored one may
    repeat version numbers of the replaced one, so the epoch in every key changes."""
    table = connection.ops.quote_name(_model()._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET epoch = %s, version = version + 1 WHERE id = 1", [new_epoch()])  # noqa: S608 — the model's quoted table name


def current() -> str:
    """The version now, with its epoch ("" before the row exists)."""
    row = _model()._default_manager.filter(pk=1).values_list("epoch", "version").first()
    return f"{row[0]}-{row[1]}" if row else ""


def request_version(request: Any) -> str:
    """The version for this request, read once: every cached part of one response agrees on it."""
    version = getattr(request, "_data_version", None)
    if version is None:
        version = current()
        request._data_version = version
    return str(version)


def key(request: Any, *parts: object) -> str:
    """A cache key: the data version, the language, the method's settings and the caller's parts (path + query
    string, scope)."""
    # The method's settings too: a restart with new thresholds must not serve statuses judged with the old ones
    # from a shared Redis.
    method = (sorted(settings.PROGRESS_THRESHOLDS.items()), settings.PLAN_CONSISTENCY_TOLERANCE)
    raw = "\x1f".join(str(part) for part in (request_version(request), get_language() or "", method, *parts))
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(request: Any, parts: tuple[object, ...], compute: Callable[[], T]) -> tuple[T, bool]:
    """The cached value for these parts at this request's version, computed and stored when missing.
    Returns (value, computed). PAGE_CACHE=false computes every time (the benchmark's uncached run)."""
    if not settings.PAGE_CACHE:
        return compute(), True
    cache_key = key(request, *parts)
    value = cache.get(cache_key)
    if value is not None:
        return value, False
    value = compute()
    cache.set(cache_key, value, settings.PAGE_CACHE_SECONDS)
    return value, True


def _changed(sender: type[models.Model], **kwargs: Any) -> None:
    bump()


def _m2m_changed(sender: type[models.Model], action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        bump()


def _migrated(sender: Any, **kwargs: Any) -> None:
    # A deploy migrates: its new code renders pages differently and its migrations may have changed rows.
    if sender.label == "cities":
        bump()


def connect() -> None:
    """Connect the receivers for every model of the project's apps (auto-created m2m tables included)."""
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model is _model():
                continue
            uid = f"data-version:{model._meta.label}"
            post_save.connect(_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(_changed, sender=model, dispatch_uid=uid)
            m2m_changed.connect(_m2m_changed, sender=model, dispatch_uid=uid)
    post_migrate.connect(_migrated, dispatch_uid="data-version:migrate")
