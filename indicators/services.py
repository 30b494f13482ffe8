"""Writes to actual values. Every change goes through here so that history is never skipped."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cities.models import Region
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange

BATCH_SIZE = 2000


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
) -> tuple[Observation, str | None]:
    """Create or change one value and record the change. Returns the observation and the action taken
    ("create", "update") or None when nothing changed (then nothing is written, not even history)."""
    value = Decimal(value)
    obs = Observation.objects.select_for_update().filter(region=region, indicator=indicator, year=year).first()
    if obs is None:
        obs = Observation.objects.create(
            region=region,
            indicator=indicator,
            year=year,
            value=value,
            source=source,
            note=note,
            origin=origin,
            updated_by=user,
        )
        _record(obs, ObservationChange.Action.CREATE, None, value, "", source, origin, user, reason)
        return obs, ObservationChange.Action.CREATE
    if obs.value == value and obs.source == source and obs.note == note and obs.origin == origin:
        return obs, None
    old_value, old_source = obs.value, obs.source
    obs.value, obs.source, obs.note, obs.origin, obs.updated_by = value, source, note, origin, user
    obs.save()
    _record(obs, ObservationChange.Action.UPDATE, old_value, value, old_source, source, origin, user, reason)
    return obs, ObservationChange.Action.UPDATE


@transaction.atomic
def observation_delete(*, observation: Observation, user: User | None = None, reason: str = "") -> None:
    # Re-read under lock: the history must hold the value actually deleted, not a caller's stale copy.
    observation = Observation.objects.select_for_update().get(pk=observation.pk)
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
    )
    observation.delete()


@dataclass(frozen=True)
class ObservationWrite:
    region_id: int
    indicator_id: int
    year: int
    value: Decimal
    source: str
    note: str
    observation_id: int | None  # the stored observation to change; None to create one


@transaction.atomic
def observations_write_many(
    writes: list[ObservationWrite],
    *,
    origin: str,
    user: User | None,
    reason: str,
    actuals_import: ActualsImport | None = None,
) -> None:
    """Create and change many values at once, with one history row each: the bulk form of observation_set for
    imports, where one query per value would be far too slow. The caller has compared under lock what it writes
    with what is stored (old values are re-read here for the history)."""
    now = timezone.now()
    updates = {w.observation_id: w for w in writes if w.observation_id is not None}
    old: dict[int, tuple[Decimal, str]] = {}
    for start in range(0, len(updates), BATCH_SIZE):
        ids = list(updates)[start : start + BATCH_SIZE]
        old.update(
            (pk, (value, source))
            for pk, value, source in Observation.objects.filter(pk__in=ids).values_list("pk", "value", "source")
        )
    changed = [
        Observation(
            pk=pk,
            region_id=w.region_id,
            indicator_id=w.indicator_id,
            year=w.year,
            value=w.value,
            source=w.source,
            note=w.note,
            origin=origin,
            updated_at=now,
            updated_by=user,
        )
        for pk, w in updates.items()
    ]
    Observation.objects.bulk_update(
        changed, ["value", "source", "note", "origin", "updated_at", "updated_by"], batch_size=500
    )
    created = Observation.objects.bulk_create(
        [
            Observation(
                region_id=w.region_id,
                indicator_id=w.indicator_id,
                year=w.year,
                value=w.value,
                source=w.source,
                note=w.note,
                origin=origin,
                updated_at=now,
                updated_by=user,
            )
            for w in writes
            if w.observation_id is None
        ],
        batch_size=BATCH_SIZE,
    )
    history = [
        ObservationChange(
            observation_id=obs.pk,
            region_id=obs.region_id,
            indicator_id=obs.indicator_id,
            year=obs.year,
            action=ObservationChange.Action.UPDATE,
            old_value=old[obs.pk][0],
            new_value=obs.value,
            old_source=old[obs.pk][1],
            new_source=obs.source,
            origin=origin,
            reason=reason[:500],
            changed_at=now,
            changed_by=user,
            actuals_import=actuals_import,
        )
        for obs in changed
    ] + [
        ObservationChange(
            observation_id=obs.pk,
            region_id=obs.region_id,
            indicator_id=obs.indicator_id,
            year=obs.year,
            action=ObservationChange.Action.CREATE,
            old_value=None,
            new_value=obs.value,
            old_source="",
            new_source=obs.source,
            origin=origin,
            reason=reason[:500],
            changed_at=now,
            changed_by=user,
            actuals_import=actuals_import,
        )
        for obs in created
    ]
    if any(change.observation_id is None for change in history):  # pragma: no cover - needs RETURNING support
        raise RuntimeError("the database did not return the ids of the created values")
    ObservationChange.objects.bulk_create(history, batch_size=BATCH_SIZE)


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
        origin=origin,
        reason=reason[:500],
        changed_by=user if user is not None and user.pk else None,
    )
