"""Writes to actual values. Every change goes through here so that history is never skipped."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from psycopg2.extras import execute_values

from cities import versioning
from cities.access import can_lock
from cities.models import Region
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange, PeriodLock

BATCH_SIZE = 2000
# First key of the advisory locks on a region's values: pg_advisory_xact_lock(REGION_LOCK, region id). Any constant
# no other advisory lock of this database uses.
REGION_LOCK = 410_001


def lock_regions(region_ids: Iterable[int]) -> None:
    """Until the current transaction ends, nobody else writes the values of these regions.

    Row locks (select_for_update) only cover rows that exist: two imports creating the same new region ×
    indicator × year would both find nothing, both insert, and the second would fail on the unique constraint.
    PostgreSQL: one transaction-level advisory lock per region, taken in id order so that two writers of
    overlapping regions never wait for each other in a circle. SQLite: the database's write lock (see
    write_lock). Whoever compares stored values before writing must compare after this, not before."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_regions() holds its locks until the transaction ends: call it inside atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for region_id in sorted(set(region_ids)):
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REGION_LOCK, region_id])
    else:
        write_lock()


def write_lock() -> None:
    """SQLite: take the database's write lock now (waiting for the writer who holds it, up to the busy timeout).
    SQLite has one writer at a time, and a transaction that reads before it first writes cannot wait for that
    writer: it fails with "database is locked" as soon as another wrote meanwhile. So a transaction that will
    write calls this before it reads what it compares. Other databases: nothing (lock_regions locks what is
    written)."""
    if connection.vendor != "sqlite":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("write_lock() holds the lock until the transaction ends: call it inside atomic()")
    table = connection.ops.quote_name(Observation._meta.db_table)
    with connection.cursor() as cursor:
        # A write that changes nothing: SQLite takes its write (RESERVED) lock for any writing statement.
        cursor.execute(f"UPDATE {table} SET id = id WHERE 1 = 0")  # noqa: S608 — the model's quoted table name


class LockedPeriod(Exception):
    """A write would change a value of a locked region × year. str() names the lock in the active language."""

    def __init__(self, lock: PeriodLock) -> None:
        self.lock = lock
        super().__init__(lock.message())

    def __str__(self) -> str:
        return str(_("%(lock)s: its values cannot be changed.") % {"lock": self.lock.message()})


class LockError(Exception):
    """Locking or unlocking refused (already locked, not locked, no reason). str() in the active language."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message, self.params = message, params
        super().__init__(str(message) % params)

    def __str__(self) -> str:
        return str(self.message) % self.params


def find_lock(periods: Iterable[tuple[int, int]]) -> PeriodLock | None:
    """The active lock covering one of these (region id, year) pairs, if any: one query."""
    periods = set(periods)
    if not periods:
        return None
    years = {year for _region, year in periods}
    regions = {region for region, _year in periods}
    candidates = (
        PeriodLock.objects.filter(unlocked_at__isnull=True, year__in=years)
        .filter(Q(region__isnull=True) | Q(region_id__in=regions))
        .select_related("region", "locked_by")
        .order_by("year", "region_id", "pk")
    )
    for lock in candidates:
        if lock.region_id is None or (lock.region_id, lock.year) in periods:
            return lock
    return None


def refuse_locked(periods: Iterable[tuple[int, int]]) -> None:
    """Raise LockedPeriod if any of these (region id, year) pairs is locked."""
    lock = find_lock(periods)
    if lock is not None:
        raise LockedPeriod(lock)


@transaction.atomic
def period_lock(*, region: Region | None, year: int, user: User | AnonymousUser | None, reason: str = "") -> PeriodLock:
    """Lock a region × year (region None: every region). user None: the operator at the shell."""
    if user is not None and not can_lock(user):
        raise PermissionDenied
    # Taken like a writer takes them: a write running now finishes first, a later one sees the lock.
    lock_regions(Region.objects.values_list("pk", flat=True) if region is None else [region.pk])
    existing = (
        PeriodLock.objects.filter(unlocked_at__isnull=True, year=year, region=region)
        .select_related("region", "locked_by")
        .first()
    )
    if existing is not None:
        raise LockError(_("Already locked: %(lock)s."), lock=existing.message())
    try:
        with transaction.atomic():
            return PeriodLock.objects.create(
                region=region,
                year=year,
                reason=reason.strip()[:500],
                locked_by=user if user is not None and user.pk else None,
            )
    except IntegrityError as exc:  # locked by someone else this very moment
        raise LockError(_("Already locked: %(year)s."), year=year) from exc


@transaction.atomic
def period_unlock(*, lock: PeriodLock, user: User | AnonymousUser | None, reason: str) -> PeriodLock:
    """Unlock, saying why; the lock stays as the record."""
    if user is not None and not can_lock(user):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise LockError(_("Unlocking needs a reason."))
    lock = PeriodLock.objects.select_for_update(of=("self",)).select_related("region", "locked_by").get(pk=lock.pk)
    if not lock.is_active:
        raise LockError(_("Not locked any more: %(lock)s."), lock=lock.message())
    lock.unlocked_at = timezone.now()
    lock.unlocked_by = user if user is not None and user.pk else None
    lock.unlock_reason = reason[:500]
    lock.save(update_fields=["unlocked_at", "unlocked_by", "unlock_reason"])
    return lock


@transaction.atomic
def observation_set(
    *,
    region: Region,
    indicator: Indicator,
    year: int,
    value: Decimal,
    source: str = "",
    note: str = "",
    origin: str = Observation.Origin.MANUAL,
    user: User | None = None,
    reason: str = "",
    stage: str = Observation.Stage.FINAL,
) -> tuple[Observation, str | None]:
    """Create or change one value and record the change. Returns the observation and the action taken
    ("create", "update") or None when nothing changed (then nothing is written, not even history)."""
    value = Decimal(value)
    lock_regions([region.pk])  # a value not stored yet has no row to lock
    obs = Observation.objects.select_for_update().filter(region=region, indicator=indicator, year=year).first()
    if obs is None:
        refuse_locked([(region.pk, year)])  # checked under lock_regions: a lock being set waits or is seen
        obs = Observation.objects.create(
            region=region,
            indicator=indicator,
            year=year,
            value=value,
            source=source,
            note=note,
            origin=origin,
            stage=stage,
            updated_by=user,
        )
        _record(obs, ObservationChange.Action.CREATE, None, value, "", source, origin, user, reason, stages=("", stage))
        return obs, ObservationChange.Action.CREATE
    if (obs.value, obs.source, obs.note, obs.origin, obs.stage) == (value, source, note, origin, stage):
        return obs, None
    refuse_locked([(region.pk, year)])
    old_value, old_source, old_stage = obs.value, obs.source, obs.stage
    obs.value, obs.source, obs.note, obs.origin, obs.updated_by = value, source, note, origin, user
    obs.stage = stage
    obs.save()
    _record(
        obs,
        ObservationChange.Action.UPDATE,
        old_value,
        value,
        old_source,
        source,
        origin,
        user,
        reason,
        stages=(old_stage, stage),
    )
    return obs, ObservationChange.Action.UPDATE


@transaction.atomic
def observation_delete(*, observation: Observation, user: User | None = None, reason: str = "") -> None:
    # Re-read under lock: the history must hold the value actually deleted, not a caller's stale copy.
    lock_regions([observation.region_id])
    observation = Observation.objects.select_for_update().get(pk=observation.pk)
    refuse_locked([(observation.region_id, observation.year)])
    _record(
        observation,
        ObservationChange.Action.DELETE,
        observation.value,
        None,
        observation.source,
        "",
        observation.origin,
        user,
        reason,
        stages=(observation.stage, ""),
    )
    observation.delete()


class ObservationWrite(NamedTuple):
    """One value to write (a tuple: an import builds 200 000 of them; a frozen dataclass costs three times as much)."""

    region_id: int
    indicator_id: int
    year: int
    value: Decimal
    source: str
    note: str
    observation_id: int | None  # the stored observation to change; None to create one
    stage: str = Observation.Stage.FINAL  # estimate (预计值) or final (统计值)


@transaction.atomic
def observations_write_many(
    writes: list[ObservationWrite],
    *,
    origin: str,
    user: User | None,
    reason: str,
    actuals_import: ActualsImport | None = None,
    approved_by: User | None = None,
) -> None:
    """Create and change many values at once, with one history row each: the bulk form of observation_set for
    imports. The caller has compared, under lock_regions, what it writes with what is stored; old values are re-read
    here for the history.

    Plain parameterised SQL rather than bulk_create: building 100 000 model instances and their SQL through the
    ORM took six seconds for a 50 000-value file; the statements themselves are a fraction of that."""
    if not writes:
        return
    lock_regions({w.region_id for w in writes})  # already held by a caller that compared; taken otherwise
    refuse_locked({(w.region_id, w.year) for w in writes})  # every writer, present and future, meets the locks
    versioning.bump()  # the raw SQL and COPY below send no model signal
    ops = connection.ops
    now = timezone.now()
    stamp = ops.adapt_datetimefield_value(now)
    user_id = user.pk if user is not None else None
    import_id = actuals_import.pk if actuals_import is not None else None
    approver_id = approved_by.pk if approved_by is not None else None
    reason = reason[:500]

    def number(value: Decimal | None) -> Any:
        return None if value is None else ops.adapt_decimalfield_value(value, 20, 6)

    updates = [w for w in writes if w.observation_id is not None]
    creates = [w for w in writes if w.observation_id is None]
    old: dict[int, tuple[Decimal, str, str]] = {}
    for start in range(0, len(updates), BATCH_SIZE):
        ids = [w.observation_id for w in updates[start : start + BATCH_SIZE]]
        old.update(
            (pk, (value, source, stage))
            for pk, value, source, stage in Observation.objects.filter(pk__in=ids).values_list(
                "pk", "value", "source", "stage"
            )
        )
    # Creates first: until the updates below run, this call's timestamp marks exactly the rows it created (the
    # caller holds the lock on these keys), so their history is copied from them by the database itself — one
    # INSERT … SELECT, no row sent back and forth.
    _insert_rows(
        Observation,
        ["region", "indicator", "year", "value", "source", "note", "origin", "stage", "updated_at", "updated_by"],
        [
            (w.region_id, w.indicator_id, w.year, number(w.value), w.source, w.note, origin, w.stage, stamp, user_id)
            for w in creates
        ],
    )
    if creates:
        written = _history_of_created(
            stamp,
            {w.region_id for w in creates},
            reason=reason,
            user_id=user_id,
            import_id=import_id,
            approver_id=approver_id,
        )
        if written != len(creates):
            raise RuntimeError(f"{len(creates)} values created but {written} found for their history")
    _update_rows(
        Observation,
        ["value", "source", "note", "origin", "stage", "updated_at", "updated_by"],
        [(number(w.value), w.source, w.note, origin, w.stage, stamp, user_id, w.observation_id) for w in updates],
    )
    history = [
        (
            w.observation_id,
            w.region_id,
            w.indicator_id,
            w.year,
            ObservationChange.Action.UPDATE,
            number(old[w.observation_id][0]),
            number(w.value),
            old[w.observation_id][1],
            w.source,
            old[w.observation_id][2],
            w.stage,
            origin,
            reason,
            stamp,
            user_id,
            import_id,
            approver_id,
        )
        for w in updates
        if w.observation_id is not None
    ]
    _insert_rows(ObservationChange, HISTORY_COLUMNS, history)


HISTORY_COLUMNS = [
    "observation",
    "region",
    "indicator",
    "year",
    "action",
    "old_value",
    "new_value",
    "old_source",
    "new_source",
    "old_stage",
    "new_stage",
    "origin",
    "reason",
    "changed_at",
    "changed_by",
    "actuals_import",
    "approved_by",
]


def _history_of_created(
    stamp: Any, regions: set[int], *, reason: str, user_id: int | None, import_id: int | None, approver_id: int | None
) -> int:
    """One "create" history row per observation of these regions stamped `stamp`: how many were written."""
    o = {name: connection.ops.quote_name(Observation._meta.get_field(name).column) for name in _OBSERVATION_NAMES}  # type: ignore[arg-type, union-attr]
    history = connection.ops.quote_name(ObservationChange._meta.db_table)
    table = connection.ops.quote_name(Observation._meta.db_table)
    selected = [o["id"], o["region"], o["indicator"], o["year"], "%s", "NULL", o["value"], "''", o["source"], "''"]
    selected += [o["stage"]]
    selected += [o["origin"], "%s", o["updated_at"], "%s", "%s", "%s"]
    placeholders = ", ".join(["%s"] * len(regions))
    sql = (
        f"INSERT INTO {history} ({', '.join(_columns(ObservationChange, HISTORY_COLUMNS))}) "  # noqa: S608
        f"SELECT {', '.join(selected)} FROM {table} "
        f"WHERE {o['updated_at']} = %s AND {o['region']} IN ({placeholders}) ORDER BY {o['id']}"
    )
    params = [ObservationChange.Action.CREATE, reason, user_id, import_id, approver_id, stamp, *sorted(regions)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


_OBSERVATION_NAMES = ["id", "region", "indicator", "year", "value", "source", "stage", "origin", "updated_at"]


def _nullable_columns(model: type[models.Model], names: list[str]) -> list[str]:
    """The nullable columns among these fields; refused if one holds text (COPY could not tell NULL from "")."""
    columns = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field) or not field.null:
            continue
        if isinstance(field, models.CharField | models.TextField | models.FileField):
            raise ValueError(f"{model.__name__}.{name}: a nullable text column cannot be written by COPY here")
        columns.append(str(field.column))
    return columns


def _columns(model: type[models.Model], names: list[str]) -> list[str]:
    return [connection.ops.quote_name(model._meta.get_field(name).column) for name in names]  # type: ignore[arg-type, union-attr]


# Table and column names below come from the models' metadata, quoted; every value is a query parameter.
def _insert_rows(model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table, columns = connection.ops.quote_name(model._meta.db_table), ", ".join(_columns(model, fields))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of statements whose parameters psycopg2 would adapt one by one, written by
            # the csv module (in C). It quotes every field but numbers, None too (as ""): FORCE_NULL reads a
            # quoted "" as NULL in the nullable columns — none of them text, so an empty text stays "".
            nullable = _nullable_columns(model, fields)
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
            buffer.seek(0)
            force_null = ""
            if nullable:
                force_null = f", FORCE_NULL ({', '.join(connection.ops.quote_name(c) for c in nullable)})"
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv{force_null})", buffer)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608


def _update_rows(model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE by primary key; each row is the new values in `fields` order, then the id."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = _columns(model, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = [f"c{n}" for n in range(len(fields))]
            assignments = ", ".join(f"{column} = v.{name}" for column, name in zip(columns, names, strict=True))
            # VALUES rows carry no column types: cast each to its column's type.
            casts = [_pg_type(model, name) for name in fields]
            template = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ", %s::bigint)"
            execute_values(
                cursor,
                f"UPDATE {table} SET {assignments} FROM (VALUES %s) AS v({', '.join(names)}, id) "  # noqa: S608
                f"WHERE {table}.id = v.id",
                rows,
                template=template,
                page_size=BATCH_SIZE,
            )
        else:
            assignments = ", ".join(f"{column} = %s" for column in columns)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608


def _pg_type(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(field.db_type(connection) if not field.is_relation else field.target_field.db_type(connection))  # type: ignore[union-attr]


def _record(
    obs: Observation,
    action: str,
    old_value: Decimal | None,
    new_value: Decimal | None,
    old_source: str,
    new_source: str,
    origin: str,
    user: User | None,
    reason: str,
    *,
    stages: tuple[str, str] = ("", ""),
) -> None:
    ObservationChange.objects.create(
        observation=obs,  # nulled by SET_NULL if the observation is later deleted
        region_id=obs.region_id,
        indicator_id=obs.indicator_id,
        year=obs.year,
        action=action,
        old_value=old_value,
        new_value=new_value,
        old_source=old_source,
        new_source=new_source,
        old_stage=stages[0],
        new_stage=stages[1],
        origin=origin,
        reason=reason[:500],
        changed_by=user if user is not None and user.pk else None,
    )
